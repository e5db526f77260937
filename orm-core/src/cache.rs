//! The query cache: Redis in front of every backend, invalidated by the toolkit's own writes, never
//! stale after a write returns.
//!
//! # What is stored
//! An entry is the rows of one query, under a key hashed from the backend, the query IR rendered
//! to a statement with placeholders, and the bound values (never from formatted user text); the
//! rows are stored as their column values in a compact binary form and decoded by the same field
//! types as a database row. Each entry also holds the *tags* it was read under: the cache's epoch,
//! and for each table the query reads, that table's generation, or, for a primary-key lookup, the
//! row's generation and the table's bulk generation.
//!
//! # Why a reader never sees a write's old data once the write has returned
//! Every write bumps the generations it can have changed after its transaction commits and before
//! it returns: the table's generation always, the row's for a write by key, the table's bulk
//! generation for `update_many` / `delete_many` / `insert_many`, the epoch for raw SQL, commands and
//! migrations. A generation is never set back: a bump sets it to the next value of one counter
//! (`seq`), so a value is never reused, even by a key that expired and came back.
//!
//! A reader reads the tags *before* it queries the database, and stores the rows under those tags.
//! Take a reader R and a writer W of the same table. If W's bump came before R read the tags, W
//! had committed, so R's query sees W's data. Otherwise R read the old generation g; whatever R then
//! stores is tagged g, and W's bump, which happens before W returns, moved the generation past g.
//! From then on every reader reads the new generation, finds the tag differ, and goes to the
//! database. So once W has returned, no reader is served data older than W.
//!
//! Row generations expire (they would otherwise grow with the table): a row's generation lives for
//! the longest entry TTL plus the store window after its last bump, and a reader stores nothing if
//! more than the store window passed between reading the tags and storing. An entry tagged with a
//! row generation therefore expires before that generation can vanish, and a vanished generation
//! reads as 0, which no bump ever sets.
//!
//! Inside a transaction, reads go to the database and writes record what they touch; the bumps
//! happen when the outermost transaction commits, and not at all on rollback.
//!
//! # When Redis fails
//! Every Redis call has a timeout (a few milliseconds by default). A read that cannot reach Redis
//! goes to the database; a write that cannot bump its generations still returns, and the process
//! stops using the cache until it has moved the epoch (which every entry is tagged with), so nothing
//! cached before the failed bump is served again. Errors are counted in [`CacheStats`] and the first
//! failure after a healthy period is logged to stderr. Writes made outside the toolkit (another
//! program, `psql`) are seen once entries expire, or after `orm cache flush`. Run the cache's Redis
//! without persistence (`--save '' --appendonly no`): a Redis restored from an old snapshot could
//! hand back entries and generations from before writes it no longer knows.
//!
//! # Stampedes
//! Within a process, one reader at a time loads a missing entry; the others wait for it and read
//! what it stored.

mod codec;

pub(crate) use codec::ValueRow;

use crate::error::{Error, Result};
use crate::value::Value;
use redis::aio::ConnectionManager;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a reader may take between reading the tags and storing its rows.
const STORE_WINDOW: Duration = Duration::from_secs(30);
/// Entry format version (the first byte of every entry).
const FORMAT: u8 = 1;

/// Sets every key of `KEYS[2..]` to the next value of the counter `KEYS[1]`; the first
/// `ARGV[1]` of them for good, the rest for `ARGV[2]` milliseconds.
const BUMP: &str = r"
local v = redis.call('INCR', KEYS[1])
local keep = tonumber(ARGV[1])
for i = 2, #KEYS do
  if i - 1 <= keep then redis.call('SET', KEYS[i], v) else redis.call('SET', KEYS[i], v, 'PX', ARGV[2]) end
end
return v
";

/// A Redis query cache, shared by every clone of it and of the [`Database`](crate::Database) it is
/// given to (`ConnectOptions::cache` / `cache_with`).
///
/// ```no_run
/// # async fn demo() -> orm_core::Result<()> {
/// use std::time::Duration;
/// use orm_core::{Cache, ConnectOptions, Database};
/// let cache = Cache::new("redis://127.0.0.1:6379/0")?.namespace("shop").ttl(Duration::from_secs(60));
/// let db = Database::connect_with("postgres://localhost/shop", ConnectOptions::new().cache_with(cache)).await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Cache {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Cache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cache").field("namespace", &self.inner.namespace).field("ttl", &self.inner.ttl).finish()
    }
}

