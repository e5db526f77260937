//! Running statements on whichever backend the [`Database`] holds.

use super::{Backend, Database};
use crate::error::{Error, Result};
use crate::row::FromRow;
use crate::sql::{Dialect, RenderWith};
use sea_query_sqlx::SqlxValues;
use sqlx::AssertSqlSafe;

/// Runs `$body` with `$pool` bound to the backend's pool and `$dialect` to its dialect; the body is
/// compiled once per backend, so it may use each backend's row and result types generically.
macro_rules! dispatch {
    ($db:expr, $pool:ident, $dialect:ident => $body:expr) => {
        match &$db.backend {
            #[cfg(feature = "postgres")]
            Backend::Postgres($pool) => {
                let $dialect = Dialect::Postgres;
                $body
            }
            #[cfg(feature = "mysql")]
            Backend::MySql($pool) => {
                let $dialect = Dialect::MySql;
                $body
            }
            #[cfg(feature = "sqlite")]
            Backend::Sqlite($pool) => {
                let $dialect = Dialect::Sqlite;
                $body
            }
            #[cfg(feature = "mongodb")]
            Backend::Mongo(_) => Err(Error::Unsupported { operation: "SQL", backend: "MongoDB" }),
        }
    };
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

impl Database {
    /// Fetches every row of a built statement.
    pub(crate) async fn fetch_built<R: FromRow>(&self, ctx: Ctx, sql: &str, values: SqlxValues) -> Result<Vec<R>> {
        dispatch!(self, pool, _dialect => {
            let rows = sqlx::query_with(AssertSqlSafe(sql), values)
                .fetch_all(pool)
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
        dispatch!(self, pool, _dialect => {
            let done = sqlx::query_with(AssertSqlSafe(sql), values)
                .execute(pool)
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

    /// Runs statements in one transaction (all or nothing); returns the rows they affected.
    pub(crate) async fn execute_all_in_transaction<S: RenderWith>(&self, ctx: Ctx, stmts: &[S]) -> Result<u64> {
        dispatch!(self, pool, dialect => {
            let mut tx = pool.begin().await.map_err(|e| ctx.err("BEGIN", e))?;
            let mut total = 0;
            for stmt in stmts {
                let (sql, values) = stmt.build_with(dialect);
                let done = sqlx::query_with(AssertSqlSafe(sql.as_str()), values)
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| ctx.err(&sql, e))?;
                total += done.rows_affected();
            }
            tx.commit().await.map_err(|e| ctx.err("COMMIT", e))?;
            Ok(total)
        })
    }

    /// Runs an INSERT on MySQL; returns the generated auto-increment key.
    #[cfg(feature = "mysql")]
    pub(crate) async fn execute_insert_mysql<S: RenderWith>(&self, ctx: Ctx, stmt: &S) -> Result<u64> {
        let Backend::MySql(pool) = &self.backend else {
            unreachable!("called on MySQL only");
        };
        let (sql, values) = stmt.build_with(Dialect::MySql);
        let done = sqlx::query_with(AssertSqlSafe(sql.as_str()), values)
            .execute(pool)
            .await
            .map_err(|e| ctx.err(&sql, e))?;
        Ok(done.last_insert_id())
    }

    /// Runs DDL text (no bound values).
    pub(crate) async fn execute_ddl(&self, ctx: Ctx, sql: &str) -> Result<()> {
        self.execute_built(ctx, sql, SqlxValues(sea_query::Values(Vec::new()))).await.map(|_| ())
    }

    /// Fetches one `i64` (a COUNT) from a statement.
    pub(crate) async fn fetch_i64<S: RenderWith>(&self, ctx: Ctx, stmt: &S) -> Result<i64> {
        let (sql, values) = stmt.build_with(self.sql_dialect("SQL")?);
        dispatch!(self, pool, _dialect => {
            let row = sqlx::query_with(AssertSqlSafe(sql.as_str()), values)
                .fetch_one(pool)
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
        dispatch!(self, pool, _dialect => {
            let row = sqlx::query_with(AssertSqlSafe(sql), values)
                .fetch_optional(pool)
                .await
                .map_err(|e| ctx.err(sql, e))?;
            Ok(row.is_some())
        })
    }
}
