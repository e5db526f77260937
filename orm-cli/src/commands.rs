//! One module per command group.

pub mod db;
pub mod generate;
pub mod migrate;

use crate::settings::database_url;
use crate::Cli;
use anyhow::Context;

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
