//! Read replicas: reads outside a transaction spread over healthy replicas, and never see the
//! database older than the handle's own last write.
//!
//! # Read-your-writes by position
//! A write (outside a transaction, or a transaction's commit) marks the handle and its clones as
//! having written. The next read that could go to a replica first asks the primary for its
//! position (PostgreSQL's WAL LSN, `pg_current_wal_lsn()`; MariaDB's GTID position,
//! `@@gtid_binlog_pos`; MySQL's executed GTID set, `@@GLOBAL.gtid_executed`), which is at or past
//! the write's commit since the write had returned; that position becomes the handle's *floor*. A
//! replica serves the read only if it has replayed the floor (`pg_last_wal_replay_lsn()`;
//! `@@gtid_slave_pos` covering every domain of the floor; a `gtid_executed` holding the floor's set),
//! remembered from the last probe or asked again; otherwise the read waits for one, briefly
//! ([`ConnectOptions::replica_wait`](crate::ConnectOptions::replica_wait)), then goes to the
//! primary. The position is asked for once per burst of writes, not after every write, and the
//! marks and the floor are shared by every clone of the handle, under one lock, so a read that
//! starts after any clone's write has returned is held to it.
//!
//! [`Database::consistency_token`] hands the floor out (as text, for a cookie) and
//! [`Database::after`] gives a handle held to a token from elsewhere: a request that follows a
//! write made by another process reads at least what that write left.
//!
//! # Health
//! A replica whose connection fails is out of rotation with a growing backoff (250 ms doubling up
//! to 30 s) and tried again after it; one that lags more than
//! [`ConnectOptions::max_replica_lag`](crate::ConnectOptions::max_replica_lag), or is not in
//! recovery (PostgreSQL) or runs no replication thread (MariaDB, MySQL) — promoted, or not a
//! replica at all — is left out until a later probe finds it fit. PostgreSQL tells the lag (the age
//! of the last replayed commit while WAL waits); on MariaDB and MySQL it is measured: how long ago
//! the primary was at a position the replica has still not replayed.
//! Reads never fail because a replica died while the primary is up: a read that fails on a
//! replica for a connection reason is run again on the primary.
//!
//! With the query cache, misses load from the primary, so an entry is never older than any
//! write that had returned before it was stored.
//!
//! # MongoDB
//! The driver finds a replica set's members and sends reads where the URL's `readPreference`
//! says. A URL that lets reads go to secondaries turns the floor on: the primary's operation time
//! (the `operationTime` of a `ping` it answers) after a write, and reads outside a transaction run
//! in a causally consistent session advanced to it, which the driver sends as
//! `readConcern.afterClusterTime`; the member that answers waits until it has applied that far.

mod gtid_set;
mod position;

pub use position::ConsistencyToken;

use super::exec::On;
use super::Database;
use crate::error::{Error, Result};
use position::{Flavor, Position};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a replica's probe (lag, recovery) is trusted before it is asked again.
const PROBE_EVERY: Duration = Duration::from_secs(1);
/// The first backoff after a failure; it doubles per failure up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(250);
const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// How often a waiting read asks the replicas again.
const POLL: Duration = Duration::from_millis(5);

/// What every clone of a handle shares about its writes.
#[derive(Default)]
pub(crate) struct Consistency {
    /// A write returned since the floor was last brought up to date.
    wrote: AtomicBool,
    /// The position reads must not go behind; held while the primary is asked.
    floor: tokio::sync::Mutex<Option<Position>>,
}

impl Consistency {
    fn with_floor(floor: Option<Position>) -> Consistency {
        Consistency { wrote: AtomicBool::new(false), floor: tokio::sync::Mutex::new(floor) }
    }

    /// A write has returned (after its commit).
    pub(crate) fn wrote(&self) {
        self.wrote.store(true, Ordering::SeqCst);
    }
}

/// The replicas of a database, and how to choose one.
pub(crate) struct Replicas {
    flavor: Flavor,
    members: Vec<Replica>,
    next: AtomicUsize,
    max_lag: Duration,
    wait: Duration,
}

/// One replica: a handle on it and what the last probes found.
pub(crate) struct Replica {
    pub(crate) db: Database,
    health: Mutex<Health>,
}

#[derive(Default)]
struct Health {
    /// Out of rotation until then.
    down_until: Option<Instant>,
    failures: u32,
    /// What the last probe found, and when.
    probed: Option<Instant>,
    replayed: Option<Position>,
    lag: Duration,
    /// A primary position the replica had not replayed when last probed, and when the primary was
    /// seen there: the lag on servers that do not tell theirs.
    sample: Option<(Position, Instant)>,
    /// Why the replica is unfit (not in recovery), when a probe said so.
    unfit: Option<String>,
    /// Whether the current trouble was logged.
    logged: bool,
}

