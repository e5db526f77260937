//! The [`Driver`] operations on SQL: the query IR lowered by `crate::sql`, run on the pool or in a
//! transaction.

use super::{Batch, Ctx, SqlConn, SqlDriver, SqlTx};
use crate::capability::BackendKind;
use crate::driver::{Driver, QueryCount};
use crate::error::{Error, Result};
use crate::query::model::{insert_row, key_filter, stamped_values, update_values, Model};
use crate::query::rows::{NewRow, Rows};
use crate::query::{filter::live, CmpOp, Cond, DeleteMany, Filter, Select, UpdateMany};
use crate::row::FromRow;
use crate::schema::{ColumnType, Table};
use crate::sql::kept::{self, Shape};
use crate::sql::{self, ddl, Dialect};
use crate::value::Value;

/// Rows per PostgreSQL `UNNEST` insert.
#[cfg(feature = "postgres")]
const UNNEST_CHUNK_ROWS: usize = 50_000;

fn ctx<M: Model>(operation: &'static str) -> Ctx {
    Ctx { model: M::NAME, operation }
}

fn build_err(model: &'static str, e: sea_query::error::Error) -> Error {
    Error::InvalidQuery { model, message: e.to_string() }
}

impl SqlDriver {
    /// The row with primary key `key`, read back after a write that could not return it.
    async fn read_back<M: Model>(&self, tx: Option<&mut SqlTx>, key: Vec<Value>, operation: &'static str) -> Result<M> {
        let mut q = Select::<M>::new().filter(key_filter(key));
        q.limit = Some(1);
        self.find(tx, &q).await?.into_iter().next().ok_or(Error::NotFound { model: M::NAME, operation })
    }

    /// Inserts a row where the database cannot return it (MySQL), and reads it back by its key:
    /// the key as inserted, or the one the database generated (`LAST_INSERT_ID`).
    #[cfg(feature = "mysql")]
    async fn insert_read_back<M: Model>(&self, mut tx: Option<&mut SqlTx>, ctx: Ctx, columns: Vec<&'static str>, values: Vec<Value>) -> Result<M> {
        let key: Vec<Value> = M::schema()
            .primary_key
            .iter()
            .map(|pk| columns.iter().position(|c| c == pk).map(|i| values[i].clone()))
            .collect::<Option<_>>()
            .unwrap_or_default();
        let (sql, values) = kept::statement::<M, _, _>(self.dialect, Shape::Insert, values, |values| {
            sql::insert_statement(&M::schema().name, &columns, [values], None).map_err(|e| build_err(M::NAME, e))
        })?;
        let id = self.execute_insert_mysql(tx.as_deref_mut(), ctx, &sql, values).await?;
        let key = if key.is_empty() { vec![Value::I64(Some(id as i64))] } else { key };
        self.read_back(tx, key, "insert").await
    }

    #[cfg(not(feature = "mysql"))]
    async fn insert_read_back<M: Model>(&self, _: Option<&mut SqlTx>, _: Ctx, _: Vec<&'static str>, _: Vec<Value>) -> Result<M> {
        unreachable!("only MySQL lacks RETURNING")
    }
}

impl SqlDriver {
    /// Multi-row `INSERT ... VALUES` statements for `rows`, as many rows each as the backend's
    /// bind-parameter limit allows: full chunks share one statement text.
    fn values_batches(&self, table: &str, columns: &[&'static str], mut rows: impl Iterator<Item = Vec<Value>>) -> Vec<Batch> {
        let chunk_rows = (self.dialect.max_bind_params() / columns.len()).max(1);
        let mut batches = Vec::new();
        loop {
            let mut flat: Vec<sea_query::Value> = Vec::with_capacity(chunk_rows.min(1024) * columns.len());
            let mut n = 0;
            for row in rows.by_ref().take(chunk_rows) {
                flat.extend(row.into_iter().map(sea_query::Value::from));
                n += 1;
            }
            if n == 0 {
                return batches;
            }
            let text = sql::values_insert(table, columns, n, None, self.dialect);
            batches.push(Batch::Values(text, self.dialect.adapt_values(flat)));
        }
    }
}

impl Driver for SqlDriver {
    type Tx = SqlTx;
    type Conn = SqlConn;

    fn kind(&self) -> BackendKind {
        self.dialect.backend()
    }

    fn queries(&self) -> &QueryCount {
        &self.queries
    }

    fn scoped(&self) -> Self {
        SqlDriver { queries: self.queries.scoped(), ..self.clone() }
    }

    fn database_name(&self) -> &str {
        ""
    }

