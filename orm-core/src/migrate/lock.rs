//! The runner's lock, held for a whole run and taken before the run is planned:
//!
//! | backend | lock | after a crash |
//! |---|---|---|
//! | PostgreSQL | session advisory lock (scoped to the database) | released with the session |
//! | MySQL / MariaDB | `GET_LOCK` named after the database (its name is server-wide) | released with the connection |
//! | SQLite | the run is one `BEGIN EXCLUSIVE` transaction, each migration a savepoint | the transaction rolls back |
//! | MongoDB | a lock document with an owner and a short lease, renewed while the run lives | the lease runs out |
//!
//! A runner that finds the lock taken reports who holds it, and since when, through
//! [`Progress::WaitingForLock`](super::Progress), then waits.

use super::history::Conn;
use crate::db::Database;
use crate::error::{Error, Result};
use crate::capability::MigrationLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The advisory lock key of the runner on PostgreSQL ("orm_migr").
const PG_LOCK_KEY: i64 = 0x6f72_6d5f_6d69_6772;
/// The `GET_LOCK` name on MySQL: per database, as lock names are server-wide (64 characters at
/// most, hence the digest).
const MYSQL_LOCK_NAME: &str = "CONCAT('orm_migrate:', MD5(IFNULL(DATABASE(), '')))";
/// How long a runner waits for another one before giving up.
const MAX_WAIT: Duration = Duration::from_secs(3600);
/// The MongoDB collection holding the lock document.
#[cfg(feature = "mongodb")]
pub(crate) const MONGO_LOCK: &str = "_orm_migrations_lock";
/// The default lease of a MongoDB lock: renewed every third of it while the run lives.
pub const DEFAULT_LEASE: Duration = Duration::from_secs(30);

/// Who holds the migration lock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockHolder {
    /// The holder: a runner's host, process and run id (MongoDB), or the server session holding it.
    pub owner: String,
    /// Since when, when the backend records it.
    pub since: Option<chrono::DateTime<chrono::Utc>>,
}

impl std::fmt::Display for LockHolder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.owner)?;
        if let Some(since) = self.since {
            write!(f, " since {}", since.format("%Y-%m-%d %H:%M:%S UTC"))?;
        }
        Ok(())
    }
}

/// The lock of one run; `release` gives it back (a dropped guard stops renewing the lease).
pub(crate) struct LockGuard {
    /// Set when the lease could not be renewed: another runner may have taken the lock over.
    lost: Arc<AtomicBool>,
    heartbeat: Option<tokio::task::JoinHandle<()>>,
    #[cfg_attr(not(feature = "mongodb"), allow(dead_code))]
    owner: String,
    pub(crate) waited: bool,
}

impl Drop for LockGuard {
    fn drop(&mut self) {
        if let Some(h) = self.heartbeat.take() {
            h.abort();
        }
    }
}

impl LockGuard {
    /// Whether the lock may have been lost (a lease that could not be renewed in time).
    pub(crate) fn is_lost(&self) -> bool {
        self.lost.load(Ordering::SeqCst)
    }
}

/// A name for this runner: host, process and a random run id.
pub(crate) fn owner_id() -> String {
    let host = std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "unknown-host".into());
    let run = uuid::Uuid::new_v4().simple().to_string();
    format!("{host} pid {} run {}", std::process::id(), &run[..8])
}

