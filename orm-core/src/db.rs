//! [`Database`]: a pooled connection to one backend, chosen by URL.

mod crud;
mod exec;
mod tx;

pub use exec::Executor;
#[doc(hidden)]
pub use exec::On;
pub use tx::Transaction;

use crate::driver::AnyDriver;
use crate::error::{redact_url, Result};
use crate::sql::Dialect;
use std::time::Duration;

#[cfg(not(any(feature = "postgres", feature = "mysql", feature = "sqlite", feature = "mongodb")))]
compile_error!("orm-core needs at least one backend feature: `postgres`, `mysql`, `sqlite` or `mongodb`");

/// A pooled connection to PostgreSQL, MySQL/MariaDB, SQLite or MongoDB; cheap to clone (clones share
/// the pool).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> orm_core::Result<()> {
/// use orm_core::{Database, Model};
///
/// #[derive(Model, Debug, Clone, PartialEq)]
/// struct Note {
///     #[orm(primary_key, auto_increment)]
///     id: i64,
///     body: String,
/// }
///
/// let db = Database::connect("sqlite::memory:").await?;
/// db.create_table::<Note>().await?;
/// let note = db.insert(&Note { id: 0, body: "hello".into() }).await?;
/// assert_eq!(note.id, 1);
/// assert_eq!(Note::find().filter(Note::BODY.eq("hello")).count(&db).await?, 1);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Database {
    pub(crate) driver: AnyDriver,
    url: String,
    /// How long [`Database::transaction`] keeps retrying transient failures.
    pub(crate) transaction_retry: Duration,
}

/// How long [`Database::transaction`] retries a transient failure by default: MongoDB's drivers
/// give their convenient transaction API 120 seconds.
pub const DEFAULT_TRANSACTION_RETRY: Duration = Duration::from_secs(120);

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Database").field("url", &self.url).field("dialect", &self.dialect()).finish()
    }
}

/// Which database a [`Database`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BackendKind {
    /// PostgreSQL.
    Postgres,
    /// MySQL or MariaDB.
    MySql,
    /// SQLite.
    Sqlite,
    /// MongoDB.
    MongoDb,
}

impl BackendKind {
    /// The backend a URL's scheme names (`postgres://`, `postgresql://`, `mysql://`,
    /// `mariadb://`, `sqlite:`, `mongodb://`, `mongodb+srv://`), whether or not this build has it.
    ///
    /// ```
    /// use orm_core::BackendKind;
    /// assert_eq!(BackendKind::from_url("mariadb://root@db/app"), Some(BackendKind::MySql));
    /// assert_eq!(BackendKind::from_url("sqlite::memory:"), Some(BackendKind::Sqlite));
    /// assert_eq!(BackendKind::from_url("redis://cache"), None);
    /// ```
    pub fn from_url(url: &str) -> Option<BackendKind> {
        match url.split(':').next().unwrap_or_default().to_ascii_lowercase().as_str() {
            "postgres" | "postgresql" => Some(BackendKind::Postgres),
            "mysql" | "mariadb" => Some(BackendKind::MySql),
            "sqlite" => Some(BackendKind::Sqlite),
            "mongodb" | "mongodb+srv" => Some(BackendKind::MongoDb),
            _ => None,
        }
    }

    /// The backend's SQL dialect; `None` for MongoDB.
    pub fn dialect(self) -> Option<Dialect> {
        self.capability().dialect
    }
}

/// Pool settings for [`Database::connect_with`]; unset fields keep sqlx's defaults.
///
/// ```
/// use std::time::Duration;
/// let options = orm_core::ConnectOptions::new()
///     .max_connections(8)
///     .acquire_timeout(Duration::from_secs(5));
/// # let _ = options;
/// ```
#[derive(Debug, Clone, Default)]
pub struct ConnectOptions {
    pub(crate) max_connections: Option<u32>,
    pub(crate) min_connections: Option<u32>,
    pub(crate) acquire_timeout: Option<Duration>,
    pub(crate) idle_timeout: Option<Duration>,
    pub(crate) max_lifetime: Option<Duration>,
    transaction_retry: Option<Duration>,
}

impl ConnectOptions {
    /// sqlx's defaults.
    pub fn new() -> Self {
        ConnectOptions::default()
    }

    /// The most connections the pool opens (a private in-memory SQLite database always uses one).
    pub fn max_connections(mut self, n: u32) -> Self {
        self.max_connections = Some(n);
        self
    }

    /// Connections the pool keeps open even when idle.
    pub fn min_connections(mut self, n: u32) -> Self {
        self.min_connections = Some(n);
        self
    }

    /// How long to wait for a free connection before failing.
    pub fn acquire_timeout(mut self, d: Duration) -> Self {
        self.acquire_timeout = Some(d);
        self
    }

    /// How long an idle connection is kept.
    pub fn idle_timeout(mut self, d: Duration) -> Self {
        self.idle_timeout = Some(d);
        self
    }

    /// How long [`Database::transaction`] keeps running its work again after a transient failure
    /// (a write conflict between concurrent transactions), with a growing, jittered pause between
    /// tries; [`DEFAULT_TRANSACTION_RETRY`] when unset, zero to never retry.
    pub fn transaction_retry(mut self, d: Duration) -> Self {
        self.transaction_retry = Some(d);
        self
    }

