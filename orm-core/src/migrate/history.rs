//! The history of applied migrations (`_orm_migrations`), and the connection and lock the runner
//! holds for a whole run.

use crate::db::{Backend, Database};
use crate::error::{Error, Result};
use crate::sql::{self, Dialect, RenderWith};
use crate::Model;
use chrono::{DateTime, Utc};
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

/// The name of the MongoDB collection holding the migration lock document.
#[cfg(feature = "mongodb")]
const MONGO_LOCK: &str = "_orm_migrations_lock";
/// The advisory lock key (PostgreSQL) and lock name (MySQL) of the runner.
const LOCK_KEY: i64 = 0x6f72_6d5f_6d69_6772; // "orm_migr"
const LOCK_NAME: &str = "orm_migrate";

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

fn sql_err(what: &str, sql: &str, e: sqlx::Error) -> Error {
    Error::from_sqlx("migration", "migrate", &format!("{what}: {sql}"), e)
}

fn not_sql() -> Error {
    Error::Unsupported { operation: "SQL", backend: "MongoDB" }
}

impl Conn {
    pub(crate) async fn open(db: &Database) -> Result<Conn> {
        let acquire = |e| Error::Connect { url: db.url().to_string(), source: Box::new(e) };
        Ok(match &db.backend {
            #[cfg(feature = "postgres")]
            Backend::Postgres(p) => Conn::Pg(p.acquire().await.map_err(acquire)?),
            #[cfg(feature = "mysql")]
            Backend::MySql(p) => Conn::My(p.acquire().await.map_err(acquire)?),
            #[cfg(feature = "sqlite")]
            Backend::Sqlite(p) => {
                let mut c = p.acquire().await.map_err(acquire)?;
                // Other runners wait for the exclusive transaction instead of failing.
                sqlx::raw_sql("PRAGMA busy_timeout = 600000").execute(&mut *c).await.map_err(|e| sql_err("setup", "PRAGMA busy_timeout", e))?;
                Conn::Lite(c)
            }
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
    async fn query_i64(&mut self, sql: &str) -> Result<i64> {
        on_conn!(self,
            c => {
                let row = sqlx::query(AssertSqlSafe(sql)).fetch_one(&mut **c).await.map_err(|e| sql_err("lock", sql, e))?;
                crate::row::RowAccess::get::<i64>(&row, 0).map_err(|e| Error::decode("migration", "lock", e))
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

    /// Every history row, oldest first.
    pub(crate) async fn history(&mut self, db: &Database) -> Result<Vec<HistoryRow>> {
        self.rows(db, HistoryRow::find().order_by_asc(HistoryRow::VERSION)).await
    }

    /// Whether the history has a row for `version`.
    pub(crate) async fn is_applied(&mut self, db: &Database, version: i64) -> Result<bool> {
        Ok(!self.rows(db, HistoryRow::find().filter(HistoryRow::VERSION.eq(version)).limit(1)).await?.is_empty())
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

    /// Writes (inserts or replaces) a history row.
    pub(crate) async fn save(&mut self, db: &Database, row: &HistoryRow) -> Result<()> {
        if self.dialect().is_none() {
            return db.upsert(row).await.map(|_| ());
        }
        self.remove(db, row.version).await?;
        self.append(db, row).await
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

    /// Takes the runner's lock; returns whether it had to wait for another runner.
    pub(crate) async fn lock(&mut self, db: &Database) -> Result<bool> {
        match self.dialect() {
            Some(Dialect::Postgres) => {
                let try_lock = format!("SELECT CAST(CASE WHEN pg_try_advisory_lock({LOCK_KEY}) THEN 1 ELSE 0 END AS BIGINT)");
                if self.query_i64(&try_lock).await? == 1 {
                    return Ok(false);
                }
                self.exec(&format!("SELECT pg_advisory_lock({LOCK_KEY})")).await?;
                Ok(true)
            }
            Some(Dialect::MySql) => {
                if self.query_i64(&format!("SELECT CAST(GET_LOCK('{LOCK_NAME}', 0) AS SIGNED)")).await? == 1 {
                    return Ok(false);
                }
                let got = self.query_i64(&format!("SELECT CAST(GET_LOCK('{LOCK_NAME}', 3600) AS SIGNED)")).await?;
                if got != 1 {
                    return Err(Error::Migrate { message: "waited an hour for another `orm migrate` to release its lock".into() });
                }
                Ok(true)
            }
            // SQLite: each migration runs in an exclusive transaction (see `begin`).
            Some(_) => Ok(false),
            None => self.lock_mongo(db).await,
        }
    }

    #[cfg(feature = "mongodb")]
    async fn lock_mongo(&mut self, _db: &Database) -> Result<bool> {
        let Conn::Mongo(m) = self else { return Ok(false) };
        let coll = m.db.collection::<bson::Document>(MONGO_LOCK);
        let mut waited = false;
        let started = std::time::Instant::now();
        loop {
            let now = bson::DateTime::now();
            let expires = bson::DateTime::from_millis(now.timestamp_millis() + 10 * 60 * 1000);
            match coll.insert_one(bson::doc! { "_id": "lock", "expires_at": expires }).await {
                Ok(_) => return Ok(waited),
                Err(e) => {
                    let err = crate::mongo::classify("migration", "lock", || "insert lock".into(), e);
                    if !err.is_unique_violation() {
                        return Err(err);
                    }
                }
            }
            // A lock past its expiry belongs to a runner that died: take it over.
            let _ = coll.delete_one(bson::doc! { "_id": "lock", "expires_at": { "$lt": now } }).await;
            if started.elapsed() > std::time::Duration::from_secs(3600) {
                return Err(Error::Migrate { message: "waited an hour for another `orm migrate` to release its lock".into() });
            }
            waited = true;
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }

    #[cfg(not(feature = "mongodb"))]
    async fn lock_mongo(&mut self, _db: &Database) -> Result<bool> {
        Ok(false)
    }

    /// Releases the runner's lock.
    pub(crate) async fn unlock(&mut self) -> Result<()> {
        match self {
            #[cfg(feature = "postgres")]
            Conn::Pg(_) => self.exec(&format!("SELECT pg_advisory_unlock({LOCK_KEY})")).await,
            #[cfg(feature = "mysql")]
            Conn::My(_) => self.exec(&format!("SELECT RELEASE_LOCK('{LOCK_NAME}')")).await,
            #[cfg(feature = "sqlite")]
            Conn::Lite(_) => Ok(()),
            #[cfg(feature = "mongodb")]
            Conn::Mongo(m) => {
                let coll = m.db.collection::<bson::Document>(MONGO_LOCK);
                coll.delete_one(bson::doc! { "_id": "lock" })
                    .await
                    .map(|_| ())
                    .map_err(|e| crate::mongo::classify("migration", "unlock", || "delete lock".into(), e))
            }
        }
    }

    /// Starts a migration's transaction (PostgreSQL, SQLite: exclusive, foreign keys paused).
    pub(crate) async fn begin(&mut self) -> Result<()> {
        match self.dialect() {
            Some(Dialect::Postgres) => self.exec("BEGIN").await,
            Some(Dialect::Sqlite) => {
                self.exec("PRAGMA foreign_keys = OFF").await?;
                self.exec("BEGIN EXCLUSIVE").await
            }
            _ => Ok(()),
        }
    }

    /// Commits a migration's transaction; on SQLite, after checking every foreign key holds.
    pub(crate) async fn commit(&mut self) -> Result<()> {
        match self.dialect() {
            Some(Dialect::Postgres) => self.exec("COMMIT").await,
            Some(Dialect::Sqlite) => {
                let violations = self.query_i64("SELECT COUNT(*) FROM pragma_foreign_key_check").await?;
                if violations > 0 {
                    return Err(Error::Migrate {
                        message: format!("the migration leaves {violations} rows breaking foreign keys (PRAGMA foreign_key_check)"),
                    });
                }
                self.exec("COMMIT").await?;
                self.exec("PRAGMA foreign_keys = ON").await
            }
            _ => Ok(()),
        }
    }

    /// Rolls a migration's transaction back.
    pub(crate) async fn rollback(&mut self) {
        match self.dialect() {
            Some(Dialect::Postgres) => {
                let _ = self.exec("ROLLBACK").await;
            }
            Some(Dialect::Sqlite) => {
                let _ = self.exec("ROLLBACK").await;
                let _ = self.exec("PRAGMA foreign_keys = ON").await;
            }
            _ => {}
        }
    }

    /// Whether each migration runs in one transaction with its history row.
    pub(crate) fn transactional(&self) -> bool {
        matches!(self.dialect(), Some(Dialect::Postgres | Dialect::Sqlite))
    }
}
