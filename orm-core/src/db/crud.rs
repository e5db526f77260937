//! The CRUD operations of [`Database`].

use super::exec::Ctx;
use super::Database;
use crate::error::{Error, Result};
use crate::model::{key_filter, AnyColumn, Model};
use crate::query::{DeleteMany, Select, UpdateMany};
use crate::row::FromRow;
use crate::sql::{self, ddl, RenderWith};
use crate::value::Value;

fn ctx<M: Model>(operation: &'static str) -> Ctx {
    Ctx { model: M::NAME, operation }
}

fn build_err(model: &'static str, e: sea_query::error::Error) -> Error {
    Error::InvalidQuery { model, message: e.to_string() }
}

/// The model's columns and values for an INSERT: every column but the auto-increment one.
fn insert_row<M: Model>(model: &M) -> (Vec<&'static str>, Vec<Value>) {
    let schema = M::schema();
    M::column_names()
        .iter()
        .zip(model.values())
        .filter(|(name, _)| !schema.column_named(name).is_some_and(|c| c.auto_increment))
        .map(|(name, v)| (*name, v))
        .unzip()
}

impl Database {
    /// Inserts one row and returns it as stored: with its generated auto-increment key (the
    /// auto-increment field's value in `model` is ignored).
    pub async fn insert<M: Model>(&self, model: &M) -> Result<M> {
        let ctx = ctx::<M>("insert");
        let table = &M::schema().name;
        let (columns, values) = insert_row(model);
        if self.dialect().supports_returning() {
            let stmt = sql::insert_statement(table, &columns, [values], Some(M::column_names()))
                .map_err(|e| build_err(M::NAME, e))?;
            let rows: Vec<M> = self.fetch(ctx, &stmt).await?;
            return rows.into_iter().next().ok_or(Error::NotFound { model: M::NAME, operation: "insert" });
        }
        #[cfg(feature = "mysql")]
        {
            let stmt = sql::insert_statement(table, &columns, [values], None).map_err(|e| build_err(M::NAME, e))?;
            let id = self.execute_insert_mysql(ctx, &stmt).await?;
            let mut key = model.key_values();
            if M::schema().auto_increment_column().is_some() {
                key = vec![Value::I64(Some(id as i64))];
            }
            Select::<M>::new().filter(key_filter(key)).get(self).await
        }
        #[cfg(not(feature = "mysql"))]
        unreachable!("only MySQL lacks RETURNING")
    }

    /// Inserts many rows with multi-row INSERTs, chunked under the backend's bind-parameter limit,
    /// all in one transaction: either every row is stored or none is. Returns the number inserted.
    pub async fn insert_many<M: Model>(&self, models: &[M]) -> Result<u64> {
        let Some(first) = models.first() else { return Ok(0) };
        let (columns, _) = insert_row(first);
        let per_row = columns.len().max(1);
        let chunk_rows = (self.dialect().max_bind_params() / per_row).max(1);
        let table = &M::schema().name;
        let mut stmts = Vec::with_capacity(models.len().div_ceil(chunk_rows));
        for chunk in models.chunks(chunk_rows) {
            let rows = chunk.iter().map(|m| insert_row(m).1);
            stmts.push(sql::insert_statement(table, &columns, rows, None).map_err(|e| build_err(M::NAME, e))?);
        }
        self.execute_all_in_transaction(ctx::<M>("insert_many"), &stmts).await
    }

    /// Inserts `model`, or updates every other column of the row with the same primary key.
    /// Returns the row as stored.
    pub async fn upsert<M: Model>(&self, model: &M) -> Result<M> {
        let pk: Vec<&str> = M::schema().primary_key.iter().map(String::as_str).collect();
        self.upsert_by(model, &pk, true).await
    }

    /// Inserts `model`, or, when a row with the same values in the unique `columns` exists, updates
    /// that row's other columns (not its primary key). Returns the row as stored.
    ///
    /// ```no_run
    /// # use orm_core::{Database, Model};
    /// # #[derive(Model, Debug, Clone)]
    /// # struct User { #[orm(primary_key, auto_increment)] id: i64, #[orm(unique)] email: String, name: String }
    /// # async fn demo(db: &Database, user: User) -> orm_core::Result<()> {
    /// let stored = db.upsert_on(&user, &[&User::EMAIL]).await?;
    /// # Ok(()) }
    /// ```
    pub async fn upsert_on<M: Model>(&self, model: &M, columns: &[&dyn AnyColumn<M>]) -> Result<M> {
        let target: Vec<&str> = columns.iter().map(|c| c.column_name()).collect();
        if target.is_empty() {
            return Err(Error::InvalidQuery { model: M::NAME, message: "upsert_on needs at least one column".into() });
        }
        self.upsert_by(model, &target, false).await
    }

