//! The migration lock where a session lock does not hold: a row with an owner and a lease,
//! renewed while the run lives.
//!
//! - A MariaDB Galera cluster: `GET_LOCK` is local to one node, so two runners on two nodes would
//!   both "hold" it. The row is written through the cluster instead: of two runners inserting it
//!   on two nodes, certification lets one commit and fails the other (error 1213), which waits. The
//!   migration session also sets `wsrep_sync_wait`, so what it reads (the history, above all)
//!   includes every write the cluster committed before, whichever node made it.
//! - PostgreSQL behind a transaction pooler (PgBouncer): a session advisory lock would stay with
//!   the server connection the pooler lent for one statement, held for nobody, and be "taken"
//!   again by whichever client that connection serves next.
//!
//! A runner that dies stops renewing, and the next one takes the row over once its lease has run
//! out (the server's clock decides; on a cluster the nodes' clocks should agree to well under the
//! lease).

use super::{SqlConn, Value};
use crate::driver::{LockGuard, LockHolder, MAX_WAIT};
use crate::error::{Error, Result};
use crate::sql::Dialect;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

/// The lock row's statements in one dialect. Binds: `insert` and `take_over` (owner, lease in
/// microseconds), `renew` (lease in microseconds, owner), `release` (owner).
struct LeaseSql {
    create: &'static str,
    insert: &'static str,
    take_over: &'static str,
    renew: &'static str,
    release: &'static str,
    /// The owner and since when, as a UTC timestamp without zone.
    holder: &'static str,
    remove: &'static str,
}

const MYSQL: LeaseSql = LeaseSql {
    create: "CREATE TABLE IF NOT EXISTS `_orm_migrations_lock` (`id` VARCHAR(16) NOT NULL PRIMARY KEY, \
         `owner` VARCHAR(255) NOT NULL, `acquired_at` DATETIME(6) NOT NULL, `expires_at` DATETIME(6) NOT NULL) ENGINE=InnoDB",
    insert: "INSERT INTO `_orm_migrations_lock` (`id`, `owner`, `acquired_at`, `expires_at`) \
         VALUES ('lock', ?, NOW(6), NOW(6) + INTERVAL ? MICROSECOND)",
    take_over: "UPDATE `_orm_migrations_lock` SET `owner` = ?, `acquired_at` = NOW(6), \
         `expires_at` = NOW(6) + INTERVAL ? MICROSECOND WHERE `id` = 'lock' AND `expires_at` < NOW(6)",
    renew: "UPDATE `_orm_migrations_lock` SET `expires_at` = NOW(6) + INTERVAL ? MICROSECOND WHERE `id` = 'lock' AND `owner` = ?",
    release: "DELETE FROM `_orm_migrations_lock` WHERE `id` = 'lock' AND `owner` = ?",
    holder: "SELECT `owner`, `acquired_at` FROM `_orm_migrations_lock` WHERE `id` = 'lock'",
    remove: "DELETE FROM `_orm_migrations_lock` WHERE `id` = 'lock'",
};

/// `clock_timestamp()`, not `now()`: the time of the statement, not of its transaction.
const POSTGRES: LeaseSql = LeaseSql {
    create: "CREATE TABLE IF NOT EXISTS \"_orm_migrations_lock\" (\"id\" VARCHAR(16) NOT NULL PRIMARY KEY, \
         \"owner\" VARCHAR(255) NOT NULL, \"acquired_at\" TIMESTAMPTZ NOT NULL, \"expires_at\" TIMESTAMPTZ NOT NULL)",
    insert: "INSERT INTO \"_orm_migrations_lock\" (\"id\", \"owner\", \"acquired_at\", \"expires_at\") \
         VALUES ('lock', $1, clock_timestamp(), clock_timestamp() + CAST($2 AS DOUBLE PRECISION) * INTERVAL '1 microsecond')",
    take_over: "UPDATE \"_orm_migrations_lock\" SET \"owner\" = $1, \"acquired_at\" = clock_timestamp(), \
         \"expires_at\" = clock_timestamp() + CAST($2 AS DOUBLE PRECISION) * INTERVAL '1 microsecond' \
         WHERE \"id\" = 'lock' AND \"expires_at\" < clock_timestamp()",
    renew: "UPDATE \"_orm_migrations_lock\" SET \"expires_at\" = clock_timestamp() + CAST($1 AS DOUBLE PRECISION) * INTERVAL '1 microsecond' \
         WHERE \"id\" = 'lock' AND \"owner\" = $2",
    release: "DELETE FROM \"_orm_migrations_lock\" WHERE \"id\" = 'lock' AND \"owner\" = $1",
    holder: "SELECT \"owner\", CAST(\"acquired_at\" AT TIME ZONE 'UTC' AS TIMESTAMP) FROM \"_orm_migrations_lock\" WHERE \"id\" = 'lock'",
    remove: "DELETE FROM \"_orm_migrations_lock\" WHERE \"id\" = 'lock'",
};