    async fn close(&self) {
        match &self.pool {
            #[cfg(feature = "postgres")]
            super::SqlPool::Pg(p) => p.close().await,
            #[cfg(feature = "mysql")]
            super::SqlPool::My(p) => p.close().await,
            #[cfg(feature = "sqlite")]
            super::SqlPool::Lite(p) => p.close().await,
        }
    }

    async fn server_version(&self) -> Result<String> {
        let sql = if self.dialect == Dialect::Sqlite { "SELECT 'SQLite ' || sqlite_version()" } else { "SELECT version()" };
        let rows: Vec<(String,)> = self.query(sql, []).await?;
        Ok(rows.into_iter().next().map(|r| r.0).unwrap_or_default())
    }

    async fn begin(&self) -> Result<SqlTx> {
        self.begin_tx().await
    }

    async fn savepoint(tx: &mut SqlTx, op: crate::sql::Savepoint, name: &str) -> Result<()> {
        let sql = op.sql(name, tx.dialect());
        SqlDriver::exec_text(tx, &sql).await
    }

    async fn commit(tx: SqlTx) -> Result<()> {
        super::tx_end(tx, true).await
    }

    async fn rollback(tx: SqlTx) -> Result<()> {
        super::tx_end(tx, false).await
    }

    async fn insert<M: Model>(&self, tx: Option<&mut SqlTx>, model: &M) -> Result<M> {
        let ctx = ctx::<M>("insert");
        let (columns, values) = insert_row(model);
        if self.dialect.capability().returning {
            let (sql, values) = kept::statement::<M, _, _>(self.dialect, Shape::Insert, values, |values| {
                sql::insert_statement(&M::schema().name, &columns, [values], Some(M::column_names())).map_err(|e| build_err(M::NAME, e))
            })?;
            let rows: Vec<M> = self.fetch_built(tx, ctx, &sql, values).await?;
            return rows.into_iter().next().ok_or(Error::NotFound { model: M::NAME, operation: "insert" });
        }
        self.insert_read_back(tx, ctx, columns, values).await
    }

    async fn insert_many<M: Model>(&self, tx: Option<&mut SqlTx>, rows: Rows<'_, M>) -> Result<u64> {
        if rows.is_empty() {
            return Ok(0);
        }
        let new = NewRow::of::<M>();
        let table = &M::schema().name;
        let values = rows.into_values().map(|row| new.insert_values(row).collect::<Vec<Value>>());
        if new.columns.is_empty() {
            // Only database-generated columns: one DEFAULT VALUES row each.
            let stmt = |_| sql::insert_statement(table, &[], [Vec::new()], None).map_err(|e| build_err(M::NAME, e)).map(|s| Batch::Insert(Box::new(s)));
            let batches = values.map(stmt).collect::<Result<Vec<_>>>()?;
            return self.execute_all_in_transaction(tx, ctx::<M>("insert_many"), batches).await;
        }
        let mut batches = Vec::new();
        #[cfg(feature = "postgres")]
        if self.dialect == Dialect::Postgres {
            // One array per column: no bind-parameter limit, so chunks only bound the message size.
            let mut values = values;
            loop {
                let chunk: Vec<Vec<Value>> = values.by_ref().take(UNNEST_CHUNK_ROWS).collect();
                if chunk.is_empty() {
                    break;
                }
                match sql::unnest::UnnestInsert::new(table, &new.columns, chunk) {
                    Ok(insert) => batches.push(Batch::Unnest(insert)),
                    Err(mixed) => batches.extend(self.values_batches(table, &new.columns, mixed.into_iter())),
                }
            }
            return self.execute_all_in_transaction(tx, ctx::<M>("insert_many"), batches).await;
        }
        batches.extend(self.values_batches(table, &new.columns, values));
        self.execute_all_in_transaction(tx, ctx::<M>("insert_many"), batches).await
    }

