//! The migration engine: validates the history against the files, then applies or reverts
//! migrations under a lock, each atomically where the backend allows and step by step elsewhere.

use super::file::{MigrationFile, Step};
use super::history::{Conn, HistoryRow};
use super::render_sql::render_sql;
use crate::db::Database;
use crate::error::{Error, Result};
use crate::schema::Schema;
use crate::sql::Dialect;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

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
    fn as_str(self) -> &'static str {
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
}

/// Applies and reverts the migrations of one directory on one database.
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
    dry_run: bool,
}

/// One thing a migration does.
enum Planned {
    Sql(String),
    #[cfg(feature = "mongodb")]
    Mongo(super::MongoStep),
}

impl Planned {
    fn describe(&self) -> String {
        match self {
            Planned::Sql(s) => s.clone(),
            #[cfg(feature = "mongodb")]
            Planned::Mongo(step) => match step {
                super::MongoStep::Command(d) | super::MongoStep::AdminCommand(d) => d.to_string(),
                super::MongoStep::MoveCounter { from, to } => format!("move the counter of `{from}` to `{to}`"),
                super::MongoStep::Notice(n) => n.clone(),
            },
        }
    }
}

/// A migration's steps, each with the line of the operation it comes from.
struct Plan {
    steps: Vec<(usize, &'static str, Planned)>,
    notices: Vec<String>,
}

impl Migrator {
    /// A migrator over already-parsed files (sorted by version).
    pub fn new(db: Database, mut files: Vec<MigrationFile>) -> Migrator {
        files.sort_by_key(|f| f.version);
        Migrator { db, files, allow_out_of_order: false, dry_run: false }
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

    /// Plans without running: the report lists what would run.
    pub fn dry_run(mut self, dry_run: bool) -> Migrator {
        self.dry_run = dry_run;
        self
    }

    /// The migration files.
    pub fn files(&self) -> &[MigrationFile] {
        &self.files
    }

    /// The schema the `up` operations of every file older than `version` describe, kept in `cache`
    /// with its bound, so a run going up advances it by one file instead of replaying every file.
    fn schema_before<'c>(&self, version: i64, cache: &'c mut Option<(i64, Schema)>) -> Result<&'c mut Schema> {
        let (from, mut schema) = match cache.take() {
            Some((bound, schema)) if bound <= version => (bound, schema),
            _ => (i64::MIN, Schema::new()),
        };
        for file in self.files.iter().skip_while(|f| f.version < from).take_while(|f| f.version < version) {
            for step in &file.up {
                schema.apply(&step.op).map_err(|message| file_err(file, step.line, message))?;
            }
        }
        Ok(&mut cache.insert((version, schema)).1)
    }

    /// Plans `file`'s `up` on the cached schema before it, which it leaves as the schema after it
    /// (the one before the next version) instead of copying it.
    fn plan_up(&self, file: &MigrationFile, dialect: Option<Dialect>, cache: &mut Option<(i64, Schema)>) -> Result<Plan> {
        let plan = self.plan(file, &file.up, self.schema_before(file.version, cache)?, dialect);
        match (&plan, cache.as_mut()) {
            (Ok(_), Some((bound, _))) => *bound = file.version + 1,
            _ => *cache = None,
        }
        plan
    }

    fn plan(&self, file: &MigrationFile, steps: &[Step], schema: &mut Schema, dialect: Option<Dialect>) -> Result<Plan> {
        let mut plan = Plan { steps: Vec::new(), notices: Vec::new() };
        for step in steps {
            let op_name = step.op.name();
            match dialect {
                Some(d) => {
                    let rendered = render_sql(&step.op, schema, d).map_err(|m| file_err(file, step.line, m))?;
                    plan.notices.extend(rendered.notice.map(|n| format!("{}:{}: {n}", file.path.display(), step.line)));
                    plan.steps.extend(rendered.statements.into_iter().map(|s| (step.line, op_name, Planned::Sql(s))));
                }
                None => self.plan_mongo(file, step, schema, &mut plan)?,
            }
            schema.apply(&step.op).map_err(|m| file_err(file, step.line, m))?;
        }
        Ok(plan)
    }