/// A replica's state as [`Database::replica_status`] reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReplicaStatus {
    /// The replica's URL, password redacted.
    pub url: String,
    /// Whether reads may go to it now.
    pub in_rotation: bool,
    /// Why not, when it is out.
    pub problem: Option<String>,
    /// Its replication lag at the last probe.
    pub lag: Duration,
}

impl Replicas {
    /// Connects to every replica (one that is down now is only out of rotation until it answers).
    pub(crate) async fn connect(primary: &Database, urls: &[String], options: &crate::ConnectOptions) -> Result<Replicas> {
        let Some(flavor) = Flavor::of(primary).await? else {
            return Err(Error::Unsupported { operation: "read replicas", backend: primary.backend().name() });
        };
        if flavor == Flavor::MongoDb && !urls.is_empty() {
            return Err(Error::Unsupported {
                operation: "replica URLs (the driver finds a replica set's members: put readPreference=secondaryPreferred in the URL)",
                backend: "MongoDB",
            });
        }
        flavor.check_primary(primary).await?;
        // A primary URL that names a replica would send every write to a server that refuses it.
        if flavor.probe(primary).await?.replicating {
            return Err(Error::ReplicaNotWritable { url: primary.url().to_string() });
        }
        let mut members = Vec::new();
        for url in urls {
            let redacted = crate::error::redact_url(url);
            let driver = crate::driver::AnyDriver::connect(url, &redacted, &options.for_replica()).await?;
            let db = Database::assemble(driver, redacted, primary.transaction_retry);
            members.push(Replica { db, health: Mutex::new(Health::default()) });
        }
        Ok(Replicas {
            flavor,
            members,
            next: AtomicUsize::new(0),
            max_lag: options.max_replica_lag.unwrap_or(Duration::from_secs(5)),
            wait: options.replica_wait.unwrap_or(Duration::from_millis(100)),
        })
    }

    /// A replica that has replayed `floor` (any fit one without a floor), waiting up to the
    /// configured bound for one; `None`: read on the primary.
    async fn pick(&self, primary: &Database, floor: Option<&Position>) -> Option<&Replica> {
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        let deadline = Instant::now() + self.wait;
        loop {
            let mut any_fit = false;
            for i in 0..self.members.len() {
                let r = &self.members[(start + i) % self.members.len()];
                if r.backing_off() {
                    continue;
                }
                // Lag and recovery are asked again once the last answer is old, also for a
                // replica left out for them.
                if r.health().probed.is_none_or(|t| t.elapsed() > PROBE_EVERY) && !r.probe(self.flavor, primary).await {
                    continue;
                }
                if !r.fit(self.max_lag) {
                    continue;
                }
                let behind = |r: &Replica| floor.is_some_and(|f| r.health().replayed.as_ref().is_none_or(|p| !p.covers(f)));
                if behind(r) && (!r.probe(self.flavor, primary).await || !r.fit(self.max_lag)) {
                    continue;
                }
                any_fit = true;
                if !behind(r) {
                    return Some(r);
                }
            }
            if !any_fit || Instant::now() + POLL > deadline {
                return None;
            }
            tokio::time::sleep(POLL).await;
        }
    }
}

