//! A migration run on MongoDB: the lock is a document with an owner and a short lease, renewed
//! while the run lives (a runner that dies releases it when the lease runs out; a live one never
//! loses it unless it cannot renew); the history is a collection written with upserts; the steps
//! are the commands `render_mongo` plans.

use super::MongoDriver;
use crate::driver::{Driver, MigrationConn};
use crate::error::{Error, Result};
use crate::driver::{HistoryRow, LockGuard, LockHolder, Planned, MAX_WAIT, MONGO_LOCK};
use crate::mongo::MongoStep;
use crate::mongo::{classify, COUNTERS};
use crate::Model;
use bson::{doc, Bson, Document};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

fn mongo_err(what: &'static str) -> impl FnOnce(mongodb::error::Error) -> Error {
    move |e| classify("migration", "lock", || what.to_string(), e)
}

fn lock_doc_holder(doc: &Document) -> LockHolder {
    LockHolder {
        owner: doc.get_str("owner").unwrap_or("a runner that recorded no owner").to_string(),
        since: doc.get_datetime("acquired_at").ok().map(|t| t.to_chrono()),
    }
}

impl MongoDriver {
    fn lock_collection(&self) -> mongodb::Collection<Document> {
        self.db.collection::<Document>(MONGO_LOCK)
    }

    /// Runs one step of a migration.
    async fn run_mongo_step(&self, step: &MongoStep) -> Result<()> {
        let err = |command: String| move |e| classify("migration", "migrate", || command, e);
        match step {
            MongoStep::Command(command) => {
                let reply = self.db.run_command(command.clone()).await.map_err(err(command.to_string()))?;
                // Write commands answer ok with their failures inside.
                if let Ok(errors) = reply.get_array("writeErrors")
                    && !errors.is_empty()
                {
                    return Err(crate::error::Error::UnexpectedReply {
                        operation: "migration write",
                        message: format!("MongoDB refused the write {command}: {}", Bson::Array(errors.clone())),
                    });
                }
            }
            MongoStep::AdminCommand(command) => {
                self.client.database("admin").run_command(command.clone()).await.map_err(err(command.to_string()))?;
            }
            MongoStep::MoveCounter { from, to } => {
                let counters = self.db.collection::<Document>(COUNTERS);
                let found = counters.find_one(doc! { "_id": from }).await.map_err(err(format!("find counter {from}")))?;
                if let Some(mut counter) = found {
                    counter.insert("_id", to.as_str());
                    counters
                        .replace_one(doc! { "_id": to }, counter)
                        .upsert(true)
                        .await
                        .map_err(err(format!("move counter {from} -> {to}")))?;
                    counters.delete_one(doc! { "_id": from }).await.map_err(err(format!("delete counter {from}")))?;
                }
            }
            MongoStep::CheckConvertible { collection, field, to } => {
                const FAILED: &str = "__orm_unconvertible__";
                let pipeline = vec![
                    doc! { "$match": { field.as_str(): { "$ne": Bson::Null } } },
                    doc! { "$project": { "v": format!("${field}"), "c": {
                        "$convert": { "input": format!("${field}"), "to": to.as_str(), "onError": FAILED, "onNull": Bson::Null }
                    } } },
                    doc! { "$match": { "c": FAILED } },
                    doc! { "$group": { "_id": Bson::Null, "n": { "$sum": 1 }, "example": { "$first": "$v" } } },
                ];
                let command = doc! { "aggregate": collection.as_str(), "pipeline": pipeline, "cursor": {} };
                let reply = self.db.run_command(command.clone()).await.map_err(err(command.to_string()))?;
                let found = reply.get_document("cursor").ok().and_then(|c| c.get_array("firstBatch").ok()).and_then(|b| b.first().cloned());
                if let Some(Bson::Document(group)) = found {
                    let count = group.get("n").and_then(|n| n.as_i64().or_else(|| n.as_i32().map(i64::from))).unwrap_or(0);
                    if count > 0 {
                        return Err(crate::error::Error::Unconvertible {
                            table: collection.clone(),
                            column: field.clone(),
                            to: to.clone(),
                            count: count as u64,
                            example: group.get("example").map(|e| e.to_string()).unwrap_or_default(),
                        });
                    }
                }
            }
            MongoStep::Notice(_) => {}
        }
        Ok(())
    }
}

impl MigrationConn for MongoDriver {
    async fn lock(&mut self, guard: &mut LockGuard, lease: Duration, on_wait: &(dyn Fn(Option<LockHolder>) + Send + Sync)) -> Result<()> {
        let coll = self.db.collection::<bson::Document>(MONGO_LOCK);
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
                return Err(Error::LockTimeout { waited: MAX_WAIT });
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

    async fn unlock(&mut self, guard: &LockGuard) -> Result<()> {
        // Never delete a lock this runner does not own.
        self.lock_collection()
            .delete_one(doc! { "_id": "lock", "owner": &guard.owner })
            .await
            .map(|_| ())
            .map_err(mongo_err("release the lock"))
    }

    async fn lock_holder(&mut self) -> Result<Option<LockHolder>> {
        let doc = self.lock_collection().find_one(doc! { "_id": "lock" }).await.map_err(mongo_err("read the lock"))?;
        Ok(doc.as_ref().map(lock_doc_holder))
    }

    async fn force_unlock(&mut self) -> Result<Option<LockHolder>> {
        let doc = self.lock_collection().find_one_and_delete(doc! { "_id": "lock" }).await.map_err(mongo_err("remove the lock"))?;
        Ok(doc.as_ref().map(lock_doc_holder))
    }

    async fn ensure_history(&mut self) -> Result<()> {
        self.create_table(None, <HistoryRow as Model>::NAME, HistoryRow::schema(), true).await
    }

    async fn history_if_any(&mut self) -> Result<Vec<HistoryRow>> {
        if !self.table_exists(None, &HistoryRow::schema().name).await? {
            return Ok(Vec::new());
        }
        self.find(None, &HistoryRow::find().order_by_asc(HistoryRow::VERSION)).await
    }

    async fn save_history(&mut self, row: &HistoryRow) -> Result<()> {
        let key = [HistoryRow::VERSION.name()];
        self.upsert(None, row, &key, true).await.map(|_| ())
    }

    async fn append_history(&mut self, row: &HistoryRow) -> Result<()> {
        self.save_history(row).await
    }

    async fn remove_history(&mut self, version: i64) -> Result<()> {
        self.delete_many(None, &HistoryRow::delete_many().filter(HistoryRow::VERSION.eq(version))).await.map(|_| ())
    }

    async fn begin_migration(&mut self) -> Result<()> {
        Ok(())
    }

    async fn commit_migration(&mut self) -> Result<()> {
        Ok(())
    }

    async fn rollback_migration(&mut self) {}

    async fn run_step(&mut self, step: &Planned) -> Result<()> {
        match step {
            Planned::Mongo(step) => self.run_mongo_step(step).await,
            Planned::Sql(_) | Planned::SqlCheck { .. } => Err(Error::Unsupported { operation: "SQL", backend: "MongoDB" }),
        }
    }
}