    async fn upsert<M: Model>(&self, mut tx: Option<&mut SqlTx>, model: &M, target: &[&str], by_key: bool) -> Result<M> {
        let schema = M::schema();
        // Upserting by the primary key sends the key; by another key the database keeps or makes it.
        let (columns, values): (Vec<&'static str>, Vec<Value>) =
            if by_key { M::column_names().iter().copied().zip(stamped_values(model)).unzip() } else { insert_row(model) };
        // An existing row keeps its key and its creation time.
        let created = M::roles().created_at;
        let updates: Vec<&str> =
            columns.iter().copied().filter(|c| !target.contains(c) && !schema.is_primary_key(c) && Some(*c) != created).collect();
        let all_values = model.values();
        let target_values: Vec<Value> = target
            .iter()
            .map(|t| M::column_names().iter().position(|c| c == t).map(|i| all_values[i].clone()))
            .collect::<Option<_>>()
            .ok_or_else(|| Error::InvalidQuery { model: M::NAME, message: "upsert target is not a column".into() })?;
        let returning = self.dialect.capability().returning.then(M::column_names);
        let stmt = sql::upsert_statement(&schema.name, &columns, values, target, &updates, returning).map_err(|e| build_err(M::NAME, e))?;
        let ctx = ctx::<M>("upsert");
        if returning.is_some() {
            let rows: Vec<M> = self.fetch(tx, ctx, &stmt).await?;
            return rows.into_iter().next().ok_or(Error::NotFound { model: M::NAME, operation: "upsert" });
        }
        self.execute(tx.as_deref_mut(), ctx, &stmt).await?;
        let filter = Cond::And(
            target.iter().zip(target_values).map(|(c, value)| Cond::Compare { column: c.to_string(), op: CmpOp::Eq, value }).collect(),
        );
        let mut q = Select::<M>::new().filter(Filter::from_cond(filter));
        q.limit = Some(1);
        self.find(tx, &q).await?.into_iter().next().ok_or(Error::NotFound { model: M::NAME, operation: "find" })
    }

    async fn update<M: Model>(&self, mut tx: Option<&mut SqlTx>, model: &M) -> Result<M> {
        let schema = M::schema();
        let key = model.key_values();
        // The creation time is the stored one: a model built with a placeholder must not overwrite it.
        let created_at = M::roles().created_at;
        let (columns, mut values): (Vec<&str>, Vec<Value>) = M::column_names()
            .iter()
            .copied()
            .zip(update_values(model))
            .filter(|(c, _)| !schema.is_primary_key(c) && Some(*c) != created_at)
            .unzip();
        if columns.is_empty() {
            return self.read_back(tx, key, "update").await;
        }
        let returning = self.dialect.capability().returning;
        let sets = values.len();
        values.extend(key);
        let (sql, values) = kept::statement::<M, _, Error>(self.dialect, Shape::Update, values, |mut values| {
            let key = live::<M>(Some(&key_filter::<M>(values.split_off(sets)).into_cond()), false).unwrap_or(Cond::And(vec![]));
            let mut stmt = sql::update_statement(&schema.name, columns.iter().copied().zip(values).collect(), &key, self.dialect);
            if returning {
                stmt.returning(sea_query::Query::returning().columns(M::column_names().iter().map(|c| c.to_string())));
            }
            Ok(stmt)
        })?;
        if returning {
            let rows: Vec<M> = self.fetch_built(tx, ctx::<M>("update"), &sql, values).await?;
            return rows.into_iter().next().ok_or(Error::NotFound { model: M::NAME, operation: "update" });
        }
        // MySQL: the row as stored is read back in the same transaction (or right after).
        match self.execute_built(tx.as_deref_mut(), ctx::<M>("update"), &sql, values).await? {
            0 => Err(Error::NotFound { model: M::NAME, operation: "update" }),
            _ => self.read_back(tx, model.key_values(), "update").await,
        }
    }

    async fn delete_by_key<M: Model>(&self, tx: Option<&mut SqlTx>, key: Vec<Value>) -> Result<()> {
        let (sql, values) = kept::statement::<M, _, Error>(self.dialect, Shape::DeleteByKey, key, |key| {
            Ok(sql::delete_statement(&M::schema().name, Some(&key_filter::<M>(key).into_cond()), self.dialect))
        })?;
        match self.execute_built(tx, ctx::<M>("delete"), &sql, values).await? {
            0 => Err(Error::NotFound { model: M::NAME, operation: "delete" }),
            _ => Ok(()),
        }
    }

    async fn find<M: Model, R: FromRow>(&self, tx: Option<&mut SqlTx>, q: &Select<M, R>) -> Result<Vec<R>> {
        if self.dialect == Dialect::Sqlite {
            q.refuse_skip_locked("SQLite")?;
        }
        let Some((shape, values)) = kept::select_shape(q) else {
            return self.fetch(tx, ctx::<M>("find"), &sql::select_statement(q, self.dialect)).await;
        };
        let (sql, values) = kept::statement::<M, _, Error>(self.dialect, shape, values, |_| Ok(sql::select_statement(q, self.dialect)))?;
        self.fetch_built(tx, ctx::<M>("find"), &sql, values).await
    }

    async fn find_values<M: Model, R: FromRow>(&self, tx: Option<&mut SqlTx>, q: &Select<M, R>, types: &[ColumnType]) -> Result<Vec<Vec<Value>>> {
        self.fetch_values(tx, ctx::<M>("find"), &sql::select_statement(q, self.dialect), types).await
    }

    async fn count<M: Model, R: FromRow>(&self, tx: Option<&mut SqlTx>, q: &Select<M, R>) -> Result<u64> {
        let n = self.fetch_i64(tx, ctx::<M>("count"), &sql::count_statement(q, self.dialect)).await?;
        Ok(n.max(0) as u64)
    }

    async fn exists<M: Model, R: FromRow>(&self, tx: Option<&mut SqlTx>, q: &Select<M, R>) -> Result<bool> {
        let (text, values) = sql::RenderWith::build_with(&sql::exists_statement(q, self.dialect), self.dialect);
        self.fetch_any_built(tx, ctx::<M>("exists"), &text, values).await
    }

    async fn update_many<M: Model>(&self, tx: Option<&mut SqlTx>, q: &UpdateMany<M>) -> Result<u64> {
        let (sets, live_filter) = q.effective();
        let build = || sql::update_many_statement(&M::schema().name, &sets, live_filter.as_ref(), self.dialect);
        let Some((shape, values)) = kept::update_many_shape(&sets, live_filter.as_ref()) else {
            return self.execute(tx, ctx::<M>("update_many"), &build()).await;
        };
        let (sql, values) = kept::statement::<M, _, Error>(self.dialect, shape, values, |_| Ok(build()))?;
        self.execute_built(tx, ctx::<M>("update_many"), &sql, values).await
    }

    async fn delete_many<M: Model>(&self, tx: Option<&mut SqlTx>, q: &DeleteMany<M>) -> Result<u64> {
        let build = || sql::delete_statement(&M::schema().name, q.filter.as_ref(), self.dialect);
        let Some((shape, values)) = kept::delete_many_shape(q.filter.as_ref()) else {
            return self.execute(tx, ctx::<M>("delete_many"), &build()).await;
        };
        let (sql, values) = kept::statement::<M, _, Error>(self.dialect, shape, values, |_| Ok(build()))?;
        self.execute_built(tx, ctx::<M>("delete_many"), &sql, values).await
    }

    async fn create_table(&self, mut tx: Option<&mut SqlTx>, model: &'static str, table: &Table, if_not_exists: bool) -> Result<()> {
        let ctx = Ctx { model, operation: "create_table" };
        // MySQL has no CREATE INDEX IF NOT EXISTS; the table's existence decides for its indexes there.
        if if_not_exists && self.dialect == Dialect::MySql && self.table_exists(tx.as_deref_mut(), &table.name).await? {
            return Ok(());
        }
        for stmt in ddl::create_table_sql(table, if_not_exists, self.dialect) {
            self.execute_ddl(tx.as_deref_mut(), ctx, &stmt).await?;
        }
        Ok(())
    }

    async fn drop_table(&self, tx: Option<&mut SqlTx>, model: &'static str, table: &Table) -> Result<()> {
        let sql = ddl::drop_table_sql(&table.name, true, self.dialect);
        self.execute_ddl(tx, Ctx { model, operation: "drop_table" }, &sql).await
    }

    async fn table_exists(&self, tx: Option<&mut SqlTx>, name: &str) -> Result<bool> {
        let sql = ddl::table_exists_sql(self.dialect);
        let values = sql::SqlxValues(sea_query::Values(vec![sea_query::Value::String(Some(name.to_string()))]));
        self.fetch_any_built(tx, Ctx { model: "schema", operation: "table_exists" }, sql, values).await
    }

    async fn introspect(&self, _sample: usize) -> Result<Vec<Table>> {
        super::introspect::tables(self).await
    }

    async fn browse(&self, table: &Table, q: &crate::query::BrowsePlan) -> Result<Vec<Vec<Value>>> {
        self.browse_page(table, q).await
    }

    async fn count_rows(&self, table: &Table, filter: Option<&Cond>) -> Result<u64> {
        self.count_table_rows(table, filter).await
    }

    async fn estimate_rows(&self, table: &Table) -> Result<Option<u64>> {
        self.estimate_table_rows(table).await
    }

    async fn insert_record(&self, table: &Table, values: Vec<(String, Value)>) -> Result<()> {
        self.insert_table_record(table, values).await
    }

    async fn update_record(&self, table: &Table, key: &Cond, values: Vec<(String, Value)>) -> Result<u64> {
        self.update_table_record(table, key, values).await
    }

    async fn delete_record(&self, _schema: &crate::schema::Schema, table: &Table, key: &Cond) -> Result<u64> {
        self.delete_table_record(table, key).await
    }

    async fn migration_conn(&self) -> Result<SqlConn> {
        SqlConn::open(self).await
    }
}