impl Replica {
    fn health(&self) -> std::sync::MutexGuard<'_, Health> {
        self.health.lock().expect("replica health lock")
    }

    /// Out of rotation after a connection failure, until its backoff has passed.
    fn backing_off(&self) -> bool {
        self.health().down_until.is_some_and(|t| Instant::now() < t)
    }

    /// In recovery and lagging no more than `max_lag`, as of the last probe.
    fn fit(&self, max_lag: Duration) -> bool {
        let h = self.health();
        h.unfit.is_none() && h.lag <= max_lag
    }

    /// Asks the replica where it is; false when it could not be asked (it is then out of rotation
    /// for a while).
    async fn probe(&self, flavor: Flavor, primary: &Database) -> bool {
        let probed = match flavor.probe(&self.db).await {
            Ok(p) => p,
            Err(e) => {
                self.failed(&e);
                return false;
            }
        };
        let lag = match probed.lag {
            Some(lag) => lag,
            None => self.measured_lag(flavor, primary, probed.replayed.as_ref()).await,
        };
        let mut h = self.health();
        h.probed = Some(Instant::now());
        h.failures = 0;
        h.down_until = None;
        h.replayed = probed.replayed;
        h.lag = lag;
        h.unfit = (!probed.replicating).then(|| "the server does not replicate: it was promoted, or is not a replica".to_string());
        match &h.unfit {
            Some(why) if !h.logged => {
                eprintln!("orm replicas: {} is out of rotation: {why}", self.db.url());
                h.logged = true;
            }
            None => h.logged = false,
            _ => {}
        }
        true
    }

    /// The lag of a replica whose server does not tell it: how long ago the primary was at a
    /// position the replica has still not replayed (0 once it has; sampled once per probe).
    async fn measured_lag(&self, flavor: Flavor, primary: &Database, replayed: Option<&Position>) -> Duration {
        let has = |p: &Position| replayed.is_some_and(|r| r.covers(p));
        let pending = self.health().sample.clone();
        if let Some((p, at)) = pending
            && !has(&p)
        {
            return at.elapsed();
        }
        let now = Instant::now();
        let sample = match flavor.primary_position(primary).await {
            Ok(Some(p)) if !has(&p) => Some((p, now)),
            _ => None,
        };
        self.health().sample = sample;
        Duration::ZERO
    }

    /// Takes the replica out of rotation after a connection failure, for a growing while.
    pub(crate) fn failed(&self, e: &Error) {
        let mut h = self.health();
        h.failures = h.failures.saturating_add(1);
        let backoff = FIRST_BACKOFF.saturating_mul(1 << h.failures.min(8).saturating_sub(1)).min(MAX_BACKOFF);
        h.down_until = Some(Instant::now() + backoff);
        h.probed = None;
        if !h.logged {
            eprintln!("orm replicas: {} is out of rotation for {backoff:?}: {e}", self.db.url());
            h.logged = true;
        }
    }

    fn status(&self, max_lag: Duration) -> ReplicaStatus {
        let in_rotation = !self.backing_off() && self.fit(max_lag);
        let h = self.health();
        let problem = match (&h.unfit, h.down_until) {
            (Some(why), _) => Some(why.clone()),
            (None, Some(t)) if Instant::now() < t => Some(format!("unreachable; tried again in {:?}", t - Instant::now())),
            _ if h.lag > max_lag => Some(format!("lags {:?}, more than the {max_lag:?} allowed", h.lag)),
            _ => None,
        };
        ReplicaStatus { url: self.db.url().to_string(), in_rotation, problem, lag: h.lag }
    }
}

impl Database {
    /// Where the handle's reads must not go behind: brings the floor up to the primary's position
    /// when a write returned since it was last read.
    async fn floor(&self, flavor: Flavor) -> Result<Option<Position>> {
        let mut floor = self.consistency.floor.lock().await;
        if self.consistency.wrote.swap(false, Ordering::SeqCst) {
            match flavor.primary_position(self).await {
                Ok(Some(p)) => *floor = Some(match floor.take() {
                    Some(f) => f.merge(p),
                    None => p,
                }),
                Ok(None) => {}
                Err(e) => {
                    self.consistency.wrote.store(true, Ordering::SeqCst);
                    return Err(e);
                }
            }
        }
        Ok(floor.clone())
    }

    /// The position this handle's reads are held to (after its own writes and its clones'), to
    /// carry to another handle or process ([`Database::after`]). `None` without replicas, or
    /// before any write.
    ///
    /// ```no_run
    /// # async fn demo(db: &orm_core::Database) -> orm_core::Result<()> {
    /// // After a write in one request: send the token along (a cookie, a header).
    /// let token = db.consistency_token().await?.map(|t| t.to_string());
    /// // In the next request, maybe in another process: read at least that.
    /// let db = match token {
    ///     Some(t) => db.after(t.parse()?),
    ///     None => db.clone(),
    /// };
    /// # Ok(()) }
    /// ```
    pub async fn consistency_token(&self) -> Result<Option<ConsistencyToken>> {
        let Some(replicas) = &self.replicas else { return Ok(None) };
        Ok(self.floor(replicas.flavor).await?.map(ConsistencyToken))
    }

    /// A handle whose reads are held to `token` (and to its own writes from now on), sharing the
    /// pools; its writes do not move this handle's floor.
    pub fn after(&self, token: ConsistencyToken) -> Database {
        Database { consistency: Arc::new(Consistency::with_floor(Some(token.0))), ..self.clone() }
    }

    /// A handle whose reads all go to the primary (writes always do).
    pub fn primary(&self) -> Database {
        Database { read_primary: true, ..self.clone() }
    }

    /// The replicas and whether reads go to them now (empty without replicas).
    pub fn replica_status(&self) -> Vec<ReplicaStatus> {
        self.replicas.as_ref().map(|r| r.members.iter().map(|m| m.status(r.max_lag)).collect()).unwrap_or_default()
    }
}

