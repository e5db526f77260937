//! Transactions: [`Transaction`], savepoints for nested ones on SQL, MongoDB sessions.

use super::Database;
use crate::driver::AnyTx;
use crate::error::{Error, Result};
use crate::sql::Savepoint;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

pub(crate) struct Shared {
    pub(crate) state: tokio::sync::Mutex<AnyTx>,
    /// The savepoints of nested transactions dropped unfinished: each is rolled back to before the
    /// next statement.
    pub(crate) pending: std::sync::Mutex<Vec<String>>,
    savepoints: AtomicUsize,
    /// What the transaction's writes changed: the query cache is told when it commits.
    #[cfg(feature = "cache")]
    pub(crate) touched: std::sync::Mutex<Vec<crate::cache::Touched>>,
    /// Where a MongoDB session goes when the transaction is dropped unfinished.
    #[cfg(feature = "mongodb")]
    dropped: Option<crate::driver::DroppedSessions>,
}

impl Drop for Shared {
    fn drop(&mut self) {
        // Dropped unfinished on MongoDB: the handle's next operation aborts the transaction before
        // it starts (the driver's own abort would run in the background and race it).
        #[cfg(feature = "mongodb")]
        if let Some(dropped) = &self.dropped
            && let AnyTx::Mongo(session) = std::mem::replace(self.state.get_mut(), AnyTx::Closed)
            && let Ok(mut list) = dropped.lock()
        {
            list.push(*session);
        }
    }
}

/// A database transaction. Every CRUD operation and query runs inside it when given the transaction
/// instead of the database (`db.insert(..)` / `tx.insert(..)`, `.all(&db)` / `.all(&tx)`).
///
/// Dropped without [`commit`](Transaction::commit), it rolls back. [`begin`](Transaction::begin)
/// inside a transaction makes a savepoint on SQL backends. On MongoDB it is a client session with a
/// multi-document transaction; a deployment without transactions (a standalone server) refuses to
/// start one with [`Error::Unsupported`], never running the work non-atomically.
///
/// Isolation is each backend's default: READ COMMITTED on PostgreSQL, REPEATABLE READ on
/// MySQL/MariaDB, SERIALIZABLE on SQLite (one writer at a time), snapshot on MongoDB. Updates that
/// compute from the stored value (`set_expr(col, col.add(1))`) lose no increments under any of them.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> orm_core::Result<()> {
/// # use orm_core::{Database, Model};
/// # #[derive(Model, Debug, Clone, PartialEq)]
/// # struct Note { #[orm(primary_key, auto_increment)] id: i64, body: String }
/// let db = Database::connect("sqlite::memory:").await?;
/// db.create_table::<Note>().await?;
/// let tx = db.begin().await?;
/// tx.insert(&Note { id: 0, body: "kept".into() }).await?;
/// tx.commit().await?;
/// let tx = db.begin().await?;
/// tx.insert(&Note { id: 0, body: "dropped".into() }).await?;
/// drop(tx); // rolls back
/// assert_eq!(Note::find().count(&db).await?, 1);
/// # Ok(()) }
/// ```
pub struct Transaction {
    pub(crate) db: Database,
    pub(crate) shared: Arc<Shared>,
    savepoint: Option<String>,
    finished: AtomicBool,
}

impl std::fmt::Debug for Transaction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transaction").field("db", &self.db).field("savepoint", &self.savepoint).finish()
    }
}

impl Database {
    /// Starts a transaction.
    pub async fn begin(&self) -> Result<Transaction> {
        let state = self.driver.begin().await?;
        let shared = Shared {
            state: tokio::sync::Mutex::new(state),
            pending: Default::default(),
            savepoints: AtomicUsize::new(0),
            #[cfg(feature = "cache")]
            touched: Default::default(),
            #[cfg(feature = "mongodb")]
            dropped: self.driver.dropped_sessions(),
        };
        Ok(Transaction { db: self.clone(), shared: Arc::new(shared), savepoint: None, finished: AtomicBool::new(false) })
    }

