//! Reading the app's models from its sources, with the same attribute parser as the derive.

use anyhow::{anyhow, bail, Context};
use orm_schema::parse::parse_model;
use orm_schema::{Renames, Schema};
use std::path::{Path, PathBuf};

/// The models found under a directory: the schema they describe and the renames they declare.
#[derive(Debug, Default)]
pub struct Models {
    /// One table per `#[derive(Model)]` struct.
    pub schema: Schema,
    /// `#[orm(renamed_from = "...")]` on structs and fields.
    pub renames: Renames,
    /// Which file declared each table.
    pub origins: Vec<(String, PathBuf)>,
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    let entries = std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))?;
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n == "target" || n.to_string_lossy().starts_with('.')) {
                continue;
            }
            rust_files(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    Ok(())
}

fn derives_model(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().filter(|a| a.path().is_ident("derive")).any(|a| {
        let mut found = false;
        let _ = a.parse_nested_meta(|meta| {
            if meta.path.segments.last().is_some_and(|s| s.ident == "Model") {
                found = true;
            }
            Ok(())
        });
        found
    })
}

fn structs<'a>(items: &'a [syn::Item], out: &mut Vec<&'a syn::ItemStruct>) {
    for item in items {
        match item {
            syn::Item::Struct(s) if derives_model(&s.attrs) => out.push(s),
            syn::Item::Mod(m) => {
                if let Some((_, inner)) = &m.content {
                    structs(inner, out);
                }
            }
            _ => {}
        }
    }
}

/// Scans every `.rs` file under `dir` for `#[derive(Model)]` structs.
pub fn scan(dir: &Path) -> anyhow::Result<Models> {
    if !dir.is_dir() {
        anyhow::bail!(
            "looked for the models' sources (`#[derive(Model)]` structs) in {}, which is not a directory; \
             point `--models <dir>` at the crate's sources",
            dir.display()
        );
    }
    let mut files = Vec::new();
    rust_files(dir, &mut files)?;
    let mut models = Models::default();
    let mut belongs: Vec<(String, orm_schema::parse::RelationDef)> = Vec::new();
    let mut by_ident: std::collections::HashMap<String, String> = Default::default();
    for file in files {
        let text = std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
        let parsed = syn::parse_file(&text).map_err(|e| {
            let at = e.span().start();
            anyhow!("{}:{}:{}: {e}", file.display(), at.line, at.column + 1)
        })?;
        let mut found = Vec::new();
        structs(&parsed.items, &mut found);
        for item in found {
            let input = syn::DeriveInput::from(item.clone());
            let def = parse_model(&input).map_err(|e| {
                let at = e.span().start();
                anyhow!("{}:{}:{}: model `{}`: {e}", file.display(), at.line, at.column + 1, item.ident)
            })?;
            let name = def.table.name.clone();
            if let Some((_, other)) = models.origins.iter().find(|(t, _)| *t == name) {
                bail!("{}: model `{}` maps to table `{name}`, which {} maps to already", file.display(), item.ident, other.display());
            }
            if let Some(old) = &def.renamed_from {
                models.renames.tables.insert(name.clone(), old.clone());
            }
            for field in &def.fields {
                if let (Some(column), Some(old)) = (&field.column, &field.renamed_from) {
                    models.renames.columns.insert((name.clone(), column.clone()), old.clone());
                }
            }
            by_ident.insert(def.ident.to_string(), name.clone());
            for r in def.relations.iter().filter(|r| r.kind == orm_schema::parse::RelationKind::BelongsTo) {
                belongs.push((name.clone(), r.clone()));
            }
            models.origins.push((name.clone(), file.clone()));
            models.schema.tables.insert(name, def.table);
        }
    }
    // `belongs_to` relations become foreign keys, as the derive makes them.
    for (table, r) in belongs {
        let target_ident = r.target.segments.last().map(|s| s.ident.to_string()).unwrap_or_default();
        let target = if target_ident == "Self" { Some(table.clone()) } else { by_ident.get(&target_ident).cloned() };
        let Some(target) = target else {
            bail!("model of table `{table}`: `belongs_to = {target_ident}` names no model found under {}", dir.display());
        };
        let key = models.schema.tables[&target].primary_key.clone();
        let t = models.schema.tables.get_mut(&table).expect("scanned");
        t.add_belongs_to(&r.foreign_key, target, key, r.on_delete, r.on_update);
    }
    Ok(models)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_models_and_renames_and_reports_lines() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("models")).unwrap();
        std::fs::write(
            dir.path().join("models/user.rs"),
            r#"
            use orm_core::Model;
            #[derive(Debug, Model)]
            #[orm(renamed_from = "people")]
            pub struct User {
                #[orm(primary_key, auto_increment)]
                id: i64,
                #[orm(renamed_from = "mail", unique)]
                email: String,
            }
            struct NotAModel { x: i32 }
            mod nested { #[derive(orm_core::Model)] struct Tag { #[orm(primary_key)] id: i32 } }
            "#,
        )
        .unwrap();
        let m = scan(dir.path()).unwrap();
        assert_eq!(m.schema.tables.keys().collect::<Vec<_>>(), ["tags", "users"]);
        assert_eq!(m.renames.tables["users"], "people");
        assert_eq!(m.renames.columns[&("users".to_string(), "email".to_string())], "mail");

        std::fs::write(dir.path().join("bad.rs"), "#[derive(Model)]\nstruct Bad {\n    #[orm(colour)]\n    id: i64,\n}\n").unwrap();
        let err = scan(dir.path()).unwrap_err().to_string();
        assert!(err.contains("bad.rs:3:11") && err.contains("unknown `orm` field attribute `colour`"), "{err}");
    }
}
