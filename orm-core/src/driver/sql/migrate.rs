//! A migration run on SQL: one pooled connection held from start to end, whose session holds the
//! lock (PostgreSQL's advisory lock, MySQL's `GET_LOCK`, a leased row on a Galera cluster or
//! behind PgBouncer: `lease.rs`) or runs the whole run as one exclusive transaction (SQLite). The
//! history is read and written on it too, so SQLite's run transaction sees its own writes and no
//! second connection waits on it.

use super::{SqlDriver, SqlPool};
use crate::capability::MigrationLock;
use crate::driver::MigrationConn;
use crate::error::{Error, Result};
use crate::driver::{HistoryRow, LockGuard, LockHolder, Planned, MAX_WAIT};
use crate::sql::{self, Dialect, RenderWith, Savepoint};
use crate::Model;
use sqlx::AssertSqlSafe;
use std::time::Duration;

/// The advisory lock key of the runner on PostgreSQL ("orm_migr").
const PG_LOCK_KEY: i64 = 0x6f72_6d5f_6d69_6772;
/// The `GET_LOCK` name on MySQL: per database, as lock names are server-wide (64 characters at
/// most, hence the digest).
const MYSQL_LOCK_NAME: &str = "CONCAT(?, MD5(IFNULL(DATABASE(), '')))";
/// The bound prefix of the MySQL lock name.
const MYSQL_LOCK_PREFIX: &str = "orm_migrate:";

/// One pooled connection of the SQL backend.
enum Held {
    #[cfg(feature = "postgres")]
    Pg(sqlx::pool::PoolConnection<sqlx::Postgres>),
    #[cfg(feature = "mysql")]
    My(sqlx::pool::PoolConnection<sqlx::MySql>),
    #[cfg(feature = "sqlite")]
    Lite(sqlx::pool::PoolConnection<sqlx::Sqlite>),
}

/// The connection a migration run holds.
pub(crate) struct SqlConn {
    held: Held,
    dialect: Dialect,
    /// The driver, for a lease's renewals on a connection of their own.
    #[cfg_attr(not(any(feature = "mysql", feature = "postgres")), allow(dead_code))]
    driver: SqlDriver,
    /// Whether the server is a Galera node, once asked.
    #[cfg_attr(not(feature = "mysql"), allow(dead_code))]
    galera: Option<bool>,
    /// Inside a migration's transaction (`BEGIN` sent, not yet ended).
    in_tx: bool,
}

/// Runs `$body` with `$c` bound to the held connection.
macro_rules! on_held {
    ($held:expr, $c:ident => $body:expr) => {
        match $held {
            #[cfg(feature = "postgres")]
            Held::Pg($c) => $body,
            #[cfg(feature = "mysql")]
            Held::My($c) => $body,
            #[cfg(feature = "sqlite")]
            Held::Lite($c) => $body,
        }
    };
}

#[cfg(any(feature = "mysql", feature = "postgres"))]
mod lease;

use crate::value::Value;

/// The advisory lock key, bound.
fn key() -> Vec<Value> {
    vec![Value::I64(Some(PG_LOCK_KEY))]
}

/// The MySQL lock name's prefix and a `GET_LOCK` timeout in seconds, bound.
fn named(timeout_secs: i64) -> Vec<Value> {
    vec![Value::String(Some(MYSQL_LOCK_PREFIX.into())), Value::I64(Some(timeout_secs))]
}

fn sql_err(what: &str, sql: &str, e: sqlx::Error) -> Error {
    Error::from_sqlx("migration", "migrate", &format!("{what}: {sql}"), e)
}