struct Inner {
    client: redis::Client,
    /// The connection once made (read without waiting on every call).
    conn: std::sync::RwLock<Option<ConnectionManager>>,
    /// Held while connecting, so one task connects and the others wait for it.
    connecting: tokio::sync::Mutex<()>,
    /// When the last connection attempt failed (retried a second later).
    failed_at: Mutex<Option<Instant>>,
    namespace: String,
    ttl: Duration,
    max_ttl: Duration,
    timeout: Duration,
    stats: Counters,
    /// A bump failed: the epoch must move before the cache is used again.
    owe_epoch: AtomicBool,
    /// Whether the last Redis call failed (the first failure is logged).
    down: AtomicBool,
    loading: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    bump: redis::Script,
}

impl Inner {
    fn new(client: redis::Client, namespace: String, ttl: Duration, timeout: Duration) -> Inner {
        Inner {
            client,
            conn: std::sync::RwLock::new(None),
            connecting: tokio::sync::Mutex::new(()),
            failed_at: Mutex::new(None),
            namespace,
            ttl,
            max_ttl: Duration::from_secs(3600),
            timeout,
            stats: Counters::default(),
            owe_epoch: AtomicBool::new(false),
            down: AtomicBool::new(false),
            loading: Mutex::new(HashMap::new()),
            bump: redis::Script::new(BUMP),
        }
    }
}

#[derive(Default)]
struct Counters {
    hits: AtomicU64,
    misses: AtomicU64,
    stores: AtomicU64,
    invalidations: AtomicU64,
    errors: AtomicU64,
    bypassed: AtomicU64,
}

/// What a [`Cache`] has done in this process.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct CacheStats {
    /// Queries answered from Redis.
    pub hits: u64,
    /// Queries that went to the database and stored their rows.
    pub misses: u64,
    /// Entries stored.
    pub stores: u64,
    /// Generation bumps sent (one per write, or per committed transaction).
    pub invalidations: u64,
    /// Redis calls that failed or timed out.
    pub errors: u64,
    /// Queries that went to the database because Redis was unusable.
    pub bypassed: u64,
}

/// What a cache namespace holds in Redis now (`orm cache stats`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct CacheReport {
    /// The namespace.
    pub namespace: String,
    /// Stored query entries (some may no longer be valid; they expire with their TTL).
    pub entries: u64,
    /// Their total size in bytes.
    pub bytes: u64,
    /// Each table's current generation, by name.
    pub tables: Vec<(String, u64)>,
    /// The epoch (moved by full flushes, raw SQL and migrations).
    pub epoch: u64,
}

/// What a write changed, for the generations it bumps.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Touched {
    /// Rows of `table` by key (their generations and the table's).
    Rows { table: String, keys: Vec<Vec<Value>> },
    /// Any rows of `table` (its generation and its bulk generation).
    Table(String),
    /// Anything (the epoch).
    All,
}

/// One cached query: its entry key and the keys of the tags it is valid under.
pub(crate) struct Lookup {
    entry: String,
    tags: Vec<String>,
}

impl Cache {
    /// A cache on the Redis at `url` (`redis://host:port/db`, `rediss://` for TLS). It connects on
    /// first use, so a Redis that is down now does not stop the application; namespace `orm`, a
    /// 60 s TTL, a 20 ms timeout per Redis call.
    pub fn new(url: &str) -> Result<Cache> {
        let client = redis::Client::open(url).map_err(|e| Error::Connect { url: crate::error::redact_url(url), source: Box::new(e) })?;
        Ok(Cache { inner: Arc::new(Inner::new(client, "orm".into(), Duration::from_secs(60), Duration::from_millis(20))) })
    }

    /// This cache with `f` applied to its settings. A cache already shared (cloned, or given to a
    /// database) is left as it is: the result is a cache of its own on the same Redis, with its own
    /// connection and counters.
    fn with(self, f: impl FnOnce(&mut Inner)) -> Cache {
        let mut inner = Arc::try_unwrap(self.inner).unwrap_or_else(|shared| Inner::new(shared.client.clone(), shared.namespace.clone(), shared.ttl, shared.timeout));
        f(&mut inner);
        Cache { inner: Arc::new(inner) }
    }

