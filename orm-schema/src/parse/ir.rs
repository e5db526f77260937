//! Pass 4 of [`parse_model`](super::parse_model): the checked struct turned into the model IR,
//! [`ModelDef`] with its neutral [`Table`]. Nothing here fails: pass 3 reported every problem.

use super::ast::ModelAst;
use super::{last_ident, FieldDef, ModelDef, RelationDef, RelationKind};
use crate::{Column, ForeignKey, Index, Table};

/// The model IR of a checked struct.
pub(super) fn model(ast: ModelAst<'_>) -> ModelDef {
    let resolve = |names: &[String]| -> Vec<String> { names.iter().filter_map(|n| ast.resolve(n)).collect() };
    let mut table = Table::new(ast.table_name.clone());
    let mut roles: [Option<String>; 3] = [None, None, None];
    let mut relations = Vec::new();
    for (f, name) in ast.columns() {
        let Some(ty) = f.ty else { continue };
        let attrs = &f.attrs;
        let mut column = Column::new(name, ty);
        column.nullable = f.nullable();
        column.unique = attrs.unique.is_some();
        column.auto_increment = attrs.auto_increment.is_some();
        column.generated = attrs.auto.is_some();
        column.default = f.default.clone();
        column.checks = attrs.checks.clone();
        table.columns.push(column);
        for (slot, span) in [attrs.created_at, attrs.updated_at, attrs.soft_delete].into_iter().enumerate() {
            if span.is_some() {
                roles[slot] = Some(name.to_string());
            }
        }
        if attrs.index.is_some() {
            table.indexes.push(Index::new(Index::default_name(&ast.table_name, &[name], false), [name.to_string()]));
        }
        if let Some((target, _)) = &attrs.belongs_to {
            let relation = attrs.relation_name.clone().unwrap_or_else(|| {
                name.strip_suffix("_id").map(str::to_string).unwrap_or_else(|| format!("{name}_rel"))
            });
            relations.push(RelationDef {
                name: relation,
                kind: RelationKind::BelongsTo,
                target: target.clone(),
                foreign_key: name.to_string(),
                through: None,
                target_key: None,
                on_delete: attrs.on_delete.unwrap_or_default(),
                on_update: attrs.on_update.unwrap_or_default(),
            });
        }
    }
    table.primary_key = match &ast.attrs.primary_key {
        Some((cols, _)) => resolve(cols),
        None => ast.columns().filter(|(f, _)| f.attrs.primary_key.is_some()).map(|(_, c)| c.to_string()).collect(),
    };
    for spec in &ast.attrs.indexes {
        let columns = resolve(&spec.columns);
        let name = spec.name.clone().unwrap_or_else(|| Index::default_name(&ast.table_name, &columns, spec.unique));
        table.indexes.push(Index { name, columns, unique: spec.unique });
    }
    for spec in &ast.attrs.foreign_keys {
        let columns = resolve(&spec.columns);
        let name = spec.name.clone().unwrap_or_else(|| format!("{}_{}_fkey", ast.table_name, columns.join("_")));
        table.foreign_keys.push(ForeignKey {
            name,
            columns,
            references_table: spec.references.clone(),
            references_columns: spec.references_columns.clone(),
            on_delete: spec.on_delete,
            on_update: spec.on_update,
        });
    }
    let own = crate::snake_case(&ast.input.ident.to_string());
    for spec in &ast.attrs.relations {
        let target = crate::snake_case(&last_ident(&spec.target));
        let name = spec.name.clone().unwrap_or_else(|| match spec.kind {
            RelationKind::HasOne => target.clone(),
            _ => crate::pluralize(&target),
        });
        relations.push(RelationDef {
            name,
            kind: spec.kind,
            target: spec.target.clone(),
            foreign_key: spec.foreign_key.clone().unwrap_or_else(|| format!("{own}_id")),
            through: spec.through.clone(),
            target_key: Some(spec.target_key.clone().unwrap_or_else(|| format!("{target}_id"))),
            on_delete: Default::default(),
            on_update: Default::default(),
        });
    }
    let fields = ast
        .fields
        .iter()
        .map(|f| FieldDef {
            ident: f.ident.clone(),
            ty: f.field.ty.clone(),
            column: f.column.clone(),
            renamed_from: if f.column.is_some() { f.attrs.renamed_from.clone() } else { None },
            custom_validators: if f.column.is_some() { f.attrs.custom_validators.clone() } else { Vec::new() },
        })
        .collect();
    let [created_at, updated_at, soft_delete] = roles;
    ModelDef {
        ident: ast.input.ident.clone(),
        table,
        fields,
        renamed_from: ast.attrs.renamed_from.clone(),
        created_at,
        updated_at,
        soft_delete,
        hooks: ast.attrs.hooks,
        cache: ast.attrs.cache.map(|(ttl, _)| ttl),
        relations,
    }
}