impl SqlConn {
    pub(crate) async fn open(d: &SqlDriver) -> Result<SqlConn> {
        let acquire = |e: sqlx::Error| Error::Connect { url: d.url.to_string(), source: crate::error::DriverError::boxed(e) };
        let held = match &d.pool {
            #[cfg(feature = "postgres")]
            SqlPool::Pg(p) => Held::Pg(p.acquire().await.map_err(acquire)?),
            #[cfg(feature = "mysql")]
            SqlPool::My(p) => Held::My(p.acquire().await.map_err(acquire)?),
            #[cfg(feature = "sqlite")]
            SqlPool::Lite(p) => Held::Lite(p.acquire().await.map_err(acquire)?),
        };
        Ok(SqlConn { held, dialect: d.dialect, driver: d.clone(), galera: None, in_tx: false })
    }

    /// Runs SQL text (one or more statements, no bound values) in one exchange.
    async fn exec(&mut self, sql: &str) -> Result<()> {
        on_held!(&mut self.held, c => sqlx::raw_sql(AssertSqlSafe(sql)).execute(&mut **c).await.map(|_| ()).map_err(|e| sql_err("statement", sql, e)))
    }

    /// Whether a statement with bound values needs a transaction of its own: behind a transaction
    /// pooler, outside the migration's own (`super::on_sql!` says why).
    async fn pin(&mut self) -> Result<bool> {
        let pin = self.driver.pooler && !self.in_tx;
        if pin {
            self.exec("BEGIN").await?;
        }
        Ok(pin)
    }

    /// Ends what [`pin`](Self::pin) began: committed when `out` is a success.
    async fn unpin<T>(&mut self, pinned: bool, out: Result<T>) -> Result<T> {
        if pinned {
            self.exec(if out.is_ok() { "COMMIT" } else { "ROLLBACK" }).await?;
        }
        out
    }

    /// Runs a statement with bound values; the rows it changed.
    async fn execute_values(&mut self, what: &str, sql: &str, values: sql::SqlxValues) -> Result<u64> {
        let pooler = self.driver.pooler;
        let pinned = self.pin().await?;
        let out = on_held!(&mut self.held, c => super::statement(sql, values, pooler).execute(&mut **c).await.map(|r| r.rows_affected()).map_err(|e| sql_err(what, sql, e)));
        self.unpin(pinned, out).await
    }

    /// Runs a query with bound values, decoding each row into `T`.
    async fn fetch_values<T: crate::FromRow>(&mut self, what: &str, sql: &str, values: sql::SqlxValues) -> Result<Vec<T>> {
        let pooler = self.driver.pooler;
        let pinned = self.pin().await?;
        let out = on_held!(&mut self.held, c => match super::statement(sql, values, pooler).fetch_all(&mut **c).await {
            Ok(rows) => rows.iter().map(T::from_row).collect(),
            Err(e) => Err(sql_err(what, sql, e)),
        });
        self.unpin(pinned, out).await
    }

    /// Runs a statement with bound values.
    async fn exec_stmt<S: RenderWith>(&mut self, stmt: &S) -> Result<()> {
        let (text, values) = stmt.build_with(self.dialect);
        self.execute_values("history", &text, values).await.map(|_| ())
    }

    /// Runs a query with bound values returning one integer.
    async fn query_i64_with(&mut self, sql: &str, values: Vec<Value>) -> Result<i64> {
        let rows: Vec<(i64,)> = self.query_rows(sql, values).await?;
        rows.first().map(|(n,)| *n).ok_or_else(|| Error::decode("migration", "query", format!("no row from {sql}").into()))
    }

    /// Runs a query returning one integer.
    async fn query_i64(&mut self, sql: &str) -> Result<i64> {
        self.query_i64_with(sql, Vec::new()).await
    }

    /// Runs a query with bound values, decoding each row into `T`.
    async fn query_rows<T: crate::FromRow>(&mut self, sql: &str, values: Vec<Value>) -> Result<Vec<T>> {
        let bound = self.dialect.adapt_values(values.into_iter().map(Into::into).collect());
        self.fetch_values("query", sql, bound).await
    }

