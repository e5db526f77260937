//! Reading tables known only at run time: what a data browser (`orm studio`) needs from a
//! [`Database`] besides models.

use super::Database;
use crate::error::Result;
use crate::query::{Browse, Cond};
use crate::schema::Table;
use crate::value::Value;

impl Database {
    /// One page of `table`'s rows (a table from [`introspect`](Database::introspect)), each row
    /// its columns' values in the table's column order. Sorted by the primary key unless
    /// [`Browse::sort`] says otherwise; [`Browse::after`] continues after a key (keyset paging).
    ///
    /// ```no_run
    /// # async fn demo(db: &orm_core::Database) -> orm_core::Result<()> {
    /// use orm_core::query::Browse;
    /// let schema = db.introspect().await?;
    /// let users = &schema.tables["users"];
    /// let first = db.browse(users, &Browse::new(50)).await?;
    /// let id = users.columns.iter().position(|c| c.name == "id").unwrap();
    /// if let Some(last) = first.last() {
    ///     let second = db.browse(users, &Browse::new(50).after(vec![last[id].clone()])).await?;
    ///     # let _ = second;
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn browse(&self, table: &Table, q: &Browse) -> Result<Vec<Vec<Value>>> {
        let planned = q.plan(table)?;
        self.driver.browse(table, &planned).await
    }

    /// How many rows of `table` match `filter`, counted exactly (a scan on a large table).
    ///
    /// ```no_run
    /// # async fn demo(db: &orm_core::Database) -> orm_core::Result<()> {
    /// use orm_core::query::{CmpOp, Cond};
    /// use orm_core::Value;
    /// let schema = db.introspect().await?;
    /// let adults = Cond::Compare { column: "age".into(), op: CmpOp::Gte, value: Value::I32(Some(18)) };
    /// let n = db.count_rows(&schema.tables["users"], Some(&adults)).await?;
    /// # let _ = n;
    /// # Ok(()) }
    /// ```
    pub async fn count_rows(&self, table: &Table, filter: Option<&Cond>) -> Result<u64> {
        self.driver.count_rows(table, filter).await
    }

    /// The number of rows the backend's statistics give for `table`, without counting:
    /// PostgreSQL's `pg_class.reltuples`, MySQL's `information_schema.TABLES.TABLE_ROWS`, MongoDB's
    /// collection metadata (`estimatedDocumentCount`). `None` where there is no estimate (SQLite;
    /// a PostgreSQL table never analysed).
    ///
    /// ```no_run
    /// # async fn demo(db: &orm_core::Database) -> orm_core::Result<()> {
    /// let schema = db.introspect().await?;
    /// match db.estimate_rows(&schema.tables["events"]).await? {
    ///     Some(n) => println!("about {n} rows"),
    ///     None => println!("no estimate; count_rows counts"),
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn estimate_rows(&self, table: &Table) -> Result<Option<u64>> {
        self.driver.estimate_rows(table).await
    }
}
