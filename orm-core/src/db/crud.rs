//! The CRUD operations of [`Database`] and [`Transaction`]: hooks and validation here, the writes
//! and reads by the driver.

use super::exec::{driver_call, Executor, On};
use super::replica::routed_read;
use super::{Database, Transaction};
use crate::driver::Driver;
use crate::error::{Error, Result};
use super::lifecycle;
use crate::query::model::{key_filter, AnyColumn, Model};
use crate::query::{DeleteMany, IntoRows, Rows, Select, UpdateMany};
use crate::row::FromRow;
use crate::sql::RenderWith;
use crate::value::Value;
#[cfg(feature = "cache")]
use crate::cache::Touched;

impl On<'_> {
    pub(crate) async fn insert<M: Model>(&self, model: &M) -> Result<M> {
        let hooked = lifecycle::before_insert(model)?;
        let model = hooked.as_ref().unwrap_or(model);
        lifecycle::validate(model)?;
        let stored = driver_call!(*self, |d, tx| d.insert(tx, model).await)?;
        self.touched_rows::<M>(vec![stored.key_values()]).await;
        if let Some(hooks) = stored.hooks() {
            hooks.after_insert()?;
        }
        Ok(stored)
    }

    pub(crate) async fn insert_many<M: Model>(&self, rows: Rows<'_, M>) -> Result<u64> {
        let Some(first) = rows.as_slice().first() else { return Ok(0) };
        if first.hooks().is_some() {
            // Hooks see every row before and after: the rows stay here and the insert copies them.
            let models = rows.as_slice();
            let hooked: Vec<M> = models.iter().map(lifecycle::before_insert).collect::<Result<Vec<_>>>()?.into_iter().flatten().collect();
            let rows: &[M] = if hooked.is_empty() { models } else { &hooked };
            for row in rows {
                lifecycle::validate(row)?;
            }
            let n = driver_call!(*self, |d, tx| d.insert_many(tx, Rows::Borrowed(rows)).await)?;
            self.touched_table::<M>().await;
            for row in rows {
                if let Some(hooks) = row.hooks() {
                    hooks.after_insert()?;
                }
            }
            return Ok(n);
        }
        for row in rows.as_slice() {
            lifecycle::validate(row)?;
        }
        let n = driver_call!(*self, |d, tx| d.insert_many(tx, rows).await)?;
        self.touched_table::<M>().await;
        Ok(n)
    }

    pub(crate) async fn upsert<M: Model>(&self, model: &M) -> Result<M> {
        let hooked = lifecycle::before_insert(model)?;
        let model = hooked.as_ref().unwrap_or(model);
        lifecycle::validate(model)?;
        let pk: Vec<&str> = M::schema().primary_key.iter().map(String::as_str).collect();
        let stored = driver_call!(*self, |d, tx| d.upsert(tx, model, &pk, true).await)?;
        self.touched_rows::<M>(vec![stored.key_values()]).await;
        Ok(stored)
    }

    pub(crate) async fn upsert_on<M: Model>(&self, model: &M, columns: &[&dyn AnyColumn<M>]) -> Result<M> {
        let hooked = lifecycle::before_insert(model)?;
        let model = hooked.as_ref().unwrap_or(model);
        lifecycle::validate(model)?;
        let target: Vec<&str> = columns.iter().map(|c| c.column_name()).collect();
        if target.is_empty() {
            return Err(Error::InvalidQuery { model: M::NAME, message: "upsert_on needs at least one column".into() });
        }
        let stored = driver_call!(*self, |d, tx| d.upsert(tx, model, &target, false).await)?;
        self.touched_rows::<M>(vec![stored.key_values()]).await;
        Ok(stored)
    }

    pub(crate) async fn update<M: Model>(&self, model: &M) -> Result<M> {
        let hooked = lifecycle::before_update(model)?;
        let model = hooked.as_ref().unwrap_or(model);
        lifecycle::validate(model)?;
        let done = driver_call!(*self, |d, tx| d.update(tx, model).await);
        self.touched_rows::<M>(vec![model.key_values()]).await;
        done
    }

    pub(crate) async fn delete<M: Model>(&self, model: &M) -> Result<()> {
        if let Some(hooks) = model.hooks() {
            hooks.before_delete()?;
        }
        self.delete_by_pk::<M>(model.key_values(), false).await
    }

    pub(crate) async fn force_delete<M: Model>(&self, model: &M) -> Result<()> {
        if let Some(hooks) = model.hooks() {
            hooks.before_delete()?;
        }
        self.delete_by_pk::<M>(model.key_values(), true).await
    }

    pub(crate) async fn delete_by_key<M: Model>(&self, key: M::Key) -> Result<()> {
        self.delete_by_pk::<M>(crate::query::model::KeyValues::key_values(key), false).await
    }

    async fn delete_by_pk<M: Model>(&self, key: Vec<Value>, force: bool) -> Result<()> {
        if M::roles().soft_delete.is_some() && !force {
            return match self.soft_delete::<M>(Some(key_filter::<M>(key).into_cond())).await? {
                0 => Err(Error::NotFound { model: M::NAME, operation: "delete" }),
                _ => Ok(()),
            };
        }
        let done = driver_call!(*self, |d, tx| d.delete_by_key::<M>(tx, key.clone()).await);
        self.touched_rows::<M>(vec![key]).await;
        done
    }

    pub(crate) async fn select_all<M: Model, R: FromRow>(&self, q: &Select<M, R>) -> Result<Vec<R>> {
        q.check_columns()?;
        #[cfg(feature = "cache")]
        if let Some((cache, ttl)) = self.cache_for(q) {
            let schema = M::schema();
            let types: Vec<crate::schema::ColumnType> =
                q.column_list().iter().map(|c| schema.column_named(c).map_or(crate::schema::ColumnType::Text, |c| c.ty)).collect();
            let statement = crate::sql::select_statement(q, crate::sql::Dialect::Postgres);
            let rows = self.cached(cache, q, ttl, &statement, || async { driver_call!(*self, |d, tx| d.find_values(tx, q, &types).await) }).await?;
            return rows.iter().map(|r| R::from_row(&crate::cache::ValueRow(r))).collect();
        }
        routed_read!(*self, q.on_primary, |d, tx| d.find(tx, q).await)
    }

    pub(crate) async fn select_count<M: Model, R: FromRow>(&self, q: &Select<M, R>) -> Result<u64> {
        #[cfg(feature = "cache")]
        if let Some((cache, ttl)) = self.cache_for(q) {
            let statement = crate::sql::count_statement(q, crate::sql::Dialect::Postgres);
            let load = || async {
                let n = driver_call!(*self, |d, tx| d.count(tx, q).await)?;
                Ok(vec![vec![Value::I64(Some(n as i64))]])
            };
            let rows = self.cached(cache, q, ttl, &statement, load).await?;
            return match rows.first().and_then(|r| r.first()) {
                Some(Value::I64(Some(n))) => Ok((*n).max(0) as u64),
                _ => Err(Error::decode(M::NAME, "COUNT(*)", "a cached count is not a number".into())),
            };
        }
        routed_read!(*self, q.on_primary, |d, tx| d.count(tx, q).await)
    }

    pub(crate) async fn select_exists<M: Model, R: FromRow>(&self, q: &Select<M, R>) -> Result<bool> {
        #[cfg(feature = "cache")]
        if let Some((cache, ttl)) = self.cache_for(q) {
            let statement = crate::sql::exists_statement(q, crate::sql::Dialect::Postgres);
            let load = || async {
                let found = driver_call!(*self, |d, tx| d.exists(tx, q).await)?;
                Ok(vec![vec![Value::Bool(Some(found))]])
            };
            let rows = self.cached(cache, q, ttl, &statement, load).await?;
            return Ok(matches!(rows.first().and_then(|r| r.first()), Some(Value::Bool(Some(true)))));
        }
        routed_read!(*self, q.on_primary, |d, tx| d.exists(tx, q).await)
    }

    /// The cache and TTL a query reads through: none inside a transaction, without a cache, or
    /// when neither the query nor its model asks for it.
    #[cfg(feature = "cache")]
    fn cache_for<M: Model, R: FromRow>(&self, q: &Select<M, R>) -> Option<(&crate::cache::Cache, Option<std::time::Duration>)> {
        let cache = self.db.cache.as_ref().filter(|_| self.tx.is_none())?;
        match q.cache_policy() {
            crate::CachePolicy::Off => None,
            crate::CachePolicy::Default => Some((cache, None)),
            crate::CachePolicy::For(d) => Some((cache, Some(d))),
        }
    }

    /// Rows of `q` through the cache, keyed by `statement` (the query as PostgreSQL would take it,
    /// whatever the backend: one normal form of the IR) and tagged with the tables `q` reads.
    #[cfg(feature = "cache")]
    async fn cached<M, R, S, F, Fut>(&self, cache: &crate::cache::Cache, q: &Select<M, R>, ttl: Option<std::time::Duration>, statement: &S, load: F) -> Result<Vec<Vec<Value>>>
    where
        M: Model,
        R: FromRow,
        S: RenderWith,
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<Vec<Vec<Value>>>>,
    {
        let mut tables = vec![M::schema().name.clone()];
        if let Some(f) = &q.filter {
            f.related_tables(&mut tables);
        }
        let (text, bound) = statement.build_with(crate::sql::Dialect::Postgres);
        let lookup = cache.lookup(&format!("{:?}", self.db.backend()), &text, &format!("{:?}", (bound.0).0), &tables, q.by_key.as_deref());
        cache.get_or_load(&lookup, ttl, load).await
    }

    pub(crate) async fn update_many<M: Model>(&self, q: &UpdateMany<M>) -> Result<u64> {
        if q.sets.is_empty() {
            return Err(Error::InvalidQuery { model: M::NAME, message: "update_many sets no column".into() });
        }
        // A `set_expr` value is computed by the database, out of the toolkit's sight.
        let values = q.sets.iter().filter_map(|(c, e)| match e {
            crate::query::SetExpr::Value(v) => Some((c.as_str(), v)),
            _ => None,
        });
        let errors = crate::lifecycle::check_sets(M::schema(), values);
        if !errors.is_empty() {
            return Err(Error::Validation { model: M::NAME, errors });
        }
        let done = driver_call!(*self, |d, tx| d.update_many(tx, q).await);
        self.touched_table::<M>().await;
        done
    }

    pub(crate) async fn delete_many<M: Model>(&self, q: &DeleteMany<M>) -> Result<u64> {
        if M::roles().soft_delete.is_some() && !q.force {
            return self.soft_delete::<M>(q.filter.clone()).await;
        }
        let done = driver_call!(*self, |d, tx| d.delete_many(tx, q).await);
        self.touched_table::<M>().await;
        done
    }

    /// Marks the live rows `filter` selects deleted, then the rows a cascading key of a
    /// soft-deleting model points at them from (`cascade.rs`): keys of a single-column primary key.
    async fn soft_delete<M: Model>(&self, filter: Option<crate::query::Cond>) -> Result<u64> {
        let Some(column) = M::roles().soft_delete else { return Ok(0) };
        let cascades = super::cascade::pointing_at(M::TABLE);
        let keys: Vec<Value> = match (cascades.is_empty(), M::PRIMARY_KEY) {
            (false, [pk]) => {
                let mut q = Select::<M>::new();
                q.filter = filter.clone();
                q.columns = Some(vec![pk]);
                let types = [M::schema().column_named(pk).map_or(crate::schema::ColumnType::I64, |c| c.ty)];
                driver_call!(*self, |d, tx| d.find_values(tx, &q, &types).await)?.into_iter().flatten().collect()
            }
            _ => Vec::new(),
        };
        let mut soft = UpdateMany::<M>::new().set_value(column, crate::query::model::now_for::<M>(column));
        soft.filter = filter;
        let marked = self.update_many(&soft).await?;
        for c in cascades {
            (c.run)(*self, c.column, keys.clone()).await?;
        }
        Ok(marked)
    }

    pub(crate) async fn create_table<M: Model>(&self) -> Result<()> {
        let done = driver_call!(*self, |d, tx| d.create_table(tx, M::NAME, M::schema(), false).await);
        self.touched_table::<M>().await;
        done
    }

    pub(crate) async fn create_table_if_not_exists<M: Model>(&self) -> Result<()> {
        let done = driver_call!(*self, |d, tx| d.create_table(tx, M::NAME, M::schema(), true).await);
        self.touched_table::<M>().await;
        done
    }

    pub(crate) async fn drop_table<M: Model>(&self) -> Result<()> {
        let done = driver_call!(*self, |d, tx| d.drop_table(tx, M::NAME, M::schema()).await);
        self.touched_table::<M>().await;
        done
    }

    pub(crate) async fn table_exists(&self, name: &str) -> Result<bool> {
        driver_call!(*self, |d, tx| d.table_exists(tx, name).await)
    }
}

