//! What the seam takes and gives for migrations: the steps a plan holds, the history row, the
//! migration lock's guard and holder. The engine (`migrate`) plans with them; each driver's
//! [`MigrationConn`](super::MigrationConn) executes and stores them.

use chrono::{DateTime, Utc};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// One thing a migration does.
pub(crate) enum Planned {
    /// An SQL statement.
    Sql(String),
    /// A query counting the values an operation could not keep (see `migrate::SqlPlan::check`).
    SqlCheck { sql: String, table: String, column: String, to: String },
    /// A MongoDB step.
    #[cfg(feature = "mongodb")]
    Mongo(crate::mongo::MongoStep),
}

impl Planned {
    pub(crate) fn describe(&self) -> String {
        match self {
            Planned::Sql(s) => s.clone(),
            Planned::SqlCheck { sql, .. } => format!("-- check: {sql}"),
            #[cfg(feature = "mongodb")]
            Planned::Mongo(step) => match step {
                crate::mongo::MongoStep::Command(d) | crate::mongo::MongoStep::AdminCommand(d) => d.to_string(),
                crate::mongo::MongoStep::MoveCounter { from, to } => format!("move the counter of `{from}` to `{to}`"),
                crate::mongo::MongoStep::CheckConvertible { collection, field, to } => {
                    format!("check that every `{collection}.{field}` converts to {to}")
                }
                crate::mongo::MongoStep::Notice(n) => n.clone(),
            },
        }
    }

    /// Whether the step only reads (a check), so it is not reported as run.
    pub(crate) fn is_check(&self) -> bool {
        match self {
            Planned::SqlCheck { .. } => true,
            #[cfg(feature = "mongodb")]
            Planned::Mongo(crate::mongo::MongoStep::CheckConvertible { .. }) => true,
            _ => false,
        }
    }
}

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

