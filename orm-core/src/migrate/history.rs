//! The history of applied migrations (`_orm_migrations`), and the connection and lock the runner
//! holds for a whole run.

use crate::db::{Backend, Database};
use crate::error::{Error, Result};
use crate::sql::{self, Dialect, RenderWith};
use crate::Model;
use chrono::{DateTime, Utc};
#[cfg(feature = "sql")]
use sqlx::AssertSqlSafe;

/// One row of the history: a migration applied, or one stopped half-way (`dirty`).
#[derive(crate::Model, Debug, Clone, PartialEq)]
#[orm(table = "_orm_migrations")]
pub struct HistoryRow {
    /// The migration's version.
    #[orm(primary_key)]
    pub version: i64,
    /// Its name.
    #[orm(length = 255)]
    pub name: String,
    /// The checksum of its file when it was applied.
    #[orm(length = 64)]
    pub checksum: String,
    /// When it finished (or started, while dirty).
    pub applied_at: DateTime<Utc>,
    /// How long it took, in milliseconds.
    pub execution_ms: i64,
    /// Whether it stopped part-way (MySQL and MongoDB, whose DDL is not transactional).
    pub dirty: bool,
    /// `up` or `down`: the direction of the run that left it dirty.
    #[orm(length = 4)]
    pub direction: String,
    /// How many of that run's steps completed.
    pub steps_done: i32,
    /// The error that stopped it.
    #[orm(type = "text")]
    pub error: Option<String>,
}

/// A connection held for a whole run (SQL), or the MongoDB database.
pub(crate) enum Conn {
    #[cfg(feature = "postgres")]
    Pg(sqlx::pool::PoolConnection<sqlx::Postgres>),
    #[cfg(feature = "mysql")]
    My(sqlx::pool::PoolConnection<sqlx::MySql>),
    #[cfg(feature = "sqlite")]
    Lite(sqlx::pool::PoolConnection<sqlx::Sqlite>),
    #[cfg(feature = "mongodb")]
    Mongo(crate::mongo::MongoBackend),
}

/// Runs `$body` with `$c` bound to the SQL connection; MongoDB gets `$mongo`.
macro_rules! on_conn {
    ($conn:expr, $c:ident => $body:expr, $m:ident => $mongo:expr) => {
        match $conn {
            #[cfg(feature = "postgres")]
            Conn::Pg($c) => $body,
            #[cfg(feature = "mysql")]
            Conn::My($c) => $body,
            #[cfg(feature = "sqlite")]
            Conn::Lite($c) => $body,
            #[cfg(feature = "mongodb")]
            Conn::Mongo($m) => $mongo,
        }
    };
}

#[cfg(feature = "sql")]
fn sql_err(what: &str, sql: &str, e: sqlx::Error) -> Error {
    Error::from_sqlx("migration", "migrate", &format!("{what}: {sql}"), e)
}

fn not_sql() -> Error {
    Error::Unsupported { operation: "SQL", backend: "MongoDB" }
}

impl Conn {
    pub(crate) async fn open(db: &Database) -> Result<Conn> {
        #[cfg(feature = "sql")]
        let acquire = |e: sqlx::Error| Error::Connect { url: db.url().to_string(), source: crate::error::DriverError::boxed(e) };
        Ok(match &db.backend {
            #[cfg(feature = "postgres")]
            Backend::Postgres(p) => Conn::Pg(p.acquire().await.map_err(acquire)?),
            #[cfg(feature = "mysql")]
            Backend::MySql(p) => Conn::My(p.acquire().await.map_err(acquire)?),
            #[cfg(feature = "sqlite")]
            Backend::Sqlite(p) => Conn::Lite(p.acquire().await.map_err(acquire)?),
            #[cfg(feature = "mongodb")]
            Backend::Mongo(m) => Conn::Mongo(m.clone()),
        })
    }

    pub(crate) fn dialect(&self) -> Option<Dialect> {
        match self {
            #[cfg(feature = "postgres")]
            Conn::Pg(_) => Some(Dialect::Postgres),
            #[cfg(feature = "mysql")]
            Conn::My(_) => Some(Dialect::MySql),
            #[cfg(feature = "sqlite")]
            Conn::Lite(_) => Some(Dialect::Sqlite),
            #[cfg(feature = "mongodb")]
            Conn::Mongo(_) => None,
        }
    }