/// What writes changed, for the query cache (invalidated now, or when the transaction they ran in
/// commits) and for reads on replicas (held to the write from now on, or from the commit).
impl On<'_> {
    #[cfg(feature = "cache")]
    async fn touched(&self, t: Touched) {
        let Some(cache) = &self.db.cache else { return };
        match self.tx {
            Some(tx) => tx.shared.touched.lock().expect("touched lock").push(t),
            None => cache.invalidate(&[t]).await,
        }
    }

    /// A write returned: outside a transaction, later reads are held to it now (inside one, when
    /// it commits).
    fn wrote(&self) {
        if self.tx.is_none() {
            self.db.consistency.wrote();
        }
    }

    /// Rows of `M` written by key.
    #[cfg_attr(not(feature = "cache"), allow(clippy::extra_unused_type_parameters))]
    async fn touched_rows<M: Model>(&self, keys: Vec<Vec<Value>>) {
        self.wrote();
        #[cfg(feature = "cache")]
        self.touched(Touched::Rows { table: M::schema().name.clone(), keys }).await;
        #[cfg(not(feature = "cache"))]
        let _ = keys;
    }

    /// Any rows of `M`.
    #[cfg_attr(not(feature = "cache"), allow(clippy::extra_unused_type_parameters))]
    async fn touched_table<M: Model>(&self) {
        self.wrote();
        #[cfg(feature = "cache")]
        self.touched(Touched::Table(M::schema().name.clone())).await;
    }

    /// Anything (raw SQL, commands).
    async fn touched_all(&self) {
        self.wrote();
        #[cfg(feature = "cache")]
        self.touched(Touched::All).await;
    }
}

