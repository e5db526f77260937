//! The neutral schema model of the orm toolkit.
//!
//! One [`Table`] value describes a table (SQL) or a collection (MongoDB): its [`Column`]s with their
//! neutral [`ColumnType`]s, its primary key, its [`Index`]es and its [`ForeignKey`]s. The derive emits
//! one for every model, the query layer reads it, and (later) the migration engine diffs and renders it.
//!
//! With the `parse` feature this crate also holds the one `#[orm(...)]` attribute parser, shared by
//! `orm-derive` and the `orm` CLI.
//!
//! ```
//! use orm_schema::{Column, ColumnType, Table};
//!
//! let table = Table::new("users")
//!     .column(Column::new("id", ColumnType::I64).auto_increment())
//!     .column(Column::new("email", ColumnType::String { length: Some(255) }).unique())
//!     .primary_key(["id"]);
//! assert_eq!(table.column_named("email").unwrap().ty, ColumnType::String { length: Some(255) });
//! ```

mod diff;
mod naming;
mod ops;
mod table;
mod types;

#[cfg(feature = "parse")]
pub mod parse;

pub use diff::{diff, Diff, Renames};
pub use naming::{pluralize, snake_case, table_name_for};
pub use ops::{ColumnChange, IdentKind, Operation, RawSql, Schema};
pub use table::{Check, Column, ForeignKey, Index, ReferentialAction, Table};
pub use types::{ColumnType, DefaultValue};
