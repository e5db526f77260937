//! What the migration engine reports: the targets of a run, each migration's entry, the run's
//! report, `status` lines, the progress events of a run as it goes, and the handle that stops it.

use super::lock::LockHolder;
use chrono::{DateTime, Utc};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// How far `up` or `down` goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// Every pending migration (`up`), every applied one (`down`).
    All,
    /// At most this many migrations.
    Steps(usize),
    /// `up`: through this version; `down`: revert everything newer than this version.
    Version(i64),
}

/// Which way a migration ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Applied.
    Up,
    /// Reverted.
    Down,
}

impl Direction {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Direction::Up => "up",
            Direction::Down => "down",
        }
    }
}

/// One migration run (or, for a dry run, planned).
#[derive(Debug, Clone, PartialEq)]
pub struct RunEntry {
    /// Its version.
    pub version: i64,
    /// Its name.
    pub name: String,
    /// Which way.
    pub direction: Direction,
    /// How long it took.
    pub duration: Duration,
    /// What it did (SQL statements, or MongoDB commands as JSON).
    pub statements: Vec<String>,
    /// Operations skipped on this backend, and why.
    pub notices: Vec<String>,
}

/// What an `up` or `down` did.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RunReport {
    /// Whether the run waited for another runner's lock first.
    pub waited: bool,
    /// The migrations run, in order.
    pub entries: Vec<RunEntry>,
}

/// A migration's state, as `status` reports it.
#[derive(Debug, Clone, PartialEq)]
pub enum MigrationState {
    /// Applied, and its file is unchanged.
    Applied {
        /// When.
        at: DateTime<Utc>,
    },
    /// Not applied yet.
    Pending,
    /// Not applied, and older than the newest applied one (from a merged branch).
    OutOfOrder,
    /// Stopped part-way; resolve before going on.
    Dirty {
        /// The run's direction.
        direction: String,
        /// Steps completed.
        steps_done: i32,
        /// The error.
        error: Option<String>,
    },
    /// Applied, but its file has changed since.
    Changed,
    /// Applied, but its file is gone.
    Missing,
}

/// One line of `status`.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusEntry {
    /// The version.
    pub version: i64,
    /// The name.
    pub name: String,
    /// The state.
    pub state: MigrationState,
    /// How long its last run took, as the history recorded it.
    pub duration: Option<Duration>,
}

/// What a run reports while it goes, through [`Migrator::on_progress`](super::Migrator::on_progress).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Progress {
    /// Another runner holds the lock; this one waits for it.
    WaitingForLock {
        /// Who holds it, when the backend tells.
        holder: Option<LockHolder>,
    },
    /// A migration starts.
    Started {
        /// Its version.
        version: i64,
        /// Its name.
        name: String,
        /// Which way.
        direction: Direction,
    },
    /// A migration finished.
    Finished(RunEntry),
}

/// Stops a run between two steps (what the CLI does on Ctrl-C and SIGTERM): the migration under
/// way is rolled back where the backend allows, or recorded as interrupted (dirty) where it does
/// not, and the lock is released.
///
/// ```no_run
/// # async fn demo(migrator: orm_core::migrate::Migrator) {
/// let stop = migrator.interrupter();
/// // The CLI calls this from its Ctrl-C and SIGTERM handlers; here, a deadline.
/// tokio::spawn(async move {
///     tokio::time::sleep(std::time::Duration::from_secs(600)).await;
///     stop.interrupt();
/// });
/// # }
/// ```
#[derive(Debug, Clone, Default)]
pub struct Interrupter(Arc<AtomicBool>);

impl Interrupter {
    /// Asks the run to stop before its next step.
    pub fn interrupt(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    pub(crate) fn is_set(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