/// The escape hatches of one backend family: raw SQL, hand-built statements, MongoDB commands.
impl On<'_> {
    pub(crate) async fn raw_query<R: FromRow>(&self, sql: &str, values: impl IntoIterator<Item = Value>) -> Result<Vec<R>> {
        #[cfg(feature = "sql")]
        {
            let d = self.sql("raw_query")?;
            let mut guard = self.settled_tx().await?;
            d.raw_query(guard.sql_tx()?, sql, values).await
        }
        #[cfg(not(feature = "sql"))]
        Err(Error::Unsupported { operation: "raw_query", backend: "MongoDB" })
    }

    pub(crate) async fn raw_execute(&self, sql: &str, values: impl IntoIterator<Item = Value>) -> Result<u64> {
        #[cfg(feature = "sql")]
        {
            let d = self.sql("raw_execute")?;
            let mut guard = self.settled_tx().await?;
            let done = d.raw_execute(guard.sql_tx()?, sql, values).await;
            drop(guard);
            self.touched_all().await;
            done
        }
        #[cfg(not(feature = "sql"))]
        Err(Error::Unsupported { operation: "raw_execute", backend: "MongoDB" })
    }

    pub(crate) async fn query_statement<R: FromRow, S: RenderWith>(&self, stmt: &S) -> Result<Vec<R>> {
        #[cfg(feature = "sql")]
        {
            let d = self.sql("query_statement")?;
            let mut guard = self.settled_tx().await?;
            d.fetch(guard.sql_tx()?, crate::driver::sql::Ctx { model: "raw", operation: "query_statement" }, stmt).await
        }
        #[cfg(not(feature = "sql"))]
        Err(Error::Unsupported { operation: "query_statement", backend: "MongoDB" })
    }

    pub(crate) async fn execute_statement<S: RenderWith>(&self, stmt: &S) -> Result<u64> {
        #[cfg(feature = "sql")]
        {
            let d = self.sql("execute_statement")?;
            let mut guard = self.settled_tx().await?;
            let done = d.execute(guard.sql_tx()?, crate::driver::sql::Ctx { model: "raw", operation: "execute_statement" }, stmt).await;
            drop(guard);
            self.touched_all().await;
            done
        }
        #[cfg(not(feature = "sql"))]
        Err(Error::Unsupported { operation: "execute_statement", backend: "MongoDB" })
    }

    #[cfg(feature = "mongodb")]
    pub(crate) async fn run_command(&self, command: bson::Document) -> Result<bson::Document> {
        let d = self.db.driver.mongo("run_command")?;
        let mut guard = self.settled_tx().await?;
        let done = d.run_command(guard.mongo_tx()?, command).await;
        drop(guard);
        self.touched_all().await;
        done
    }
}

