//! Running the MongoDB steps the renderer (`render_mongo`) plans: commands, counter moves and the
//! convertibility check of a type change. It lives with the migration engine; the MongoDB backend
//! below only lends its connection.

use super::MongoStep;
use crate::error::Result;
use crate::mongo::{classify, MongoBackend, COUNTERS};
use bson::{doc, Bson, Document};

/// Runs one step of a migration on `m`.
pub(crate) async fn run_step(m: &MongoBackend, step: &MongoStep) -> Result<()> {
    let err = |command: String| move |e| classify("migration", "migrate", || command, e);
    match step {
        MongoStep::Command(command) => {
            let reply = m.db.run_command(command.clone()).await.map_err(err(command.to_string()))?;
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
            m.client.database("admin").run_command(command.clone()).await.map_err(err(command.to_string()))?;
        }
        MongoStep::MoveCounter { from, to } => {
            let counters = m.db.collection::<Document>(COUNTERS);
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
            let reply = m.db.run_command(command.clone()).await.map_err(err(command.to_string()))?;
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
