//! Reversible migrations: the file format, rendering per backend, and the engine that applies and
//! reverts them.

mod codec;
mod file;
pub(crate) mod lock;
mod names;
mod plan;
mod report;
mod runner;

#[cfg(feature = "mongodb")]
pub use crate::mongo::{render_mongo, MongoStep};
pub use crate::sql::{render_sql, SqlPlan};
pub use crate::driver::HistoryRow;
pub use codec::write_file;
pub use report::{Direction, Interrupter, MigrationState, Progress, RunEntry, RunReport, StatusEntry, Target};
pub use runner::Migrator;
pub use plan::{plan_offline, replay};
pub use lock::{LockHolder, DEFAULT_LEASE};
pub use file::{checksum, load_dir, parse_file, parse_file_name, template, MigrationFile, Step, MAX_FILE_BYTES};
