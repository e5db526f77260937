//! The model and its backend-neutral query IR: the [`Model`](crate::Model) trait with its typed
//! column handles (`model.rs`), and the filters, ordering, paging, projections and updates built
//! from them. As `Iterator` and its adapters do, the trait and its builders live in one module tree:
//! `User::find()` returns a `Select<User>`, which needs `User: Model`.
//!
//! Builders here only describe a query; the `sql` and `mongo` modules lower them, and `db` runs
//! them.

mod browse;
pub(crate) mod filter;
pub(crate) mod model;
#[doc(hidden)]
pub mod references;
pub(crate) mod rows;
mod select;
mod write;

pub use browse::Browse;
pub use rows::{IntoRows, Rows};
pub(crate) use browse::BrowsePlan;
pub use filter::{escape_like, CmpOp, Cond, Filter};
pub use select::{LockWait, Order, Partial, Projection, RowLock, Select};
pub use write::{ArithOp, DeleteMany, Numeric, SetExpr, UpdateExpr, UpdateMany};
