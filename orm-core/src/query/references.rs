//! Every `belongs_to` foreign key of every model linked into the program, registered by the derive
//! (through `inventory`), so a delete can find the rows that point at the rows it removes. SQL
//! databases enforce their foreign keys themselves; on MongoDB, which has none, the toolkit applies
//! the keys' `on_delete` actions (`driver/mongo/references.rs`). The model trait's layer holds it: the derive fills it, the
//! MongoDB driver reads it.

use crate::schema::{ReferentialAction, Table};

/// One `belongs_to` foreign key, as the derive registers it. Not a stable API.
#[doc(hidden)]
pub struct Reference {
    /// The referencing model's name.
    pub model: &'static str,
    /// The referencing model's schema.
    pub schema: fn() -> &'static Table,
    /// Its column holding the referenced row's key.
    pub column: &'static str,
    /// The referenced table.
    pub target: &'static str,
}

impl Reference {
    /// What deleting a referenced row does to the referencing ones: the action of the key on
    /// `column` in the referencing schema (a struct-level `foreign_key(..)` wins over the
    /// `belongs_to` on the same column).
    #[cfg_attr(not(feature = "mongodb"), allow(dead_code))]
    pub(crate) fn on_delete(&self) -> ReferentialAction {
        let key = (self.schema)().foreign_keys.iter().find(|fk| fk.columns.len() == 1 && fk.columns[0] == self.column);
        key.map(|fk| fk.on_delete).unwrap_or_default()
    }
}

inventory::collect!(Reference);

/// The foreign keys of every model that point at `table`.
#[cfg_attr(not(feature = "mongodb"), allow(dead_code))]
pub(crate) fn to(table: &str) -> impl Iterator<Item = &'static Reference> + '_ {
    inventory::iter::<Reference>.into_iter().filter(move |r| r.target == table)
}