    /// The savepoint each SQLite migration runs in, inside the run's exclusive transaction.
    async fn savepoint(&mut self, op: Savepoint) -> Result<()> {
        let sql = op.sql("orm_migration", self.dialect);
        self.exec(&sql).await
    }

    fn lock_kind(&self) -> MigrationLock {
        self.dialect.capability().migration_lock
    }
}

impl MigrationConn for SqlConn {
    async fn lock(&mut self, guard: &mut LockGuard, lease: Duration, on_wait: &(dyn Fn(Option<LockHolder>) + Send + Sync)) -> Result<()> {
        #[cfg(not(any(feature = "mysql", feature = "postgres")))]
        let _ = lease;
        #[cfg(any(feature = "mysql", feature = "postgres"))]
        if self.leased().await {
            return self.lease_lock(guard, lease, on_wait).await;
        }
        match self.lock_kind() {
            MigrationLock::AdvisoryLock => {
                if self.query_i64_with("SELECT CAST(CASE WHEN pg_try_advisory_lock($1) THEN 1 ELSE 0 END AS BIGINT)", key()).await? != 1 {
                    on_wait(self.lock_holder().await.ok().flatten());
                    guard.waited = true;
                    self.query_i64_with("SELECT CAST(1 AS BIGINT) FROM (SELECT pg_advisory_lock($1)) AS locked", key()).await?;
                }
            }
            MigrationLock::NamedLock => {
                if self.query_i64_with(&format!("SELECT CAST(GET_LOCK({MYSQL_LOCK_NAME}, ?) AS SIGNED)"), named(0)).await? != 1 {
                    on_wait(self.lock_holder().await.ok().flatten());
                    guard.waited = true;
                    let secs = MAX_WAIT.as_secs();
                    if self.query_i64_with(&format!("SELECT CAST(GET_LOCK({MYSQL_LOCK_NAME}, ?) AS SIGNED)"), named(secs as i64)).await? != 1 {
                        return Err(Error::LockTimeout { waited: MAX_WAIT });
                    }
                }
            }
            _ => {
                // SQLite: the run is one exclusive transaction. Foreign keys can only be paused
                // outside a transaction.
                self.exec("PRAGMA foreign_keys = OFF").await?;
                // Try at once, to know whether to say that the runner waits; the pooled connection
                // gets its own busy timeout back afterwards.
                let previous = self.query_i64("PRAGMA busy_timeout").await?;
                // PRAGMA takes no bound values; the timeouts are integers, never text.
                self.exec("PRAGMA busy_timeout = 0").await?;
                let mut begun = self.exec("BEGIN EXCLUSIVE").await;
                if begun.is_err() {
                    on_wait(Some(LockHolder { owner: "another runner's exclusive transaction on this SQLite database".into(), since: None }));
                    guard.waited = true;
                    self.exec(&format!("PRAGMA busy_timeout = {}", MAX_WAIT.as_millis())).await?;
                    begun = self.exec("BEGIN EXCLUSIVE").await;
                }
                self.exec(&format!("PRAGMA busy_timeout = {previous}")).await?;
                if let Err(e) = begun {
                    // The pooled connection goes back as it came.
                    let _ = self.exec("PRAGMA foreign_keys = ON").await;
                    return Err(e);
                }
            }
        }
        Ok(())
    }

    async fn unlock(&mut self, guard: &LockGuard) -> Result<()> {
        #[cfg(not(any(feature = "mysql", feature = "postgres")))]
        let _ = guard;
        #[cfg(any(feature = "mysql", feature = "postgres"))]
        if self.leased().await {
            return self.lease_unlock(guard).await;
        }
        match self.lock_kind() {
            MigrationLock::AdvisoryLock => {
                self.query_i64_with("SELECT CAST(CASE WHEN pg_advisory_unlock($1) THEN 1 ELSE 0 END AS BIGINT)", key()).await.map(|_| ())
            }
            MigrationLock::NamedLock => {
                let prefix = vec![Value::String(Some(MYSQL_LOCK_PREFIX.into()))];
                self.query_i64_with(&format!("SELECT CAST(COALESCE(RELEASE_LOCK({MYSQL_LOCK_NAME}), 0) AS SIGNED)"), prefix).await.map(|_| ())
            }
            _ => match self.exec("COMMIT").await {
                Ok(()) => self.exec("PRAGMA foreign_keys = ON").await,
                Err(e) => {
                    let _ = self.exec("ROLLBACK").await;
                    let _ = self.exec("PRAGMA foreign_keys = ON").await;
                    Err(e)
                }
            },
        }
    }

