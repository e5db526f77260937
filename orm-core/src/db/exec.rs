//! Running statements on whichever backend the [`Database`] holds, on its pool or inside a
//! [`Transaction`].

use super::tx::{Transaction, TxState};
use super::{Backend, Database};
use crate::error::{Error, Result};
use crate::row::FromRow;
use crate::sql::{Dialect, RenderWith};
use crate::sql::SqlxValues;
#[cfg(feature = "sql")]
use sqlx::AssertSqlSafe;

/// Where an operation runs: the database's pool, or a transaction's connection (session).
#[doc(hidden)]
#[derive(Clone, Copy)]
pub struct On<'a> {
    pub(crate) db: &'a Database,
    pub(crate) tx: Option<&'a Transaction>,
}

/// Something operations run on: a [`Database`] or a [`Transaction`].
pub trait Executor: Send + Sync {
    #[doc(hidden)]
    fn on(&self) -> On<'_>;
}

impl Executor for Database {
    fn on(&self) -> On<'_> {
        On { db: self, tx: None }
    }
}

impl Executor for Transaction {
    fn on(&self) -> On<'_> {
        On { db: &self.db, tx: Some(self) }
    }
}

/// Runs `$body` with `$conn` bound to an sqlx executor (the pool, or the transaction's connection)
/// and `$dialect` to its dialect; the body is compiled once per backend.
macro_rules! dispatch {
    ($on:expr, $conn:ident, $dialect:ident => $body:expr) => {{
        $on.db.count_query();
        match $on.tx {
            None => match &$on.db.backend {
                #[cfg(feature = "postgres")]
                Backend::Postgres($conn) => {
                    let $dialect = Dialect::Postgres;
                    $body
                }
                #[cfg(feature = "mysql")]
                Backend::MySql($conn) => {
                    let $dialect = Dialect::MySql;
                    $body
                }
                #[cfg(feature = "sqlite")]
                Backend::Sqlite($conn) => {
                    let $dialect = Dialect::Sqlite;
                    $body
                }
                #[cfg(feature = "mongodb")]
                Backend::Mongo(_) => Err(Error::Unsupported { operation: "SQL", backend: "MongoDB" }),
            },
            Some(tx) => {
                let mut guard = tx.shared.state.lock().await;
                tx.settle(&mut guard).await?;
                match &mut *guard {
                    #[cfg(feature = "postgres")]
                    TxState::Pg(t) => {
                        let $conn = &mut **t;
                        let $dialect = Dialect::Postgres;
                        $body
                    }
                    #[cfg(feature = "mysql")]
                    TxState::My(t) => {
                        let $conn = &mut **t;
                        let $dialect = Dialect::MySql;
                        $body
                    }
                    #[cfg(feature = "sqlite")]
                    TxState::Lite(t) => {
                        let $conn = &mut **t;
                        let $dialect = Dialect::Sqlite;
                        $body
                    }
                    #[cfg(feature = "mongodb")]
                    TxState::Mongo(_) => Err(Error::Unsupported { operation: "SQL", backend: "MongoDB" }),
                    TxState::Closed => Err(super::tx::closed()),
                }
            }
        }
    }};
}

/// Runs `$body` with `$conn` bound to one backend's executor (its pool, or the transaction's
/// connection), for operations only that backend has; the caller knows the backend is `$backend`.
#[cfg_attr(not(any(feature = "postgres", feature = "mysql")), allow(unused_macros))]
macro_rules! on_connection {
    ($on:expr, $backend:ident, $state:ident, $conn:ident => $body:expr) => {{
        $on.db.count_query();
        match $on.tx {
            None => {
                // Irrefutable in a build with this backend alone.
                #[allow(irrefutable_let_patterns)]
                let Backend::$backend($conn) = &$on.db.backend else {
                    unreachable!(concat!("called on ", stringify!($backend), " only"));
                };
                $body
            }
            Some(tx) => {
                let mut guard = tx.shared.state.lock().await;
                tx.settle(&mut guard).await?;
                let TxState::$state(t) = &mut *guard else {
                    return Err(super::tx::closed());
                };
                let $conn = &mut **t;
                $body
            }
        }
    }};
}

/// One statement of a bulk write.
pub(crate) enum Batch {
    /// A multi-row `INSERT ... VALUES`.
    Insert(Box<sea_query::InsertStatement>),
    /// PostgreSQL's `INSERT ... SELECT * FROM UNNEST(...)`.
    #[cfg(feature = "postgres")]
    Unnest(crate::sql::unnest::UnnestInsert),
}

/// What a statement is run for: the model and the operation, for error messages.
#[derive(Clone, Copy)]
pub(crate) struct Ctx {
    pub model: &'static str,
    pub operation: &'static str,
}

impl Ctx {
    #[cfg(feature = "sql")]
    pub(crate) fn err(self, sql: &str, e: sqlx::Error) -> Error {
        Error::from_sqlx(self.model, self.operation, sql, e)
    }
}