    #[cfg(feature = "mongodb")]
    fn plan_mongo(&self, file: &MigrationFile, step: &Step, schema: &Schema, plan: &mut Plan) -> Result<()> {
        let database = match &self.db.backend {
            crate::db::Backend::Mongo(m) => m.db.name().to_string(),
            _ => String::new(),
        };
        for s in super::render_mongo(&step.op, schema, &database).map_err(|m| file_err(file, step.line, m))? {
            match s {
                super::MongoStep::Notice(n) => plan.notices.push(format!("{}:{}: {n}", file.path.display(), step.line)),
                other => plan.steps.push((step.line, step.op.name(), Planned::Mongo(other))),
            }
        }
        Ok(())
    }

    #[cfg(not(feature = "mongodb"))]
    fn plan_mongo(&self, _: &MigrationFile, _: &Step, _: &Schema, _: &mut Plan) -> Result<()> {
        Err(Error::Unsupported { operation: "MongoDB migrations", backend: "this build" })
    }

    /// Checks the history against the files: no dirty migration, no applied file changed or missing.
    fn validate(&self, history: &[HistoryRow]) -> Result<()> {
        for row in history {
            if row.dirty {
                return Err(Error::Migrate {
                    message: format!(
                        "migration {}_{} is dirty: its {} run stopped after {} steps ({}). Fix the database by hand, then \
                         `orm migrate resolve {}` (it finished) or `orm migrate resolve {} --rolled-back` (it did not happen)",
                        row.version,
                        row.name,
                        row.direction,
                        row.steps_done,
                        row.error.as_deref().unwrap_or("no error recorded"),
                        row.version,
                        row.version
                    ),
                });
            }
            match self.files.iter().find(|f| f.version == row.version) {
                None => {
                    return Err(Error::Migrate {
                        message: format!("applied migration {}_{} has no file in the migrations directory", row.version, row.name),
                    });
                }
                Some(f) if f.checksum != row.checksum => {
                    return Err(Error::Migrate {
                        message: format!(
                            "{} was changed after it was applied (checksum {} in the history, {} now); \
                             write a new migration instead of editing an applied one",
                            f.path.display(),
                            &row.checksum[..12.min(row.checksum.len())],
                            &f.checksum[..12]
                        ),
                    });
                }
                Some(_) => {}
            }
        }
        Ok(())
    }

