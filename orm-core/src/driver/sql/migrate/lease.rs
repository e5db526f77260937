//! The migration lock on a MariaDB Galera cluster: a row with an owner and a lease, renewed while
//! the run lives.
//!
//! `GET_LOCK` is local to one node, so two runners on two nodes would both "hold" it. A row in
//! `_orm_migrations_lock` is written through the cluster instead: of two runners inserting it on
//! two nodes, certification lets one commit and fails the other (error 1213), which waits; a
//! runner that dies stops renewing, and the next one takes the row over once its lease has run out
//! (the server's clock, `NOW(6)`, decides; nodes' clocks should agree to well under the lease).
//! The migration session also sets `wsrep_sync_wait`, so what it reads (the history, above all)
//! includes every write the cluster committed before, whichever node made it.

use super::{sql_err, Held, SqlConn};
use crate::driver::sql::SqlPool;
use crate::driver::{LockGuard, LockHolder, MAX_WAIT};
use crate::error::{Error, Result};
use crate::value::Value;
use sqlx::AssertSqlSafe;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

const CREATE: &str = "CREATE TABLE IF NOT EXISTS `_orm_migrations_lock` (`id` VARCHAR(16) NOT NULL PRIMARY KEY, \
     `owner` VARCHAR(255) NOT NULL, `acquired_at` DATETIME(6) NOT NULL, `expires_at` DATETIME(6) NOT NULL) ENGINE=InnoDB";
const INSERT: &str = "INSERT INTO `_orm_migrations_lock` (`id`, `owner`, `acquired_at`, `expires_at`) \
     VALUES ('lock', ?, NOW(6), NOW(6) + INTERVAL ? MICROSECOND)";
const TAKE_OVER: &str = "UPDATE `_orm_migrations_lock` SET `owner` = ?, `acquired_at` = NOW(6), \
     `expires_at` = NOW(6) + INTERVAL ? MICROSECOND WHERE `id` = 'lock' AND `expires_at` < NOW(6)";
const RENEW: &str = "UPDATE `_orm_migrations_lock` SET `expires_at` = NOW(6) + INTERVAL ? MICROSECOND \
     WHERE `id` = 'lock' AND `owner` = ?";
const RELEASE: &str = "DELETE FROM `_orm_migrations_lock` WHERE `id` = 'lock' AND `owner` = ?";
const HOLDER: &str = "SELECT `owner`, `acquired_at` FROM `_orm_migrations_lock` WHERE `id` = 'lock'";
const REMOVE: &str = "DELETE FROM `_orm_migrations_lock` WHERE `id` = 'lock'";

impl SqlConn {
    /// Whether the server is a Galera cluster node (`wsrep_on`); asked once per connection.
    pub(super) async fn is_galera(&mut self) -> bool {
        if let Some(known) = self.galera {
            return known;
        }
        // MySQL proper has no such variable: the error says "not Galera".
        let on = self.query_rows::<(String,)>("SELECT CAST(@@wsrep_on AS CHAR)", Vec::new()).await.ok().and_then(|r| r.into_iter().next());
        let galera = on.is_some_and(|(v,)| v == "1" || v.eq_ignore_ascii_case("ON"));
        if galera {
            // Reads on this session wait until the node has applied every write the cluster
            // committed before them.
            let _ = self.exec("SET SESSION wsrep_sync_wait = 15").await;
        }
        self.galera = Some(galera);
        galera
    }

    /// Runs a statement with bound values on the held connection; the rows it changed.
    async fn execute_with(&mut self, sql: &str, values: Vec<Value>) -> Result<u64> {
        let bound = self.dialect.adapt_values(values.into_iter().map(Into::into).collect());
        match &mut self.held {
            Held::My(c) => sqlx::query_with(AssertSqlSafe(sql), bound).execute(&mut **c).await.map(|r| r.rows_affected()).map_err(|e| sql_err("lock", sql, e)),
            #[allow(unreachable_patterns)]
            _ => Err(Error::Unsupported { operation: "a lock row", backend: "this SQL backend" }),
        }
    }