    /// Runs SQL text (one or more statements, no bound values).
    pub(crate) async fn exec(&mut self, sql: &str) -> Result<()> {
        on_conn!(self,
            c => sqlx::raw_sql(AssertSqlSafe(sql)).execute(&mut **c).await.map(|_| ()).map_err(|e| sql_err("statement", sql, e)),
            m => { let _ = m; Err(not_sql()) })
    }

    /// Runs a statement with bound values.
    pub(crate) async fn exec_stmt<S: RenderWith>(&mut self, stmt: &S) -> Result<()> {
        let Some(dialect) = self.dialect() else { return Err(not_sql()) };
        let (text, values) = stmt.build_with(dialect);
        on_conn!(self,
            c => sqlx::query_with(AssertSqlSafe(text.as_str()), values).execute(&mut **c).await.map(|_| ()).map_err(|e| sql_err("history", &text, e)),
            m => { let _ = m; Err(not_sql()) })
    }

    /// Runs a query returning one integer.
    pub(crate) async fn query_i64(&mut self, sql: &str) -> Result<i64> {
        on_conn!(self,
            c => {
                let row = sqlx::query(AssertSqlSafe(sql)).fetch_one(&mut **c).await.map_err(|e| sql_err("query", sql, e))?;
                crate::row::RowAccess::get::<i64>(&row, 0).map_err(|e| Error::decode("migration", "query", e))
            },
            m => { let _ = m; Err(not_sql()) })
    }

    /// Runs a query with no bound values, decoding each row into `T`.
    pub(crate) async fn query_rows<T: crate::FromRow>(&mut self, sql: &str) -> Result<Vec<T>> {
        on_conn!(self,
            c => {
                let rows = sqlx::query(AssertSqlSafe(sql)).fetch_all(&mut **c).await.map_err(|e| sql_err("query", sql, e))?;
                rows.iter().map(T::from_row).collect()
            },
            m => { let _ = m; Err(not_sql()) })
    }

    /// Creates the history table (collection) when missing.
    pub(crate) async fn ensure_history(&mut self, db: &Database) -> Result<()> {
        match self.dialect() {
            None => db.create_table_if_not_exists::<HistoryRow>().await,
            Some(d) => {
                for stmt in crate::sql::ddl::create_table_sql(HistoryRow::schema(), true, d) {
                    if d == Dialect::MySql && stmt.starts_with("CREATE INDEX") {
                        continue;
                    }
                    self.exec(&stmt).await?;
                }
                Ok(())
            }
        }
    }

    /// Every history row, oldest first; none when there is no history table yet, which this does not
    /// create (`status` and dry runs write nothing).
    pub(crate) async fn history_if_any(&mut self, db: &Database) -> Result<Vec<HistoryRow>> {
        let exists = match self.dialect() {
            None => db.table_exists(&HistoryRow::schema().name).await?,
            // On this connection: another one would wait for SQLite's exclusive run transaction.
            Some(d) => {
                let sql = crate::sql::ddl::table_exists_sql(d);
                let name = sea_query::Value::String(Some(HistoryRow::schema().name.clone()));
                let values = crate::sql::SqlxValues(sea_query::Values(vec![name]));
                on_conn!(self,
                    c => sqlx::query_with(AssertSqlSafe(sql), values).fetch_optional(&mut **c).await.map_err(|e| sql_err("history", sql, e))?.is_some(),
                    m => { let _ = m; return Err(not_sql()) })
            }
        };
        if exists { self.history(db).await } else { Ok(Vec::new()) }
    }

    /// Every history row, oldest first.
    pub(crate) async fn history(&mut self, db: &Database) -> Result<Vec<HistoryRow>> {
        self.rows(db, HistoryRow::find().order_by_asc(HistoryRow::VERSION)).await
    }

    /// The history rows `q` selects, read on this connection (inside its transaction, if any).
    async fn rows(&mut self, db: &Database, q: crate::Select<HistoryRow>) -> Result<Vec<HistoryRow>> {
        let Some(dialect) = self.dialect() else { return q.all(db).await };
        let (text, values) = sql::select_statement(&q, dialect).build_with(dialect);
        on_conn!(self,
            c => {
                let rows = sqlx::query_with(AssertSqlSafe(text.as_str()), values).fetch_all(&mut **c).await.map_err(|e| sql_err("history", &text, e))?;
                rows.iter().map(<HistoryRow as crate::FromRow>::from_row).collect()
            },
            m => { let _ = m; q.all(db).await })
    }

