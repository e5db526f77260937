//! The history of applied migrations (`_orm_migrations`): one row per migration. Each driver's
//! migration connection reads and writes it (`driver::MigrationConn`).

use chrono::{DateTime, Utc};

/// One row of the history: a migration applied, or one stopped half-way (`dirty`).
#[derive(crate::Model, Debug, Clone, PartialEq)]
#[orm(table = "_orm_migrations")]
pub struct HistoryRow {
    /// The migration's version.
    #[orm(primary_key)]
    pub version: i64,
    /// Its name.
    #[orm(length = 255)]
    pub name: String,
    /// The checksum of its file when it was applied.
    #[orm(length = 64)]
    pub checksum: String,
    /// When it finished (or started, while dirty).
    pub applied_at: DateTime<Utc>,
    /// How long it took, in milliseconds.
    pub execution_ms: i64,
    /// Whether it stopped part-way (MySQL and MongoDB, whose DDL is not transactional).
    pub dirty: bool,
    /// `up` or `down`: the direction of the run that left it dirty.
    #[orm(length = 4)]
    pub direction: String,
    /// How many of that run's steps completed.
    pub steps_done: i32,
    /// The error that stopped it.
    #[orm(type = "text")]
    pub error: Option<String>,
}