    /// Takes the lock row, waiting (and saying who holds it) while another live runner does.
    pub(super) async fn lease_lock(&mut self, guard: &mut LockGuard, lease: Duration, on_wait: &(dyn Fn(Option<LockHolder>) + Send + Sync)) -> Result<()> {
        self.exec(CREATE).await?;
        let micros = lease.as_micros() as i64;
        let mine = || vec![Value::String(Some(guard.owner.clone())), Value::I64(Some(micros))];
        let started = Instant::now();
        let mut told: Option<LockHolder> = None;
        loop {
            let taken = match self.execute_with(INSERT, mine()).await {
                Ok(_) => true,
                Err(e) if e.is_unique_violation() => self.execute_with(TAKE_OVER, mine()).await.map(|n| n == 1).or_else(conflict)?,
                Err(e) => conflict(e)?,
            };
            if taken {
                break;
            }
            let holder = self.lease_holder().await?;
            if holder.is_some() && holder != told {
                on_wait(holder.clone());
                told = holder;
            }
            guard.waited = true;
            if started.elapsed() > MAX_WAIT {
                return Err(Error::LockTimeout { waited: MAX_WAIT });
            }
            tokio::time::sleep(Duration::from_millis(100).min(lease / 4)).await;
        }
        self.renew_while_running(guard, lease);
        Ok(())
    }

    /// Renews the lease on a connection of its own every third of it; a renewal that finds the
    /// row gone or someone else's marks the lock lost, and the runner stops before its next step.
    fn renew_while_running(&self, guard: &mut LockGuard, lease: Duration) {
        #[allow(irrefutable_let_patterns)]
        if let SqlPool::My(pool) = &self.pool {
            let (pool, owner, lost) = (pool.clone(), guard.owner.clone(), guard.lost.clone());
            let micros = lease.as_micros() as i64;
            guard.heartbeat = Some(tokio::spawn(async move {
                loop {
                    tokio::time::sleep(lease / 3).await;
                    let renewed = sqlx::query(RENEW).bind(micros).bind(&owner).execute(&pool).await;
                    match renewed {
                        Ok(r) if r.rows_affected() == 1 => {}
                        Ok(_) => {
                            lost.store(true, Ordering::SeqCst);
                            return;
                        }
                        // Retried: the lease has two more thirds to go.
                        Err(_) => {}
                    }
                }
            }));
        }
    }

    /// Gives the row back, only if this runner still owns it.
    pub(super) async fn lease_unlock(&mut self, guard: &LockGuard) -> Result<()> {
        self.execute_with(RELEASE, vec![Value::String(Some(guard.owner.clone()))]).await.map(|_| ())
    }

    /// Who holds the row, if anyone (an expired one too: it is taken over by the next runner).
    pub(super) async fn lease_holder(&mut self) -> Result<Option<LockHolder>> {
        let rows: Vec<(String, chrono::NaiveDateTime)> = match self.query_rows(HOLDER, Vec::new()).await {
            Ok(rows) => rows,
            // No lock table yet: nobody ever held the lock.
            Err(e) if e.to_string().contains("1146") || e.to_string().contains("doesn't exist") => return Ok(None),
            Err(e) => return Err(e),
        };
        Ok(rows.into_iter().next().map(|(owner, since)| LockHolder { owner, since: Some(since.and_utc()) }))
    }

    /// Removes the row whoever holds it (`orm migrate unlock`), saying whose it was.
    pub(super) async fn lease_force_unlock(&mut self) -> Result<Option<LockHolder>> {
        let holder = self.lease_holder().await?;
        if holder.is_some() {
            self.execute_with(REMOVE, Vec::new()).await?;
        }
        Ok(holder)
    }
}

/// A certification failure (two nodes took the row at once: error 1213) means "not this time".
fn conflict(e: Error) -> Result<bool> {
    if e.is_transient() { Ok(false) } else { Err(e) }
}
