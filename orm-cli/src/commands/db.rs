//! `orm db ...`: connection checks.

use crate::commands::connect;
use crate::{Cli, Format};
use anyhow::Context;
use clap::Subcommand;

/// `orm db` subcommands.
#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Connects, runs a query, and prints the backend and its server version.
    Ping,
}

/// Runs an `orm db` command.
pub async fn run(cli: &Cli, cmd: &DbCommand, out: &mut dyn std::io::Write, err: &mut dyn std::io::Write) -> anyhow::Result<()> {
    match cmd {
        DbCommand::Ping => {
            let db = connect(cli, err).await?;
            let version = db.server_version().await.context("asking the server's version")?;
            match cli.format() {
                Format::Json => writeln!(
                    out,
                    "{}",
                    serde_json::json!({ "connected": true, "url": db.url(), "backend": format!("{:?}", db.backend()), "version": version })
                )?,
                Format::Text => writeln!(out, "connected to {} ({:?}): {version}", db.url(), db.backend())?,
            }
            db.close().await;
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::{run, Cli};
    use clap::Parser;

    #[test]
    fn ping_sqlite_memory() {
        let cli = Cli::parse_from(["orm", "db", "ping", "--database-url", "sqlite::memory:"]);
        let mut out = Vec::new();
        run(cli, &mut out, &mut Vec::new()).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with("connected to sqlite::memory: (Sqlite): SQLite 3."), "{text}");
    }

    #[test]
    fn ping_speaks_json() {
        let cli = Cli::parse_from(["orm", "--format", "json", "db", "ping", "--database-url", "sqlite::memory:"]);
        let mut out = Vec::new();
        run(cli, &mut out, &mut Vec::new()).unwrap();
        let json: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!((json["connected"].as_bool(), json["backend"].as_str()), (Some(true), Some("Sqlite")), "{json}");
    }

    #[test]
    fn bad_url_is_a_clear_error() {
        let cli = Cli::parse_from(["orm", "--database-url", "oracle://x", "db", "ping"]);
        let err = run(cli, &mut Vec::new(), &mut Vec::new()).unwrap_err();
        assert!(format!("{err:#}").contains("unsupported database URL `oracle://x`"), "{err:#}");
    }
}
