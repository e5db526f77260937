//! Tables known at run time on the SQL backends: a page, a count, the catalog's estimate, and
//! one-row writes by key.

use super::{Ctx, SqlDriver};
use crate::error::Result;
use crate::query::{Cond, BrowsePlan};
use crate::schema::{ColumnType, Table};
use crate::sql::{self, Dialect};
use crate::value::Value;

const CTX: Ctx = Ctx { model: "browse", operation: "browse" };

impl SqlDriver {
    pub(super) async fn browse_page(&self, table: &Table, q: &BrowsePlan) -> Result<Vec<Vec<Value>>> {
        let types: Vec<ColumnType> = table.columns.iter().map(|c| c.ty).collect();
        self.fetch_values(None, CTX, &sql::browse_statement(table, q, self.dialect), &types).await
    }

    pub(super) async fn count_table_rows(&self, table: &Table, filter: Option<&Cond>) -> Result<u64> {
        let n = self.fetch_i64(None, Ctx { operation: "count", ..CTX }, &sql::count_rows_statement(table, filter, self.dialect)).await?;
        Ok(n.max(0) as u64)
    }

    pub(super) async fn estimate_table_rows(&self, table: &Table) -> Result<Option<u64>> {
        let (text, name) = match self.dialect {
            // -1: never analysed (PostgreSQL 14 and later), or no such table.
            Dialect::Postgres => (
                "SELECT COALESCE((SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass($1)), -1)",
                sql::quote_ident(&table.name, Dialect::Postgres),
            ),
            Dialect::MySql => (
                "SELECT CAST(COALESCE((SELECT TABLE_ROWS FROM information_schema.TABLES \
                 WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?), -1) AS SIGNED)",
                table.name.clone(),
            ),
            Dialect::Sqlite => return Ok(None),
        };
        let rows: Vec<(i64,)> = self.raw_query(None, text, [Value::String(Some(name))]).await?;
        Ok(rows.first().and_then(|(n,)| u64::try_from(*n).ok()))
    }

    pub(super) async fn insert_table_record(&self, table: &Table, values: Vec<(String, Value)>) -> Result<()> {
        let columns: Vec<&str> = values.iter().map(|(c, _)| c.as_str()).collect();
        let row: Vec<Value> = values.iter().map(|(_, v)| v.clone()).collect();
        let stmt = sql::insert_statement(&table.name, &columns, [row], None).map_err(|e| crate::Error::InvalidQuery { model: "record", message: e.to_string() })?;
        self.execute(None, Ctx { operation: "insert", ..CTX }, &stmt).await.map(|_| ())
    }

    pub(super) async fn update_table_record(&self, table: &Table, key: &Cond, values: Vec<(String, Value)>) -> Result<u64> {
        let sets: Vec<(&str, Value)> = values.iter().map(|(c, v)| (c.as_str(), v.clone())).collect();
        self.execute(None, Ctx { operation: "update", ..CTX }, &sql::update_statement(&table.name, sets, key, self.dialect)).await
    }

    pub(super) async fn delete_table_record(&self, table: &Table, key: &Cond) -> Result<u64> {
        self.execute(None, Ctx { operation: "delete", ..CTX }, &sql::delete_statement(&table.name, Some(key), self.dialect)).await
    }
}