    /// Runs `work` in a transaction: commits when it returns `Ok`, rolls back when it returns `Err`.
    /// A transient failure ([`Error::is_transient`]: a MongoDB write conflict, an SQL deadlock or
    /// serialization failure) runs `work` again, as MongoDB's drivers do: for up to
    /// [`ConnectOptions::transaction_retry`](crate::ConnectOptions::transaction_retry) (120 s by
    /// default), pausing between tries for a doubling time (5 ms up to 1 s) with random jitter, so
    /// contending transactions spread out instead of colliding again.
    ///
    /// ```no_run
    /// # use orm_core::{Database, Model};
    /// # #[derive(Model, Debug, Clone)]
    /// # struct Account { #[orm(primary_key)] id: i64, balance: i64 }
    /// # async fn demo(db: &Database) -> orm_core::Result<()> {
    /// db.transaction(|tx| async move {
    ///     Account::update_many().set_expr(Account::BALANCE, Account::BALANCE.sub(10)).filter(Account::ID.eq(1)).exec(&tx).await?;
    ///     Account::update_many().set_expr(Account::BALANCE, Account::BALANCE.add(10)).filter(Account::ID.eq(2)).exec(&tx).await?;
    ///     Ok::<_, orm_core::Error>(())
    /// })
    /// .await?;
    /// # Ok(()) }
    /// ```
    ///
    /// `work` runs again on a transient failure, so it is `FnMut`: what it moves into the
    /// transaction it clones per try. [`transaction_once`](Database::transaction_once) takes an
    /// `FnOnce` instead.
    pub async fn transaction<T, E, F, Fut>(&self, mut work: F) -> std::result::Result<T, E>
    where
        F: FnMut(Transaction) -> Fut,
        Fut: std::future::Future<Output = std::result::Result<T, E>>,
        E: From<Error> + std::fmt::Display + 'static,
    {
        let deadline = std::time::Instant::now() + self.transaction_retry;
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let pause = retry_pause(attempt);
            let again = std::time::Instant::now() + pause < deadline;
            let tx = self.begin().await?;
            let handle = tx.handle();
            match work(handle).await {
                Ok(value) => match tx.commit().await {
                    Ok(()) => return Ok(value),
                    Err(e) if again && e.is_transient() => tokio::time::sleep(pause).await,
                    Err(e) => return Err(e.into()),
                },
                Err(e) => {
                    tx.rollback().await?;
                    // The toolkit's own error says whether it is transient; a user's error type that
                    // carries one is read by its text (MongoDB's labels and codes).
                    let transient = match (&e as &dyn std::any::Any).downcast_ref::<Error>() {
                        Some(err) => err.is_transient(),
                        None => {
                            self.driver.is_transient_text(&e.to_string())
                        }
                    };
                    if again && transient {
                        tokio::time::sleep(pause).await;
                        continue;
                    }
                    return Err(e);
                }
            }
        }
    }

    /// Runs `work` once in a transaction: commits when it returns `Ok`, rolls back when it returns
    /// `Err`. `work` is an `FnOnce`, so it can move what it captures (the rows to write, a channel)
    /// into the transaction; a transient failure is returned, not retried (ask
    /// [`Error::is_transient`] to run it again), as SeaORM's and sqlx's transactions do. The error
    /// type is the application's own when it converts from [`Error`].
    ///
    /// ```no_run
    /// # use orm_core::{Database, Model};
    /// # #[derive(Model, Debug, Clone)]
    /// # struct Note { #[orm(primary_key, auto_increment)] id: i64, body: String }
    /// # async fn demo(db: &Database) -> orm_core::Result<()> {
    /// let notes = vec![Note { id: 0, body: "a".into() }, Note { id: 0, body: "b".into() }];
    /// let stored = db
    ///     .transaction_once(|tx| async move {
    ///         tx.insert_many(&notes).await?;
    ///         Ok::<_, orm_core::Error>(notes.len())
    ///     })
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub async fn transaction_once<T, E, F, Fut>(&self, work: F) -> std::result::Result<T, E>
    where
        F: FnOnce(Transaction) -> Fut,
        Fut: std::future::Future<Output = std::result::Result<T, E>>,
        E: From<Error>,
    {
        let tx = self.begin().await?;
        match work(tx.handle()).await {
            Ok(value) => {
                tx.commit().await?;
                Ok(value)
            }
            Err(e) => {
                tx.rollback().await?;
                Err(e)
            }
        }
    }
}

