//! What runs around a write: the model's hooks and validation rules (`crate::lifecycle` holds
//! the rules themselves).

use crate::error::{Error, Result};
use crate::lifecycle::check_values;
use crate::query::model::Model;

/// Validates a model: its declared rules and its custom validators; every failure at once.
pub(crate) fn validate<M: Model>(model: &M) -> Result<()> {
    // The row's values are built only when a column declares checks: inserts of models without
    // rules (most of them, and every row of a bulk insert) skip that copy.
    let table = M::schema();
    let mut errors = if table.columns.iter().any(|c| !c.checks.is_empty()) {
        check_values(table, &model.values())
    } else {
        Vec::new()
    };
    errors.extend(model.custom_validation());
    if errors.is_empty() { Ok(()) } else { Err(Error::Validation { model: M::NAME, errors }) }
}

/// The row to insert: the model itself, or, when it has hooks, its copy after `before_insert`.
pub(crate) fn before_insert<M: Model>(model: &M) -> Result<Option<M>> {
    match model.clone_for_hooks() {
        Some(mut copy) => {
            if let Some(hooks) = copy.hooks_mut() {
                hooks.before_insert()?;
            }
            Ok(Some(copy))
        }
        None => Ok(None),
    }
}

/// The row to update: the model itself, or its copy after `before_update`.
pub(crate) fn before_update<M: Model>(model: &M) -> Result<Option<M>> {
    match model.clone_for_hooks() {
        Some(mut copy) => {
            if let Some(hooks) = copy.hooks_mut() {
                hooks.before_update()?;
            }
            Ok(Some(copy))
        }
        None => Ok(None),
    }
}