    async fn lock_holder(&mut self) -> Result<Option<LockHolder>> {
        #[cfg(any(feature = "mysql", feature = "postgres"))]
        if self.leased().await {
            return self.lease_holder().await;
        }
        match self.lock_kind() {
            MigrationLock::AdvisoryLock => {
                // pg_locks shows a bigint advisory key as its high and low 32 bits.
                let halves = vec![Value::I64(Some(PG_LOCK_KEY >> 32)), Value::I64(Some(PG_LOCK_KEY & 0xffff_ffff))];
                let sql = "SELECT CAST(a.pid AS BIGINT), COALESCE(a.application_name, '') || ' from ' || COALESCE(CAST(a.client_addr AS TEXT), 'a local socket'), \
                     a.backend_start FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid \
                     WHERE l.locktype = 'advisory' AND l.granted AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) \
                     AND CAST(l.classid AS BIGINT) = $1 AND CAST(l.objid AS BIGINT) = $2 LIMIT 1";
                let rows: Vec<(i64, String, chrono::DateTime<chrono::Utc>)> = self.query_rows(sql, halves).await?;
                Ok(rows.into_iter().next().map(|(pid, client, since)| LockHolder {
                    owner: format!("PostgreSQL session {pid} ({client}); `SELECT pg_terminate_backend({pid})` ends it"),
                    since: Some(since),
                }))
            }
            MigrationLock::NamedLock => {
                let sql = format!("SELECT CAST(COALESCE(IS_USED_LOCK({MYSQL_LOCK_NAME}), 0) AS SIGNED)");
                let id = self.query_i64_with(&sql, vec![Value::String(Some(MYSQL_LOCK_PREFIX.into()))]).await?;
                Ok((id != 0).then(|| LockHolder { owner: format!("MySQL connection {id}; `KILL {id}` ends it"), since: None }))
            }
            _ => Ok(None),
        }
    }

    async fn force_unlock(&mut self) -> Result<Option<LockHolder>> {
        #[cfg(any(feature = "mysql", feature = "postgres"))]
        if self.leased().await {
            return self.lease_force_unlock().await;
        }
        // Session locks go with their session: tell who holds one; only ending that session
        // releases it. SQLite's goes with its transaction.
        match self.lock_holder().await? {
            None => Ok(None),
            Some(h) => Err(Error::LockHeld { holder: h.to_string() }),
        }
    }

    async fn ensure_history(&mut self) -> Result<()> {
        for stmt in sql::ddl::create_table_sql(HistoryRow::schema(), true, self.dialect) {
            // MySQL has no CREATE INDEX IF NOT EXISTS (and the history has no index to make).
            if self.dialect == Dialect::MySql && stmt.starts_with("CREATE INDEX") {
                continue;
            }
            self.exec(&stmt).await?;
        }
        Ok(())
    }

    async fn history_if_any(&mut self) -> Result<Vec<HistoryRow>> {
        // On this connection: another one would wait for SQLite's exclusive run transaction.
        let exists_sql = sql::ddl::table_exists_sql(self.dialect);
        let name = sea_query::Value::String(Some(HistoryRow::schema().name.clone()));
        let found: Vec<(i64,)> = self.fetch_values("history", exists_sql, sql::SqlxValues(sea_query::Values(vec![name]))).await?;
        if found.is_empty() {
            return Ok(Vec::new());
        }
        let q = HistoryRow::find().order_by_asc(HistoryRow::VERSION);
        let (text, values) = sql::select_statement(&q, self.dialect).build_with(self.dialect);
        self.fetch_values("history", &text, values).await
    }