    /// The prefix of every key: one namespace per database when several share a Redis.
    ///
    /// Called on a cache already in use (a clone exists), it returns a separate cache with the
    /// new setting and leaves the shared one unchanged; so do [`ttl`](Cache::ttl) and
    /// [`timeout`](Cache::timeout).
    ///
    /// ```
    /// # fn demo() -> orm_core::Result<()> {
    /// let shop = orm_core::Cache::new("redis://127.0.0.1:6379/0")?.namespace("shop");
    /// let reports = shop.clone().namespace("reports");
    /// assert_eq!(format!("{shop:?}"), r#"Cache { namespace: "shop", ttl: 60s }"#);
    /// assert_eq!(format!("{reports:?}"), r#"Cache { namespace: "reports", ttl: 60s }"#);
    /// # Ok(()) }
    /// # demo().unwrap();
    /// ```
    pub fn namespace(self, namespace: impl Into<String>) -> Cache {
        let namespace = namespace.into();
        self.with(|i| i.namespace = namespace)
    }

    /// How long an entry lives unless a query says otherwise (`cache_for`); at most one hour.
    pub fn ttl(self, ttl: Duration) -> Cache {
        self.with(|i| i.ttl = ttl.min(i.max_ttl))
    }

    /// How long one Redis call may take before the query goes to the database instead.
    pub fn timeout(self, timeout: Duration) -> Cache {
        self.with(|i| i.timeout = timeout)
    }

    /// What the cache has done in this process.
    pub fn stats(&self) -> CacheStats {
        let c = &self.inner.stats;
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        CacheStats {
            hits: get(&c.hits),
            misses: get(&c.misses),
            stores: get(&c.stores),
            invalidations: get(&c.invalidations),
            errors: get(&c.errors),
            bypassed: get(&c.bypassed),
        }
    }

    /// Invalidates every entry (moves the epoch).
    pub async fn flush(&self) -> Result<()> {
        self.bump_now(&[Touched::All]).await
    }

    /// Invalidates every entry that reads `table`.
    pub async fn flush_table(&self, table: &str) -> Result<()> {
        self.bump_now(&[Touched::Table(table.to_string())]).await
    }

    /// What the namespace holds in Redis now: its entries, their size, each table's generation.
    pub async fn report(&self) -> Result<CacheReport> {
        let unreachable = |e: &dyn std::fmt::Display| Error::CacheUnavailable { reason: e.to_string() };
        let mut conn = self.conn().await.ok_or_else(|| unreachable(&"cannot connect"))?;
        use redis::AsyncCommands;
        let entries = scan_keys(&mut conn, &self.key(&["q", "*"])).await.map_err(|e| unreachable(&e))?;
        let mut bytes = 0u64;
        for chunk in entries.chunks(500) {
            let mut pipe = redis::pipe();
            for k in chunk {
                pipe.strlen(k);
            }
            let sizes: Vec<u64> = pipe.query_async(&mut conn).await.map_err(|e| unreachable(&e))?;
            bytes += sizes.iter().sum::<u64>();
        }
        let table_keys = scan_keys(&mut conn, &self.key(&["t", "*"])).await.map_err(|e| unreachable(&e))?;
        let prefix = self.key(&["t", ""]);
        let mut tables = Vec::new();
        for k in table_keys {
            let generation: Option<u64> = conn.get(&k).await.map_err(|e| unreachable(&e))?;
            tables.push((k[prefix.len()..].to_string(), generation.unwrap_or(0)));
        }
        tables.sort();
        let epoch: Option<u64> = conn.get(self.epoch_key()).await.map_err(|e| unreachable(&e))?;
        Ok(CacheReport { namespace: self.inner.namespace.clone(), entries: entries.len() as u64, bytes, tables, epoch: epoch.unwrap_or(0) })
    }

    fn key(&self, parts: &[&str]) -> String {
        let mut k = self.inner.namespace.clone();
        for p in parts {
            k.push(':');
            k.push_str(p);
        }
        k
    }

    fn epoch_key(&self) -> String {
        self.key(&["epoch"])
    }

    fn table_key(&self, table: &str) -> String {
        self.key(&["t", table])
    }

    fn bulk_key(&self, table: &str) -> String {
        self.key(&["b", table])
    }

    fn row_key(&self, table: &str, key: &[Value]) -> String {
        let mut bytes = Vec::new();
        for v in key {
            codec::encode(v, &mut bytes);
        }
        self.key(&["r", table, &hex(&bytes)])
    }

