//! One module per command group.

pub mod cache;
pub mod db;
pub mod generate;
pub mod migrate;
pub mod schema;

use crate::settings::database_url;
use crate::Cli;
use anyhow::Context;

/// Connects for a command that only reads or plans: a SQLite file that does not exist yet is read
/// as the empty database it would be, without creating it.
pub async fn connect_read_only(cli: &Cli, err: &mut dyn std::io::Write) -> anyhow::Result<orm_core::Database> {
    let url = database_url(cli.database_url.as_deref(), std::env::var("DATABASE_URL").ok(), std::path::Path::new("."));
    if let Some(path) = sqlite_file(&url.url)
        && !path.exists()
    {
        writeln!(err, "{} does not exist yet: reading it as an empty database, without creating it", path.display())?;
        return orm_core::Database::connect("sqlite::memory:").await.context("opening an empty database");
    }
    connect(cli, err).await
}

/// The file a `sqlite:` URL names, if it names one (not an in-memory database).
fn sqlite_file(url: &str) -> Option<std::path::PathBuf> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    if path.is_empty() || path.contains(":memory:") || url.contains("mode=memory") {
        return None;
    }
    Some(std::path::PathBuf::from(path))
}

/// Connects to the database the options name, saying on `err` when it is the embedded default.
pub async fn connect(cli: &Cli, err: &mut dyn std::io::Write) -> anyhow::Result<orm_core::Database> {
    let url = database_url(cli.database_url.as_deref(), std::env::var("DATABASE_URL").ok(), std::path::Path::new("."));
    if url.source == "default" {
        writeln!(err, "no --database-url, DATABASE_URL or .env: using the embedded default {}", url.url)?;
    }
    let options = orm_core::ConnectOptions::new().acquire_timeout(std::time::Duration::from_secs(10));
    orm_core::Database::connect_with(&url.url, options)
        .await
        .with_context(|| format!("connecting to the database from {}", url.source))
}
