//! What `orm migrate` prints: a run's progress as it goes and its outcome, plans, `status`, in text
//! or JSON.

use crate::{Cli, Format};
use orm_core::migrate::{self, MigrationState, Progress, RunReport, StatusEntry};
use serde_json::json;

fn entry_json(e: &migrate::RunEntry) -> serde_json::Value {
    json!({
        "version": e.version,
        "name": e.name,
        "direction": match e.direction { migrate::Direction::Up => "up", migrate::Direction::Down => "down" },
        "duration_ms": e.duration.as_millis() as u64,
        "statements": e.statements,
        "notices": e.notices,
    })
}

/// On a terminal, the migration under way is one line on stderr redrawn in place, as cargo's
/// progress line is: a spinner, its name and the time it has taken so far; cleared when it ends.
/// Elsewhere (a log, a pipe) the start is one plain line.
struct Spinner {
    on: bool,
    current: Option<(String, std::time::Instant)>,
    frame: usize,
}

const FRAMES: [char; 10] = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

impl Spinner {
    fn new(cli: &Cli) -> Spinner {
        let on = cli.format() == Format::Text && std::io::IsTerminal::is_terminal(&std::io::stderr());
        Spinner { on, current: None, frame: 0 }
    }

    fn active(&self) -> bool {
        self.current.is_some()
    }

    fn start(&mut self, label: String, err: &mut dyn std::io::Write) -> std::io::Result<()> {
        if !self.on {
            return writeln!(err, "{label} ...");
        }
        self.current = Some((label, std::time::Instant::now()));
        self.draw(err)
    }

    fn draw(&mut self, err: &mut dyn std::io::Write) -> std::io::Result<()> {
        let Some((label, since)) = &self.current else { return Ok(()) };
        self.frame += 1;
        write!(err, "\r\x1b[K{} {label} {:.1}s", FRAMES[self.frame % FRAMES.len()], since.elapsed().as_secs_f64())?;
        err.flush()
    }

    fn clear(&mut self, err: &mut dyn std::io::Write) -> std::io::Result<()> {
        if self.current.take().is_some() {
            write!(err, "\r\x1b[K")?;
            err.flush()?;
        }
        Ok(())
    }
}

/// Shows one event of a run as it happens: who holds the lock, a migration starting (on stderr,
/// as cargo says what it compiles), a migration done with its duration and notes.
fn show(
    cli: &Cli,
    event: Progress,
    done: &mut Vec<migrate::RunEntry>,
    spinner: &mut Spinner,
    out: &mut dyn std::io::Write,
    err: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    spinner.clear(err)?;
    match event {
        Progress::WaitingForLock { holder: Some(h) } => writeln!(err, "waiting for the migration lock held by {h}"),
        Progress::WaitingForLock { holder: None } => writeln!(err, "waiting for the migration lock held by another runner"),
        Progress::Started { version, name, direction } => {
            let verb = if direction == migrate::Direction::Up { "applying" } else { "reverting" };
            spinner.start(format!("{verb} {version}_{name}"), err)
        }
        Progress::Finished(e) => {
            if cli.format() == Format::Text {
                let verb = if e.direction == migrate::Direction::Up { "applied" } else { "reverted" };
                writeln!(out, "{verb} {}_{} ({} ms)", e.version, e.name, e.duration.as_millis())?;
                for n in &e.notices {
                    writeln!(out, "  note: {n}")?;
                }
                out.flush()?;
            }
            done.push(e);
            Ok(())
        }
        _ => Ok(()),
    }
}