/// Takes the lock; `on_wait` is told who holds it when the runner has to wait.
pub(crate) async fn acquire(
    conn: &mut Conn,
    db: &Database,
    lease: Duration,
    on_wait: &(dyn Fn(Option<LockHolder>) + Send + Sync),
) -> Result<LockGuard> {
    let owner = owner_id();
    let mut guard = LockGuard { lost: Arc::new(AtomicBool::new(false)), heartbeat: None, owner, waited: false };
    match conn.capability().migration_lock {
        MigrationLock::AdvisoryLock => {
            if conn.query_i64(&format!("SELECT CAST(CASE WHEN pg_try_advisory_lock({PG_LOCK_KEY}) THEN 1 ELSE 0 END AS BIGINT)")).await? != 1 {
                on_wait(holder(conn).await.ok().flatten());
                guard.waited = true;
                conn.exec(&format!("SELECT pg_advisory_lock({PG_LOCK_KEY})")).await?;
            }
        }
        MigrationLock::NamedLock => {
            if conn.query_i64(&format!("SELECT CAST(GET_LOCK({MYSQL_LOCK_NAME}, 0) AS SIGNED)")).await? != 1 {
                on_wait(holder(conn).await.ok().flatten());
                guard.waited = true;
                let secs = MAX_WAIT.as_secs();
                if conn.query_i64(&format!("SELECT CAST(GET_LOCK({MYSQL_LOCK_NAME}, {secs}) AS SIGNED)")).await? != 1 {
                    return Err(waited_too_long());
                }
            }
        }
        MigrationLock::ExclusiveTransaction => {
            // Foreign keys can only be paused outside a transaction; the run is one transaction.
            conn.exec("PRAGMA foreign_keys = OFF").await?;
            // Try at once, to know whether to say that the runner waits; the pooled connection
            // gets its own busy timeout back afterwards.
            let previous = conn.query_i64("PRAGMA busy_timeout").await?;
            conn.exec("PRAGMA busy_timeout = 0").await?;
            let mut begun = conn.exec("BEGIN EXCLUSIVE").await;
            if begun.is_err() {
                on_wait(Some(LockHolder { owner: "another runner's exclusive transaction on this SQLite database".into(), since: None }));
                guard.waited = true;
                conn.exec(&format!("PRAGMA busy_timeout = {}", MAX_WAIT.as_millis())).await?;
                begun = conn.exec("BEGIN EXCLUSIVE").await;
            }
            conn.exec(&format!("PRAGMA busy_timeout = {previous}")).await?;
            if let Err(e) = begun {
                // The pooled connection goes back as it came.
                let _ = conn.exec("PRAGMA foreign_keys = ON").await;
                return Err(e);
            }
        }
        MigrationLock::LeaseDocument => acquire_mongo(conn, db, lease, on_wait, &mut guard).await?,
    }
    Ok(guard)
}

fn waited_too_long() -> Error {
    Error::LockTimeout { waited: MAX_WAIT }
}

/// Gives the lock back. On SQLite this commits the run's transaction.
pub(crate) async fn release(conn: &mut Conn, guard: LockGuard) -> Result<()> {
    let result = match conn.capability().migration_lock {
        MigrationLock::AdvisoryLock => conn.exec(&format!("SELECT pg_advisory_unlock({PG_LOCK_KEY})")).await,
        MigrationLock::NamedLock => conn.exec(&format!("SELECT RELEASE_LOCK({MYSQL_LOCK_NAME})")).await,
        MigrationLock::ExclusiveTransaction => match conn.exec("COMMIT").await {
            Ok(()) => conn.exec("PRAGMA foreign_keys = ON").await,
            Err(e) => {
                let _ = conn.exec("ROLLBACK").await;
                let _ = conn.exec("PRAGMA foreign_keys = ON").await;
                Err(e)
            }
        },
        MigrationLock::LeaseDocument => release_mongo(conn, &guard).await,
    };
    drop(guard);
    result
}

