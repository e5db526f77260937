//! The backend-neutral query IR: filters, ordering, paging, projections and updates.
//!
//! Builders here only describe a query; the `sql` module lowers them to sea-query statements.

pub(crate) mod filter;
mod select;
mod write;

pub use filter::{escape_like, CmpOp, Cond, Filter};
pub use select::{Order, Partial, Projection, Select};
pub use write::{ArithOp, DeleteMany, Numeric, SetExpr, UpdateExpr, UpdateMany};