    /// How long any connection is kept.
    pub fn max_lifetime(mut self, d: Duration) -> Self {
        self.max_lifetime = Some(d);
        self
    }
}

impl Database {
    /// Connects with default pool settings. The URL scheme picks the backend:
    /// `postgres://` / `postgresql://`, `mysql://` / `mariadb://`, `sqlite:path` (created when missing
    /// unless the URL sets `mode=`), `sqlite::memory:` (private to one connection, so the pool holds
    /// one), `sqlite:file:name?mode=memory&cache=shared` (shared by the pool's connections),
    /// `mongodb://` / `mongodb+srv://` (the path names the database, `test` by default; pool
    /// settings come from the URL's options there).
    pub async fn connect(url: &str) -> Result<Database> {
        Database::connect_with(url, ConnectOptions::default()).await
    }

    /// Connects with the given pool settings.
    pub async fn connect_with(url: &str, options: ConnectOptions) -> Result<Database> {
        let redacted = redact_url(url);
        let driver = AnyDriver::connect(url, &redacted, &options).await?;
        let transaction_retry = options.transaction_retry.unwrap_or(DEFAULT_TRANSACTION_RETRY);
        Ok(Database { driver, url: redacted, transaction_retry })
    }

    /// Which database this is.
    pub fn backend(&self) -> BackendKind {
        self.driver.kind()
    }

    /// What this database's backend can do.
    pub fn capability(&self) -> crate::Capability {
        self.backend().capability()
    }

    /// The SQL dialect of this database; `None` for MongoDB.
    pub fn dialect(&self) -> Option<Dialect> {
        self.backend().dialect()
    }

    /// The MongoDB database's name (empty on SQL, where names are checked per table).
    pub(crate) fn database_name(&self) -> &str {
        self.driver.database_name()
    }

    /// How many statements (SQL) or operations (MongoDB) this handle and its clones have issued: a
    /// way to see that eager loading costs one query per relation, not one per row. On a
    /// [`scoped`](Database::scoped) handle, the queries of that scope only.
    pub fn queries_issued(&self) -> u64 {
        self.driver.queries().get()
    }

    /// A handle on the same pool with a query count of its own (for one test, one request), so
    /// concurrent work elsewhere does not inflate [`queries_issued`](Database::queries_issued); the
    /// shared count goes on counting too.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> orm_core::Result<()> {
    /// let db = orm_core::Database::connect("sqlite::memory:").await?;
    /// let request = db.scoped();
    /// request.raw_execute("SELECT 1", []).await?;
    /// db.raw_execute("SELECT 2", []).await?;
    /// assert_eq!(request.queries_issued(), 1);
    /// assert_eq!(db.queries_issued(), 2);
    /// # Ok(()) }
    /// ```
    pub fn scoped(&self) -> Database {
        Database { driver: self.driver.scoped(), ..self.clone() }
    }

    /// The URL this database was opened with, password redacted.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Closes every pooled connection.
    pub async fn close(&self) {
        self.driver.close().await
    }
}

#[cfg(all(test, feature = "sqlite"))]
mod tests {
    use super::*;
    use crate::Value;

    #[tokio::test]
    async fn a_shared_cache_memory_database_uses_several_connections() {
        let url = "sqlite:file:orm_core_shared_pool?mode=memory&cache=shared";
        let options = ConnectOptions::new().max_connections(3).acquire_timeout(std::time::Duration::from_secs(5));
        let db = Database::connect_with(url, options).await.unwrap();
        db.raw_execute("CREATE TABLE a (x INTEGER)", []).await.unwrap();
        db.raw_execute("CREATE TABLE b (x INTEGER)", []).await.unwrap();
        db.raw_execute("INSERT INTO b (x) VALUES (?)", [Value::I64(Some(2))]).await.unwrap();
        let tx = db.begin().await.unwrap();
        tx.raw_execute("INSERT INTO a (x) VALUES (?)", [Value::I64(Some(1))]).await.unwrap();
        // The open transaction holds one connection; the pool serves this read from another
        // (with a single connection it would wait for the transaction until the acquire timeout).
        let rows: Vec<(i64,)> = db.raw_query("SELECT x FROM b", []).await.unwrap();
        assert_eq!(rows, [(2,)]);
        tx.commit().await.unwrap();
        let rows: Vec<(i64,)> = db.raw_query("SELECT x FROM a UNION ALL SELECT x FROM b ORDER BY 1", []).await.unwrap();
        assert_eq!(rows, [(1,), (2,)]);
        // A second handle on the same name sees the same database.
        let other = Database::connect(url).await.unwrap();
        let rows: Vec<(i64,)> = other.raw_query("SELECT x FROM b", []).await.unwrap();
        assert_eq!(rows, [(2,)]);
    }

    #[tokio::test]
    async fn a_private_memory_database_keeps_one_connection() {
        let db = Database::connect_with("sqlite::memory:", ConnectOptions::new().max_connections(3)).await.unwrap();
        db.raw_execute("CREATE TABLE a (x INTEGER)", []).await.unwrap();
        for i in 0..5 {
            db.raw_execute("INSERT INTO a (x) VALUES (?)", [Value::I64(Some(i))]).await.unwrap();
        }
        let rows: Vec<(i64,)> = db.raw_query("SELECT COUNT(*) FROM a", []).await.unwrap();
        assert_eq!(rows, [(5,)]);
    }
}
