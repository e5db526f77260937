//! `orm migrate ...`: create, apply, revert and inspect migrations.

use crate::commands::connect;
use crate::{Cli, Format};
use anyhow::{bail, Context};
use clap::{Args, Subcommand, ValueEnum};
use orm_core::migrate::{self, Migrator, Target};
use output::{print_status, run_live};

mod output;
use chrono::Timelike;
use serde_json::json;

/// `orm migrate` subcommands.
#[derive(Debug, Subcommand)]
pub enum MigrateCommand {
    /// Write an empty migration (`<timestamp>_<name>.toml`, both sections) into the migrations directory.
    New {
        /// A snake_case name.
        name: String,
    },
    /// Apply pending migrations, oldest first.
    Up(UpArgs),
    /// Revert applied migrations, newest first (one by default).
    Down(DownArgs),
    /// List every migration: applied, pending, dirty, changed, missing, out of order.
    Status,
    /// Revert the newest migration and apply it again.
    Redo,
    /// Revert every applied migration.
    Reset,
    /// Print what the migrations run, without a database.
    Sql(SqlArgs),
    /// Write a migration that brings the migrations' schema to the models' (read from the sources).
    Generate {
        /// A snake_case name.
        name: String,
        /// Where the models' sources are.
        #[arg(long, default_value = "src")]
        models: std::path::PathBuf,
    },
    /// Fail when the models and the migrations disagree; with a database URL given, also when the
    /// live schema drifts from what the applied migrations describe.
    Check {
        /// Where the models' sources are.
        #[arg(long, default_value = "src")]
        models: std::path::PathBuf,
    },
    /// Write an initial migration from the live schema and record it as applied.
    Baseline {
        /// A snake_case name.
        #[arg(default_value = "baseline")]
        name: String,
    },
    /// Remove the migration lock left by a runner that cannot come back (MongoDB keeps its lock
    /// document until its lease runs out); asks first unless `--yes`.
    Unlock {
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
    },
    /// Settle a migration left dirty by a failure, after fixing the database by hand.
    Resolve {
        /// The dirty migration's version.
        version: i64,
        /// It did not happen (its partial steps were undone by hand); by default it counts as finished.
        #[arg(long)]
        rolled_back: bool,
    },
}

/// Options of `up`.
#[derive(Debug, Args)]
pub struct UpArgs {
    /// Apply at most N migrations (1 or more).
    #[arg(long, conflicts_with = "to", value_parser = clap::value_parser!(u64).range(1..))]
    pub steps: Option<u64>,
    /// Apply migrations up to and including this version.
    #[arg(long)]
    pub to: Option<i64>,
    /// Print what would run; change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Apply pending migrations older than the newest applied one.
    #[arg(long)]
    pub allow_out_of_order: bool,
    /// Apply a migration whose `down` does not undo its `up` (with a note) instead of refusing it.
    #[arg(long)]
    pub allow_irreversible: bool,
}

/// Options of `down`.
#[derive(Debug, Args)]
pub struct DownArgs {
    /// Revert N migrations (default 1).
    #[arg(long, conflicts_with_all = ["to", "all"], value_parser = clap::value_parser!(u64).range(1..))]
    pub steps: Option<u64>,
    /// Revert every migration newer than this version.
    #[arg(long, conflicts_with = "all")]
    pub to: Option<i64>,
    /// Revert every migration.
    #[arg(long)]
    pub all: bool,
    /// Print what would run; change nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// Options of `sql`.
#[derive(Debug, Args)]
pub struct SqlArgs {
    /// Print the `down` sections, newest first.
    #[arg(long)]
    pub down: bool,
    /// The dialect (default: the one of the database URL).
    #[arg(long, value_enum)]
    pub dialect: Option<DialectArg>,
}

/// Dialects for `orm migrate sql`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DialectArg {
    /// PostgreSQL.
    Postgres,
    /// MySQL / MariaDB.
    Mysql,
    /// SQLite.
    Sqlite,
    /// MongoDB (commands as extended JSON).
    Mongodb,
}

