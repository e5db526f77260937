//! `orm studio`: a local web page showing the schema as a diagram, the migration timeline and the
//! data of every table or collection, served from the binary (the page is embedded: no Node, no
//! files) on 127.0.0.1 only, behind a random access token printed in its URL, as Jupyter does.
//!
//! The data browser reads through the toolkit ([`orm_core::Database::browse`]): keyset pages on the
//! primary key, one sort, filters built from the toolkit's filter IR (the page sends column names,
//! operators and values; there is no endpoint for SQL), a row estimate from the catalog and an
//! exact count only when asked.

pub mod edit;
pub mod server;
pub mod values;

use crate::commands::connect_read_only;
use crate::Cli;
use clap::Args;
use std::sync::Arc;

/// `orm studio` options.
#[derive(Debug, Args)]
pub struct StudioArgs {
    /// The loopback port to listen on (0: any free port).
    #[arg(long, default_value_t = 5555)]
    pub port: u16,
    /// Let the page insert, update and delete rows (through the toolkit's write path: validation
    /// rules, timestamps, the database's constraints). Off by default.
    #[arg(long)]
    pub write: bool,
}

/// A fresh access token: a random (v4) UUID's 122 random bits, as 32 hex digits.
fn new_token() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// Runs the studio until Ctrl-C, printing its URL (with the token) on `out` once it listens.
pub async fn run(cli: &Cli, args: &StudioArgs, out: &mut dyn std::io::Write, err: &mut dyn std::io::Write) -> anyhow::Result<()> {
    // Read-only unless --write: a SQLite file that does not exist is not created just to look at it.
    let db = if args.write { crate::commands::connect(cli, err).await? } else { connect_read_only(cli, err).await? };
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", args.port))
        .await
        .map_err(|e| anyhow::anyhow!("listening on 127.0.0.1:{}: {e} (another port: --port N, or --port 0 for any)", args.port))?;
    let port = listener.local_addr()?.port();
    let studio = Arc::new(server::Studio {
        db: db.clone(),
        token: new_token(),
        port,
        migrations_dir: cli.migrations_dir.clone(),
        url: db.url().to_string(),
        schema: Default::default(),
        write: args.write,
    });
    let address = format!("http://127.0.0.1:{port}/?token={}", studio.token);
    match cli.format() {
        crate::Format::Json => writeln!(out, "{}", serde_json::json!({ "url": address, "port": port }))?,
        crate::Format::Text => writeln!(out, "orm studio on {address}\n(Ctrl-C stops it)")?,
    }
    out.flush()?;
    let app = server::router(studio);
    let stop = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    axum::serve(listener, app).with_graceful_shutdown(stop).await?;
    db.close().await;
    Ok(())
}
