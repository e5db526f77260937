//! Where an operation runs: the database's pool, or inside a [`Transaction`]; and the one call
//! that hands an operation to the driver with the transaction's state.

use super::tx::Transaction;
use super::Database;
use crate::driver::AnyTx;
use crate::error::{Error, Result};

/// Where an operation runs: the database's pool, or a transaction's connection (session).
#[doc(hidden)]
#[derive(Clone, Copy)]
pub struct On<'a> {
    pub(crate) db: &'a Database,
    pub(crate) tx: Option<&'a Transaction>,
}

/// Something operations run on: a [`Database`] or a [`Transaction`].
pub trait Executor: Send + Sync {
    #[doc(hidden)]
    fn on(&self) -> On<'_>;
}

impl Executor for Database {
    fn on(&self) -> On<'_> {
        On { db: self, tx: None }
    }
}

impl Executor for Transaction {
    fn on(&self) -> On<'_> {
        On { db: &self.db, tx: Some(self) }
    }
}

/// Runs `$body` with `$d` bound to the database's driver and `$tx` to the transaction's state of
/// that driver (`None` on the pool): the transaction's lock is held and its owed savepoint
/// rollbacks are run first.
macro_rules! driver_call {
    ($on:expr, |$d:ident, $tx:ident| $body:expr) => {{
        let on: $crate::db::On<'_> = $on;
        let mut guard = on.settled_tx().await?;
        $crate::driver::with_tx!(&on.db.driver, guard.0.as_deref_mut(), |$d, $tx| $body)
    }};
}
pub(crate) use driver_call;

/// A transaction's state, locked with its owed savepoint rollbacks run; nothing on the pool.
pub(crate) struct TxGuard<'a>(pub(crate) Option<tokio::sync::MutexGuard<'a, AnyTx>>);

impl TxGuard<'_> {
    /// The SQL transaction, if any.
    #[cfg(feature = "sql")]
    pub(crate) fn sql_tx(&mut self) -> Result<Option<&mut crate::driver::sql::SqlTx>> {
        match self.0.as_deref_mut() {
            None => Ok(None),
            Some(AnyTx::Sql(t)) => Ok(Some(t)),
            Some(_) => Err(Error::TransactionClosed),
        }
    }

    /// The MongoDB session, if any.
    #[cfg(feature = "mongodb")]
    pub(crate) fn mongo_tx(&mut self) -> Result<Option<&mut mongodb::ClientSession>> {
        match self.0.as_deref_mut() {
            None => Ok(None),
            Some(AnyTx::Mongo(s)) => Ok(Some(&mut **s)),
            Some(_) => Err(Error::TransactionClosed),
        }
    }
}

impl On<'_> {
    /// The transaction's state, locked and settled (nothing on the pool).
    pub(crate) async fn settled_tx(&self) -> Result<TxGuard<'_>> {
        Ok(TxGuard(match self.tx {
            Some(t) => Some(t.settled().await?),
            None => None,
        }))
    }

    /// The SQL driver, or [`Error::Unsupported`] naming `operation` on MongoDB.
    #[cfg(feature = "sql")]
    pub(crate) fn sql(&self, operation: &'static str) -> Result<&crate::driver::sql::SqlDriver> {
        self.db.driver.sql(operation)
    }
}