/// Who holds the lock now, if anyone (as far as the backend tells).
pub(crate) async fn holder(conn: &mut Conn) -> Result<Option<LockHolder>> {
    match conn.capability().migration_lock {
        MigrationLock::AdvisoryLock => {
            let (hi, lo) = (PG_LOCK_KEY >> 32, PG_LOCK_KEY & 0xffff_ffff);
            let sql = format!(
                "SELECT CAST(a.pid AS BIGINT), COALESCE(a.application_name, '') || ' from ' || COALESCE(CAST(a.client_addr AS TEXT), 'a local socket'), \
                 a.backend_start FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid \
                 WHERE l.locktype = 'advisory' AND l.granted AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) \
                 AND CAST(l.classid AS BIGINT) = {hi} AND CAST(l.objid AS BIGINT) = {lo} LIMIT 1"
            );
            let rows: Vec<(i64, String, chrono::DateTime<chrono::Utc>)> = conn.query_rows(&sql).await?;
            Ok(rows.into_iter().next().map(|(pid, client, since)| LockHolder {
                owner: format!("PostgreSQL session {pid} ({client}); `SELECT pg_terminate_backend({pid})` ends it"),
                since: Some(since),
            }))
        }
        MigrationLock::NamedLock => {
            let sql = format!("SELECT CAST(COALESCE(IS_USED_LOCK({MYSQL_LOCK_NAME}), 0) AS SIGNED)");
            let id = conn.query_i64(&sql).await?;
            Ok((id != 0).then(|| LockHolder { owner: format!("MySQL connection {id}; `KILL {id}` ends it"), since: None }))
        }
        MigrationLock::ExclusiveTransaction => Ok(None),
        MigrationLock::LeaseDocument => holder_mongo(conn).await,
    }
}

/// Removes the lock whoever holds it (`orm migrate unlock`), returning who held it. Only MongoDB's
/// lock outlives its holder; the others go with the holder's session or transaction.
pub(crate) async fn force_unlock(conn: &mut Conn) -> Result<Option<LockHolder>> {
    match conn.capability().migration_lock {
        MigrationLock::ExclusiveTransaction => Ok(None),
        MigrationLock::LeaseDocument => force_unlock_mongo(conn).await,
        // Session locks: tell who holds them; only ending that session releases them.
        MigrationLock::AdvisoryLock | MigrationLock::NamedLock => match holder(conn).await? {
            None => Ok(None),
            Some(h) => Err(Error::LockHeld { holder: h.to_string() }),
        },
    }
}

#[cfg(feature = "mongodb")]
fn mongo_err(what: &'static str) -> impl FnOnce(mongodb::error::Error) -> Error {
    move |e| crate::mongo::classify("migration", "lock", || what.to_string(), e)
}

#[cfg(feature = "mongodb")]
fn lock_doc_holder(doc: &bson::Document) -> LockHolder {
    LockHolder {
        owner: doc.get_str("owner").unwrap_or("a runner that recorded no owner").to_string(),
        since: doc.get_datetime("acquired_at").ok().map(|t| t.to_chrono()),
    }
}