impl crate::db::Executor for On<'_> {
    fn on(&self) -> On<'_> {
        *self
    }
}

/// The public operations, the same on a [`Database`] and on a [`Transaction`].
macro_rules! operations {
    ($ty:ty) => {
        impl $ty {
            /// Inserts one row and returns it as stored: with its generated auto-increment key (the
            /// auto-increment field's value in `model` is ignored), fresh `auto` keys, and
            /// `#[orm(created_at)]` / `#[orm(updated_at)]` set to now (what the model holds there is
            /// ignored too). So a model that derives `Default` builds a new row from the fields
            /// that matter alone:
            ///
            /// ```
            /// # #[tokio::main(flavor = "current_thread")]
            /// # async fn main() -> orm_core::Result<()> {
            /// # use orm_core::{Database, Model};
            /// #[derive(Model, Debug, Clone, Default)]
            /// struct Post {
            ///     #[orm(primary_key, auto_increment)]
            ///     id: i64,
            ///     title: String,
            ///     #[orm(created_at)]
            ///     created_at: chrono::DateTime<chrono::Utc>,
            /// }
            /// let db = Database::connect("sqlite::memory:").await?;
            /// db.create_table::<Post>().await?;
            /// let post = db.insert(&Post { title: "hello".into(), ..Default::default() }).await?;
            /// assert!(post.id > 0 && post.created_at.timestamp() > 0);
            /// # Ok(()) }
            /// ```
            pub async fn insert<M: Model>(&self, model: &M) -> Result<M> {
                self.on().insert(model).await
            }

            /// Inserts many rows with multi-row INSERTs, chunked under the backend's bind-parameter
            /// limit (on PostgreSQL one bound array per column, `INSERT ... SELECT * FROM UNNEST`),
            /// all or nothing. Returns the number inserted.
            ///
            /// Takes the rows borrowed (`&items`: their values are copied) or owned (`items`: the
            /// values move into the statement); see [`Rows`](crate::Rows). Every row of one call
            /// gets the same `created_at` / `updated_at` instant.
            pub async fn insert_many<'r, M: Model>(&self, rows: impl IntoRows<'r, M>) -> Result<u64> {
                self.on().insert_many(rows.into_rows()).await
            }

            /// Inserts `model`, or updates every other column of the row with the same primary key.
            /// Returns the row as stored.
            pub async fn upsert<M: Model>(&self, model: &M) -> Result<M> {
                self.on().upsert(model).await
            }

            /// Inserts `model`, or, when a row with the same values in the unique `columns` exists,
            /// updates that row's other columns (not its primary key). Returns the row as stored.
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
                self.on().upsert_on(model, columns).await
            }

            /// Writes every non-key column of `model` to the row with its primary key and returns
            /// the row as stored: its `#[orm(updated_at)]` the time just written, its
            /// `#[orm(created_at)]` the stored one (never the model's placeholder);
            /// [`Error::NotFound`] when there is no such row. One statement where the database
            /// returns rows (PostgreSQL, SQLite, MongoDB's `findAndModify`), a read-back by key on
            /// MySQL.
            pub async fn update<M: Model>(&self, model: &M) -> Result<M> {
                self.on().update(model).await
            }

            /// Deletes the row with `model`'s primary key; [`Error::NotFound`] when there is none.
            /// A `#[orm(soft_delete)]` model's row is kept, marked deleted, and hidden from queries.
            pub async fn delete<M: Model>(&self, model: &M) -> Result<()> {
                self.on().delete(model).await
            }

            /// Removes the row with `model`'s primary key even when the model soft-deletes.
            pub async fn force_delete<M: Model>(&self, model: &M) -> Result<()> {
                self.on().force_delete(model).await
            }

            /// Deletes the row with primary key `key`; [`Error::NotFound`] when there is none.
            pub async fn delete_by_key<M: Model>(&self, key: M::Key) -> Result<()> {
                self.on().delete_by_key::<M>(key).await
            }

            /// Runs raw SQL with bound values (placeholders in the backend's style: `$1` on
            /// PostgreSQL, `?` elsewhere) and decodes each row.
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
                self.on().raw_query(sql, values).await
            }

            /// Runs raw SQL with bound values; returns the rows it affected.
            pub async fn raw_execute(&self, sql: &str, values: impl IntoIterator<Item = Value>) -> Result<u64> {
                self.on().raw_execute(sql, values).await
            }

            /// Runs a sea-query statement built by hand and decodes each row.
            pub async fn query_statement<R: FromRow, S: RenderWith>(&self, stmt: &S) -> Result<Vec<R>> {
                self.on().query_statement(stmt).await
            }

            /// Runs a sea-query statement built by hand; returns the rows it affected.
            pub async fn execute_statement<S: RenderWith>(&self, stmt: &S) -> Result<u64> {
                self.on().execute_statement(stmt).await
            }

            /// Runs a MongoDB database command (the MongoDB escape hatch; [`Error::Unsupported`] on
            /// SQL).
            ///
            /// ```no_run
            /// # async fn demo(db: &orm_core::Database) -> orm_core::Result<()> {
            /// let reply = db.run_command(bson::doc! { "ping": 1 }).await?;
            /// # Ok(()) }
            /// ```
            #[cfg(feature = "mongodb")]
            pub async fn run_command(&self, command: bson::Document) -> Result<bson::Document> {
                self.on().run_command(command).await
            }

            /// Creates `M`'s table and its indexes from its schema.
            pub async fn create_table<M: Model>(&self) -> Result<()> {
                self.on().create_table::<M>().await
            }

            /// Creates `M`'s table and its indexes unless they exist.
            pub async fn create_table_if_not_exists<M: Model>(&self) -> Result<()> {
                self.on().create_table_if_not_exists::<M>().await
            }

            /// Drops `M`'s table (and its indexes) if it exists.
            pub async fn drop_table<M: Model>(&self) -> Result<()> {
                self.on().drop_table::<M>().await
            }

            /// Whether a table named `name` exists in the connected database (or schema).
            pub async fn table_exists(&self, name: &str) -> Result<bool> {
                self.on().table_exists(name).await
            }
        }
    };
}

operations!(Database);
operations!(Transaction);
