//! The SQL driver: PostgreSQL, MySQL/MariaDB and SQLite through sqlx, one driver for the three.
//!
//! Statements come from `crate::sql` (the query IR lowered to sea-query, rendered per dialect);
//! this module runs them. The three sqlx pools are matched in one place, [`on_sql!`]; each
//! dialect's own execution (PostgreSQL's `UNNEST` insert, MySQL's `LAST_INSERT_ID`) is a method
//! here named for it.
//!
//! - `crud.rs`: the [`Driver`](super::Driver) operations.
//! - `migrate.rs`: a migration run's connection: locks, history, migration transactions.
//! - `introspect/`: the live schema, one file per dialect.

mod browse;
mod crud;
mod introspect;
mod migrate;
mod row;

pub(crate) use migrate::SqlConn;

use super::QueryCount;
use crate::capability::BackendKind;
use crate::error::{Error, Result};
use crate::row::FromRow;
use crate::sql::{Dialect, RenderWith, Savepoint, SqlxValues};
use crate::field::RawRow;
use crate::schema::ColumnType;
use crate::value::Value;
use crate::options::ConnectOptions;
use sqlx::AssertSqlSafe;

/// The pool of one SQL backend.
#[derive(Clone)]
pub(crate) enum SqlPool {
    #[cfg(feature = "postgres")]
    Pg(sqlx::PgPool),
    #[cfg(feature = "mysql")]
    My(sqlx::MySqlPool),
    #[cfg(feature = "sqlite")]
    Lite(sqlx::SqlitePool),
}