/// The pause before try `attempt + 1`: doubling from 5 ms to a 1 s ceiling, with up to half of it
/// added at random.
fn retry_pause(attempt: u32) -> std::time::Duration {
    let base = 5u64.saturating_mul(1 << attempt.saturating_sub(1).min(8)).min(1000);
    let jitter = (uuid::Uuid::new_v4().as_u128() % u128::from(base / 2 + 1)) as u64;
    std::time::Duration::from_millis(base + jitter)
}

impl Transaction {
    /// Another handle on the same transaction (what the closure of [`Database::transaction`] gets);
    /// only the original commits or rolls back.
    fn handle(&self) -> Transaction {
        Transaction { db: self.db.clone(), shared: self.shared.clone(), savepoint: self.savepoint.clone(), finished: AtomicBool::new(true) }
    }

    /// The database this transaction runs on.
    pub fn database(&self) -> &Database {
        &self.db
    }

    /// Runs the savepoint rollbacks owed by dropped nested transactions.
    async fn settle(&self, state: &mut AnyTx) -> Result<()> {
        let owed: Vec<String> = std::mem::take(&mut *self.shared.pending.lock().expect("pending lock"));
        for name in owed {
            state.savepoint(Savepoint::RollbackTo, &name).await?;
        }
        Ok(())
    }

    /// The transaction's state, locked, with the owed savepoint rollbacks run.
    pub(crate) async fn settled(&self) -> Result<tokio::sync::MutexGuard<'_, AnyTx>> {
        let mut state = self.shared.state.lock().await;
        self.settle(&mut state).await?;
        Ok(state)
    }

    /// Starts a nested transaction: a savepoint (SQL). MongoDB has no nested transactions.
    pub async fn begin(&self) -> Result<Transaction> {
        let n = self.shared.savepoints.fetch_add(1, Ordering::SeqCst) + 1;
        let name = format!("orm_savepoint_{n}");
        let mut state = self.settled().await?;
        state.savepoint(Savepoint::Set, &name).await?;
        Ok(Transaction { db: self.db.clone(), shared: self.shared.clone(), savepoint: Some(name), finished: AtomicBool::new(false) })
    }

    /// Makes the transaction's work permanent (a nested one: releases its savepoint).
    pub async fn commit(self) -> Result<()> {
        self.finished.store(true, Ordering::SeqCst);
        let mut state = self.settled().await?;
        match &self.savepoint {
            Some(sp) => state.savepoint(Savepoint::Release, sp).await,
            None => {
                let committed = state.commit().await;
                drop(state);
                self.db.consistency.wrote();
                // Committed (or, after a failed COMMIT, perhaps committed): now the cache learns
                // what changed, so a reader from here on goes to the database.
                #[cfg(feature = "cache")]
                if let Some(cache) = &self.db.cache {
                    let touched = std::mem::take(&mut *self.shared.touched.lock().expect("touched lock"));
                    if !touched.is_empty() {
                        cache.invalidate(&touched).await;
                    }
                }
                committed
            }
        }
    }

    /// Discards the transaction's work (a nested one: back to its savepoint).
    pub async fn rollback(self) -> Result<()> {
        self.finished.store(true, Ordering::SeqCst);
        let mut state = self.settled().await?;
        match &self.savepoint {
            Some(sp) => state.savepoint(Savepoint::RollbackTo, sp).await,
            None => state.rollback().await,
        }
    }
}

impl Drop for Transaction {
    fn drop(&mut self) {
        if self.finished.load(Ordering::SeqCst) {
            return;
        }
        // A nested transaction owes its savepoint a rollback; the outermost rolls back when its
        // connection (or session) is dropped with the shared state.
        if let Some(sp) = &self.savepoint
            && let Ok(mut pending) = self.shared.pending.lock()
        {
            pending.push(sp.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::retry_pause;
    use std::time::Duration;

    #[test]
    fn pauses_double_with_jitter_up_to_a_ceiling() {
        for attempt in 1..40 {
            let base = (5u64 << (attempt - 1).min(8)).min(1000);
            let p = retry_pause(attempt);
            assert!(p >= Duration::from_millis(base) && p <= Duration::from_millis(base + base / 2), "{attempt}: {p:?}");
        }
    }
}