    /// The lookup of a query: the statement (with placeholders) and its typed bound values identify
    /// it; it reads `tables`, and is a lookup of `key` in the first of them when `key` is given.
    pub(crate) fn lookup(&self, backend: &str, statement: &str, bound: &str, tables: &[String], key: Option<&[Value]>) -> Lookup {
        use sha2::Digest;
        let mut h = sha2::Sha256::new();
        h.update(backend.as_bytes());
        h.update([0]);
        h.update(statement.as_bytes());
        h.update([0]);
        h.update(bound.as_bytes());
        let entry = self.key(&["q", &hex(&h.finalize()[..16])]);
        let mut tags = vec![self.epoch_key()];
        for (i, table) in tables.iter().enumerate() {
            match (i, key) {
                (0, Some(k)) => {
                    tags.push(self.bulk_key(table));
                    tags.push(self.row_key(table, k));
                }
                _ => tags.push(self.table_key(table)),
            }
        }
        Lookup { entry, tags }
    }

    fn count(&self, c: impl Fn(&Counters) -> &AtomicU64) {
        c(&self.inner.stats).fetch_add(1, Ordering::Relaxed);
    }

    fn failed(&self, what: &str, e: impl std::fmt::Display) {
        self.count(|c| &c.errors);
        if !self.inner.down.swap(true, Ordering::Relaxed) {
            eprintln!("orm cache: Redis is unusable ({what}: {e}); queries go to the database until it answers");
        }
    }

    /// The connection, once made. (A `ConnectionManager` reconnects by itself after that.)
    fn made(&self) -> Option<ConnectionManager> {
        self.inner.conn.read().expect("cache lock").clone()
    }

    /// A connection, or `None` when Redis cannot be reached now.
    async fn conn(&self) -> Option<ConnectionManager> {
        if let Some(c) = self.made() {
            return Some(c);
        }
        let _connecting = self.inner.connecting.lock().await;
        if let Some(c) = self.made() {
            return Some(c);
        }
        if self.inner.failed_at.lock().expect("cache lock").is_some_and(|t| t.elapsed() < Duration::from_secs(1)) {
            return None;
        }
        match tokio::time::timeout(self.inner.timeout.max(Duration::from_millis(500)), self.inner.client.get_connection_manager()).await {
            Ok(Ok(c)) => {
                *self.inner.conn.write().expect("cache lock") = Some(c.clone());
                Some(c)
            }
            Ok(Err(e)) => {
                *self.inner.failed_at.lock().expect("cache lock") = Some(Instant::now());
                self.failed("connect", e);
                None
            }
            Err(_) => {
                *self.inner.failed_at.lock().expect("cache lock") = Some(Instant::now());
                self.failed("connect", "timed out");
                None
            }
        }
    }

    /// Runs one Redis call with the timeout; `None` (counted, logged once) when it fails.
    async fn call<T>(&self, what: &str, f: impl std::future::Future<Output = redis::RedisResult<T>>) -> Option<T> {
        match tokio::time::timeout(self.inner.timeout, f).await {
            Ok(Ok(v)) => {
                self.inner.down.store(false, Ordering::Relaxed);
                Some(v)
            }
            Ok(Err(e)) => {
                self.failed(what, e);
                None
            }
            Err(_) => {
                self.failed(what, "timed out");
                None
            }
        }
    }

    /// Whether the cache may be used: no epoch owed, or the owed epoch moved now.
    async fn usable(&self) -> bool {
        if !self.inner.owe_epoch.load(Ordering::SeqCst) {
            return true;
        }
        self.send_bump(&[Touched::All]).await
    }