    /// The state of every migration, files and history together.
    pub async fn status(&self) -> Result<Vec<StatusEntry>> {
        let mut conn = Conn::open(&self.db).await?;
        conn.ensure_history(&self.db).await?;
        let history = conn.history(&self.db).await?;
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
            out.push(StatusEntry { version: f.version, name: f.name.clone(), state });
        }
        for r in history.iter().filter(|r| !self.files.iter().any(|f| f.version == r.version)) {
            out.push(StatusEntry { version: r.version, name: r.name.clone(), state: MigrationState::Missing });
        }
        out.sort_by_key(|e| e.version);
        Ok(out)
    }

    /// Applies pending migrations, oldest first.
    pub async fn up(&self, target: Target) -> Result<RunReport> {
        self.run(Direction::Up, target).await
    }

    /// Reverts applied migrations, newest first (`Target::Steps(1)` is the usual `down`).
    pub async fn down(&self, target: Target) -> Result<RunReport> {
        self.run(Direction::Down, target).await
    }

    /// Reverts the newest migration, then applies it again.
    pub async fn redo(&self) -> Result<RunReport> {
        let mut report = self.down(Target::Steps(1)).await?;
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
            .ok_or_else(|| Error::Migrate { message: format!("no migration file has version {version}") })?;
        let mut conn = Conn::open(&self.db).await?;
        conn.ensure_history(&self.db).await?;
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
        conn.save(&self.db, &row).await
    }

    /// The schema the applied migrations describe (their `up` operations replayed in order).
    pub async fn applied_schema(&self) -> Result<Schema> {
        let mut conn = Conn::open(&self.db).await?;
        conn.ensure_history(&self.db).await?;
        let applied: Vec<i64> = conn.history(&self.db).await?.iter().filter(|r| !r.dirty).map(|r| r.version).collect();
        let files: Vec<MigrationFile> = self.files.iter().filter(|f| applied.contains(&f.version)).cloned().collect();
        replay(&files)
    }

    /// Settles a dirty migration after a manual fix: by default it counts as finished (applied after
    /// an `up`, gone after a `down`); with `rolled_back`, as never having run.
    pub async fn resolve(&self, version: i64, rolled_back: bool) -> Result<()> {
        let mut conn = Conn::open(&self.db).await?;
        conn.ensure_history(&self.db).await?;
        let history = conn.history(&self.db).await?;
        let row = history
            .iter()
            .find(|r| r.version == version)
            .ok_or_else(|| Error::Migrate { message: format!("migration {version} has no history entry") })?;
        if !row.dirty {
            return Err(Error::Migrate { message: format!("migration {version} is not dirty; nothing to resolve") });
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
            conn.save(&self.db, &clean).await
        } else {
            conn.remove(&self.db, version).await
        }
    }

    async fn run(&self, direction: Direction, target: Target) -> Result<RunReport> {
        let mut conn = Conn::open(&self.db).await?;
        // The lock comes first: creating the history table is itself a race between runners.
        let waited = if self.dry_run { false } else { conn.lock(&self.db).await? };
        let result = match conn.ensure_history(&self.db).await {
            Ok(()) => self.run_locked(&mut conn, direction, target).await,
            Err(e) => Err(e),
        };
        if !self.dry_run {
            conn.unlock().await?;
        }
        // On SQLite a runner that found its work done by another one inside the exclusive
        // transaction has waited for it, as the lock waiters elsewhere have.
        result.map(|(entries, overtaken)| RunReport { waited: waited || overtaken, entries })
    }

    async fn run_locked(&self, conn: &mut Conn, direction: Direction, target: Target) -> Result<(Vec<RunEntry>, bool)> {
        let history = conn.history(&self.db).await?;
        self.validate(&history)?;
        let applied: Vec<i64> = history.iter().map(|r| r.version).collect();
        let chosen: Vec<&MigrationFile> = match direction {
            Direction::Up => {
                let newest = applied.iter().max().copied();
                let pending: Vec<&MigrationFile> = self.files.iter().filter(|f| !applied.contains(&f.version)).collect();
                if let (Some(newest), false) = (newest, self.allow_out_of_order)
                    && let Some(old) = pending.iter().find(|f| f.version < newest)
                {
                    return Err(Error::Migrate {
                        message: format!(
                            "{} is older than the newest applied migration ({newest}): it comes from another branch. \
                             Renumber it, or run with --allow-out-of-order",
                            old.path.display()
                        ),
                    });
                }
                match target {
                    Target::All => pending,
                    Target::Steps(n) => pending.into_iter().take(n).collect(),
                    Target::Version(v) => pending.into_iter().filter(|f| f.version <= v).collect(),
                }
            }
            Direction::Down => {
                let mut done: Vec<&MigrationFile> = self.files.iter().filter(|f| applied.contains(&f.version)).collect();
                done.reverse();
                match target {
                    Target::All => done,
                    Target::Steps(n) => done.into_iter().take(n).collect(),
                    Target::Version(v) => done.into_iter().filter(|f| f.version > v).collect(),
                }
            }
        };
        let mut entries = Vec::new();
        let mut overtaken = false;
        let mut schemas = None;
        for file in chosen {
            match self.run_one(conn, file, direction, &mut schemas).await? {
                Some(entry) => entries.push(entry),
                None => overtaken = true,
            }
        }
        Ok((entries, overtaken))
    }

    /// Runs one migration; `None` when another runner did it first.
    async fn run_one(
        &self,
        conn: &mut Conn,
        file: &MigrationFile,
        direction: Direction,
        schemas: &mut Option<(i64, Schema)>,
    ) -> Result<Option<RunEntry>> {
        let dialect = conn.dialect();
        let plan = match direction {
            Direction::Up => self.plan_up(file, dialect, schemas)?,
            Direction::Down => {
                let mut after = self.schema_before(file.version + 1, schemas)?.clone();
                self.plan(file, &file.down, &mut after, dialect)?
            }
        };
        let statements: Vec<String> = plan.steps.iter().map(|(_, _, s)| s.describe()).collect();
        let mut entry = RunEntry {
            version: file.version,
            name: file.name.clone(),
            direction,
            duration: Duration::ZERO,
            statements,
            notices: plan.notices.clone(),
        };
        if self.dry_run {
            return Ok(Some(entry));
        }
        let started = Instant::now();
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
        if conn.transactional() {
            conn.begin().await?;
            // Another runner may have applied it while this one waited for the transaction.
            let already = conn.is_applied(&self.db, file.version).await? == (direction == Direction::Up);
            if already {
                conn.rollback().await;
                return Ok(None);
            }
            for (line, op, step) in &plan.steps {
                if let Err(e) = self.execute(conn, step).await {
                    conn.rollback().await;
                    return Err(step_err(file, *line, op, e));
                }
            }
            let finish = async {
                row.dirty = false;
                row.execution_ms = started.elapsed().as_millis() as i64;
                row.steps_done = plan.steps.len() as i32;
                match direction {
                    // Checked absent above, inside this transaction.
                    Direction::Up => conn.append(&self.db, &row).await?,
                    Direction::Down => conn.remove(&self.db, file.version).await?,
                }
                conn.commit().await
            };
            if let Err(e) = finish.await {
                conn.rollback().await;
                return Err(e);
            }
        } else {
            // No transactional DDL: record progress so a failure leaves a dirty, resumable trace.
            conn.save(&self.db, &row).await?;
            for (i, (line, op, step)) in plan.steps.iter().enumerate() {
                if let Err(e) = self.execute(conn, step).await {
                    let err = step_err(file, *line, op, e);
                    row.error = Some(err.to_string());
                    row.execution_ms = started.elapsed().as_millis() as i64;
                    conn.save(&self.db, &row).await?;
                    return Err(err);
                }
                row.steps_done = i as i32 + 1;
                conn.save(&self.db, &row).await?;
            }
            match direction {
                Direction::Up => {
                    row.dirty = false;
                    row.applied_at = Utc::now();
                    row.execution_ms = started.elapsed().as_millis() as i64;
                    conn.save(&self.db, &row).await?;
                }
                Direction::Down => conn.remove(&self.db, file.version).await?,
            }
        }
        entry.duration = started.elapsed();
        Ok(Some(entry))
    }

    async fn execute(&self, conn: &mut Conn, step: &Planned) -> Result<()> {
        match step {
            Planned::Sql(sql) => conn.exec(sql).await,
            #[cfg(feature = "mongodb")]
            Planned::Mongo(step) => {
                let crate::db::Backend::Mongo(m) = &self.db.backend else {
                    return Err(Error::Unsupported { operation: "MongoDB commands", backend: "SQL databases" });
                };
                m.run_migration_step(step).await
            }
        }
    }
}