/// An open SQL transaction: a pooled connection inside `BEGIN`.
pub(crate) enum SqlTx {
    #[cfg(feature = "postgres")]
    Pg(sqlx::Transaction<'static, sqlx::Postgres>),
    #[cfg(feature = "mysql")]
    My(sqlx::Transaction<'static, sqlx::MySql>),
    #[cfg(feature = "sqlite")]
    Lite(sqlx::Transaction<'static, sqlx::Sqlite>),
}

impl SqlTx {
    /// The dialect of the transaction's server.
    pub(crate) fn dialect(&self) -> Dialect {
        match self {
            #[cfg(feature = "postgres")]
            SqlTx::Pg(_) => Dialect::Postgres,
            #[cfg(feature = "mysql")]
            SqlTx::My(_) => Dialect::MySql,
            #[cfg(feature = "sqlite")]
            SqlTx::Lite(_) => Dialect::Sqlite,
        }
    }
}

/// A connection to PostgreSQL, MySQL/MariaDB or SQLite.
#[derive(Clone)]
pub(crate) struct SqlDriver {
    pub(crate) pool: SqlPool,
    pub(crate) dialect: Dialect,
    /// The URL connected to, password redacted (for errors).
    pub(crate) url: std::sync::Arc<str>,
    pub(crate) queries: QueryCount,
    /// Behind a transaction pooler (PgBouncer's `pool_mode = transaction`, asked for with the
    /// URL's `pgbouncer=true`): consecutive statements may reach different server connections, so
    /// statements are unnamed and one outside a transaction runs in one of its own.
    pub(crate) pooler: bool,
}

/// Runs `$body` (a `Result`) with `$conn` bound to an sqlx executor: the pool, or `$tx`'s
/// connection when `$tx` (an `Option<&mut SqlTx>`) is `Some`. Counts one statement. The body is
/// compiled once per dialect, twice on PostgreSQL: behind a transaction pooler a statement outside
/// a transaction runs in one of its own, as sqlx prepares and executes it in two exchanges that
/// must reach the same server connection.
macro_rules! on_sql {
    ($d:expr, $tx:expr, $conn:ident => $body:expr) => {{
        $d.queries.add();
        match ($tx, &$d.pool) {
            #[cfg(feature = "postgres")]
            (None, $crate::driver::sql::SqlPool::Pg(pool)) if $d.pooler => {
                let begin = |e| $crate::error::Error::from_sqlx("transaction", "BEGIN", "BEGIN", e);
                let mut pinned = pool.begin().await.map_err(begin)?;
                let out = async {
                    let $conn = &mut *pinned;
                    $body
                }
                .await;
                // A failed statement's transaction rolls back when dropped.
                match out {
                    Ok(v) => pinned.commit().await.map(|()| v).map_err(|e| $crate::error::Error::from_sqlx("transaction", "COMMIT", "COMMIT", e)),
                    Err(e) => Err(e),
                }
            }
            #[cfg(feature = "postgres")]
            (Some($crate::driver::sql::SqlTx::Pg(t)), _) => {
                let $conn = &mut **t;
                $body
            }
            #[cfg(feature = "mysql")]
            (Some($crate::driver::sql::SqlTx::My(t)), _) => {
                let $conn = &mut **t;
                $body
            }
            #[cfg(feature = "sqlite")]
            (Some($crate::driver::sql::SqlTx::Lite(t)), _) => {
                let $conn = &mut **t;
                $body
            }
            #[cfg(feature = "postgres")]
            (None, $crate::driver::sql::SqlPool::Pg($conn)) => $body,
            #[cfg(feature = "mysql")]
            (None, $crate::driver::sql::SqlPool::My($conn)) => $body,
            #[cfg(feature = "sqlite")]
            (None, $crate::driver::sql::SqlPool::Lite($conn)) => $body,
        }
    }};
}

/// One connection attempt before the pool is built: a refused connection or a missing database
/// fails at once with the server's word, where the pool would retry until its acquire timeout and
/// say only "pool timed out".
#[cfg(any(feature = "postgres", feature = "mysql"))]
async fn probe<O>(opts: &O) -> std::result::Result<(), sqlx::Error>
where
    O: sqlx::ConnectOptions,
    O::Connection: Sized,
{
    use sqlx::Connection;
    opts.connect().await?.close().await
}

fn pool_options<DB: sqlx::Database>(o: &ConnectOptions) -> sqlx::pool::PoolOptions<DB> {
    let mut p = sqlx::pool::PoolOptions::<DB>::new();
    if let Some(n) = o.max_connections {
        p = p.max_connections(n);
    }
    if let Some(n) = o.min_connections {
        p = p.min_connections(n);
    }
    if let Some(d) = o.acquire_timeout {
        p = p.acquire_timeout(d);
    }
    if let Some(d) = o.idle_timeout {
        p = p.idle_timeout(d);
    }
    if let Some(d) = o.max_lifetime {
        p = p.max_lifetime(d);
    }
    p
}

/// What a statement is run for: the model and the operation, for error messages.
#[derive(Clone, Copy)]
pub(crate) struct Ctx {
    pub model: &'static str,
    pub operation: &'static str,
}

impl Ctx {
    pub(crate) fn err(self, sql: &str, e: sqlx::Error) -> Error {
        Error::from_sqlx(self.model, self.operation, sql, e)
    }
}

/// One statement of a bulk write.
pub(crate) enum Batch {
    /// An `INSERT` built with sea-query.
    Insert(Box<sea_query::InsertStatement>),
    /// A multi-row `INSERT ... VALUES` as text and its values.
    Values(String, SqlxValues),
    /// PostgreSQL's `INSERT ... SELECT * FROM UNNEST(...)`.
    #[cfg(feature = "postgres")]
    Unnest(crate::sql::unnest::UnnestInsert),
}

/// A statement with bound values; unnamed (`persistent(false)`) behind a transaction pooler, where
/// a named one would outlive the server connection it was prepared on.
pub(crate) fn statement<'q, DB: sqlx::Database + sqlx::database::HasStatementCache>(sql: &'q str, values: SqlxValues, pooler: bool) -> sqlx::query::Query<'q, DB, SqlxValues>
where
    SqlxValues: sqlx::IntoArguments<DB>,
{
    sqlx::query_with(AssertSqlSafe(sql), values).persistent(!pooler)
}

/// `url` without its `name=true` parameter, and whether it had it.
pub(crate) fn take_flag(url: &str, name: &str) -> (String, bool) {
    let Some((base, query)) = url.split_once('?') else { return (url.to_string(), false) };
    let mut found = false;
    let rest: Vec<&str> = query
        .split('&')
        .filter(|p| match p.split_once('=') {
            Some((k, v)) if k == name => {
                found |= v.eq_ignore_ascii_case("true") || v == "1";
                false
            }
            _ => true,
        })
        .collect();
    (if rest.is_empty() { base.to_string() } else { format!("{base}?{}", rest.join("&")) }, found)
}

impl SqlDriver {
    /// Connects to the SQL backend `kind` (the URL's scheme named it).
    pub(crate) async fn connect(kind: BackendKind, url: &str, redacted: &str, options: &ConnectOptions) -> Result<SqlDriver> {
        use std::str::FromStr;
        let connect_err = |source: sqlx::Error| Error::Connect { url: redacted.to_string(), source: crate::error::DriverError::boxed(source) };
        let not_enabled = |feature: &str| Error::UnsupportedUrl {
            url: redacted.to_string(),
            reason: format!("this build of orm-core lacks the `{feature}` feature"),
        };
        let _ = (&not_enabled, &connect_err, options);
        let (url, pooler) = take_flag(url, "pgbouncer");
        let url = url.as_str();
        let pool = match kind {
            BackendKind::Postgres => {
                #[cfg(feature = "postgres")]
                {
                    let mut opts = sqlx::postgres::PgConnectOptions::from_str(url).map_err(connect_err)?;
                    if pooler || options.pgbouncer {
                        opts = opts.statement_cache_capacity(0);
                    }
                    if options.lazy {
                        SqlPool::Pg(pool_options(options).connect_lazy_with(opts))
                    } else {
                        probe(&opts).await.map_err(connect_err)?;
                        SqlPool::Pg(pool_options(options).connect_with(opts).await.map_err(connect_err)?)
                    }
                }
                #[cfg(not(feature = "postgres"))]
                return Err(not_enabled("postgres"));
            }
            BackendKind::MySql => {
                #[cfg(feature = "mysql")]
                {
                    let normalized = match url.strip_prefix("mariadb:") {
                        Some(rest) => format!("mysql:{rest}"),
                        None => url.to_string(),
                    };
                    let opts = sqlx::mysql::MySqlConnectOptions::from_str(&normalized).map_err(connect_err)?;
                    if options.lazy {
                        SqlPool::My(pool_options(options).connect_lazy_with(opts))
                    } else {
                        probe(&opts).await.map_err(connect_err)?;
                        SqlPool::My(pool_options(options).connect_with(opts).await.map_err(connect_err)?)
                    }
                }
                #[cfg(not(feature = "mysql"))]
                return Err(not_enabled("mysql"));
            }
            BackendKind::Sqlite => {
                #[cfg(feature = "sqlite")]
                {
                    let mut opts = sqlx::sqlite::SqliteConnectOptions::from_str(url).map_err(connect_err)?;
                    let in_memory = url.contains(":memory:") || url.contains("mode=memory");
                    if !in_memory && !url.contains("mode=") {
                        opts = opts.create_if_missing(true);
                    }
                    let mut pool = pool_options::<sqlx::Sqlite>(options);
                    if in_memory {
                        // An in-memory database lives as long as a connection to it: keep one forever.
                        pool = pool.min_connections(1).idle_timeout(None).max_lifetime(None);
                        // A private one (`:memory:`, or `mode=memory` without a shared cache) exists
                        // on one connection only. A shared-cache one is seen by every connection of
                        // the process, so it keeps the pool's size: with a single connection every
                        // query would wait for the previous one's release.
                        if !url.contains("cache=shared") {
                            pool = pool.max_connections(1);
                        }
                    }
                    SqlPool::Lite(pool.connect_with(opts).await.map_err(connect_err)?)
                }
                #[cfg(not(feature = "sqlite"))]
                return Err(not_enabled("sqlite"));
            }
            BackendKind::MongoDb => unreachable!("MongoDB has a driver of its own"),
        };
        let dialect = match &pool {
            #[cfg(feature = "postgres")]
            SqlPool::Pg(_) => Dialect::Postgres,
            #[cfg(feature = "mysql")]
            SqlPool::My(_) => Dialect::MySql,
            #[cfg(feature = "sqlite")]
            SqlPool::Lite(_) => Dialect::Sqlite,
        };
        let pooler = (pooler || options.pgbouncer) && dialect == Dialect::Postgres;
        Ok(SqlDriver { pool, dialect, url: redacted.into(), queries: QueryCount::default(), pooler })
    }

    /// Runs a query on the pool (introspection).
    pub(crate) async fn query<R: FromRow>(&self, sql: &str, values: impl IntoIterator<Item = Value>) -> Result<Vec<R>> {
        self.raw_query(None, sql, values).await
    }

    pub(crate) async fn begin_tx(&self) -> Result<SqlTx> {
        let err = |e| Error::from_sqlx("transaction", "BEGIN", "BEGIN", e);
        Ok(match &self.pool {
            #[cfg(feature = "postgres")]
            SqlPool::Pg(p) => SqlTx::Pg(p.begin().await.map_err(err)?),
            #[cfg(feature = "mysql")]
            SqlPool::My(p) => SqlTx::My(p.begin().await.map_err(err)?),
            #[cfg(feature = "sqlite")]
            SqlPool::Lite(p) => SqlTx::Lite(p.begin().await.map_err(err)?),
        })
    }

    /// Fetches every row of a built statement.
    pub(crate) async fn fetch_built<R: FromRow>(&self, tx: Option<&mut SqlTx>, ctx: Ctx, sql: &str, values: SqlxValues) -> Result<Vec<R>> {
        on_sql!(self, tx, conn => {
            let rows = statement(sql, values, self.pooler).fetch_all(conn).await.map_err(|e| ctx.err(sql, e))?;
            let seen = row::columns_seen(&rows);
            // A loop rather than `collect::<Result<Vec<_>>>()`, which cannot size the vector from
            // the rows and grows it (copying every decoded row) ten times for 1,000 rows.
            let mut out = Vec::with_capacity(rows.len());
            for row in &rows {
                out.push(R::from_row(&row::Checked { row, seen: &seen })?);
            }
            Ok(out)
        })
    }

    /// Fetches every row of a statement.
    pub(crate) async fn fetch<R: FromRow, S: RenderWith>(&self, tx: Option<&mut SqlTx>, ctx: Ctx, stmt: &S) -> Result<Vec<R>> {
        let (sql, values) = stmt.build_with(self.dialect);
        self.fetch_built(tx, ctx, &sql, values).await
    }

    /// Fetches every row of a statement as values of `types`, one per column.
    #[cfg_attr(not(feature = "cache"), allow(dead_code))]
    pub(crate) async fn fetch_values<S: RenderWith>(&self, tx: Option<&mut SqlTx>, ctx: Ctx, stmt: &S, types: &[ColumnType]) -> Result<Vec<Vec<Value>>> {
        let (sql, values) = stmt.build_with(self.dialect);
        on_sql!(self, tx, conn => {
            let rows = statement(&sql, values, self.pooler).fetch_all(conn).await.map_err(|e| ctx.err(&sql, e))?;
            rows.iter()
                .map(|row| types.iter().enumerate().map(|(i, t)| RawRow::get_value(row, i, *t).map_err(|e| Error::decode(ctx.model, format!("column {i}"), e))).collect())
                .collect()
        })
    }

    /// Runs a built statement; returns the rows it affected.
    pub(crate) async fn execute_built(&self, tx: Option<&mut SqlTx>, ctx: Ctx, sql: &str, values: SqlxValues) -> Result<u64> {
        on_sql!(self, tx, conn => {
            let done = statement(sql, values, self.pooler).execute(conn).await.map_err(|e| ctx.err(sql, e))?;
            Ok(done.rows_affected())
        })
    }

    /// Runs a statement; returns the rows it affected.
    pub(crate) async fn execute<S: RenderWith>(&self, tx: Option<&mut SqlTx>, ctx: Ctx, stmt: &S) -> Result<u64> {
        let (sql, values) = stmt.build_with(self.dialect);
        self.execute_built(tx, ctx, &sql, values).await
    }

    /// Runs DDL text (no bound values).
    pub(crate) async fn execute_ddl(&self, tx: Option<&mut SqlTx>, ctx: Ctx, sql: &str) -> Result<()> {
        self.execute_built(tx, ctx, sql, SqlxValues(sea_query::Values(Vec::new()))).await.map(|_| ())
    }

    /// Fetches one `i64` (a COUNT) from a statement.
    pub(crate) async fn fetch_i64<S: RenderWith>(&self, tx: Option<&mut SqlTx>, ctx: Ctx, stmt: &S) -> Result<i64> {
        let (sql, values) = stmt.build_with(self.dialect);
        on_sql!(self, tx, conn => {
            let row = statement(&sql, values, self.pooler).fetch_one(conn).await.map_err(|e| ctx.err(&sql, e))?;
            crate::row::RowAccess::get::<i64>(&row, 0).map_err(|e| Error::decode(ctx.model, "COUNT(*)", e))
        })
    }

    /// Whether a built statement returns any row.
    pub(crate) async fn fetch_any_built(&self, tx: Option<&mut SqlTx>, ctx: Ctx, sql: &str, values: SqlxValues) -> Result<bool> {
        on_sql!(self, tx, conn => {
            let row = statement(sql, values, self.pooler).fetch_optional(conn).await.map_err(|e| ctx.err(sql, e))?;
            Ok(row.is_some())
        })
    }

    /// Runs raw SQL with bound values and decodes each row.
    pub(crate) async fn raw_query<R: FromRow>(&self, tx: Option<&mut SqlTx>, sql: &str, values: impl IntoIterator<Item = Value>) -> Result<Vec<R>> {
        let values = self.dialect.adapt_values(values.into_iter().map(Into::into).collect());
        self.fetch_built(tx, Ctx { model: "raw", operation: "raw_query" }, sql, values).await
    }

    /// Runs raw SQL with bound values; returns the rows it affected.
    pub(crate) async fn raw_execute(&self, tx: Option<&mut SqlTx>, sql: &str, values: impl IntoIterator<Item = Value>) -> Result<u64> {
        let values = self.dialect.adapt_values(values.into_iter().map(Into::into).collect());
        self.execute_built(tx, Ctx { model: "raw", operation: "raw_execute" }, sql, values).await
    }

    /// Runs statements all or nothing: in a transaction of their own, or in a savepoint of `tx`.
    /// Returns the rows they affected.
    pub(crate) async fn execute_all_in_transaction(&self, tx: Option<&mut SqlTx>, ctx: Ctx, batches: Vec<Batch>) -> Result<u64> {
        match tx {
            Some(t) => {
                let batch = |op: Savepoint| op.sql("orm_batch", self.dialect);
                Self::exec_text(t, &batch(Savepoint::Set)).await?;
                match self.run_batches(t, ctx, batches).await {
                    Ok(n) => Self::exec_text(t, &batch(Savepoint::Release)).await.map(|()| n),
                    Err(e) => {
                        Self::exec_text(t, &batch(Savepoint::RollbackTo)).await?;
                        Self::exec_text(t, &batch(Savepoint::Release)).await?;
                        Err(e)
                    }
                }
            }
            None => {
                let mut own = self.begin_tx().await?;
                match self.run_batches(&mut own, ctx, batches).await {
                    Ok(n) => tx_end(own, true).await.map(|()| n),
                    Err(e) => {
                        tx_end(own, false).await?;
                        Err(e)
                    }
                }
            }
        }
    }

    async fn run_batches(&self, tx: &mut SqlTx, ctx: Ctx, batches: Vec<Batch>) -> Result<u64> {
        let mut total = 0;
        for batch in batches {
            total += match batch {
                Batch::Insert(stmt) => self.execute(Some(&mut *tx), ctx, &*stmt).await?,
                Batch::Values(sql, values) => self.execute_built(Some(&mut *tx), ctx, &sql, values).await?,
                #[cfg(feature = "postgres")]
                Batch::Unnest(insert) => self.execute_unnest(&mut *tx, ctx, insert).await?,
            };
        }
        Ok(total)
    }

    /// Runs an `INSERT ... SELECT * FROM UNNEST(...)` on PostgreSQL.
    #[cfg(feature = "postgres")]
    async fn execute_unnest(&self, tx: &mut SqlTx, ctx: Ctx, insert: crate::sql::unnest::UnnestInsert) -> Result<u64> {
        let (sql, args) = insert.into_parts();
        let args = args.map_err(|e| ctx.err(&sql, sqlx::Error::Encode(e)))?;
        self.queries.add();
        #[allow(irrefutable_let_patterns)]
        let SqlTx::Pg(t) = tx else { unreachable!("UNNEST inserts run on PostgreSQL only") };
        let done = sqlx::query_with(AssertSqlSafe(sql.as_str()), args).persistent(!self.pooler).execute(&mut **t).await;
        done.map(|d| d.rows_affected()).map_err(|e| ctx.err(&sql, e))
    }

    /// Runs an INSERT on MySQL; returns the generated auto-increment key.
    #[cfg(feature = "mysql")]
    pub(crate) async fn execute_insert_mysql(&self, tx: Option<&mut SqlTx>, ctx: Ctx, sql: &str, values: SqlxValues) -> Result<u64> {
        self.queries.add();
        let query = statement(sql, values, self.pooler);
        #[allow(irrefutable_let_patterns, unreachable_patterns)]
        let done = match (tx, &self.pool) {
            (Some(SqlTx::My(t)), _) => query.execute(&mut **t).await,
            (None, SqlPool::My(p)) => query.execute(p).await,
            _ => unreachable!("LAST_INSERT_ID is read on MySQL only"),
        };
        done.map(|d| d.last_insert_id()).map_err(|e| ctx.err(sql, e))
    }

    /// Runs SQL text (no bound values) inside a transaction.
    pub(crate) async fn exec_text(tx: &mut SqlTx, sql: &str) -> Result<()> {
        let e = |e| Error::from_sqlx("transaction", "savepoint", sql, e);
        match tx {
            #[cfg(feature = "postgres")]
            SqlTx::Pg(t) => sqlx::raw_sql(AssertSqlSafe(sql)).execute(&mut **t).await.map(|_| ()).map_err(e),
            #[cfg(feature = "mysql")]
            SqlTx::My(t) => sqlx::raw_sql(AssertSqlSafe(sql)).execute(&mut **t).await.map(|_| ()).map_err(e),
            #[cfg(feature = "sqlite")]
            SqlTx::Lite(t) => sqlx::raw_sql(AssertSqlSafe(sql)).execute(&mut **t).await.map(|_| ()).map_err(e),
        }
    }
}

/// Commits (`commit`) or rolls back a transaction.
pub(crate) async fn tx_end(tx: SqlTx, commit: bool) -> Result<()> {
    let what = if commit { "COMMIT" } else { "ROLLBACK" };
    let err = |e| Error::from_sqlx("transaction", what, what, e);
    macro_rules! end {
        ($t:expr) => {
            if commit { $t.commit().await.map_err(err) } else { $t.rollback().await.map_err(err) }
        };
    }
    match tx {
        #[cfg(feature = "postgres")]
        SqlTx::Pg(t) => end!(t),
        #[cfg(feature = "mysql")]
        SqlTx::My(t) => end!(t),
        #[cfg(feature = "sqlite")]
        SqlTx::Lite(t) => end!(t),
    }
}
