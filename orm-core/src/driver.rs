//! The backend seam: what a backend executes, in one crate-private trait, and the one place that
//! picks the backend a [`Database`](crate::Database) holds.
//!
//! ```text
//! db, query, relation, lifecycle, migrate, introspect       (above: ask the Capability, never a backend)
//!        |  AnyDriver / AnyTx / AnyConn  (this file: the only match over the backends)
//!        v
//! driver/sql/    PostgreSQL, MySQL/MariaDB, SQLite through sqlx     (features postgres, mysql, sqlite)
//! driver/mongo/  MongoDB through the official driver               (feature mongodb)
//! ```
//!
//! The SQL backends share one driver: they differ by the statements `sql::` renders for their
//! [`Dialect`](crate::Dialect) and by a few executions (`driver/sql/pool.rs` holds the one match over
//! the three sqlx pools). MongoDB lowers the same query IR to documents (`mongo::`) and runs them.
//!
//! # Adding a backend
//! A new backend provides, in a module tree of its own behind its own cargo feature:
//! - a [`Driver`]: connecting, transactions, the CRUD of a model (the query IR in, rows or counts
//!   out), schema changes, introspection, and a [`MigrationConn`] for migration runs (the lock, the
//!   history, the steps);
//! - its [`Capability`](crate::Capability) as one more arm of
//!   [`BackendKind::capability`](crate::BackendKind::capability) (the capability test lists them all);
//! - its row types' typed getters (`field::RawRow`, sealed), so `FromRow` reads its rows;
//! - one more arm in each enum below and in [`each_driver!`].
//!
//! Layers above never see a pool, a connection or a session: they hold a `Database` or a
//! `Transaction` and call the methods here.

mod migration;
#[cfg(feature = "mongodb")]
pub(crate) mod mongo;
#[cfg(feature = "sql")]
pub(crate) mod sql;

use crate::capability::BackendKind;
use crate::error::{Error, Result};
pub use migration::{HistoryRow, LockHolder, DEFAULT_LEASE};
pub(crate) use migration::{owner_id, LockGuard, Planned, MAX_WAIT};
#[cfg(feature = "mongodb")]
pub(crate) use migration::MONGO_LOCK;
#[cfg(feature = "mongodb")]
pub(crate) use mongo::DroppedSessions;
use crate::query::model::Model;
use crate::query::{BrowsePlan, Cond, DeleteMany, Select, UpdateMany};
use crate::row::FromRow;
use crate::schema::{ColumnType, Table};
use crate::value::Value;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Counts the statements (SQL) or operations (MongoDB) a driver runs: for the database and its
/// clones, and for one [`Database::scoped`](crate::Database::scoped) handle.
#[derive(Clone, Default)]
pub(crate) struct QueryCount {
    total: Arc<AtomicU64>,
    scope: Option<Arc<AtomicU64>>,
}

