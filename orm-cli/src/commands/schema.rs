//! `orm schema diagram`: an entity-relationship diagram of the live database or of the models.

use crate::commands::connect_read_only;
use crate::diagram::{self, Diagram};
use crate::{Cli, OutputFormat};
use anyhow::Context;
use clap::Subcommand;
use serde_json::json;
use std::path::{Path, PathBuf};

/// `orm schema` subcommands.
#[derive(Debug, Subcommand)]
pub enum SchemaCommand {
    /// Draw the schema: tables (collections), columns with types, keys, nullability, unique and
    /// indexed columns, foreign keys as edges, many-to-many through join tables. `--format svg`
    /// (the default; also taken from `--out`'s extension: .svg, .mmd, .dot, .json), `mermaid`,
    /// `dot` or `json`.
    Diagram {
        /// Write the diagram to this file instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Draw the models found under this directory (`#[derive(Model)]` structs) instead of
        /// the live database.
        #[arg(long)]
        models: Option<PathBuf>,
        /// Only these tables (comma-separated).
        #[arg(long, value_delimiter = ',')]
        tables: Vec<String>,
        /// MongoDB: documents sampled per collection that has no validator.
        #[arg(long, default_value_t = 1000)]
        sample: usize,
    },
}

/// The format a diagram is written in: `--format`, else `--out`'s extension, else SVG.
fn chosen(format: OutputFormat, out: Option<&Path>) -> OutputFormat {
    if format != OutputFormat::Text {
        return format;
    }
    match out.and_then(|p| p.extension()).and_then(|e| e.to_str()) {
        Some("mmd" | "mermaid") => OutputFormat::Mermaid,
        Some("dot" | "gv") => OutputFormat::Dot,
        Some("json") => OutputFormat::Json,
        _ => OutputFormat::Svg,
    }
}

/// Adds to a live schema what its migrations declare and the database cannot tell: every
/// column's validation rules (`validate = [..]`), and, with `foreign_keys` (MongoDB, which keeps
/// none), the foreign keys, for the tables and columns that exist.
pub(crate) fn declared_by_migrations(schema: &mut orm_schema::Schema, dir: &Path, foreign_keys: bool, err: &mut dyn std::io::Write) -> anyhow::Result<()> {
    if !dir.is_dir() {
        if foreign_keys {
            writeln!(err, "no {} directory: a MongoDB diagram draws the foreign keys its migrations declare, so it has none", dir.display())?;
        }
        return Ok(());
    }
    let declared = orm_core::migrate::replay(&orm_core::migrate::load_dir(dir)?)?;
    let names: Vec<String> = schema.tables.keys().cloned().collect();
    for table in schema.tables.values_mut() {
        let Some(from) = declared.tables.get(&table.name) else { continue };
        for column in &mut table.columns {
            if let Some(rules) = from.column_named(&column.name).map(|c| &c.checks).filter(|c| !c.is_empty()) {
                column.checks = rules.clone();
            }
        }
        if !foreign_keys {
            continue;
        }
        for fk in &from.foreign_keys {
            let present = fk.columns.iter().all(|c| table.column_named(c).is_some()) && names.contains(&fk.references_table);
            if present && !table.foreign_keys.iter().any(|k| k.columns == fk.columns) {
                table.foreign_keys.push(fk.clone());
            }
        }
    }
    Ok(())
}

/// Runs an `orm schema` command.
pub async fn run(cli: &Cli, cmd: &SchemaCommand, out: &mut dyn std::io::Write, err: &mut dyn std::io::Write) -> anyhow::Result<()> {
    let SchemaCommand::Diagram { out: file, models, tables, sample } = cmd;
    let mut schema = match models {
        Some(dir) => crate::scan::scan(dir)?.schema,
        None => {
            let db = connect_read_only(cli, err).await?;
            let mut schema = db.introspect_sampled(*sample).await?;
            if db.backend() == orm_core::BackendKind::MongoDb {
                declared_by_migrations(&mut schema, &cli.migrations_dir, true, err)?;
            }
            db.close().await;
            schema
        }
    };
    if !tables.is_empty() {
        for name in tables {
            if !schema.tables.contains_key(name) {
                writeln!(err, "warning: no table `{name}` to draw")?;
            }
        }
        schema.tables.retain(|name, _| tables.contains(name));
    }
    let drawing = Diagram::new(&schema);
    let format = chosen(cli.output, file.as_deref());
    let text = match format {
        OutputFormat::Mermaid => diagram::mermaid(&drawing),
        OutputFormat::Dot => diagram::dot(&drawing),
        OutputFormat::Json => format!("{}\n", drawing.to_json()),
        OutputFormat::Svg | OutputFormat::Text => diagram::svg(&drawing),
    };
    let Some(file) = file else {
        out.write_all(text.as_bytes())?;
        return Ok(());
    };
    std::fs::write(file, text).with_context(|| format!("writing {}", file.display()))?;
    let (entities, edges) = (drawing.entities.len(), drawing.edges.len());
    if cli.output == OutputFormat::Json {
        writeln!(out, "{}", json!({ "written": file.display().to_string(), "tables": entities, "foreign_keys": edges }))?;
    } else {
        writeln!(out, "wrote {}: {entities} tables, {edges} foreign keys", file.display())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_follows_the_flag_then_the_extension() {
        assert_eq!(chosen(OutputFormat::Dot, Some(Path::new("a.svg"))), OutputFormat::Dot);
        assert_eq!(chosen(OutputFormat::Text, Some(Path::new("docs/schema.mmd"))), OutputFormat::Mermaid);
        assert_eq!(chosen(OutputFormat::Text, Some(Path::new("s.gv"))), OutputFormat::Dot);
        assert_eq!(chosen(OutputFormat::Text, None), OutputFormat::Svg);
    }
}