    async fn save_history(&mut self, row: &HistoryRow) -> Result<()> {
        let columns = HistoryRow::column_names();
        let key = HistoryRow::VERSION.name();
        let updates: Vec<&str> = columns.iter().copied().filter(|c| *c != key).collect();
        let stmt = sql::upsert_statement(&HistoryRow::schema().name, columns, row.values(), &[key], &updates, None)
            .map_err(|e| Error::InvalidQuery { model: "HistoryRow", message: e.to_string() })?;
        self.exec_stmt(&stmt).await
    }

    async fn append_history(&mut self, row: &HistoryRow) -> Result<()> {
        let stmt = sql::insert_statement(&HistoryRow::schema().name, HistoryRow::column_names(), [row.values()], None)
            .map_err(|e| Error::InvalidQuery { model: "HistoryRow", message: e.to_string() })?;
        self.exec_stmt(&stmt).await
    }

    async fn remove_history(&mut self, version: i64) -> Result<()> {
        let cond = HistoryRow::VERSION.eq(version).into_cond();
        self.exec_stmt(&sql::delete_statement(&HistoryRow::schema().name, Some(&cond), self.dialect)).await
    }

    async fn begin_migration(&mut self) -> Result<()> {
        match self.lock_kind() {
            MigrationLock::ExclusiveTransaction => self.savepoint(Savepoint::Set).await,
            _ if self.dialect.capability().transactional_ddl => {
                self.exec("BEGIN").await?;
                self.in_tx = true;
                Ok(())
            }
            _ => Ok(()),
        }
    }

    async fn commit_migration(&mut self) -> Result<()> {
        match self.lock_kind() {
            MigrationLock::ExclusiveTransaction => {
                // Enforcement is paused for the run (SQLite's table rebuild recipe asks it): check
                // every foreign key holds before the migration counts as done.
                let violations = self.query_i64("SELECT COUNT(*) FROM pragma_foreign_key_check").await?;
                if violations > 0 {
                    return Err(Error::ForeignKeyCheck { violations });
                }
                self.savepoint(Savepoint::Release).await
            }
            _ if self.dialect.capability().transactional_ddl => {
                self.in_tx = false;
                self.exec("COMMIT").await
            }
            _ => Ok(()),
        }
    }

    async fn rollback_migration(&mut self) {
        match self.lock_kind() {
            MigrationLock::ExclusiveTransaction => {
                // Back to the savepoint: the migrations of the run before it stay.
                let _ = self.savepoint(Savepoint::RollbackTo).await;
                let _ = self.savepoint(Savepoint::Release).await;
            }
            _ if self.dialect.capability().transactional_ddl => {
                self.in_tx = false;
                let _ = self.exec("ROLLBACK").await;
            }
            _ => {}
        }
    }

    async fn run_step(&mut self, step: &Planned) -> Result<()> {
        match step {
            Planned::Sql(sql) => self.exec(sql).await,
            Planned::SqlCheck { sql, table, column, to } => {
                let found: Vec<(i64, Option<String>)> = self.query_rows(sql, Vec::new()).await?;
                match found.first() {
                    Some((count, example)) if *count > 0 => Err(Error::Unconvertible {
                        table: table.clone(),
                        column: column.clone(),
                        to: to.clone(),
                        count: *count as u64,
                        example: format!("{:?}", example.clone().unwrap_or_default()),
                    }),
                    _ => Ok(()),
                }
            }
            #[cfg(feature = "mongodb")]
            Planned::Mongo(_) => Err(Error::Unsupported { operation: "MongoDB commands", backend: "SQL databases" }),
        }
    }
}
