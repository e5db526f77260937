//! The migration engine: validates the history against the files, then applies or reverts
//! migrations under a lock, each atomically where the backend allows and step by step elsewhere.

use super::file::MigrationFile;
use crate::driver::HistoryRow;
use crate::driver::{AnyConn, MigrationConn};
use super::lock::{self, LockHolder};
use super::plan::{check_reversible, plan, replay_onto, Plan, PlanTarget};
use super::report::{Direction, Interrupter, MigrationState, Progress, RunEntry, RunReport, StatusEntry, Target};
use crate::db::Database;
use crate::error::{Error, Result};
use crate::schema::Schema;
use chrono::Utc;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

type ProgressFn = Arc<dyn Fn(&Progress) + Send + Sync>;

/// Applies and reverts the migrations of one directory on one database.
///
/// Every run takes the backend's lock first (see the table in `lock`), then reads the history,
/// checks it against the files, and plans every migration it will run (names checked against the
/// backend's rules, each operation rendered, each pending `up` checked to be undone by its
/// `down`) before it runs the first.
///
/// ```no_run
/// # async fn demo() -> orm_core::Result<()> {
/// use orm_core::migrate::{Migrator, Target};
/// let db = orm_core::Database::connect("sqlite:app.db").await?;
/// let migrator = Migrator::from_dir(db, "migrations".as_ref())?;
/// let report = migrator.up(Target::All).await?;
/// for entry in &report.entries {
///     println!("applied {}_{} in {:?}", entry.version, entry.name, entry.duration);
/// }
/// # Ok(()) }
/// ```
pub struct Migrator {
    db: Database,
    files: Vec<MigrationFile>,
    allow_out_of_order: bool,
    allow_irreversible: bool,
    dry_run: bool,
    lease: Duration,
    progress: Option<ProgressFn>,
    interrupter: Interrupter,
}

impl Migrator {
    /// A migrator over already-parsed files (sorted by version).
    pub fn new(db: Database, mut files: Vec<MigrationFile>) -> Migrator {
        files.sort_by_key(|f| f.version);
        Migrator {
            db,
            files,
            allow_out_of_order: false,
            allow_irreversible: false,
            dry_run: false,
            lease: lock::DEFAULT_LEASE,
            progress: None,
            interrupter: Interrupter::default(),
        }
    }

    /// A migrator over the `*.toml` files of `dir`.
    pub fn from_dir(db: Database, dir: &std::path::Path) -> Result<Migrator> {
        Ok(Migrator::new(db, super::load_dir(dir)?))
    }

    /// Applies pending migrations older than the newest applied one instead of refusing.
    pub fn allow_out_of_order(mut self, allow: bool) -> Migrator {
        self.allow_out_of_order = allow;
        self
    }

    /// Applies a migration whose `down` does not undo its `up` (a notice says so) instead of
    /// refusing it.
    pub fn allow_irreversible(mut self, allow: bool) -> Migrator {
        self.allow_irreversible = allow;
        self
    }

    /// Plans without running: the report lists what would run.
    pub fn dry_run(mut self, dry_run: bool) -> Migrator {
        self.dry_run = dry_run;
        self
    }

    /// The lease of the MongoDB lock (30 s by default), renewed every third of it while the run
    /// lives; a runner that dies holds the lock at most this long.
    pub fn lock_lease(mut self, lease: Duration) -> Migrator {
        self.lease = lease.max(Duration::from_millis(300));
        self
    }

    /// Calls `f` as the run goes: waiting for the lock, each migration starting and finishing.
    pub fn on_progress(mut self, f: impl Fn(&Progress) + Send + Sync + 'static) -> Migrator {
        self.progress = Some(Arc::new(f));
        self
    }

    /// A handle that stops this migrator's runs between two steps.
    pub fn interrupter(&self) -> Interrupter {
        self.interrupter.clone()
    }

    /// The migration files.
    pub fn files(&self) -> &[MigrationFile] {
        &self.files
    }

    fn report(&self, p: Progress) {
        if let Some(f) = &self.progress {
            f(&p);
        }
    }