/// Runs a migration run, showing its progress as it goes, then its outcome: in a failing run too,
/// every migration that completed has been reported (and `--format json` lists them with the error).
pub(super) async fn run_live(
    cli: &Cli,
    verb: &str,
    dry_run: bool,
    events: &mut tokio::sync::mpsc::UnboundedReceiver<Progress>,
    work: impl std::future::Future<Output = orm_core::Result<RunReport>>,
    out: &mut dyn std::io::Write,
    err: &mut dyn std::io::Write,
) -> anyhow::Result<()> {
    let mut done = Vec::new();
    let mut spinner = Spinner::new(cli);
    let mut ticks = tokio::time::interval(std::time::Duration::from_millis(100));
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    tokio::pin!(work);
    let result = loop {
        tokio::select! {
            result = &mut work => break result,
            Some(event) = events.recv() => show(cli, event, &mut done, &mut spinner, out, err)?,
            _ = ticks.tick(), if spinner.active() => spinner.draw(err)?,
        }
    };
    while let Ok(event) = events.try_recv() {
        show(cli, event, &mut done, &mut spinner, out, err)?;
    }
    spinner.clear(err)?;
    let report = match result {
        Ok(report) => report,
        Err(e) => {
            if cli.format() == Format::Json {
                let entries: Vec<_> = done.iter().map(entry_json).collect();
                writeln!(out, "{}", json!({ "migrations": entries, "error": e.to_string() }))?;
            }
            return Err(e.into());
        }
    };
    if dry_run && cli.format() == Format::Text {
        return print_plan(&report, out);
    }
    if report.waited {
        writeln!(err, "waited for another `orm migrate` to finish")?;
    }
    match cli.format() {
        Format::Json => {
            let entries: Vec<_> = report.entries.iter().map(entry_json).collect();
            writeln!(out, "{}", json!({ "waited": report.waited, "migrations": entries }))?;
        }
        Format::Text if report.entries.is_empty() => writeln!(out, "nothing to {verb}")?,
        Format::Text => {}
    }
    Ok(())
}

fn print_plan(report: &RunReport, out: &mut dyn std::io::Write) -> anyhow::Result<()> {
    for e in &report.entries {
        writeln!(out, "-- {}_{}", e.version, e.name)?;
        for s in &e.statements {
            writeln!(out, "{s};")?;
        }
        for n in &e.notices {
            writeln!(out, "-- note: {n}")?;
        }
    }
    Ok(())
}

fn state_name(state: &MigrationState) -> String {
    match state {
        MigrationState::Applied { at } => format!("applied {}", at.format("%Y-%m-%d %H:%M:%S UTC")),
        MigrationState::Pending => "pending".into(),
        MigrationState::OutOfOrder => "pending, out of order".into(),
        MigrationState::Dirty { direction, steps_done, error } => {
            format!("DIRTY ({direction} stopped after {steps_done} steps: {})", error.as_deref().unwrap_or("no error recorded"))
        }
        MigrationState::Changed => "CHANGED since applied".into(),
        MigrationState::Missing => "MISSING file".into(),
    }
}

pub(super) fn print_status(cli: &Cli, status: &[StatusEntry], out: &mut dyn std::io::Write) -> anyhow::Result<()> {
    match cli.format() {
        Format::Json => {
            let entries: Vec<_> = status
                .iter()
                .map(|e| {
                    let (state, detail) = match &e.state {
                        MigrationState::Applied { at } => ("applied", json!({ "applied_at": at.to_rfc3339() })),
                        MigrationState::Pending => ("pending", json!({})),
                        MigrationState::OutOfOrder => ("out_of_order", json!({})),
                        MigrationState::Dirty { direction, steps_done, error } => {
                            ("dirty", json!({ "direction": direction, "steps_done": steps_done, "error": error }))
                        }
                        MigrationState::Changed => ("changed", json!({})),
                        MigrationState::Missing => ("missing", json!({})),
                    };
                    let duration_ms = e.duration.map(|d| d.as_millis() as u64);
                    json!({ "version": e.version, "name": e.name, "state": state, "detail": detail, "duration_ms": duration_ms })
                })
                .collect();
            writeln!(out, "{}", json!({ "migrations": entries }))?;
        }
        Format::Text => {
            if status.is_empty() {
                writeln!(out, "no migrations in {}", cli.migrations_dir.display())?;
            }
            for e in status {
                let took = match (&e.state, e.duration) {
                    (MigrationState::Applied { .. }, Some(d)) => format!(" in {} ms", d.as_millis()),
                    _ => String::new(),
                };
                writeln!(out, "{}_{:<40} {}{took}", e.version, e.name, state_name(&e.state))?;
            }
        }
    }
    Ok(())
}

