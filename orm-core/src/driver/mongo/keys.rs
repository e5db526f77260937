//! Auto-increment keys on MongoDB: a counter document per collection in `COUNTERS`, advanced with
//! `findAndModify`. Single inserts take their keys from a block reserved in one step
//! ([`KEY_BLOCK`] keys, as Hibernate's hi/lo does), so most inserts cost one round trip, not two;
//! bulk inserts reserve exactly what they need. Keys stay unique across processes (every block
//! comes from the counter); they are increasing per handle, and the unused rest of a block is
//! skipped when the process ends, as a cached SQL sequence skips.

use super::MongoDriver;
use crate::error::{Error, Result};
use crate::mongo::{classify, COUNTERS};
use crate::schema::Table;
use bson::{doc, Bson, Document};
use std::collections::HashMap;
use std::ops::Range;

/// Keys one counter step reserves for single inserts.
pub(crate) const KEY_BLOCK: i64 = 100;

/// Reserved keys not handed out yet, per collection; shared by a handle's clones.
pub(crate) type KeyBlocks = std::sync::Arc<std::sync::Mutex<HashMap<String, Range<i64>>>>;

/// A key for one new document.
#[derive(Debug, Clone, Copy)]
pub(crate) struct NewKey {
    pub(crate) value: i64,
    /// Whether it came from a block reserved earlier (rather than from the counter just now).
    pub(crate) from_block: bool,
}

impl MongoDriver {
    /// The next key for one document of `table`: from the handle's block, or from a new block.
    pub(crate) async fn next_key(&self, model: &'static str, table: &Table) -> Result<NewKey> {
        if let Some(value) = self.key_blocks.lock().expect("key blocks").get_mut(&table.name).and_then(Iterator::next) {
            return Ok(NewKey { value, from_block: true });
        }
        let first = self.reserve_keys(model, table, KEY_BLOCK as u64).await?;
        self.key_blocks.lock().expect("key blocks").insert(table.name.clone(), first + 1..first + KEY_BLOCK);
        Ok(NewKey { value: first, from_block: false })
    }

    /// Gives up the handle's reserved keys of `table` (its collection was dropped, or a key of the
    /// block was found taken).
    pub(crate) fn forget_keys(&self, table: &Table) {
        self.key_blocks.lock().expect("key blocks").remove(&table.name);
    }

    /// Reserves `n` auto-increment values for `table`; returns the first.
    pub(crate) async fn reserve_keys(&self, model: &'static str, table: &Table, n: u64) -> Result<i64> {
        let n = i64::try_from(n).map_err(|_| Error::InvalidQuery { model, message: "too many rows".into() })?;
        // Two first inserts racing to upsert the counter can collide on its `_id`; MongoDB documents
        // retrying such an upsert, which then finds the document the other one made.
        let counters = self.db.collection::<Document>(COUNTERS);
        let mut attempt = 0;
        let counter = loop {
            attempt += 1;
            let result = counters
                .find_one_and_update(doc! { "_id": &table.name }, doc! { "$inc": { "seq": n } })
                .upsert(true)
                .return_document(mongodb::options::ReturnDocument::After)
                .await
                .map_err(|e| classify(model, "insert", || format!("findAndModify {COUNTERS} {}", table.name), e));
            match result {
                Ok(Some(counter)) => break counter,
                Err(Error::UniqueViolation { .. }) | Ok(None) if attempt < 5 => continue,
                Err(e) => return Err(e),
                Ok(None) => return Err(Error::NotFound { model, operation: "insert" }),
            }
        };
        let last = counter.get("seq").and_then(|b| match b {
            Bson::Int64(i) => Some(*i),
            Bson::Int32(i) => Some(i64::from(*i)),
            _ => None,
        });
        let last = last.ok_or_else(|| Error::InvalidQuery { model, message: format!("{COUNTERS} holds a non-integer for {}", table.name) })?;
        Ok(last - n + 1)
    }

}
