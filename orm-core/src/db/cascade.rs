//! Soft deletes that cascade: deleting a `#[orm(soft_delete)]` row marks it deleted, and the rows
//! whose `on_delete = "cascade"` key points at it are marked deleted too when their model
//! soft-deletes (in turn, down the chain), on every backend. No database foreign key sees a soft
//! delete (the row stays), so the toolkit does it; the derive registers, per foreign key, the
//! typed function that soft-deletes the referencing model's rows.

use super::exec::On;
use crate::error::Result;
use crate::query::model::Model;
use crate::query::{Cond, DeleteMany};
use crate::schema::{ReferentialAction, Table};
use crate::value::Value;
use std::future::Future;
use std::pin::Pin;

/// What a soft-cascade step returns: how many rows it marked deleted.
pub type Step<'a> = Pin<Box<dyn Future<Output = Result<u64>> + Send + 'a>>;

/// One foreign key, as the derive registers it for soft deletes. Not a stable API.
#[doc(hidden)]
pub struct SoftCascade {
    /// The referenced table.
    pub target: &'static str,
    /// The referencing model's column holding the key.
    pub column: &'static str,
    /// The referencing model's schema (for the key's `on_delete`).
    pub schema: fn() -> &'static Table,
    /// Soft-deletes the referencing model's live rows whose `column` holds one of the keys.
    pub run: for<'a> fn(On<'a>, &'static str, Vec<Value>) -> Step<'a>,
}

inventory::collect!(SoftCascade);

/// The cascading keys pointing at `table` whose referencing model soft-deletes.
pub(crate) fn pointing_at(table: &str) -> Vec<&'static SoftCascade> {
    inventory::iter::<SoftCascade>
        .into_iter()
        .filter(|c| c.target == table)
        .filter(|c| {
            let key = (c.schema)().foreign_keys.iter().find(|fk| fk.columns.len() == 1 && fk.columns[0] == c.column);
            key.is_some_and(|fk| fk.on_delete == ReferentialAction::Cascade)
        })
        .collect()
}

/// Soft-deletes the live rows of `M` whose `column` holds one of `keys` (and what cascades from
/// them); nothing when `M` does not soft-delete. Registered by the derive as [`SoftCascade::run`].
#[doc(hidden)]
pub fn soft_delete_dependents<'a, M: Model>(on: On<'a>, column: &'static str, keys: Vec<Value>) -> Step<'a> {
    Box::pin(async move {
        if M::roles().soft_delete.is_none() || keys.is_empty() {
            return Ok(0);
        }
        let mut q = DeleteMany::<M>::new();
        q.filter = Some(Cond::In { column: column.to_string(), values: keys, negated: false });
        on.delete_many(&q).await
    })
}