    async fn upsert_by<M: Model>(&self, model: &M, target: &[&str], by_key: bool) -> Result<M> {
        let schema = M::schema();
        // Upserting by the primary key sends the key; by another key the database keeps or makes it.
        let (columns, values): (Vec<&'static str>, Vec<Value>) = if by_key {
            M::column_names().iter().copied().zip(model.values()).unzip()
        } else {
            insert_row(model)
        };
        let updates: Vec<&str> = columns
            .iter()
            .copied()
            .filter(|c| !target.contains(c) && !schema.is_primary_key(c))
            .collect();
        let all_values = model.values();
        let target_values: Vec<Value> = target
            .iter()
            .map(|t| M::column_names().iter().position(|c| c == t).map(|i| all_values[i].clone()))
            .collect::<Option<_>>()
            .ok_or_else(|| Error::InvalidQuery { model: M::NAME, message: "upsert target is not a column".into() })?;
        let returning = self.dialect().supports_returning().then(M::column_names);
        let stmt = sql::upsert_statement(&schema.name, &columns, values, target, &updates, returning)
            .map_err(|e| build_err(M::NAME, e))?;
        let ctx = ctx::<M>("upsert");
        if returning.is_some() {
            let rows: Vec<M> = self.fetch(ctx, &stmt).await?;
            return rows.into_iter().next().ok_or(Error::NotFound { model: M::NAME, operation: "upsert" });
        }
        self.execute(ctx, &stmt).await?;
        let filter = crate::query::Cond::And(
            target
                .iter()
                .zip(target_values)
                .map(|(c, value)| crate::query::Cond::Compare { column: c.to_string(), op: crate::query::CmpOp::Eq, value })
                .collect(),
        );
        Select::<M>::new().filter(crate::query::Filter::from_cond(filter)).get(self).await
    }

    /// Writes every non-key column of `model` to the row with its primary key;
    /// [`Error::NotFound`] when there is no such row.
    pub async fn update<M: Model>(&self, model: &M) -> Result<()> {
        let schema = M::schema();
        let key = key_filter::<M>(model.key_values()).into_cond();
        let sets: Vec<(&str, Value)> = M::column_names()
            .iter()
            .copied()
            .zip(model.values())
            .filter(|(c, _)| !schema.is_primary_key(c))
            .collect();
        let found = if sets.is_empty() {
            Select::<M>::new().filter(crate::query::Filter::from_cond(key)).exists(self).await?
        } else {
            let stmt = sql::update_statement(&schema.name, sets, &key, self.dialect());
            self.execute(ctx::<M>("update"), &stmt).await? > 0
        };
        if found { Ok(()) } else { Err(Error::NotFound { model: M::NAME, operation: "update" }) }
    }

    /// Deletes the row with `model`'s primary key; [`Error::NotFound`] when there is none.
    pub async fn delete<M: Model>(&self, model: &M) -> Result<()> {
        self.delete_by_pk::<M>(model.key_values()).await
    }

    /// Deletes the row with primary key `key`; [`Error::NotFound`] when there is none.
    pub async fn delete_by_key<M: Model>(&self, key: M::Key) -> Result<()> {
        self.delete_by_pk::<M>(crate::model::KeyValues::key_values(key)).await
    }

    async fn delete_by_pk<M: Model>(&self, key: Vec<Value>) -> Result<()> {
        let cond = key_filter::<M>(key).into_cond();
        let stmt = sql::delete_statement(&M::schema().name, Some(&cond), self.dialect());
        match self.execute(ctx::<M>("delete"), &stmt).await? {
            0 => Err(Error::NotFound { model: M::NAME, operation: "delete" }),
            _ => Ok(()),
        }
    }

    pub(crate) async fn select_all<M: Model, R: FromRow>(&self, q: &Select<M, R>) -> Result<Vec<R>> {
        q.check_columns()?;
        self.fetch(ctx::<M>("find"), &sql::select_statement(q, self.dialect())).await
    }

    pub(crate) async fn select_count<M: Model, R: FromRow>(&self, q: &Select<M, R>) -> Result<u64> {
        let n = self.fetch_i64(ctx::<M>("count"), &sql::count_statement(q, self.dialect())).await?;
        Ok(n.max(0) as u64)
    }

    pub(crate) async fn select_exists<M: Model, R: FromRow>(&self, q: &Select<M, R>) -> Result<bool> {
        self.fetch_any(ctx::<M>("exists"), &sql::exists_statement(q, self.dialect())).await
    }

