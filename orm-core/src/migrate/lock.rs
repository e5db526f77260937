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

use crate::driver::MigrationConn;
use crate::error::Result;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// How long a runner waits for another one before giving up.
pub(crate) const MAX_WAIT: Duration = Duration::from_secs(3600);
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
    pub(crate) lost: Arc<AtomicBool>,
    /// The task renewing a lease, stopped with the guard.
    pub(crate) heartbeat: Option<tokio::task::JoinHandle<()>>,
    /// This runner's name, recorded with a lock that names its owner.
    #[cfg_attr(not(feature = "mongodb"), allow(dead_code))]
    pub(crate) owner: String,
    /// Whether the runner had to wait for another one.
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
pub(crate) async fn acquire<C: MigrationConn>(conn: &mut C, lease: Duration, on_wait: &(dyn Fn(Option<LockHolder>) + Send + Sync)) -> Result<LockGuard> {
    let mut guard = LockGuard { lost: Arc::new(AtomicBool::new(false)), heartbeat: None, owner: owner_id(), waited: false };
    conn.lock(&mut guard, lease, on_wait).await?;
    Ok(guard)
}

/// Gives the lock back. On SQLite this commits the run's transaction.
pub(crate) async fn release<C: MigrationConn>(conn: &mut C, guard: LockGuard) -> Result<()> {
    let result = conn.unlock(&guard).await;
    drop(guard);
    result
}
