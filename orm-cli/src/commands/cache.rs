//! `orm cache ...`: the query cache's Redis, seen from outside the application.

use crate::{Cli, Format};
use anyhow::Context;
use clap::{Args, Subcommand};

/// Where the cache lives.
#[derive(Debug, Args)]
pub struct CacheTarget {
    /// The cache's Redis (`redis://host:port/db`); else `ORM_CACHE_URL`, else `REDIS_URL`, else
    /// `redis://127.0.0.1:6379/0`.
    #[arg(long = "redis-url")]
    pub redis_url: Option<String>,
    /// The application's cache namespace (`Cache::namespace`).
    #[arg(long, default_value = "orm")]
    pub namespace: String,
}

/// `orm cache` subcommands.
#[derive(Debug, Subcommand)]
pub enum CacheCommand {
    /// What the namespace holds: entries, their size, each table's generation, the epoch.
    Stats {
        /// Where the cache lives.
        #[command(flatten)]
        target: CacheTarget,
    },
    /// Invalidates every entry, or those that read one table (after writes made outside the
    /// toolkit).
    Flush {
        /// Where the cache lives.
        #[command(flatten)]
        target: CacheTarget,
        /// Only the entries that read this table (collection).
        #[arg(long)]
        table: Option<String>,
    },
}

fn cache(target: &CacheTarget) -> anyhow::Result<orm_core::Cache> {
    let url = target
        .redis_url
        .clone()
        .or_else(|| std::env::var("ORM_CACHE_URL").ok())
        .or_else(|| std::env::var("REDIS_URL").ok())
        .unwrap_or_else(|| "redis://127.0.0.1:6379/0".into());
    Ok(orm_core::Cache::new(&url)?.namespace(target.namespace.clone()).timeout(std::time::Duration::from_secs(5)))
}

/// Runs an `orm cache` command.
pub async fn run(cli: &Cli, cmd: &CacheCommand, out: &mut dyn std::io::Write) -> anyhow::Result<()> {
    match cmd {
        CacheCommand::Stats { target } => {
            let report = cache(target)?.report().await.context("reading the cache")?;
            match cli.format() {
                Format::Json => writeln!(
                    out,
                    "{}",
                    serde_json::json!({
                        "namespace": report.namespace,
                        "entries": report.entries,
                        "bytes": report.bytes,
                        "epoch": report.epoch,
                        "tables": report.tables.iter().map(|(t, g)| serde_json::json!({ "table": t, "generation": g })).collect::<Vec<_>>(),
                    })
                )?,
                Format::Text => {
                    writeln!(out, "namespace {}: {} entries, {} bytes, epoch {}", report.namespace, report.entries, report.bytes, report.epoch)?;
                    for (table, generation) in &report.tables {
                        writeln!(out, "  {table}: generation {generation}")?;
                    }
                }
            }
        }
        CacheCommand::Flush { target, table } => {
            let c = cache(target)?;
            match table {
                Some(t) => c.flush_table(t).await.with_context(|| format!("flushing the entries that read {t}"))?,
                None => c.flush().await.context("flushing the cache")?,
            }
            let what = table.as_deref().map_or("every entry".to_string(), |t| format!("the entries that read {t}"));
            match cli.format() {
                Format::Json => writeln!(out, "{}", serde_json::json!({ "flushed": true, "namespace": target.namespace, "table": table }))?,
                Format::Text => writeln!(out, "invalidated {what} of namespace {}", target.namespace)?,
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::{run, Cli};
    use clap::Parser;

    fn orm(args: &[&str]) -> anyhow::Result<String> {
        let mut out = Vec::new();
        run(Cli::parse_from(args), &mut out, &mut Vec::new())?;
        Ok(String::from_utf8(out).unwrap())
    }

    #[test]
    fn stats_and_flush_speak_to_redis() {
        let url = std::env::var("TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379/0".into());
        let ns = format!("orm_cli_{}", std::process::id());
        let flushed = orm(&["orm", "cache", "flush", "--redis-url", &url, "--namespace", &ns]);
        let flushed = match flushed {
            Ok(text) => text,
            Err(e) if std::env::var("CI").as_deref() != Ok("true") => return eprintln!("skipping: {e:#}"),
            Err(e) => panic!("Redis is unreachable under CI=true: {e:#}"),
        };
        assert!(flushed.contains("invalidated every entry"), "{flushed}");
        orm(&["orm", "cache", "flush", "--redis-url", &url, "--namespace", &ns, "--table", "users"]).unwrap();
        let stats = orm(&["orm", "--format", "json", "cache", "stats", "--redis-url", &url, "--namespace", &ns]).unwrap();
        let json: serde_json::Value = serde_json::from_str(&stats).unwrap();
        assert!(json["epoch"].as_u64().unwrap() > 0, "{json}");
        assert_eq!(json["tables"][0]["table"], "users", "{json}");
        let text = orm(&["orm", "cache", "stats", "--redis-url", &url, "--namespace", &ns]).unwrap();
        assert!(text.starts_with(&format!("namespace {ns}: 0 entries")) && text.contains("users: generation"), "{text}");
    }
}
