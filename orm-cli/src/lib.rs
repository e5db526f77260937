//! The `orm` command line tool: argument parsing and command dispatch. `main.rs` only calls
//! [`main_with_args`], so every command is testable in-process.

pub mod commands;

use clap::{Parser, Subcommand};
use std::ffi::OsString;
use std::process::ExitCode;

/// `orm`: the orm toolkit's command line.
#[derive(Debug, Parser)]
#[command(name = "orm", version, about = "The orm toolkit's command line")]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Database connection commands.
    #[command(subcommand)]
    Db(commands::db::DbCommand),
}

/// Parses `args` and runs the command; errors are printed to stderr and give exit code 1.
pub fn main_with_args<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { ExitCode::from(2) } else { ExitCode::SUCCESS };
        }
    };
    match run(cli, &mut std::io::stdout()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Runs a parsed command, writing its report to `out`.
pub fn run(cli: Cli, out: &mut dyn std::io::Write) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    runtime.block_on(async {
        match cli.command {
            Command::Db(cmd) => commands::db::run(cmd, out).await,
        }
    })
}