    /// Sends the bumps of `touched`; false (and an epoch owed) when Redis did not take them.
    async fn send_bump(&self, touched: &[Touched]) -> bool {
        let mut keep = Vec::new();
        let mut expiring = Vec::new();
        for t in touched {
            match t {
                Touched::All => keep.push(self.epoch_key()),
                Touched::Table(table) => {
                    keep.push(self.table_key(table));
                    keep.push(self.bulk_key(table));
                }
                Touched::Rows { table, keys } => {
                    keep.push(self.table_key(table));
                    expiring.extend(keys.iter().map(|k| self.row_key(table, k)));
                }
            }
        }
        keep.sort();
        keep.dedup();
        let row_ttl = (self.inner.max_ttl + STORE_WINDOW).as_millis() as u64;
        let done = match self.conn().await {
            Some(mut conn) => {
                let mut invocation = self.inner.bump.key(self.key(&["seq"]));
                for k in keep.iter().chain(&expiring) {
                    invocation.key(k);
                }
                invocation.arg(keep.len()).arg(row_ttl);
                self.call("invalidate", invocation.invoke_async::<i64>(&mut conn)).await.is_some()
            }
            None => false,
        };
        if done {
            self.count(|c| &c.invalidations);
            if touched.contains(&Touched::All) {
                self.inner.owe_epoch.store(false, Ordering::SeqCst);
            }
        } else {
            self.inner.owe_epoch.store(true, Ordering::SeqCst);
        }
        done
    }

    /// Bumps after a write; a failure is counted and owed, never returned.
    pub(crate) async fn invalidate(&self, touched: &[Touched]) {
        if self.inner.owe_epoch.load(Ordering::SeqCst) && !self.send_bump(&[Touched::All]).await {
            return;
        }
        self.send_bump(touched).await;
    }

    async fn bump_now(&self, touched: &[Touched]) -> Result<()> {
        if self.send_bump(touched).await {
            Ok(())
        } else {
            Err(Error::CacheUnavailable { reason: "the invalidation was not acknowledged; the cache stays unused in this process until it is".into() })
        }
    }

    /// Reads the tags and the entry: the rows when the entry is valid, and the tags read.
    async fn read(&self, lookup: &Lookup) -> Option<(Option<Vec<Vec<Value>>>, Vec<u64>)> {
        let mut conn = self.conn().await?;
        let mut cmd = redis::cmd("MGET");
        cmd.arg(&lookup.tags).arg(&lookup.entry);
        let mut found: Vec<Option<Vec<u8>>> = self.call("read", cmd.query_async(&mut conn)).await?;
        let entry = found.pop().flatten();
        let tags: Vec<u64> = found.iter().map(|v| v.as_deref().and_then(|b| std::str::from_utf8(b).ok()?.parse().ok()).unwrap_or(0)).collect();
        let rows = entry.and_then(|e| decode_entry(&e, &tags));
        Some((rows, tags))
    }

    async fn store(&self, lookup: &Lookup, tags: &[u64], rows: &[Vec<Value>], ttl: Duration, read_at: Instant) {
        if read_at.elapsed() > STORE_WINDOW {
            return;
        }
        let Some(mut conn) = self.conn().await else { return };
        let bytes = encode_entry(tags, rows);
        let mut cmd = redis::cmd("SET");
        cmd.arg(&lookup.entry).arg(bytes).arg("PX").arg(ttl.min(self.inner.max_ttl).as_millis().max(1) as u64);
        if self.call("store", cmd.query_async::<()>(&mut conn)).await.is_some() {
            self.count(|c| &c.stores);
        }
    }

    /// The rows of `lookup`: from Redis when its entry is valid, else from `load` (stored for
    /// `ttl`, or the cache's TTL). Redis failing only sends the query to the database.
    pub(crate) async fn get_or_load<F, Fut>(&self, lookup: &Lookup, ttl: Option<Duration>, load: F) -> Result<Vec<Vec<Value>>>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<Vec<Vec<Value>>>>,
    {
        if !self.usable().await {
            self.count(|c| &c.bypassed);
            return load().await;
        }
        let mut read_at = Instant::now();
        let Some((rows, mut tags)) = self.read(lookup).await else {
            self.count(|c| &c.bypassed);
            return load().await;
        };
        if let Some(rows) = rows {
            self.count(|c| &c.hits);
            return Ok(rows);
        }
        // One loader per entry in this process: the others wait, then read what it stored.
        let gate = self.inner.loading.lock().expect("cache lock").entry(lookup.entry.clone()).or_default().clone();
        let _turn = match gate.try_lock() {
            Ok(turn) => turn,
            Err(_) => {
                let turn = gate.lock().await;
                read_at = Instant::now();
                match self.read(lookup).await {
                    Some((Some(rows), _)) => {
                        self.count(|c| &c.hits);
                        return Ok(rows);
                    }
                    // The tags as they are now, read before this reader's own query.
                    Some((None, fresh)) => tags = fresh,
                    None => {}
                }
                turn
            }
        };
        self.count(|c| &c.misses);
        let result = load().await;
        if let Ok(rows) = &result {
            self.store(lookup, &tags, rows, ttl.unwrap_or(self.inner.ttl), read_at).await;
        }
        let mut loading = self.inner.loading.lock().expect("cache lock");
        if Arc::strong_count(&gate) <= 2 {
            loading.remove(&lookup.entry);
        }
        result
    }
}