impl QueryCount {
    pub(crate) fn add(&self) {
        self.total.fetch_add(1, Ordering::Relaxed);
        if let Some(scope) = &self.scope {
            scope.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// The scope's count on a scoped handle, else the total.
    pub(crate) fn get(&self) -> u64 {
        self.scope.as_ref().unwrap_or(&self.total).load(Ordering::Relaxed)
    }

    /// The same total with a fresh scope count.
    pub(crate) fn scoped(&self) -> QueryCount {
        QueryCount { total: self.total.clone(), scope: Some(Default::default()) }
    }
}

/// What one backend executes. Every method runs on the driver's pool, or inside `tx` when given
/// one (an open transaction of this driver).
#[allow(async_fn_in_trait)]
pub(crate) trait Driver: Clone + Send + Sync + Sized + 'static {
    /// An open transaction: a connection inside `BEGIN` (SQL), a session (MongoDB).
    type Tx: Send + 'static;
    /// What a migration run holds from start to end (see [`MigrationConn`]).
    type Conn: MigrationConn;

    /// Which backend this is.
    fn kind(&self) -> BackendKind;
    /// This handle's query count.
    fn queries(&self) -> &QueryCount;
    /// The same connections with a query count of its own.
    fn scoped(&self) -> Self;
    /// The database name the server knows (MongoDB; empty on SQL, where names are per table).
    fn database_name(&self) -> &str;
    /// Closes every pooled connection.
    async fn close(&self);
    /// The server's name and version, as it reports them.
    async fn server_version(&self) -> Result<String>;

    /// Starts a transaction.
    async fn begin(&self) -> Result<Self::Tx>;
    /// Sets, releases or rolls back to the savepoint `name` inside `tx`; [`Error::Unsupported`]
    /// where transactions do not nest.
    async fn savepoint(tx: &mut Self::Tx, op: crate::sql::Savepoint, name: &str) -> Result<()>;
    /// Commits.
    async fn commit(tx: Self::Tx) -> Result<()>;
    /// Rolls back.
    async fn rollback(tx: Self::Tx) -> Result<()>;
    /// Whether a user's error text tells of a transient transaction failure (the toolkit's own
    /// errors answer [`Error::is_transient`]).
    fn is_transient_text(&self, _text: &str) -> bool {
        false
    }

    /// Inserts one row and reads it back as stored (generated keys included).
    async fn insert<M: Model>(&self, tx: Option<&mut Self::Tx>, model: &M) -> Result<M>;
    /// Inserts rows all or nothing; returns how many.
    async fn insert_many<M: Model>(&self, tx: Option<&mut Self::Tx>, rows: crate::query::Rows<'_, M>) -> Result<u64>;
    /// Inserts `model` or updates the row whose `target` columns match; returns it as stored.
    /// `by_key`: the target is the primary key, whose value is sent.
    async fn upsert<M: Model>(&self, tx: Option<&mut Self::Tx>, model: &M, target: &[&str], by_key: bool) -> Result<M>;
    /// Writes the non-key columns of the row with `model`'s key (its `created_at` kept) and returns
    /// the row as stored; `NotFound` when there is none.
    async fn update<M: Model>(&self, tx: Option<&mut Self::Tx>, model: &M) -> Result<M>;
    /// Deletes the row with `key`; `NotFound` when there is none.
    async fn delete_by_key<M: Model>(&self, tx: Option<&mut Self::Tx>, key: Vec<Value>) -> Result<()>;
    /// The rows a query selects.
    async fn find<M: Model, R: FromRow>(&self, tx: Option<&mut Self::Tx>, q: &Select<M, R>) -> Result<Vec<R>>;
    /// The rows a query selects as values of `types` (one per selected column): what the query
    /// cache stores.
    #[cfg_attr(not(feature = "cache"), allow(dead_code))]
    async fn find_values<M: Model, R: FromRow>(&self, tx: Option<&mut Self::Tx>, q: &Select<M, R>, types: &[ColumnType]) -> Result<Vec<Vec<Value>>>;
    /// How many rows a query selects.
    async fn count<M: Model, R: FromRow>(&self, tx: Option<&mut Self::Tx>, q: &Select<M, R>) -> Result<u64>;
    /// Whether a query selects any row.
    async fn exists<M: Model, R: FromRow>(&self, tx: Option<&mut Self::Tx>, q: &Select<M, R>) -> Result<bool>;
    /// Runs an `UPDATE ... WHERE` (its soft-delete and live-row filters already applied).
    async fn update_many<M: Model>(&self, tx: Option<&mut Self::Tx>, q: &UpdateMany<M>) -> Result<u64>;
    /// Runs a `DELETE ... WHERE`.
    async fn delete_many<M: Model>(&self, tx: Option<&mut Self::Tx>, q: &DeleteMany<M>) -> Result<u64>;

    /// Creates a table (collection) and its indexes.
    async fn create_table(&self, tx: Option<&mut Self::Tx>, model: &'static str, table: &Table, if_not_exists: bool) -> Result<()>;
    /// Drops a table (collection) if it exists.
    async fn drop_table(&self, tx: Option<&mut Self::Tx>, model: &'static str, table: &Table) -> Result<()>;
    /// Whether a table (collection) named `name` exists.
    async fn table_exists(&self, tx: Option<&mut Self::Tx>, name: &str) -> Result<bool>;
    /// The live tables (collections), internal ones included; `sample` documents per collection
    /// without a validator describe it (MongoDB).
    async fn introspect(&self, sample: usize) -> Result<Vec<Table>>;

    /// A connection for a whole migration run.
    async fn migration_conn(&self) -> Result<Self::Conn>;

    /// A page of a table known at run time: its columns' values, in column order.
    async fn browse(&self, table: &Table, q: &BrowsePlan) -> Result<Vec<Vec<Value>>>;
    /// How many rows of a table match `filter`, counted.
    async fn count_rows(&self, table: &Table, filter: Option<&Cond>) -> Result<u64>;
    /// The row count the backend's statistics give, without counting; `None` without one.
    async fn estimate_rows(&self, table: &Table) -> Result<Option<u64>>;
    /// Inserts one row of a table known at run time (checked by the caller).
    async fn insert_record(&self, table: &Table, values: Vec<(String, Value)>) -> Result<()>;
    /// Sets `values` on the rows `key` selects; how many matched.
    async fn update_record(&self, table: &Table, key: &Cond, values: Vec<(String, Value)>) -> Result<u64>;
    /// Deletes the row `key` selects, applying the actions of `schema`'s foreign keys pointing at
    /// it where the database has none (MongoDB); how many went.
    async fn delete_record(&self, schema: &crate::schema::Schema, table: &Table, key: &Cond) -> Result<u64>;
}

/// What a migration run holds: one connection (SQL: the lock is its session's; SQLite's run is one
/// transaction on it) or the database (MongoDB). The runner plans, the conn executes.
#[allow(async_fn_in_trait)]
pub(crate) trait MigrationConn: Send {
    /// Takes the migration lock for `owner`; tells `on_wait` who holds it when it must wait.
    async fn lock(&mut self, guard: &mut LockGuard, lease: Duration, on_wait: &(dyn Fn(Option<LockHolder>) + Send + Sync)) -> Result<()>;
    /// Gives the lock back (SQLite: commits the run).
    async fn unlock(&mut self, guard: &LockGuard) -> Result<()>;
    /// Who holds the lock, as far as the backend tells.
    async fn lock_holder(&mut self) -> Result<Option<LockHolder>>;
    /// Removes a lock that outlives its holder (MongoDB's); session locks answer who holds them.
    async fn force_unlock(&mut self) -> Result<Option<LockHolder>>;

    /// Creates the history table (collection) when missing.
    async fn ensure_history(&mut self) -> Result<()>;
    /// Every history row, oldest first; none when there is no history table (not created here).
    async fn history_if_any(&mut self) -> Result<Vec<HistoryRow>>;
    /// Inserts or replaces a history row in one atomic write.
    async fn save_history(&mut self, row: &HistoryRow) -> Result<()>;
    /// Inserts a history row for a version the history does not have.
    async fn append_history(&mut self, row: &HistoryRow) -> Result<()>;
    /// Deletes the history row of `version`.
    async fn remove_history(&mut self, version: i64) -> Result<()>;

    /// Starts a migration's transaction where DDL is transactional (a savepoint in SQLite's run).
    async fn begin_migration(&mut self) -> Result<()>;
    /// Commits it (SQLite: after checking every foreign key holds).
    async fn commit_migration(&mut self) -> Result<()>;
    /// Rolls it back, as far as the backend can.
    async fn rollback_migration(&mut self);
    /// Runs one planned step.
    async fn run_step(&mut self, step: &Planned) -> Result<()>;
}

/// The driver a [`Database`](crate::Database) holds.
#[derive(Clone)]
pub(crate) enum AnyDriver {
    #[cfg(feature = "sql")]
    Sql(sql::SqlDriver),
    #[cfg(feature = "mongodb")]
    Mongo(mongo::MongoDriver),
}

/// An open transaction of whichever driver.
pub(crate) enum AnyTx {
    #[cfg(feature = "sql")]
    Sql(sql::SqlTx),
    #[cfg(feature = "mongodb")]
    Mongo(Box<mongodb::ClientSession>),
    /// Committed or rolled back.
    Closed,
}

/// A migration run's connection of whichever driver.
pub(crate) enum AnyConn {
    #[cfg(feature = "sql")]
    Sql(sql::SqlConn),
    #[cfg(feature = "mongodb")]
    Mongo(mongo::MongoDriver),
}

/// Runs `$body` with `$d` bound to the driver of `$driver` (an [`AnyDriver`]); the body is compiled
/// once per driver.
macro_rules! each_driver {
    ($driver:expr, $d:ident => $body:expr) => {
        match $driver {
            #[cfg(feature = "sql")]
            $crate::driver::AnyDriver::Sql($d) => $body,
            #[cfg(feature = "mongodb")]
            $crate::driver::AnyDriver::Mongo($d) => $body,
        }
    };
}

/// Runs `$body` with `$d` bound to the driver and `$tx` to the open transaction of that driver
/// (`None` outside one): `$tx_state` is an `Option<&mut AnyTx>`.
macro_rules! with_tx {
    ($driver:expr, $tx_state:expr, |$d:ident, $tx:ident| $body:expr) => {
        match ($driver, $tx_state) {
            #[cfg(feature = "sql")]
            ($crate::driver::AnyDriver::Sql($d), None) => {
                let $tx = None;
                $body
            }
            #[cfg(feature = "sql")]
            ($crate::driver::AnyDriver::Sql($d), Some($crate::driver::AnyTx::Sql(t))) => {
                let $tx = Some(t);
                $body
            }
            #[cfg(feature = "mongodb")]
            ($crate::driver::AnyDriver::Mongo($d), None) => {
                $d.settle_dropped().await;
                let $tx = None;
                $body
            }
            #[cfg(feature = "mongodb")]
            ($crate::driver::AnyDriver::Mongo($d), Some($crate::driver::AnyTx::Mongo(t))) => {
                $d.settle_dropped().await;
                let $tx = Some(&mut **t);
                $body
            }
            #[allow(unreachable_patterns)]
            _ => Err($crate::error::Error::TransactionClosed),
        }
    };
}
pub(crate) use with_tx;

impl AnyDriver {
    /// Connects to the backend the URL's scheme names.
    pub(crate) async fn connect(url: &str, redacted: &str, options: &crate::options::ConnectOptions) -> Result<AnyDriver> {
        let not_enabled = |feature: &str| Error::UnsupportedUrl {
            url: redacted.to_string(),
            reason: format!("this build of orm-core lacks the `{feature}` feature"),
        };
        let _ = (options, &not_enabled);
        match BackendKind::from_url(url) {
            Some(BackendKind::MongoDb) => {
                #[cfg(feature = "mongodb")]
                return Ok(AnyDriver::Mongo(mongo::MongoDriver::connect(url, redacted).await?));
                #[cfg(not(feature = "mongodb"))]
                return Err(not_enabled("mongodb"));
            }
            Some(kind) => {
                #[cfg(feature = "sql")]
                return Ok(AnyDriver::Sql(sql::SqlDriver::connect(kind, url, redacted, options).await?));
                #[cfg(not(feature = "sql"))]
                return Err(not_enabled(match kind {
                    BackendKind::Postgres => "postgres",
                    BackendKind::MySql => "mysql",
                    _ => "sqlite",
                }));
            }
            None => Err(Error::UnsupportedUrl {
                url: redacted.to_string(),
                reason: "expected a postgres://, mysql://, mariadb://, sqlite: or mongodb:// URL".into(),
            }),
        }
    }

    pub(crate) fn kind(&self) -> BackendKind {
        each_driver!(self, d => d.kind())
    }

    pub(crate) fn queries(&self) -> &QueryCount {
        each_driver!(self, d => d.queries())
    }

    pub(crate) fn scoped(&self) -> AnyDriver {
        match self {
            #[cfg(feature = "sql")]
            AnyDriver::Sql(d) => AnyDriver::Sql(d.scoped()),
            #[cfg(feature = "mongodb")]
            AnyDriver::Mongo(d) => AnyDriver::Mongo(d.scoped()),
        }
    }

    /// Whether the driver itself sends reads to secondaries (a MongoDB URL's `readPreference`).
    pub(crate) fn secondary_reads(&self) -> bool {
        match self {
            #[cfg(feature = "mongodb")]
            AnyDriver::Mongo(d) => d.secondary_reads,
            #[allow(unreachable_patterns)]
            _ => false,
        }
    }

    pub(crate) fn database_name(&self) -> &str {
        each_driver!(self, d => d.database_name())
    }

    pub(crate) async fn close(&self) {
        each_driver!(self, d => d.close().await)
    }

    pub(crate) async fn server_version(&self) -> Result<String> {
        each_driver!(self, d => d.server_version().await)
    }

    pub(crate) fn is_transient_text(&self, text: &str) -> bool {
        each_driver!(self, d => d.is_transient_text(text))
    }

    pub(crate) async fn begin(&self) -> Result<AnyTx> {
        match self {
            #[cfg(feature = "sql")]
            AnyDriver::Sql(d) => Ok(AnyTx::Sql(d.begin().await?)),
            #[cfg(feature = "mongodb")]
            AnyDriver::Mongo(d) => {
                d.settle_dropped().await;
                Ok(AnyTx::Mongo(Box::new(d.begin().await?)))
            }
        }
    }

    /// Where a transaction of this driver goes when dropped unfinished: MongoDB's sessions wait
    /// for the handle's next operation to abort them.
    #[cfg(feature = "mongodb")]
    pub(crate) fn dropped_sessions(&self) -> Option<DroppedSessions> {
        match self {
            #[cfg(feature = "mongodb")]
            AnyDriver::Mongo(d) => Some(d.dropped.clone()),
            #[allow(unreachable_patterns)]
            _ => None,
        }
    }

    pub(crate) async fn introspect(&self, sample: usize) -> Result<Vec<Table>> {
        each_driver!(self, d => d.introspect(sample).await)
    }

    pub(crate) async fn browse(&self, table: &Table, q: &BrowsePlan) -> Result<Vec<Vec<Value>>> {
        each_driver!(self, d => d.browse(table, q).await)
    }

    pub(crate) async fn count_rows(&self, table: &Table, filter: Option<&Cond>) -> Result<u64> {
        each_driver!(self, d => d.count_rows(table, filter).await)
    }

    pub(crate) async fn estimate_rows(&self, table: &Table) -> Result<Option<u64>> {
        each_driver!(self, d => d.estimate_rows(table).await)
    }

    pub(crate) async fn insert_record(&self, table: &Table, values: Vec<(String, Value)>) -> Result<()> {
        each_driver!(self, d => d.insert_record(table, values).await)
    }

    pub(crate) async fn update_record(&self, table: &Table, key: &Cond, values: Vec<(String, Value)>) -> Result<u64> {
        each_driver!(self, d => d.update_record(table, key, values).await)
    }

    pub(crate) async fn delete_record(&self, schema: &crate::schema::Schema, table: &Table, key: &Cond) -> Result<u64> {
        each_driver!(self, d => d.delete_record(schema, table, key).await)
    }

    pub(crate) async fn migration_conn(&self) -> Result<AnyConn> {
        match self {
            #[cfg(feature = "sql")]
            AnyDriver::Sql(d) => Ok(AnyConn::Sql(d.migration_conn().await?)),
            #[cfg(feature = "mongodb")]
            AnyDriver::Mongo(d) => Ok(AnyConn::Mongo(d.migration_conn().await?)),
        }
    }

    /// The SQL driver, or [`Error::Unsupported`] naming `operation` on a document store.
    #[cfg(feature = "sql")]
    pub(crate) fn sql(&self, operation: &'static str) -> Result<&sql::SqlDriver> {
        match self {
            AnyDriver::Sql(d) => Ok(d),
            #[allow(unreachable_patterns)]
            _ => Err(Error::Unsupported { operation, backend: "MongoDB" }),
        }
    }

    /// The MongoDB driver, or [`Error::Unsupported`] naming `operation` on SQL.
    #[cfg(feature = "mongodb")]
    pub(crate) fn mongo(&self, operation: &'static str) -> Result<&mongo::MongoDriver> {
        match self {
            AnyDriver::Mongo(d) => Ok(d),
            #[allow(unreachable_patterns)]
            _ => Err(Error::Unsupported { operation, backend: "SQL databases" }),
        }
    }
}

impl AnyTx {
    /// Sets, releases or rolls back to the savepoint `name` inside the transaction.
    pub(crate) async fn savepoint(&mut self, op: crate::sql::Savepoint, name: &str) -> Result<()> {
        match self {
            #[cfg(feature = "sql")]
            AnyTx::Sql(t) => <sql::SqlDriver as Driver>::savepoint(t, op, name).await,
            #[cfg(feature = "mongodb")]
            AnyTx::Mongo(s) => <mongo::MongoDriver as Driver>::savepoint(s, op, name).await,
            AnyTx::Closed => Err(Error::TransactionClosed),
        }
    }

    /// Commits, leaving the state closed.
    pub(crate) async fn commit(&mut self) -> Result<()> {
        match std::mem::replace(self, AnyTx::Closed) {
            #[cfg(feature = "sql")]
            AnyTx::Sql(t) => <sql::SqlDriver as Driver>::commit(t).await,
            #[cfg(feature = "mongodb")]
            AnyTx::Mongo(s) => <mongo::MongoDriver as Driver>::commit(*s).await,
            AnyTx::Closed => Err(Error::TransactionClosed),
        }
    }

    /// Rolls back, leaving the state closed (a closed one stays closed).
    pub(crate) async fn rollback(&mut self) -> Result<()> {
        match std::mem::replace(self, AnyTx::Closed) {
            #[cfg(feature = "sql")]
            AnyTx::Sql(t) => <sql::SqlDriver as Driver>::rollback(t).await,
            #[cfg(feature = "mongodb")]
            AnyTx::Mongo(s) => <mongo::MongoDriver as Driver>::rollback(*s).await,
            AnyTx::Closed => Ok(()),
        }
    }
}

/// Runs `$body` with `$c` bound to the conn of whichever driver.
macro_rules! each_conn {
    ($conn:expr, $c:ident => $body:expr) => {
        match $conn {
            #[cfg(feature = "sql")]
            AnyConn::Sql($c) => $body,
            #[cfg(feature = "mongodb")]
            AnyConn::Mongo($c) => $body,
        }
    };
}

impl MigrationConn for AnyConn {
    async fn lock(&mut self, guard: &mut LockGuard, lease: Duration, on_wait: &(dyn Fn(Option<LockHolder>) + Send + Sync)) -> Result<()> {
        each_conn!(self, c => c.lock(guard, lease, on_wait).await)
    }
    async fn unlock(&mut self, guard: &LockGuard) -> Result<()> {
        each_conn!(self, c => c.unlock(guard).await)
    }
    async fn lock_holder(&mut self) -> Result<Option<LockHolder>> {
        each_conn!(self, c => c.lock_holder().await)
    }
    async fn force_unlock(&mut self) -> Result<Option<LockHolder>> {
        each_conn!(self, c => c.force_unlock().await)
    }
    async fn ensure_history(&mut self) -> Result<()> {
        each_conn!(self, c => c.ensure_history().await)
    }
    async fn history_if_any(&mut self) -> Result<Vec<HistoryRow>> {
        each_conn!(self, c => c.history_if_any().await)
    }
    async fn save_history(&mut self, row: &HistoryRow) -> Result<()> {
        each_conn!(self, c => c.save_history(row).await)
    }
    async fn append_history(&mut self, row: &HistoryRow) -> Result<()> {
        each_conn!(self, c => c.append_history(row).await)
    }
    async fn remove_history(&mut self, version: i64) -> Result<()> {
        each_conn!(self, c => c.remove_history(version).await)
    }
    async fn begin_migration(&mut self) -> Result<()> {
        each_conn!(self, c => c.begin_migration().await)
    }
    async fn commit_migration(&mut self) -> Result<()> {
        each_conn!(self, c => c.commit_migration().await)
    }
    async fn rollback_migration(&mut self) {
        each_conn!(self, c => c.rollback_migration().await)
    }
    async fn run_step(&mut self, step: &Planned) -> Result<()> {
        each_conn!(self, c => c.run_step(step).await)
    }
}

/// Checks a name against `backend`'s own rules (the rules every backend shares are
/// `migrate`'s); `database` is the MongoDB database a collection goes in.
pub(crate) fn check_name(kind: crate::schema::IdentKind, name: &str, backend: BackendKind, database: &str) -> std::result::Result<(), String> {
    let _ = database;
    match backend {
        BackendKind::MongoDb => {
            #[cfg(feature = "mongodb")]
            return crate::mongo::check_name(kind, name, database);
            #[cfg(not(feature = "mongodb"))]
            return Ok(());
        }
        sql => crate::sql::check_name(kind, name, sql.dialect().expect("an SQL backend has a dialect")),
    }
}

/// What `backend` runs for one migration operation applied to `before`: its steps, and the
/// notices to tell the user.
pub(crate) fn render_operation(
    op: &crate::schema::Operation,
    before: &crate::schema::Schema,
    backend: BackendKind,
    database: &str,
) -> std::result::Result<(Vec<Planned>, Vec<String>), String> {
    let _ = database;
    let mut steps = Vec::new();
    let mut notices = Vec::new();
    match backend {
        BackendKind::MongoDb => {
            #[cfg(feature = "mongodb")]
            for step in crate::mongo::render_mongo(op, before, database)? {
                match step {
                    crate::mongo::MongoStep::Notice(n) => notices.push(n),
                    other => steps.push(Planned::Mongo(other)),
                }
            }
            #[cfg(not(feature = "mongodb"))]
            return Err("MongoDB migrations are not available in this build (feature `mongodb`)".into());
        }
        sql => {
            let rendered = crate::sql::render_sql(op, before, sql.dialect().expect("an SQL backend has a dialect"))?;
            notices.extend(rendered.notice);
            if let (Some(check), crate::schema::Operation::AlterColumn { table, column, change }) = (rendered.check, op) {
                let to = change.ty.map(|t| t.name().to_string()).unwrap_or_default();
                steps.push(Planned::SqlCheck { sql: check, table: table.clone(), column: column.clone(), to });
            }
            steps.extend(rendered.statements.into_iter().map(Planned::Sql));
        }
    }
    Ok((steps, notices))
}

/// What `backend` can report back of `schema`: the normalised schema (unique columns as unique
/// indexes) with the details that backend does not keep folded away (SQLite's integer keys, decimal
/// sizes and unbounded strings; MySQL's DATETIME for both date-time types, its default string length
/// and decimal size; MongoDB's missing column defaults and foreign keys; validation rules everywhere). Comparing two schemas this
/// way tells whether a live database matches what its migrations describe.
pub fn comparable(backend: BackendKind, schema: &crate::schema::Schema) -> crate::schema::Schema {
    use crate::schema::ColumnType as T;
    use BackendKind as B;
    let mut s = schema.normalised();
    for t in s.tables.values_mut() {
        for c in &mut t.columns {
            c.ty = match (backend, c.ty) {
                (B::Sqlite, _) if c.auto_increment => T::I64,
                (B::Sqlite, T::String { length: None }) => T::Text,
                (B::Sqlite, T::Decimal { .. }) => T::Decimal { precision: None, scale: None },
                (B::MySql, T::DateTime) => T::Timestamp,
                (B::MySql, T::String { length: None }) => T::String { length: Some(255) },
                (B::MySql, T::Decimal { precision: None, .. }) => T::Decimal { precision: Some(38), scale: Some(18) },
                (_, ty) => ty,
            };
            if backend == B::MongoDb {
                c.default = None;
            }
            // Validation rules are the models' (and MongoDB's validator's); no database reports
            // them back as such.
            c.checks.clear();
        }
        if backend == B::MongoDb {
            t.foreign_keys.clear();
        }
    }
    s
}