/// The SQL (or MongoDB commands) that migrations would run, without a database: `up` of every file,
/// or `down` of every file newest first.
pub fn plan_offline(files: &[MigrationFile], dialect: Option<Dialect>, down: bool, database: &str) -> Result<Vec<(i64, Vec<String>)>> {
    let mut out = Vec::new();
    let mut schema = Schema::new();
    let mut after_each = Vec::new();
    for f in files {
        after_each.push(schema.clone());
        for step in &f.up {
            schema.apply(&step.op).map_err(|m| file_err(f, step.line, m))?;
        }
    }
    let order: Vec<usize> = if down { (0..files.len()).rev().collect() } else { (0..files.len()).collect() };
    for i in order {
        let f = &files[i];
        let (steps, mut s) = if down {
            let mut s = after_each[i].clone();
            for step in &f.up {
                s.apply(&step.op).map_err(|m| file_err(f, step.line, m))?;
            }
            (&f.down, s)
        } else {
            (&f.up, after_each[i].clone())
        };
        let mut lines = Vec::new();
        for step in steps {
            match dialect {
                Some(d) => {
                    let plan = render_sql(&step.op, &s, d).map_err(|m| file_err(f, step.line, m))?;
                    lines.extend(plan.statements.into_iter().map(|st| format!("{st};")));
                    lines.extend(plan.notice.map(|n| format!("-- {n}")));
                }
                None => {
                    #[cfg(feature = "mongodb")]
                    for m in super::render_mongo(&step.op, &s, database).map_err(|m| file_err(f, step.line, m))? {
                        lines.push(Planned::Mongo(m).describe());
                    }
                    #[cfg(not(feature = "mongodb"))]
                    let _ = database;
                }
            }
            s.apply(&step.op).map_err(|m| file_err(f, step.line, m))?;
        }
        out.push((f.version, lines));
    }
    Ok(out)
}

/// The schema that the `up` operations of `files` describe, replayed in order over an empty one.
pub fn replay(files: &[MigrationFile]) -> Result<Schema> {
    let mut schema = Schema::new();
    for f in files {
        for step in &f.up {
            schema.apply(&step.op).map_err(|m| file_err(f, step.line, m))?;
        }
    }
    Ok(schema)
}

fn file_err(file: &MigrationFile, line: usize, message: String) -> Error {
    Error::MigrationFile { file: file.path.display().to_string(), line: Some(line), message }
}

fn step_err(file: &MigrationFile, line: usize, operation: &'static str, source: Error) -> Error {
    Error::MigrationStep { file: file.path.display().to_string(), line, operation, source: Box::new(source) }
}

#[cfg(test)]
mod tests;
