//! [`ConnectOptions`]: pool settings and the transaction retry budget, read by the drivers and
//! by [`Database`](crate::Database).

use std::time::Duration;

/// How long [`Database::transaction`](crate::Database::transaction) retries a transient failure by default: MongoDB's drivers
/// give their convenient transaction API 120 seconds.
pub const DEFAULT_TRANSACTION_RETRY: Duration = Duration::from_secs(120);

/// The longest a read waits for a replica's connection before it goes to the primary.
const REPLICA_ACQUIRE: Duration = Duration::from_secs(2);

/// Pool settings for [`Database::connect_with`](crate::Database::connect_with); unset fields keep sqlx's defaults.
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
    pub(crate) transaction_retry: Option<Duration>,
    /// Read replicas' URLs.
    pub(crate) replicas: Vec<String>,
    pub(crate) max_replica_lag: Option<Duration>,
    pub(crate) replica_wait: Option<Duration>,
    /// Connect on first use (replicas: one that is down at start is only out of rotation).
    #[cfg_attr(not(any(feature = "postgres", feature = "mysql")), allow(dead_code))]
    pub(crate) lazy: bool,
    /// PostgreSQL behind a transaction pooler.
    pub(crate) pgbouncer: bool,
    /// The query cache the database reads through.
    #[cfg(feature = "cache")]
    pub(crate) cache: Option<CacheSetting>,
}

/// A cache to build at connect time, or one built already.
#[cfg(feature = "cache")]
#[derive(Debug, Clone)]
pub(crate) enum CacheSetting {
    Url(String),
    Built(crate::cache::Cache),
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

    /// How long [`Database::transaction`](crate::Database::transaction) keeps running its work again after a transient failure
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

    /// Read replicas of the database (PostgreSQL streaming replicas): reads outside a transaction go
    /// to a healthy one that has replayed the handle's own writes; writes, transactions and
    /// migrations go to the primary. A URL can name them too:
    /// `postgres://app@db1/shop?replicas=db2:5432,db3:5432` (each takes the primary URL's
    /// credentials, database and parameters). Replicas connect on first use and wait at most 2 s
    /// for a connection. See [`Database::consistency_token`](crate::Database::consistency_token).
    ///
    /// ```
    /// let options = orm_core::ConnectOptions::new().replicas(["postgres://app@db2/shop", "postgres://app@db3/shop"]);
    /// # let _ = options;
    /// ```
    pub fn replicas<S: Into<String>>(mut self, urls: impl IntoIterator<Item = S>) -> Self {
        self.replicas.extend(urls.into_iter().map(Into::into));
        self
    }

    /// How far behind the primary a replica may be and still serve reads that carry no position
    /// of their own (default 5 s).
    pub fn max_replica_lag(mut self, lag: Duration) -> Self {
        self.max_replica_lag = Some(lag);
        self
    }

    /// How long a read waits for a replica to replay the handle's last write before it goes to
    /// the primary instead (default 100 ms).
    pub fn replica_wait(mut self, wait: Duration) -> Self {
        self.replica_wait = Some(wait);
        self
    }

    /// PostgreSQL behind PgBouncer (or another pooler) in `pool_mode = transaction`, where
    /// consecutive statements of one client connection may reach different server connections;
    /// the URL's `pgbouncer=true` says the same. Statements are then unnamed (no prepared
    /// statement outlives its transaction), a statement outside a transaction runs in one of its
    /// own (sqlx prepares and executes in two exchanges that must reach one server connection),
    /// and migrations take the leased lock row instead of a session advisory lock. What needs a
    /// session does not work through such a pooler: `SET` (use `SET LOCAL` in a transaction),
    /// `LISTEN`, session advisory locks, temporary tables kept between transactions. Ignored on
    /// other backends.
    ///
    /// ```
    /// let options = orm_core::ConnectOptions::new().pgbouncer(true);
    /// # let _ = options;
    /// ```
    pub fn pgbouncer(mut self, on: bool) -> Self {
        self.pgbouncer = on;
        self
    }

    /// The pool settings of a replica: this one's, without replicas or cache of their own.
    pub(crate) fn for_replica(&self) -> ConnectOptions {
        ConnectOptions {
            replicas: Vec::new(),
            lazy: true,
            // A replica that does not answer must cost a read little: it is skipped, not awaited.
            acquire_timeout: Some(self.acquire_timeout.unwrap_or(REPLICA_ACQUIRE).min(REPLICA_ACQUIRE)),
            #[cfg(feature = "cache")]
            cache: None,
            ..self.clone()
        }
    }

    /// Puts a Redis query cache in front of the database (`redis://host:port/db`) with the
    /// defaults of [`Cache::new`](crate::Cache::new). Queries use it when they ask
    /// ([`Select::cached`](crate::Select::cached)) or their model does (`#[orm(cache)]`).
    #[cfg(feature = "cache")]
    pub fn cache(mut self, redis_url: impl Into<String>) -> Self {
        self.cache = Some(CacheSetting::Url(redis_url.into()));
        self
    }

    /// Puts `cache` in front of the database (one cache can serve several databases if each has
    /// its own namespace).
    #[cfg(feature = "cache")]
    pub fn cache_with(mut self, cache: crate::cache::Cache) -> Self {
        self.cache = Some(CacheSetting::Built(cache));
        self
    }
}