    fn target(&self) -> PlanTarget<'_> {
        PlanTarget { backend: self.db.backend(), database: self.db.database_name() }
    }

    /// Checks the history against the files: no dirty migration, no applied file changed or missing.
    fn validate(&self, history: &[HistoryRow]) -> Result<()> {
        for row in history {
            if row.dirty {
                return Err(Error::Dirty {
                    version: row.version,
                    name: row.name.clone(),
                    direction: row.direction.clone(),
                    steps_done: row.steps_done,
                    error: row.error.clone(),
                });
            }
            match self.files.iter().find(|f| f.version == row.version) {
                None => return Err(Error::MissingFile { version: row.version, name: row.name.clone() }),
                Some(f) if f.checksum != row.checksum => {
                    return Err(Error::ChecksumMismatch {
                        version: f.version,
                        file: f.path.display().to_string(),
                        recorded: row.checksum.clone(),
                        found: f.checksum.clone(),
                    });
                }
                Some(_) => {}
            }
        }
        Ok(())
    }

    /// The state of every migration, files and history together.
    pub async fn status(&self) -> Result<Vec<StatusEntry>> {
        let mut conn = self.db.driver.migration_conn().await?;
        let history = conn.history_if_any().await?;
        let newest = history.iter().filter(|r| !r.dirty).map(|r| r.version).max();
        let rows: BTreeMap<i64, &HistoryRow> = history.iter().map(|r| (r.version, r)).collect();
        let mut out = Vec::new();
        for f in &self.files {
            let state = match rows.get(&f.version) {
                Some(r) if r.dirty => MigrationState::Dirty { direction: r.direction.clone(), steps_done: r.steps_done, error: r.error.clone() },
                Some(r) if r.checksum != f.checksum => MigrationState::Changed,
                Some(r) => MigrationState::Applied { at: r.applied_at },
                None if newest.is_some_and(|n| n > f.version) => MigrationState::OutOfOrder,
                None => MigrationState::Pending,
            };
            let duration = rows.get(&f.version).map(|r| Duration::from_millis(r.execution_ms.max(0) as u64));
            out.push(StatusEntry { version: f.version, name: f.name.clone(), state, duration });
        }
        for r in history.iter().filter(|r| !self.files.iter().any(|f| f.version == r.version)) {
            let duration = Some(Duration::from_millis(r.execution_ms.max(0) as u64));
            out.push(StatusEntry { version: r.version, name: r.name.clone(), state: MigrationState::Missing, duration });
        }
        out.sort_by_key(|e| e.version);
        Ok(out)
    }

    /// Applies pending migrations, oldest first.
    pub async fn up(&self, target: Target) -> Result<RunReport> {
        self.run(Direction::Up, target).await
    }

    /// Reverts applied migrations, the one applied last first (with out-of-order migrations, that
    /// is not always the newest version).
    pub async fn down(&self, target: Target) -> Result<RunReport> {
        self.run(Direction::Down, target).await
    }

    /// Reverts the migration applied last, then applies it again; [`Error::NothingToRedo`] when
    /// none is applied.
    pub async fn redo(&self) -> Result<RunReport> {
        let mut report = self.down(Target::Steps(1)).await?;
        if report.entries.is_empty() && !self.dry_run {
            return Err(Error::NothingToRedo);
        }
        let up = self.up(Target::Steps(1)).await?;
        report.waited |= up.waited;
        report.entries.extend(up.entries);
        Ok(report)
    }

    /// Reverts every applied migration.
    pub async fn reset(&self) -> Result<RunReport> {
        self.down(Target::All).await
    }

    /// Records `version` as applied without running it (`orm migrate baseline`: its schema exists
    /// already).
    pub async fn record_applied(&self, version: i64) -> Result<()> {
        let file = self
            .files
            .iter()
            .find(|f| f.version == version)
            .ok_or(Error::UnknownMigration { version, reason: "no migration file has this version" })?;
        self.refuse_replica().await?;
        let mut conn = self.db.driver.migration_conn().await?;
        conn.ensure_history().await?;
        let row = HistoryRow {
            version,
            name: file.name.clone(),
            checksum: file.checksum.clone(),
            applied_at: Utc::now(),
            execution_ms: 0,
            dirty: false,
            direction: "up".into(),
            steps_done: file.up.len() as i32,
            error: None,
        };
        conn.save_history(&row).await
    }

    /// The schema the applied migrations describe (their `up` operations replayed in the order
    /// they were applied).
    pub async fn applied_schema(&self) -> Result<Schema> {
        let mut conn = self.db.driver.migration_conn().await?;
        let history = conn.history_if_any().await?;
        self.schema_of(&history)
    }

    /// The schema the clean rows of `history` describe, replayed in applied order.
    fn schema_of(&self, history: &[HistoryRow]) -> Result<Schema> {
        let mut schema = Schema::new();
        let files = applied_order(history).into_iter().filter_map(|v| self.files.iter().find(|f| f.version == v));
        replay_onto(&mut schema, files)?;
        Ok(schema)
    }

    /// Who holds the migration lock now, if anyone.
    pub async fn lock_holder(&self) -> Result<Option<LockHolder>> {
        self.db.driver.migration_conn().await?.lock_holder().await
    }

    /// Removes the migration lock whoever holds it (`orm migrate unlock`), for a lock left by a
    /// runner that cannot come back; returns who held it. Only MongoDB's lock document outlives
    /// its runner: PostgreSQL and MySQL release theirs with the holder's session (the error names
    /// the session to end), SQLite's with its transaction.
    pub async fn force_unlock(&self) -> Result<Option<LockHolder>> {
        self.db.driver.migration_conn().await?.force_unlock().await
    }

    /// Settles a dirty migration after a manual fix: by default it counts as finished (applied after
    /// an `up`, gone after a `down`); with `rolled_back`, as never having run.
    pub async fn resolve(&self, version: i64, rolled_back: bool) -> Result<()> {
        self.refuse_replica().await?;
        let mut conn = self.db.driver.migration_conn().await?;
        conn.ensure_history().await?;
        let history = conn.history_if_any().await?;
        let row = history
            .iter()
            .find(|r| r.version == version)
            .ok_or(Error::UnknownMigration { version, reason: "the history has no entry for it" })?;
        if !row.dirty {
            return Err(Error::UnknownMigration { version, reason: "it is not dirty; nothing to resolve" });
        }
        let finished_up = (row.direction == "up") != rolled_back;
        if finished_up {
            let file = self.files.iter().find(|f| f.version == version);
            let mut clean = row.clone();
            clean.dirty = false;
            clean.error = None;
            clean.direction = "up".into();
            if let Some(f) = file {
                clean.checksum = f.checksum.clone();
            }
            conn.save_history(&clean).await
        } else {
            conn.remove_history(version).await
        }
    }

    /// Migrations write: a replica (a URL pointing at one by mistake) is refused before anything.
    async fn refuse_replica(&self) -> Result<()> {
        if self.db.is_replica().await? {
            return Err(Error::ReplicaNotWritable { url: self.db.url().to_string() });
        }
        Ok(())
    }

    async fn run(&self, direction: Direction, target: Target) -> Result<RunReport> {
        let mut conn = self.db.driver.migration_conn().await?;
        if self.dry_run {
            // Plans only: no lock, no history table created.
            let planned = self.plan_run(&mut conn, direction, target).await?;
            let entries = planned.into_iter().map(|(file, plan)| entry(file, direction, &plan)).collect();
            return Ok(RunReport { waited: false, entries });
        }
        self.refuse_replica().await?;
        // The lock comes first, for the whole run: creating the history table, reading it and
        // planning are all part of what two runners must not do at once.
        let on_wait = |holder: Option<LockHolder>| self.report(Progress::WaitingForLock { holder });
        let guard = lock::acquire(&mut conn, self.lease, &on_wait).await?;
        let mut entries = Vec::new();
        let result = async {
            conn.ensure_history().await?;
            for (file, plan) in self.plan_run(&mut conn, direction, target).await? {
                self.report(Progress::Started { version: file.version, name: file.name.clone(), direction });
                let done = self.run_one(&mut conn, file, direction, plan, &guard).await?;
                self.report(Progress::Finished(done.clone()));
                entries.push(done);
            }
            Ok::<(), Error>(())
        }
        .await;
        let waited = guard.waited;
        let released = lock::release(&mut conn, guard).await;
        // Migrations change tables under any cached query: the whole cache goes.
        #[cfg(feature = "cache")]
        if let Some(cache) = self.db.cache() {
            cache.invalidate(&[crate::cache::Touched::All]).await;
        }
        // The run's own error says what went wrong; a lock release failing after it (the server
        // went away) would only hide it.
        result?;
        released?;
        Ok(RunReport { waited, entries })
    }

    /// Chooses the migrations of a run and plans every one of them, in order, before any runs.
    async fn plan_run(&self, conn: &mut AnyConn, direction: Direction, target: Target) -> Result<Vec<(&MigrationFile, Plan)>> {
        self.check_target(target)?;
        let history = conn.history_if_any().await?;
        self.validate(&history)?;
        let applied = applied_order(&history);
        let chosen: Vec<&MigrationFile> = match direction {
            Direction::Up => {
                let newest = applied.iter().max().copied();
                let pending: Vec<&MigrationFile> = self.files.iter().filter(|f| !applied.contains(&f.version)).collect();
                if let (Some(newest), false) = (newest, self.allow_out_of_order)
                    && let Some(old) = pending.iter().find(|f| f.version < newest)
                {
                    return Err(Error::OutOfOrder { version: old.version, file: old.path.display().to_string(), newest });
                }
                match target {
                    Target::All => pending,
                    Target::Steps(n) => pending.into_iter().take(n).collect(),
                    Target::Version(v) => pending.into_iter().filter(|f| f.version <= v).collect(),
                }
            }
            Direction::Down => {
                // The one applied last goes first, as the history records the order.
                let done = applied.iter().rev().filter_map(|v| self.files.iter().find(|f| f.version == *v));
                match target {
                    Target::All => done.collect(),
                    Target::Steps(n) => done.take(n).collect(),
                    Target::Version(v) => done.filter(|f| f.version > v).collect(),
                }
            }
        };
        let mut schema = self.schema_of(&history)?;
        let mut plans = Vec::with_capacity(chosen.len());
        for file in chosen {
            let plan = match direction {
                Direction::Up => {
                    let reversible = check_reversible(file, &schema);
                    let mut plan = plan(file, &file.up, &mut schema, self.target())?;
                    match reversible {
                        Err(e) if self.allow_irreversible => plan.notices.push(e.to_string()),
                        other => other?,
                    }
                    plan
                }
                Direction::Down => plan(file, &file.down, &mut schema, self.target())?,
            };
            plans.push((file, plan));
        }
        Ok(plans)
    }

    /// A `Target::Version` must name a file (`down --to` an unknown version would revert
    /// everything); `Target::Steps(0)` is no target.
    fn check_target(&self, target: Target) -> Result<()> {
        match target {
            Target::Version(v) if !self.files.iter().any(|f| f.version == v) => {
                let before = self.files.iter().rev().find(|f| f.version < v).map(|f| f.version);
                let after = self.files.iter().find(|f| f.version > v).map(|f| f.version);
                Err(Error::UnknownTarget { version: v, nearest: before.into_iter().chain(after).collect() })
            }
            Target::Steps(0) => Err(Error::ZeroSteps),
            _ => Ok(()),
        }
    }

    /// Runs one planned migration.
    async fn run_one(&self, conn: &mut AnyConn, file: &MigrationFile, direction: Direction, plan: Plan, guard: &lock::LockGuard) -> Result<RunEntry> {
        let started = Instant::now();
        let mut entry = entry(file, direction, &plan);
        let mut row = HistoryRow {
            version: file.version,
            name: file.name.clone(),
            checksum: file.checksum.clone(),
            applied_at: Utc::now(),
            execution_ms: 0,
            dirty: true,
            direction: direction.as_str().into(),
            steps_done: 0,
            error: None,
        };
        let total = plan.steps.len();
        // A history write that fails (the server went away) names the migration and the step
        // it was recording, as a failing step does.
        let line_at = |i: usize| plan.steps.get(i.min(total.saturating_sub(1))).map_or(1, |(line, _, _)| *line);
        let recording = |i: usize| move |e: Error| step_err(file, line_at(i), "record progress in the history", e);
        let stop_reason = |done: usize| -> Option<Error> {
            let reason = if self.interrupter.is_set() {
                "interrupted (Ctrl-C or SIGTERM)".to_string()
            } else if guard.is_lost() {
                "the migration lock was lost (its lease could not be renewed in time)".to_string()
            } else {
                return None;
            };
            Some(Error::MigrationInterrupted { file: file.path.display().to_string(), steps_done: done, steps: total, reason })
        };
        if let Some(e) = stop_reason(0) {
            return Err(e);
        }
        if self.db.capability().transactional_ddl {
            conn.begin_migration().await.map_err(recording(0))?;
            for (i, (line, op, step)) in plan.steps.iter().enumerate() {
                let failed = match stop_reason(i) {
                    Some(e) => Some(e),
                    None => conn.run_step(step).await.err().map(|e| step_err(file, *line, op, e)),
                };
                if let Some(e) = failed {
                    conn.rollback_migration().await;
                    return Err(e);
                }
            }
            let finish = async {
                row.dirty = false;
                row.execution_ms = started.elapsed().as_millis() as i64;
                row.steps_done = total as i32;
                match direction {
                    // Planned under the lock: the history has no row for it.
                    Direction::Up => conn.append_history(&row).await,
                    Direction::Down => conn.remove_history(file.version).await,
                }?;
                conn.commit_migration().await
            };
            if let Err(e) = finish.await {
                conn.rollback_migration().await;
                return Err(recording(total)(e));
            }
        } else {
            // No transactional DDL: record progress so a failure leaves a dirty, resumable trace.
            conn.save_history(&row).await.map_err(recording(0))?;
            for (i, (line, op, step)) in plan.steps.iter().enumerate() {
                let failed = match stop_reason(i) {
                    Some(e) => Some(e),
                    None => conn.run_step(step).await.err().map(|e| step_err(file, *line, op, e)),
                };
                if let Some(err) = failed {
                    row.error = Some(err.to_string());
                    row.execution_ms = started.elapsed().as_millis() as i64;
                    // The step's error is what the user needs; a history write failing after it
                    // (the server went away) must not replace it.
                    let _ = conn.save_history(&row).await;
                    return Err(err);
                }
                row.steps_done = i as i32 + 1;
                conn.save_history(&row).await.map_err(recording(i))?;
            }
            match direction {
                Direction::Up => {
                    row.dirty = false;
                    row.applied_at = Utc::now();
                    row.execution_ms = started.elapsed().as_millis() as i64;
                    conn.save_history(&row).await.map_err(recording(total))?;
                }
                Direction::Down => conn.remove_history(file.version).await.map_err(recording(total))?,
            }
        }
        entry.duration = started.elapsed();
        Ok(entry)
    }
}

/// The entry a planned migration reports (its duration is filled in when it has run).
fn entry(file: &MigrationFile, direction: Direction, plan: &Plan) -> RunEntry {
    RunEntry {
        version: file.version,
        name: file.name.clone(),
        direction,
        duration: Duration::ZERO,
        statements: plan.steps.iter().filter(|(_, _, s)| !s.is_check()).map(|(_, _, s)| s.describe()).collect(),
        notices: plan.notices.clone(),
    }
}

/// The versions of the clean history rows in the order they were applied (by the time each was
/// recorded; versions break ties, as one run applies in version order).
fn applied_order(history: &[HistoryRow]) -> Vec<i64> {
    let mut rows: Vec<&HistoryRow> = history.iter().filter(|r| !r.dirty).collect();
    rows.sort_by_key(|r| (r.applied_at, r.version));
    rows.into_iter().map(|r| r.version).collect()
}

fn step_err(file: &MigrationFile, line: usize, operation: &'static str, source: Error) -> Error {
    Error::MigrationStep { file: file.path.display().to_string(), line, operation, source: Box::new(source) }
}

#[cfg(test)]
mod tests;