impl SqlConn {
    /// Whether the migration lock is the leased row: on a Galera node, or behind a pooler.
    pub(super) async fn leased(&mut self) -> bool {
        match self.dialect {
            Dialect::Postgres => self.driver.pooler,
            Dialect::MySql => self.is_galera().await,
            Dialect::Sqlite => false,
        }
    }

    fn lease_sql(&self) -> &'static LeaseSql {
        if self.dialect == Dialect::Postgres { &POSTGRES } else { &MYSQL }
    }

    /// Whether the server is a Galera cluster node (`wsrep_on`); asked once per connection.
    async fn is_galera(&mut self) -> bool {
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

    /// Runs a statement of the lock row with bound values; the rows it changed.
    async fn execute_with(&mut self, sql: &str, values: Vec<Value>) -> Result<u64> {
        let bound = self.dialect.adapt_values(values.into_iter().map(Into::into).collect());
        self.execute_values("lock", sql, bound).await
    }

    /// Takes the lock row, waiting (and saying who holds it) while another live runner does.
    pub(super) async fn lease_lock(&mut self, guard: &mut LockGuard, lease: Duration, on_wait: &(dyn Fn(Option<LockHolder>) + Send + Sync)) -> Result<()> {
        let sql = self.lease_sql();
        // Runners start together: PostgreSQL's CREATE TABLE IF NOT EXISTS can lose a race to
        // another's with a unique violation on its catalog, or "type already exists" (42710) /
        // "relation already exists" (42P07): each means the table is there.
        match self.exec(sql.create).await {
            Err(e) if !(e.is_unique_violation() || matches!(e.sql_state().as_deref(), Some("42710" | "42P07"))) => return Err(e),
            _ => {}
        }
        let micros = lease.as_micros() as i64;
        let mine = || vec![Value::String(Some(guard.owner.clone())), Value::I64(Some(micros))];
        let started = Instant::now();
        let mut told: Option<LockHolder> = None;
        loop {
            let taken = match self.execute_with(sql.insert, mine()).await {
                Ok(_) => true,
                Err(e) if e.is_unique_violation() => self.execute_with(sql.take_over, mine()).await.map(|n| n == 1).or_else(conflict)?,
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
        let (driver, renew, owner, lost) = (self.driver.clone(), self.lease_sql().renew, guard.owner.clone(), guard.lost.clone());
        let micros = lease.as_micros() as i64;
        guard.heartbeat = Some(tokio::spawn(async move {
            loop {
                tokio::time::sleep(lease / 3).await;
                let values = [Value::I64(Some(micros)), Value::String(Some(owner.clone()))];
                match driver.raw_execute(None, renew, values).await {
                    Ok(1) => {}
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

    /// Gives the row back, only if this runner still owns it.
    pub(super) async fn lease_unlock(&mut self, guard: &LockGuard) -> Result<()> {
        self.execute_with(self.lease_sql().release, vec![Value::String(Some(guard.owner.clone()))]).await.map(|_| ())
    }

    /// Who holds the row, if anyone (an expired one too: it is taken over by the next runner).
    pub(super) async fn lease_holder(&mut self) -> Result<Option<LockHolder>> {
        let rows: Vec<(String, chrono::NaiveDateTime)> = match self.query_rows(self.lease_sql().holder, Vec::new()).await {
            Ok(rows) => rows,
            // No lock table yet: nobody ever held the lock (MySQL's 1146, PostgreSQL's 42P01).
            Err(e) if ["1146", "42P01", "doesn't exist", "does not exist"].iter().any(|m| e.to_string().contains(m)) => return Ok(None),
            Err(e) => return Err(e),
        };
        Ok(rows.into_iter().next().map(|(owner, since)| LockHolder { owner, since: Some(since.and_utc()) }))
    }

    /// Removes the row whoever holds it (`orm migrate unlock`), saying whose it was.
    pub(super) async fn lease_force_unlock(&mut self) -> Result<Option<LockHolder>> {
        let holder = self.lease_holder().await?;
        if holder.is_some() {
            self.execute_with(self.lease_sql().remove, Vec::new()).await?;
        }
        Ok(holder)
    }
}

/// A certification failure (two nodes took the row at once: error 1213) means "not this time".
fn conflict(e: Error) -> Result<bool> {
    if e.is_transient() { Ok(false) } else { Err(e) }
}
