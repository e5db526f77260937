//! `orm generate models`: Rust models from a live database.

use crate::commands::connect;
use crate::{Cli, Format};
use anyhow::Context;
use clap::Subcommand;
use serde_json::json;

/// `orm generate` subcommands.
#[derive(Debug, Subcommand)]
pub enum GenerateCommand {
    /// Write one model file per table (collection) and a `mod.rs` into `--out`.
    Models {
        /// The directory to write into (created when missing).
        #[arg(long)]
        out: std::path::PathBuf,
        /// Only these tables (comma-separated).
        #[arg(long, value_delimiter = ',')]
        tables: Vec<String>,
        /// Leave these tables out (comma-separated).
        #[arg(long, value_delimiter = ',')]
        exclude: Vec<String>,
        /// MongoDB: documents sampled per collection that has no validator.
        #[arg(long, default_value_t = 1000)]
        sample: usize,
    },
}

/// Runs an `orm generate` command.
pub async fn run(cli: &Cli, cmd: &GenerateCommand, out: &mut dyn std::io::Write, err: &mut dyn std::io::Write) -> anyhow::Result<()> {
    let GenerateCommand::Models { out: dir, tables, exclude, sample } = cmd;
    let db = connect(cli, err).await?;
    let mut schema = db.introspect_sampled(*sample).await?;
    db.close().await;
    schema.tables.retain(|name, _| (tables.is_empty() || tables.contains(name)) && !exclude.contains(name));
    for name in tables {
        if !schema.tables.contains_key(name) {
            writeln!(err, "warning: no table `{name}` in the database")?;
        }
    }
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut written = Vec::new();
    for (file, source) in crate::codegen::model_files(&schema) {
        let path = dir.join(&file);
        std::fs::write(&path, source).with_context(|| format!("writing {}", path.display()))?;
        written.push(path.display().to_string());
    }
    match cli.format() {
        Format::Json => writeln!(out, "{}", json!({ "written": written }))?,
        Format::Text => {
            for w in &written {
                writeln!(out, "wrote {w}")?;
            }
        }
    }
    Ok(())
}