/// Every key matching `pattern`, by `SCAN` (which never blocks the server the way `KEYS` does).
async fn scan_keys(conn: &mut ConnectionManager, pattern: &str) -> redis::RedisResult<Vec<String>> {
    let mut cursor: u64 = 0;
    let mut out = Vec::new();
    loop {
        let (next, batch): (u64, Vec<String>) =
            redis::cmd("SCAN").arg(cursor).arg("MATCH").arg(pattern).arg("COUNT").arg(1000).query_async(conn).await?;
        out.extend(batch);
        if next == 0 {
            return Ok(out);
        }
        cursor = next;
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn encode_entry(tags: &[u64], rows: &[Vec<Value>]) -> Vec<u8> {
    let mut out = vec![FORMAT, tags.len() as u8];
    for t in tags {
        out.extend_from_slice(&t.to_le_bytes());
    }
    out.extend_from_slice(&(rows.len() as u32).to_le_bytes());
    for row in rows {
        out.extend_from_slice(&(row.len() as u16).to_le_bytes());
        for v in row {
            codec::encode(v, &mut out);
        }
    }
    out
}

/// The rows of an entry whose tags are `current`; `None` when it was stored under other tags (or
/// cannot be read).
fn decode_entry(bytes: &[u8], current: &[u64]) -> Option<Vec<Vec<Value>>> {
    let mut r = codec::Reader::new(bytes);
    let [format, n] = r.take::<2>().ok()?;
    if format != FORMAT || usize::from(n) != current.len() {
        return None;
    }
    for want in current {
        if u64::from_le_bytes(r.take().ok()?) != *want {
            return None;
        }
    }
    let rows = u32::from_le_bytes(r.take().ok()?) as usize;
    let mut out = Vec::with_capacity(rows.min(1 << 16));
    for _ in 0..rows {
        let width = u16::from_le_bytes(r.take().ok()?) as usize;
        out.push((0..width).map(|_| r.value()).collect::<std::result::Result<Vec<_>, _>>().ok()?);
    }
    r.is_empty().then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_is_valid_only_under_its_tags() {
        let rows = vec![vec![Value::I64(Some(1)), Value::String(Some("a".into()))], vec![Value::I64(Some(2)), Value::String(None)]];
        let bytes = encode_entry(&[3, 0, 7], &rows);
        assert_eq!(decode_entry(&bytes, &[3, 0, 7]), Some(rows));
        assert_eq!(decode_entry(&bytes, &[3, 0, 8]), None, "a bumped generation");
        assert_eq!(decode_entry(&bytes, &[4, 0, 7]), None, "a moved epoch");
        assert_eq!(decode_entry(&bytes, &[3, 0]), None, "other tables");
        assert_eq!(decode_entry(&bytes[..bytes.len() - 1], &[3, 0, 7]), None, "a truncated entry");
    }

    #[test]
    fn keys_come_from_the_statement_and_the_values() {
        let cache = Cache::new("redis://127.0.0.1:1/0").unwrap().namespace("t");
        let tables = ["users".to_string()];
        let a = cache.lookup("Postgres", "SELECT 1 WHERE x = $1", "[BigInt(Some(1))]", &tables, None);
        let b = cache.lookup("Postgres", "SELECT 1 WHERE x = $1", "[BigInt(Some(2))]", &tables, None);
        let c = cache.lookup("MySql", "SELECT 1 WHERE x = $1", "[BigInt(Some(1))]", &tables, None);
        assert!(a.entry != b.entry && a.entry != c.entry && a.entry.starts_with("t:q:"));
        assert_eq!(a.tags, ["t:epoch", "t:t:users"]);
        let k = cache.lookup("Postgres", "SELECT 1", "[]", &tables, Some(&[Value::I64(Some(5))]));
        assert_eq!(k.tags[..2], ["t:epoch".to_string(), "t:b:users".to_string()]);
        assert!(k.tags[2].starts_with("t:r:users:"));
    }
}
