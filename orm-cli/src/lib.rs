//! The `orm` command line tool: argument parsing and command dispatch. `main.rs` only calls
//! [`main_with_args`], so every command is testable in-process.

pub mod codegen;
pub mod commands;
pub mod diagram;
pub mod scan;
pub mod settings;
pub mod studio;

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};
use std::ffi::OsString;
use std::process::ExitCode;

/// `orm`: the orm toolkit's command line.
#[derive(Debug, Parser)]
#[command(name = "orm", version, about = "The orm toolkit's command line: reversible migrations for SQL and MongoDB")]
pub struct Cli {
    /// The database URL (`postgres://`, `mysql://`, `mariadb://`, `sqlite:`, `mongodb://`); else
    /// `DATABASE_URL`, else `DATABASE_URL` in `.env`, else the embedded SQLite default `sqlite:orm.db`.
    #[arg(long = "database-url", global = true)]
    pub database_url: Option<String>,
    /// The migrations directory.
    #[arg(long = "migrations-dir", global = true, default_value = "migrations")]
    pub migrations_dir: std::path::PathBuf,
    /// Output format: text or json for every command; svg, mermaid or dot for `orm schema diagram`.
    #[arg(long = "format", global = true, value_enum, default_value_t = OutputFormat::Text)]
    pub output: OutputFormat,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// How a command reports: the `--format` of every command but `orm schema diagram`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// For people.
    Text,
    /// One JSON document, for machines.
    Json,
}

/// The values `--format` takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// For people.
    Text,
    /// One JSON document, for machines.
    Json,
    /// An SVG drawing (`orm schema diagram` only).
    Svg,
    /// A Mermaid `erDiagram` (`orm schema diagram` only).
    Mermaid,
    /// A Graphviz DOT graph (`orm schema diagram` only).
    Dot,
}

impl Cli {
    /// How the command reports (`--format text` or `json`). Checked before any command runs:
    /// the diagram formats reach only `orm schema diagram`.
    pub fn format(&self) -> Format {
        if self.output == OutputFormat::Json { Format::Json } else { Format::Text }
    }
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create, apply, revert and inspect migrations.
    #[command(subcommand)]
    Migrate(commands::migrate::MigrateCommand),
    /// Generate code from a live database.
    #[command(subcommand)]
    Generate(commands::generate::GenerateCommand),
    /// Database connection commands.
    #[command(subcommand)]
    Db(commands::db::DbCommand),
    /// The query cache's Redis: what it holds, and invalidating it.
    #[command(subcommand)]
    Cache(commands::cache::CacheCommand),
    /// The schema as a diagram.
    #[command(subcommand)]
    Schema(commands::schema::SchemaCommand),
    /// A local web page showing the schema, the migrations and the data (127.0.0.1 only, behind
    /// a token printed in its URL).
    Studio(studio::StudioArgs),
    /// Print a shell completion script.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

/// Parses `args` and runs the command. Errors are printed to stderr on one line and give exit code 1;
/// usage errors give 2.
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
    match run(cli, &mut std::io::stdout(), &mut std::io::stderr()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let message = said_once(&e);
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The error and its causes on one line, each said once: a cause whose text its wrapper already
/// includes is not repeated.
fn said_once(e: &anyhow::Error) -> String {
    let mut message = String::new();
    for cause in e.chain() {
        let text = cause.to_string().split_whitespace().collect::<Vec<_>>().join(" ");
        if message.contains(&text) {
            continue;
        }
        if !message.is_empty() {
            message.push_str(": ");
        }
        message.push_str(&text);
    }
    message
}

/// Runs a parsed command, writing its report to `out` and remarks to `err`.
pub fn run(cli: Cli, out: &mut dyn std::io::Write, err: &mut dyn std::io::Write) -> anyhow::Result<()> {
    if let Command::Completions { shell } = cli.command {
        clap_complete::generate(shell, &mut Cli::command(), "orm", out);
        return Ok(());
    }
    let diagram = matches!(cli.command, Command::Schema(commands::schema::SchemaCommand::Diagram { .. }));
    if !diagram && matches!(cli.output, OutputFormat::Svg | OutputFormat::Mermaid | OutputFormat::Dot) {
        let name = cli.output.to_possible_value().map(|v| v.get_name().to_string()).unwrap_or_default();
        anyhow::bail!("--format {name} is for `orm schema diagram`; this command reports as text or json");
    }
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    runtime.block_on(async {
        match &cli.command {
            Command::Migrate(cmd) => commands::migrate::run(&cli, cmd, out, err).await,
            Command::Generate(cmd) => commands::generate::run(&cli, cmd, out, err).await,
            Command::Db(cmd) => commands::db::run(&cli, cmd, out, err).await,
            Command::Cache(cmd) => commands::cache::run(&cli, cmd, out).await,
            Command::Schema(cmd) => commands::schema::run(&cli, cmd, out, err).await,
            Command::Studio(args) => studio::run(&cli, args, out, err).await,
            Command::Completions { .. } => Ok(()),
        }
    })
}
