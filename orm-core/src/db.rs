//! [`Database`]: a pooled connection to one backend, chosen by URL.

pub(crate) mod cascade;
mod browse;
mod record;
mod crud;
mod exec;
mod lifecycle;
mod replica;
mod run;
mod tx;

pub use exec::Executor;
#[doc(hidden)]
pub use exec::On;
pub use replica::{ConsistencyToken, ReplicaStatus};
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
    /// The query cache in front of the driver.
    #[cfg(feature = "cache")]
    pub(crate) cache: Option<crate::cache::Cache>,
    /// The read replicas, shared by every clone.
    pub(crate) replicas: Option<std::sync::Arc<replica::Replicas>>,
    /// What this handle and its clones wrote, for reads on replicas.
    pub(crate) consistency: std::sync::Arc<replica::Consistency>,
    /// Every read goes to the primary ([`Database::primary`]).
    pub(crate) read_primary: bool,
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Database").field("url", &self.url).field("dialect", &self.dialect()).finish()
    }
}

pub use crate::capability::BackendKind;

pub use crate::options::{ConnectOptions, DEFAULT_TRANSACTION_RETRY};

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
    pub async fn connect_with(url: &str, mut options: ConnectOptions) -> Result<Database> {
        let (url, in_url) = replica::split_replicas(url);
        options.replicas.extend(in_url);
        let redacted = redact_url(&url);
        let driver = AnyDriver::connect(&url, &redacted, &options).await?;
        let mut db = Database::assemble(driver, redacted, options.transaction_retry.unwrap_or(DEFAULT_TRANSACTION_RETRY));
        #[cfg(feature = "cache")]
        {
            db.cache = match options.cache.take() {
                Some(crate::options::CacheSetting::Url(url)) => Some(crate::cache::Cache::new(&url)?),
                Some(crate::options::CacheSetting::Built(cache)) => Some(cache),
                None => None,
            };
        }
        if !options.replicas.is_empty() || db.driver.secondary_reads() {
            db.replicas = Some(std::sync::Arc::new(replica::Replicas::connect(&db, &options.replicas, &options).await?));
        }
        Ok(db)
    }

    /// A handle on `driver` with no cache and no replicas.
    fn assemble(driver: AnyDriver, url: String, transaction_retry: Duration) -> Database {
        Database {
            driver,
            url,
            transaction_retry,
            #[cfg(feature = "cache")]
            cache: None,
            replicas: None,
            consistency: Default::default(),
            read_primary: false,
        }
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

    /// The server's name and version as it reports them (`SELECT version()`, SQLite's
    /// `sqlite_version()`, MongoDB's `buildInfo`).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> orm_core::Result<()> {
    /// let db = orm_core::Database::connect("sqlite::memory:").await?;
    /// assert!(db.server_version().await?.starts_with("SQLite 3."));
    /// # Ok(()) }
    /// ```
    pub async fn server_version(&self) -> Result<String> {
        self.driver.server_version().await
    }

    /// The query cache in front of this database, if any.
    #[cfg(feature = "cache")]
    pub fn cache(&self) -> Option<&crate::cache::Cache> {
        self.cache.as_ref()
    }

    /// A handle on the same pool that reads through `cache` (an application can keep a cached
    /// handle and a plain one side by side).
    ///
    /// ```no_run
    /// # async fn demo(db: &orm_core::Database) -> orm_core::Result<()> {
    /// let cached = db.with_cache(orm_core::Cache::new("redis://127.0.0.1:6379/0")?);
    /// # Ok(()) }
    /// ```
    #[cfg(feature = "cache")]
    pub fn with_cache(&self, cache: crate::cache::Cache) -> Database {
        Database { cache: Some(cache), ..self.clone() }
    }

    /// What the query cache has done in this process (`None` without a cache).
    #[cfg(feature = "cache")]
    pub fn cache_stats(&self) -> Option<crate::cache::CacheStats> {
        self.cache.as_ref().map(|c| c.stats())
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