    /// Writes (inserts or replaces) a history row in one atomic statement (`ON CONFLICT DO UPDATE`,
    /// `ON DUPLICATE KEY UPDATE`, an upsert on MongoDB): a runner killed at any point leaves either
    /// the old row or the new one, never none.
    pub(crate) async fn save(&mut self, db: &Database, row: &HistoryRow) -> Result<()> {
        if self.dialect().is_none() {
            return db.upsert(row).await.map(|_| ());
        }
        let columns = HistoryRow::column_names();
        let key = HistoryRow::VERSION.name();
        let updates: Vec<&str> = columns.iter().copied().filter(|c| *c != key).collect();
        let stmt = sql::upsert_statement(&HistoryRow::schema().name, columns, row.values(), &[key], &updates, None)
            .map_err(|e| Error::InvalidQuery { model: "HistoryRow", message: e.to_string() })?;
        self.exec_stmt(&stmt).await
    }

    /// Inserts a history row whose version the history does not have yet.
    pub(crate) async fn append(&mut self, db: &Database, row: &HistoryRow) -> Result<()> {
        if self.dialect().is_none() {
            return db.upsert(row).await.map(|_| ());
        }
        let stmt = sql::insert_statement(&HistoryRow::schema().name, HistoryRow::column_names(), [row.values()], None)
            .map_err(|e| Error::InvalidQuery { model: "HistoryRow", message: e.to_string() })?;
        self.exec_stmt(&stmt).await
    }

    /// Deletes the history row of `version`.
    pub(crate) async fn remove(&mut self, db: &Database, version: i64) -> Result<()> {
        let Some(dialect) = self.dialect() else {
            return HistoryRow::delete_many().filter(HistoryRow::VERSION.eq(version)).exec(db).await.map(|_| ());
        };
        let cond = HistoryRow::VERSION.eq(version).into_cond();
        self.exec_stmt(&sql::delete_statement(&HistoryRow::schema().name, Some(&cond), dialect)).await
    }

    /// Starts a migration's transaction: a transaction on PostgreSQL, a savepoint inside the run's
    /// exclusive transaction on SQLite.
    pub(crate) async fn begin(&mut self) -> Result<()> {
        match self.dialect() {
            Some(Dialect::Postgres) => self.exec("BEGIN").await,
            Some(Dialect::Sqlite) => self.exec("SAVEPOINT orm_migration").await,
            _ => Ok(()),
        }
    }

    /// Commits a migration's transaction; on SQLite, after checking every foreign key holds
    /// (enforcement is paused for the run, as SQLite's table rebuild recipe asks).
    pub(crate) async fn commit(&mut self) -> Result<()> {
        match self.dialect() {
            Some(Dialect::Postgres) => self.exec("COMMIT").await,
            Some(Dialect::Sqlite) => {
                let violations = self.query_i64("SELECT COUNT(*) FROM pragma_foreign_key_check").await?;
                if violations > 0 {
                    return Err(Error::ForeignKeyCheck { violations });
                }
                self.exec("RELEASE orm_migration").await
            }
            _ => Ok(()),
        }
    }

    /// Rolls a migration's transaction back (on SQLite, to its savepoint: the migrations of the run
    /// before it stay).
    pub(crate) async fn rollback(&mut self) {
        match self.dialect() {
            Some(Dialect::Postgres) => {
                let _ = self.exec("ROLLBACK").await;
            }
            Some(Dialect::Sqlite) => {
                let _ = self.exec("ROLLBACK TO orm_migration").await;
                let _ = self.exec("RELEASE orm_migration").await;
            }
            _ => {}
        }
    }

    /// What the connected backend can do.
    pub(crate) fn capability(&self) -> crate::Capability {
        self.dialect().map_or(crate::BackendKind::MongoDb.capability(), |d| d.capability())
    }

    /// Whether each migration runs in one transaction with its history row.
    pub(crate) fn transactional(&self) -> bool {
        self.capability().transactional_ddl
    }
}