impl On<'_> {
    /// Where a read runs: here (in a transaction, on a primary-only handle or query, without
    /// replicas, or when none has replayed the handle's writes in time), on a replica, or, on
    /// MongoDB, wherever the driver sends it, in a session held to the handle's floor.
    pub(crate) async fn read_route(&self, on_primary: bool) -> Route<'_> {
        if self.tx.is_some() || on_primary || self.db.read_primary {
            return Route::Here;
        }
        let Some(replicas) = self.db.replicas.as_deref() else { return Route::Here };
        let floor = match self.db.floor(replicas.flavor).await {
            Ok(f) => f,
            Err(_) => return Route::Here,
        };
        if replicas.flavor == Flavor::MongoDb {
            return match floor {
                Some(Position::ClusterTime(time, increment)) => Route::After(time, increment),
                _ => Route::Here,
            };
        }
        match replicas.pick(self.db, floor.as_ref()).await {
            Some(r) => Route::Replica(r),
            None => Route::Here,
        }
    }
}

/// Where a read runs.
pub(crate) enum Route<'a> {
    /// On the handle's own connection (the primary, or the transaction).
    Here,
    /// On this replica.
    Replica(&'a Replica),
    /// On MongoDB, in a causally consistent session at or after this operation time.
    #[cfg_attr(not(feature = "mongodb"), allow(dead_code))]
    After(u32, u32),
}

/// Runs a read on a replica chosen for it, or on the primary; a read that fails on a replica for
/// a connection reason runs again on the primary.
macro_rules! routed_read {
    ($on:expr, $on_primary:expr, |$d:ident, $tx:ident| $body:expr) => {{
        let on: $crate::db::On<'_> = $on;
        match on.read_route($on_primary).await {
            $crate::db::replica::Route::Replica(replica) => {
                let there = $crate::db::On { db: &replica.db, tx: None };
                match $crate::db::exec::driver_call!(there, |$d, $tx| $body) {
                    Err(e) if e.is_connection() => {
                        replica.failed(&e);
                        $crate::db::exec::driver_call!(on, |$d, $tx| $body)
                    }
                    done => done,
                }
            }
            #[cfg(feature = "mongodb")]
            $crate::db::replica::Route::After(time, increment) => {
                let session = on.db.driver.mongo("causal reads")?.causal_session(bson::Timestamp { time, increment }).await?;
                let mut state = $crate::driver::AnyTx::Mongo(Box::new(session));
                $crate::driver::with_tx!(&on.db.driver, Some(&mut state), |$d, $tx| $body)
            }
            _ => $crate::db::exec::driver_call!(on, |$d, $tx| $body),
        }
    }};
}
pub(crate) use routed_read;

/// `url` without its `replicas=` parameter, and a URL per replica it names: `host:port` items,
/// comma-separated, that take the user, password, database and other parameters of `url`.
///
/// ```text
/// postgres://app:pw@db1:5432/shop?replicas=db2:5432,db3:5432&sslmode=require
/// ```
pub(crate) fn split_replicas(url: &str) -> (String, Vec<String>) {
    let Some((base, query)) = url.split_once('?') else { return (url.to_string(), Vec::new()) };
    let (mut hosts, mut rest) = (Vec::new(), Vec::new());
    for param in query.split('&') {
        match param.strip_prefix("replicas=") {
            Some(list) => hosts.extend(list.split(',').filter(|h| !h.is_empty()).map(str::to_string)),
            None => rest.push(param),
        }
    }
    if hosts.is_empty() {
        return (url.to_string(), Vec::new());
    }
    let primary = if rest.is_empty() { base.to_string() } else { format!("{base}?{}", rest.join("&")) };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let authority_end = base[scheme_end..].find('/').map_or(base.len(), |i| scheme_end + i);
    let host_start = base[scheme_end..authority_end].rfind('@').map_or(scheme_end, |i| scheme_end + i + 1);
    let replicas = hosts
        .iter()
        .map(|h| {
            let mut u = format!("{}{h}{}", &base[..host_start], &base[authority_end..]);
            if !rest.is_empty() {
                u.push('?');
                u.push_str(&rest.join("&"));
            }
            u
        })
        .collect();
    (primary, replicas)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replicas_in_the_url_take_the_primary_s_credentials_and_parameters() {
        let (primary, replicas) = split_replicas("postgres://app:pw@db1:5432/shop?replicas=db2:5433,db3&sslmode=require");
        assert_eq!(primary, "postgres://app:pw@db1:5432/shop?sslmode=require");
        assert_eq!(replicas, ["postgres://app:pw@db2:5433/shop?sslmode=require", "postgres://app:pw@db3/shop?sslmode=require"]);
        let (primary, replicas) = split_replicas("postgres://db1/shop?replicas=db2:1");
        assert_eq!((primary.as_str(), replicas), ("postgres://db1/shop", vec!["postgres://db2:1/shop".to_string()]));
        assert_eq!(split_replicas("postgres://db1/shop?sslmode=disable").1, Vec::<String>::new());
    }
}
