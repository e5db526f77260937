//! The MongoDB driver: the query IR lowered by `crate::mongo` to filter, update and sort documents,
//! run with the official driver; transactions are client sessions.
//!
//! - `crud.rs`: the [`Driver`] operations.
//! - `ddl.rs`: collections, validators and indexes.
//! - `migrate.rs`: a migration run: the lease lock, the history, the steps `render_mongo` plans.
//! - `introspect.rs`: the live schema from validators, indexes and samples.

mod browse;
mod crud;
mod ddl;
mod introspect;
mod keys;
mod migrate;
mod references;
mod row;

use super::QueryCount;
use crate::error::{Error, Result};
use crate::mongo::classify;
use crate::schema::Table;
use bson::Document;
use mongodb::ClientSession;

/// Awaits a driver action inside the session when there is one.
macro_rules! run {
    ($action:expr, $session:expr) => {
        match $session {
            Some(s) => $action.session(&mut *s).await,
            None => $action.await,
        }
    };
}
pub(crate) use run;

/// A connection to one MongoDB database.
#[derive(Clone)]
pub(crate) struct MongoDriver {
    pub(crate) client: mongodb::Client,
    pub(crate) db: mongodb::Database,
    /// Whether the deployment runs multi-document transactions (a replica set or a sharded cluster).
    pub(crate) transactions: bool,
    /// Whether the URL lets reads go to secondaries (`readPreference` other than `primary`).
    pub(crate) secondary_reads: bool,
    queries: QueryCount,
    /// Sessions of transactions dropped unfinished, shared by clones: aborted before the handle's
    /// next operation (see [`settle_dropped`](MongoDriver::settle_dropped)).
    pub(crate) dropped: DroppedSessions,
    /// Auto-increment keys reserved for single inserts (see `keys.rs`), shared by clones.
    pub(crate) key_blocks: keys::KeyBlocks,
}

/// Sessions whose transactions are still to be aborted.
pub(crate) type DroppedSessions = std::sync::Arc<std::sync::Mutex<Vec<ClientSession>>>;

impl MongoDriver {
    /// Connects; the URL's path names the database (`test` when it names none).
    pub(crate) async fn connect(url: &str, redacted: &str) -> Result<MongoDriver> {
        let connect_err = |e: mongodb::error::Error| Error::Connect { url: redacted.to_string(), source: e.into() };
        let mut options = mongodb::options::ClientOptions::parse(url).await.map_err(connect_err)?;
        // Fail fast on an unreachable server unless the URL asks otherwise (the driver waits 30 s).
        if options.server_selection_timeout.is_none() {
            options.server_selection_timeout = Some(std::time::Duration::from_secs(10));
        }
        let name = options.default_database.clone().unwrap_or_else(|| "test".to_string());
        let secondary_reads = matches!(
            &options.selection_criteria,
            Some(mongodb::options::SelectionCriteria::ReadPreference(p)) if !matches!(p, mongodb::options::ReadPreference::Primary)
        );
        let client = mongodb::Client::with_options(options).map_err(connect_err)?;
        let db = client.database(&name);
        // Connecting is lazy in the driver: ask the server now so a bad URL fails here.
        let hello = db.run_command(bson::doc! { "hello": 1 }).await.map_err(connect_err)?;
        let transactions = hello.contains_key("setName") || hello.get_str("msg").is_ok_and(|m| m == "isdbgrid");
        Ok(MongoDriver { client, db, transactions, secondary_reads, queries: QueryCount::default(), dropped: Default::default(), key_blocks: Default::default() })
    }

    /// Aborts the transactions of sessions dropped unfinished. A dropped `Transaction` cannot wait
    /// (drop is synchronous), and the driver would abort in the background, racing the handle's
    /// next write to the same documents (a write conflict); every operation of the handle awaits
    /// the aborts first instead.
    pub(crate) async fn settle_dropped(&self) {
        let sessions = match self.dropped.lock() {
            Ok(mut list) if !list.is_empty() => std::mem::take(&mut *list),
            _ => return,
        };
        for mut session in sessions {
            // One the server aborted already answers with an error: nothing is left to undo.
            let _ = session.abort_transaction().await;
        }
    }

    pub(crate) fn collection(&self, table: &Table) -> mongodb::Collection<Document> {
        self.db.collection(&table.name)
    }

    /// A causally consistent session whose reads see at least `operation_time` (MongoDB sends it
    /// as `readConcern.afterClusterTime`, and a secondary waits until it has applied that far).
    pub(crate) async fn causal_session(&self, operation_time: bson::Timestamp) -> Result<ClientSession> {
        let mut session = self.client.start_session().causal_consistency(true).await.map_err(|e| classify("session", "start", String::new, e))?;
        session.advance_operation_time(operation_time);
        Ok(session)
    }

    /// Runs a database command.
    pub(crate) async fn run_command(&self, session: Option<&mut ClientSession>, command: Document) -> Result<Document> {
        self.queries.add();
        run!(self.db.run_command(command.clone()), session).map_err(|e| classify("raw", "run_command", || command.to_string(), e))
    }
}

/// The transaction-level parts of the seam; the [`Driver`] impl is in `crud.rs`.
impl MongoDriver {
    pub(crate) async fn start(&self) -> Result<ClientSession> {
        if !self.transactions {
            return Err(Error::Unsupported {
                operation: "transactions",
                backend: "this MongoDB deployment (a standalone server; transactions need a replica set or a sharded cluster)",
            });
        }
        let classify = |e| classify("transaction", "begin", || "startTransaction".into(), e);
        let mut session = self.client.start_session().await.map_err(classify)?;
        session.start_transaction().await.map_err(classify)?;
        Ok(session)
    }

    pub(crate) async fn end(mut session: ClientSession, commit: bool) -> Result<()> {
        if commit {
            session.commit_transaction().await.map_err(|e| classify("transaction", "commit", || "commitTransaction".into(), e))
        } else {
            session.abort_transaction().await.map_err(|e| classify("transaction", "rollback", || "abortTransaction".into(), e))
        }
    }
}