/// One line per operation, for reports.
pub fn describe(op: &orm_schema::Operation) -> String {
    use orm_schema::Operation as O;
    match op {
        O::CreateTable(t) => format!("create table {}", t.name),
        O::DropTable { table } => format!("drop table {table}"),
        O::RenameTable { from, to } => format!("rename table {from} to {to}"),
        O::AddColumn { table, column } => format!("add column {table}.{} ({})", column.name, column.ty),
        O::DropColumn { table, column } => format!("drop column {table}.{column}"),
        O::RenameColumn { table, from, to } => format!("rename column {table}.{from} to {to}"),
        O::AlterColumn { table, column, .. } => format!("alter column {table}.{column}"),
        O::CreateIndex { table, index } => format!("create index {} on {table}", index.name),
        O::DropIndex { table, name } => format!("drop index {name} on {table}"),
        O::AddForeignKey { table, foreign_key } => format!("add foreign key {} on {table}", foreign_key.name),
        O::DropForeignKey { table, name } => format!("drop foreign key {name} on {table}"),
        other => other.name().to_string(),
    }
}

/// Writes a new migration file with `up` and `down`; returns its path.
fn write_migration(dir: &std::path::Path, name: &str, comment: &str, diff: &orm_schema::Diff) -> anyhow::Result<std::path::PathBuf> {
    create_migration(dir, name, &migrate::write_file(comment, &diff.up, &diff.down))
}

/// Creates `<dir>/<UTC timestamp>_<name>.toml` holding `content`, refusing a non-snake_case name
/// and an existing file; returns its path.
fn create_migration(dir: &std::path::Path, name: &str, content: &str) -> anyhow::Result<std::path::PathBuf> {
    if !is_snake_case(name) {
        bail!("migration names are snake_case (a-z, 0-9, _): `{name}` is not");
    }
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let version = next_version(dir, chrono::Utc::now().naive_utc())?;
    let path = dir.join(format!("{version}_{name}.toml"));
    // `create_new`: of two commands racing for one version, the second fails instead of overwriting.
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .and_then(|mut f| std::io::Write::write_all(&mut f, content.as_bytes()))
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(path)
}

/// The version of a new migration: the current second, or the second after the newest version in
/// `dir` when that is not earlier (two `orm migrate new` in one second, or a clock behind a
/// teammate's), so versions never collide and new files sort last.
fn next_version(dir: &std::path::Path, now: chrono::NaiveDateTime) -> anyhow::Result<String> {
    const FORMAT: &str = "%Y%m%d%H%M%S";
    let newest = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(|e| e.ok()?.file_name().to_str().and_then(migrate::parse_file_name).map(|(v, _)| v))
        .max();
    let now = now.with_nanosecond(0).unwrap_or(now);
    let version = match newest.and_then(|v| chrono::NaiveDateTime::parse_from_str(&v.to_string(), FORMAT).ok()) {
        Some(newest) if newest >= now => newest + chrono::Duration::seconds(1),
        _ => now,
    };
    Ok(version.format(FORMAT).to_string())
}

/// The migrations of `dir`; none when the directory does not exist yet (the first `generate`).
fn load_or_none(dir: &std::path::Path) -> anyhow::Result<Vec<migrate::MigrationFile>> {
    if !dir.exists() {
        return Ok(Vec::new());
    }
    Ok(migrate::load_dir(dir)?)
}

/// Asks on the terminal; without one (a script, CI) the answer is no.
fn confirm(question: &str) -> anyhow::Result<bool> {
    use std::io::{BufRead, IsTerminal, Write};
    if !std::io::stdin().is_terminal() {
        return Ok(false);
    }
    eprint!("{question}");
    std::io::stderr().flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes"))
}

/// Ctrl-C or SIGTERM stops the run between two steps, recording the migration under way as
/// interrupted and releasing the lock; a second one exits at once.
fn stop_on_signals(stop: migrate::Interrupter) {
    tokio::spawn(async move {
        #[cfg(unix)]
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(s) => s,
            Err(_) => return,
        };
        for first in [true, false] {
            #[cfg(unix)]
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            #[cfg(not(unix))]
            let _ = tokio::signal::ctrl_c().await;
            if first {
                eprintln!("stopping after the current step (again to quit at once)");
                stop.interrupt();
            } else {
                std::process::exit(130);
            }
        }
    });
}

