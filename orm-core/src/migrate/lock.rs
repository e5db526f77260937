//! The runner's lock, held for a whole run and taken before the run is planned:
//!
//! | backend | lock | after a crash |
//! |---|---|---|
//! | PostgreSQL | session advisory lock (scoped to the database) | released with the session |
//! | MySQL / MariaDB | `GET_LOCK` named after the database (its name is server-wide) | released with the connection |
//! | MariaDB Galera cluster | a row in `_orm_migrations_lock` with an owner and a lease, renewed while the run lives (`GET_LOCK` holds on one node only) | the lease runs out |
//! | PostgreSQL behind PgBouncer (`pgbouncer=true`) | the same leased row (a session lock would stay on a pooled server connection) | the lease runs out |
//! | SQLite | the run is one `BEGIN EXCLUSIVE` transaction, each migration a savepoint | the transaction rolls back |
//! | MongoDB | a lock document with an owner and a short lease, renewed while the run lives | the lease runs out |
//!
//! A runner that finds the lock taken reports who holds it, and since when, through
//! [`Progress::WaitingForLock`](super::Progress), then waits.

use crate::driver::MigrationConn;
use crate::error::Result;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

pub use crate::driver::{LockHolder, DEFAULT_LEASE};
pub(crate) use crate::driver::{owner_id, LockGuard};

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
