//! Reversible migrations: the file format, rendering per backend, and the engine that applies and
//! reverts them.

mod file;
mod render_sql;

pub use render_sql::{render_sql, SqlPlan};
pub use file::{checksum, load_dir, parse_file, parse_file_name, template, MigrationFile, Step};