fn is_snake_case(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('_')
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Runs an `orm migrate` command.
pub async fn run(cli: &Cli, cmd: &MigrateCommand, out: &mut dyn std::io::Write, err: &mut dyn std::io::Write) -> anyhow::Result<()> {
    let dir = &cli.migrations_dir;
    match cmd {
        MigrateCommand::New { name } => {
            let path = create_migration(dir, name, &migrate::template(name))?;
            match cli.format() {
                Format::Json => writeln!(out, "{}", json!({ "created": path.display().to_string() }))?,
                Format::Text => writeln!(out, "created {}", path.display())?,
            }
            Ok(())
        }
        MigrateCommand::Generate { name, models } => {
            let found = crate::scan::scan(models)?;
            let current = migrate::replay(&load_or_none(dir)?)?;
            let diff = orm_schema::diff(&current, &found.schema, &found.renames);
            for w in &diff.warnings {
                writeln!(err, "warning: {w}")?;
            }
            if diff.is_empty() {
                match cli.format() {
                    Format::Json => writeln!(out, "{}", json!({ "created": null, "operations": [] }))?,
                    Format::Text => writeln!(out, "nothing to do: the models and the migrations agree")?,
                }
                return Ok(());
            }
            let comment = format!("Generated by `orm migrate generate {name}` from the models in {}.\nReview it before applying.", models.display());
            let path = write_migration(dir, name, &comment, &diff)?;
            let ops: Vec<String> = diff.up.iter().map(describe).collect();
            match cli.format() {
                Format::Json => writeln!(out, "{}", json!({ "created": path.display().to_string(), "operations": ops, "warnings": diff.warnings }))?,
                Format::Text => {
                    writeln!(out, "created {}", path.display())?;
                    for op in ops {
                        writeln!(out, "  {op}")?;
                    }
                }
            }
            Ok(())
        }
        MigrateCommand::Check { models } => {
            let found = crate::scan::scan(models)?;
            let files = load_or_none(dir)?;
            let diff = orm_schema::diff(&migrate::replay(&files)?, &found.schema, &found.renames);
            for op in &diff.up {
                writeln!(out, "models differ from the migrations: {}", describe(op))?;
            }
            let mut problems = diff.up.len();
            // With a database named explicitly, compare the live schema too.
            let explicit = cli.database_url.is_some() || std::env::var("DATABASE_URL").is_ok_and(|u| !u.is_empty());
            if explicit {
                let db = connect(cli, err).await?;
                let applied = Migrator::new(db.clone(), files).applied_schema().await?;
                let live = db.introspect().await?;
                let backend = db.backend();
                let drift = orm_schema::diff(
                    &orm_core::introspect::comparable(backend, &applied),
                    &orm_core::introspect::comparable(backend, &live),
                    &Default::default(),
                );
                for op in &drift.up {
                    writeln!(out, "the live schema drifts from the applied migrations: {}", describe(op))?;
                }
                problems += drift.up.len();
                db.close().await;
            }
            if problems > 0 {
                bail!("{problems} difference(s) found");
            }
            match (cli.format(), explicit) {
                (Format::Json, _) => writeln!(out, "{}", json!({ "agree": true, "database": explicit }))?,
                (Format::Text, true) => writeln!(out, "ok: the models, the migrations and the database agree")?,
                (Format::Text, false) => writeln!(out, "ok: the models and the migrations agree")?,
            }
            Ok(())
        }
        MigrateCommand::Sql(args) => {
            let files = migrate::load_dir(dir)?;
            let dialect = match args.dialect {
                Some(DialectArg::Postgres) => Some(orm_core::Dialect::Postgres),
                Some(DialectArg::Mysql) => Some(orm_core::Dialect::MySql),
                Some(DialectArg::Sqlite) => Some(orm_core::Dialect::Sqlite),
                Some(DialectArg::Mongodb) => None,
                None => {
                    let url = crate::settings::database_url(cli.database_url.as_deref(), std::env::var("DATABASE_URL").ok(), std::path::Path::new("."));
                    // A URL naming no backend reads as a SQLite path, as `connect` would refuse it.
                    orm_core::BackendKind::from_url(&url.url).map_or(Some(orm_core::Dialect::Sqlite), |b| b.dialect())
                }
            };
            let direction = if args.down { "down" } else { "up" };
            let mut planned = Vec::new();
            for (version, lines) in migrate::plan_offline(&files, dialect, args.down, "app")? {
                let name = files.iter().find(|f| f.version == version).map(|f| f.name.as_str()).unwrap_or_default();
                match cli.format() {
                    Format::Json => planned.push(json!({ "version": version, "name": name, "direction": direction, "statements": lines })),
                    Format::Text => {
                        writeln!(out, "-- {version}_{name} ({direction})")?;
                        for l in lines {
                            writeln!(out, "{l}")?;
                        }
                    }
                }
            }
            if cli.format() == Format::Json {
                writeln!(out, "{}", json!({ "migrations": planned }))?;
            }
            Ok(())
        }
        _ => {
            // A command that runs migrations needs them: say so before touching any database.
            let needs_files = matches!(
                cmd,
                MigrateCommand::Up(_) | MigrateCommand::Down(_) | MigrateCommand::Status | MigrateCommand::Redo | MigrateCommand::Reset
            );
            if needs_files && !dir.is_dir() {
                bail!(
                    "no migrations directory at {}: create the first migration with `orm migrate new <name>`, or point \
                     --migrations-dir at the directory",
                    dir.display()
                );
            }
            // Commands that only read or plan write nothing, not even a new SQLite file.
            let read_only = match cmd {
                MigrateCommand::Status => true,
                MigrateCommand::Up(args) => args.dry_run,
                MigrateCommand::Down(args) => args.dry_run,
                _ => false,
            };
            let db = if read_only { crate::commands::connect_read_only(cli, err).await? } else { connect(cli, err).await? };
            let result = run_with_db(cli, cmd, db.clone(), out, err).await;
            db.close().await;
            result
        }
    }
}

async fn run_with_db(
    cli: &Cli,
    cmd: &MigrateCommand,
    db: orm_core::Database,
    out: &mut dyn std::io::Write,
    err: &mut dyn std::io::Write,
) -> anyhow::Result<()> {
    let (events_tx, mut events) = tokio::sync::mpsc::unbounded_channel();
    let migrator = || -> anyhow::Result<Migrator> {
        let events_tx = events_tx.clone();
        let m = Migrator::from_dir(db.clone(), &cli.migrations_dir)?.on_progress(move |p| {
            let _ = events_tx.send(p.clone());
        });
        if matches!(cmd, MigrateCommand::Up(_) | MigrateCommand::Down(_) | MigrateCommand::Redo | MigrateCommand::Reset) {
            stop_on_signals(m.interrupter());
        }
        Ok(m)
    };
    match cmd {
        MigrateCommand::Up(args) => {
            let target = match (args.steps, args.to) {
                (Some(n), _) => Target::Steps(n as usize),
                (_, Some(v)) => Target::Version(v),
                _ => Target::All,
            };
            let m = migrator()?
                .allow_out_of_order(args.allow_out_of_order)
                .allow_irreversible(args.allow_irreversible)
                .dry_run(args.dry_run);
            run_live(cli, "apply", args.dry_run, &mut events, m.up(target), out, err).await
        }
        MigrateCommand::Down(args) => {
            let target = match (args.steps, args.to, args.all) {
                (_, _, true) => Target::All,
                (_, Some(v), _) => Target::Version(v),
                (n, _, _) => Target::Steps(n.unwrap_or(1) as usize),
            };
            let m = migrator()?.dry_run(args.dry_run);
            run_live(cli, "revert", args.dry_run, &mut events, m.down(target), out, err).await
        }
        MigrateCommand::Status => print_status(cli, &migrator()?.status().await?, out),
        MigrateCommand::Redo => {
            let m = migrator()?;
            run_live(cli, "redo", false, &mut events, m.redo(), out, err).await
        }
        MigrateCommand::Reset => {
            let m = migrator()?;
            run_live(cli, "revert", false, &mut events, m.reset(), out, err).await
        }
        MigrateCommand::Unlock { yes } => {
            let migrator = migrator()?;
            let Some(holder) = migrator.lock_holder().await? else {
                match cli.format() {
                    Format::Json => writeln!(out, "{}", json!({ "unlocked": false, "holder": null }))?,
                    Format::Text => writeln!(out, "the migration lock is not held")?,
                }
                return Ok(());
            };
            if !yes && !confirm(&format!("remove the migration lock held by {holder}? Only do this if that runner is gone. [y/N] "))? {
                bail!("the lock held by {holder} was left in place (confirm, or pass --yes)");
            }
            let removed = migrator.force_unlock().await?;
            match cli.format() {
                Format::Json => writeln!(out, "{}", json!({ "unlocked": removed.is_some(), "holder": holder.to_string() }))?,
                Format::Text => match removed {
                    Some(h) => writeln!(out, "removed the migration lock held by {h}")?,
                    None => writeln!(out, "the migration lock was released meanwhile")?,
                },
            }
            Ok(())
        }
        MigrateCommand::Resolve { version, rolled_back } => {
            migrator()?.resolve(*version, *rolled_back).await?;
            let what = if *rolled_back { "as not applied" } else { "as finished" };
            match cli.format() {
                Format::Json => writeln!(out, "{}", json!({ "resolved": version, "rolled_back": rolled_back }))?,
                Format::Text => writeln!(out, "resolved {version} {what}")?,
            }
            Ok(())
        }
        MigrateCommand::Baseline { name } => {
            let existing = migrate::load_dir(&cli.migrations_dir).unwrap_or_default();
            if !existing.is_empty() {
                bail!("{} already holds {} migration(s): a baseline starts a history", cli.migrations_dir.display(), existing.len());
            }
            let live = db.introspect().await?;
            let diff = orm_schema::diff(&orm_schema::Schema::new(), &live, &Default::default());
            if diff.is_empty() {
                bail!("the database has no tables to baseline");
            }
            let comment = format!("Baseline of {} taken by `orm migrate baseline`; recorded as applied there.", db.url());
            let path = write_migration(&cli.migrations_dir, name, &comment, &diff)?;
            let migrator = migrator()?;
            let version = migrator.files().first().map(|f| f.version).ok_or_else(|| anyhow::anyhow!("the baseline file vanished"))?;
            migrator.record_applied(version).await?;
            match cli.format() {
                Format::Json => writeln!(out, "{}", json!({ "created": path.display().to_string(), "recorded": version }))?,
                Format::Text => writeln!(out, "created {} and recorded it as applied", path.display())?,
            }
            Ok(())
        }
        MigrateCommand::New { .. } | MigrateCommand::Sql(_) | MigrateCommand::Generate { .. } | MigrateCommand::Check { .. } => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::next_version;

    #[test]
    fn versions_never_collide() {
        let dir = std::env::temp_dir().join(format!("orm-next-version-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let now = chrono::NaiveDate::from_ymd_opt(2026, 12, 2).unwrap().and_hms_milli_opt(10, 0, 0, 500).unwrap();
        assert_eq!(next_version(&dir, now).unwrap(), "20261202100000");
        std::fs::write(dir.join("20261202100000_a.toml"), "").unwrap();
        assert_eq!(next_version(&dir, now).unwrap(), "20261202100001", "the same second");
        std::fs::write(dir.join("20261202100007_b.toml"), "").unwrap();
        assert_eq!(next_version(&dir, now).unwrap(), "20261202100008", "a newer file (a clock ahead)");
        let later = now + chrono::Duration::minutes(1);
        assert_eq!(next_version(&dir, later).unwrap(), "20261202100100");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