    pub(crate) async fn update_many<M: Model>(&self, q: &UpdateMany<M>) -> Result<u64> {
        if q.sets.is_empty() {
            return Err(Error::InvalidQuery { model: M::NAME, message: "update_many sets no column".into() });
        }
        let stmt = sql::update_many_statement(&M::schema().name, &q.sets, q.filter.as_ref(), self.dialect());
        self.execute(ctx::<M>("update_many"), &stmt).await
    }

    pub(crate) async fn delete_many<M: Model>(&self, q: &DeleteMany<M>) -> Result<u64> {
        let stmt = sql::delete_statement(&M::schema().name, q.filter.as_ref(), self.dialect());
        self.execute(ctx::<M>("delete_many"), &stmt).await
    }

    /// Runs raw SQL with bound values (placeholders in the backend's style: `$1` on PostgreSQL,
    /// `?` elsewhere) and decodes each row.
    ///
    /// ```no_run
    /// # use orm_core::{Database, Model, Value};
    /// # #[derive(Model, Debug, Clone)]
    /// # struct User { #[orm(primary_key)] id: i64, email: String }
    /// # async fn demo(db: &Database) -> orm_core::Result<()> {
    /// let users: Vec<User> = db
    ///     .raw_query("SELECT id, email FROM users WHERE email = ?", [Value::String(Some("a@b.c".into()))])
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub async fn raw_query<R: FromRow>(&self, sql: &str, values: impl IntoIterator<Item = Value>) -> Result<Vec<R>> {
        let values = self.dialect().adapt_values(values.into_iter().map(Into::into).collect());
        self.fetch_built(Ctx { model: "raw", operation: "raw_query" }, sql, values).await
    }

    /// Runs raw SQL with bound values; returns the rows it affected.
    pub async fn raw_execute(&self, sql: &str, values: impl IntoIterator<Item = Value>) -> Result<u64> {
        let values = self.dialect().adapt_values(values.into_iter().map(Into::into).collect());
        self.execute_built(Ctx { model: "raw", operation: "raw_execute" }, sql, values).await
    }

    /// Runs a sea-query statement built by hand and decodes each row.
    pub async fn query_statement<R: FromRow, S: RenderWith>(&self, stmt: &S) -> Result<Vec<R>> {
        self.fetch(Ctx { model: "raw", operation: "query_statement" }, stmt).await
    }

    /// Runs a sea-query statement built by hand; returns the rows it affected.
    pub async fn execute_statement<S: RenderWith>(&self, stmt: &S) -> Result<u64> {
        self.execute(Ctx { model: "raw", operation: "execute_statement" }, stmt).await
    }

    /// Creates `M`'s table and its indexes from its schema.
    pub async fn create_table<M: Model>(&self) -> Result<()> {
        self.create_table_from(M::NAME, M::schema(), false).await
    }

    /// Creates `M`'s table and its indexes unless they exist.
    pub async fn create_table_if_not_exists<M: Model>(&self) -> Result<()> {
        self.create_table_from(M::NAME, M::schema(), true).await
    }

    async fn create_table_from(&self, model: &'static str, table: &crate::schema::Table, if_not_exists: bool) -> Result<()> {
        let ctx = Ctx { model, operation: "create_table" };
        // MySQL has no CREATE INDEX IF NOT EXISTS; the table's existence decides for its indexes there.
        if if_not_exists && self.dialect() == crate::sql::Dialect::MySql && self.table_exists(&table.name).await? {
            return Ok(());
        }
        for stmt in ddl::create_table_sql(table, if_not_exists, self.dialect()) {
            self.execute_ddl(ctx, &stmt).await?;
        }
        Ok(())
    }

    /// Drops `M`'s table (and its indexes) if it exists.
    pub async fn drop_table<M: Model>(&self) -> Result<()> {
        let sql = ddl::drop_table_sql(&M::schema().name, true, self.dialect());
        self.execute_ddl(Ctx { model: M::NAME, operation: "drop_table" }, &sql).await
    }

    /// Whether a table named `name` exists in the connected database (or schema).
    pub async fn table_exists(&self, name: &str) -> Result<bool> {
        let sql = match self.dialect() {
            crate::sql::Dialect::Postgres => {
                "SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = $1"
            }
            crate::sql::Dialect::MySql => {
                "SELECT 1 FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = ?"
            }
            crate::sql::Dialect::Sqlite => "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
        };
        let values = sea_query_sqlx::SqlxValues(sea_query::Values(vec![sea_query::Value::String(Some(name.to_string()))]));
        self.fetch_any_built(Ctx { model: "schema", operation: "table_exists" }, sql, values).await
    }
}