impl On<'_> {
    /// The SQL dialect, or [`Error::Unsupported`] naming `operation` on MongoDB.
    pub(crate) fn sql_dialect(&self, operation: &'static str) -> Result<Dialect> {
        self.db.sql_dialect(operation)
    }

    /// Fetches every row of a built statement.
    pub(crate) async fn fetch_built<R: FromRow>(&self, ctx: Ctx, sql: &str, values: SqlxValues) -> Result<Vec<R>> {
        dispatch!(self, conn, _dialect => {
            let rows = sqlx::query_with(AssertSqlSafe(sql), values)
                .fetch_all(conn)
                .await
                .map_err(|e| ctx.err(sql, e))?;
            rows.iter().map(R::from_row).collect()
        })
    }

    /// Fetches every row of a statement.
    pub(crate) async fn fetch<R: FromRow, S: RenderWith>(&self, ctx: Ctx, stmt: &S) -> Result<Vec<R>> {
        let (sql, values) = stmt.build_with(self.sql_dialect("SQL")?);
        self.fetch_built(ctx, &sql, values).await
    }

    /// Runs a statement; returns the rows it affected.
    pub(crate) async fn execute_built(&self, ctx: Ctx, sql: &str, values: SqlxValues) -> Result<u64> {
        dispatch!(self, conn, _dialect => {
            let done = sqlx::query_with(AssertSqlSafe(sql), values)
                .execute(conn)
                .await
                .map_err(|e| ctx.err(sql, e))?;
            Ok(done.rows_affected())
        })
    }

    /// Runs a statement; returns the rows it affected.
    pub(crate) async fn execute<S: RenderWith>(&self, ctx: Ctx, stmt: &S) -> Result<u64> {
        let (sql, values) = stmt.build_with(self.sql_dialect("SQL")?);
        self.execute_built(ctx, &sql, values).await
    }

    /// Runs statements all or nothing (a transaction, or a savepoint inside one); returns the rows
    /// they affected.
    pub(crate) async fn execute_all_in_transaction(&self, ctx: Ctx, batches: Vec<Batch>) -> Result<u64> {
        let tx = match self.tx {
            Some(outer) => outer.begin().await?,
            None => self.db.begin().await?,
        };
        let inner = On { db: self.db, tx: Some(&tx) };
        let mut total = 0;
        for batch in batches {
            let done = match batch {
                Batch::Insert(stmt) => inner.execute(ctx, &*stmt).await,
                #[cfg(feature = "postgres")]
                Batch::Unnest(insert) => inner.execute_unnest(ctx, insert).await,
            };
            match done {
                Ok(n) => total += n,
                Err(e) => {
                    tx.rollback().await?;
                    return Err(e);
                }
            }
        }
        tx.commit().await?;
        Ok(total)
    }

    /// Runs an `INSERT ... SELECT * FROM UNNEST(...)` on PostgreSQL.
    #[cfg(feature = "postgres")]
    async fn execute_unnest(&self, ctx: Ctx, insert: crate::sql::unnest::UnnestInsert) -> Result<u64> {
        let (sql, args) = insert.into_parts();
        let args = args.map_err(|e| ctx.err(&sql, sqlx::Error::Encode(e)))?;
        let done = on_connection!(self, Postgres, Pg, conn => {
            sqlx::query_with(AssertSqlSafe(sql.as_str()), args).execute(conn).await
        });
        done.map(|d| d.rows_affected()).map_err(|e| ctx.err(&sql, e))
    }

    /// Runs an INSERT on MySQL; returns the generated auto-increment key.
    #[cfg(feature = "mysql")]
    pub(crate) async fn execute_insert_mysql<S: RenderWith>(&self, ctx: Ctx, stmt: &S) -> Result<u64> {
        let (sql, values) = stmt.build_with(Dialect::MySql);
        let done = on_connection!(self, MySql, My, conn => {
            sqlx::query_with(AssertSqlSafe(sql.as_str()), values).execute(conn).await
        });
        done.map(|d| d.last_insert_id()).map_err(|e| ctx.err(&sql, e))
    }

    /// Runs DDL text (no bound values).
    pub(crate) async fn execute_ddl(&self, ctx: Ctx, sql: &str) -> Result<()> {
        self.execute_built(ctx, sql, SqlxValues(sea_query::Values(Vec::new()))).await.map(|_| ())
    }

    /// Fetches one `i64` (a COUNT) from a statement.
    pub(crate) async fn fetch_i64<S: RenderWith>(&self, ctx: Ctx, stmt: &S) -> Result<i64> {
        let (sql, values) = stmt.build_with(self.sql_dialect("SQL")?);
        dispatch!(self, conn, _dialect => {
            let row = sqlx::query_with(AssertSqlSafe(sql.as_str()), values)
                .fetch_one(conn)
                .await
                .map_err(|e| ctx.err(&sql, e))?;
            crate::row::RowAccess::get::<i64>(&row, 0).map_err(|e| Error::decode(ctx.model, "COUNT(*)", e))
        })
    }

    /// Whether a statement returns any row.
    pub(crate) async fn fetch_any<S: RenderWith>(&self, ctx: Ctx, stmt: &S) -> Result<bool> {
        let (sql, values) = stmt.build_with(self.sql_dialect("SQL")?);
        self.fetch_any_built(ctx, &sql, values).await
    }

    /// Whether a built statement returns any row.
    pub(crate) async fn fetch_any_built(&self, ctx: Ctx, sql: &str, values: SqlxValues) -> Result<bool> {
        dispatch!(self, conn, _dialect => {
            let row = sqlx::query_with(AssertSqlSafe(sql), values)
                .fetch_optional(conn)
                .await
                .map_err(|e| ctx.err(sql, e))?;
            Ok(row.is_some())
        })
    }
}