#[cfg(feature = "mongodb")]
async fn acquire_mongo(
    conn: &mut Conn,
    _db: &Database,
    lease: Duration,
    on_wait: &(dyn Fn(Option<LockHolder>) + Send + Sync),
    guard: &mut LockGuard,
) -> Result<()> {
    use bson::doc;
    let Conn::Mongo(m) = conn else { return Ok(()) };
    let coll = m.db.collection::<bson::Document>(MONGO_LOCK);
    let lease_ms = lease.as_millis() as i64;
    let started = Instant::now();
    let mut told: Option<LockHolder> = None;
    loop {
        let now = bson::DateTime::now();
        let expires = bson::DateTime::from_millis(now.timestamp_millis() + lease_ms);
        let mine = doc! { "owner": &guard.owner, "acquired_at": now, "expires_at": expires };
        let mut fresh = doc! { "_id": "lock" };
        fresh.extend(mine.clone());
        match coll.insert_one(fresh).await {
            Ok(_) => break,
            Err(e) => {
                let err = mongo_err("insert the lock")(e);
                if !err.is_unique_violation() {
                    return Err(err);
                }
            }
        }
        // A lock whose lease ran out belongs to a runner that died: take it over atomically, so
        // of two runners seeing it expired only one gets it.
        let taken = coll
            .find_one_and_update(doc! { "_id": "lock", "expires_at": { "$lt": now } }, doc! { "$set": mine })
            .await
            .map_err(mongo_err("take over an expired lock"))?;
        if taken.is_some() {
            break;
        }
        let current = coll.find_one(doc! { "_id": "lock" }).await.map_err(mongo_err("read the lock"))?;
        let h = current.as_ref().map(lock_doc_holder);
        if h.is_some() && h != told {
            on_wait(h.clone());
            told = h;
        }
        guard.waited = true;
        if started.elapsed() > MAX_WAIT {
            return Err(waited_too_long());
        }
        tokio::time::sleep(Duration::from_millis(100).min(lease / 4)).await;
    }
    // Renew the lease while the run lives; a renewal that finds the lock gone or someone else's
    // marks it lost, and the runner stops before its next step.
    let (owner, lost) = (guard.owner.clone(), guard.lost.clone());
    guard.heartbeat = Some(tokio::spawn(async move {
        loop {
            tokio::time::sleep(lease / 3).await;
            let expires = bson::DateTime::from_millis(bson::DateTime::now().timestamp_millis() + lease_ms);
            let renewed = coll.update_one(doc! { "_id": "lock", "owner": &owner }, doc! { "$set": { "expires_at": expires } }).await;
            match renewed {
                Ok(r) if r.matched_count == 1 => {}
                Ok(_) => {
                    lost.store(true, Ordering::SeqCst);
                    return;
                }
                // A failed renewal is retried; the lease has two more thirds to go.
                Err(_) => {}
            }
        }
    }));
    Ok(())
}

#[cfg(feature = "mongodb")]
async fn release_mongo(conn: &mut Conn, guard: &LockGuard) -> Result<()> {
    let Conn::Mongo(m) = conn else { return Ok(()) };
    // Never delete a lock this runner does not own.
    m.db.collection::<bson::Document>(MONGO_LOCK)
        .delete_one(bson::doc! { "_id": "lock", "owner": &guard.owner })
        .await
        .map(|_| ())
        .map_err(mongo_err("release the lock"))
}

#[cfg(feature = "mongodb")]
async fn holder_mongo(conn: &mut Conn) -> Result<Option<LockHolder>> {
    let Conn::Mongo(m) = conn else { return Ok(None) };
    let doc = m.db.collection::<bson::Document>(MONGO_LOCK).find_one(bson::doc! { "_id": "lock" }).await.map_err(mongo_err("read the lock"))?;
    Ok(doc.as_ref().map(lock_doc_holder))
}

#[cfg(feature = "mongodb")]
async fn force_unlock_mongo(conn: &mut Conn) -> Result<Option<LockHolder>> {
    let Conn::Mongo(m) = conn else { return Ok(None) };
    let doc = m
        .db
        .collection::<bson::Document>(MONGO_LOCK)
        .find_one_and_delete(bson::doc! { "_id": "lock" })
        .await
        .map_err(mongo_err("remove the lock"))?;
    Ok(doc.as_ref().map(lock_doc_holder))
}

#[cfg(not(feature = "mongodb"))]
async fn acquire_mongo(
    _: &mut Conn,
    _: &Database,
    _: Duration,
    _: &(dyn Fn(Option<LockHolder>) + Send + Sync),
    _: &mut LockGuard,
) -> Result<()> {
    let _ = Instant::now();
    Ok(())
}

#[cfg(not(feature = "mongodb"))]
async fn release_mongo(_: &mut Conn, _: &LockGuard) -> Result<()> {
    Ok(())
}

#[cfg(not(feature = "mongodb"))]
async fn holder_mongo(_: &mut Conn) -> Result<Option<LockHolder>> {
    Ok(None)
}

#[cfg(not(feature = "mongodb"))]
async fn force_unlock_mongo(_: &mut Conn) -> Result<Option<LockHolder>> {
    Ok(None)
}
