//! Pass 3 of [`parse_model`](super::parse_model): the rules between keys, fields and the struct
//! (a key that needs an `Option`, a type a role cannot take, a primary key declared twice, names
//! that resolve to no column, ...). Every broken rule is reported, spanned on the key at fault.

use super::ast::ModelAst;
use super::Errors;
use crate::{ColumnType, Index};
use syn::spanned::Spanned;

/// Checks `model`; each problem goes to `errors`.
pub(super) fn model(model: &ModelAst<'_>, errors: &mut Errors) {
    if !model.input.generics.params.is_empty() {
        errors.at(model.input.generics.span(), "a model cannot be generic: it maps to one table");
    }
    fields(model, errors);
    primary_key(model, errors);
    indexes(model, errors);
    for spec in &model.attrs.foreign_keys {
        resolve_all(model, &spec.columns, spec.span, errors);
    }
}

fn fields(model: &ModelAst<'_>, errors: &mut Errors) {
    let mut roles: [bool; 3] = [false; 3];
    let mut seen: Vec<&str> = Vec::new();
    for f in &model.fields {
        let attrs = &f.attrs;
        if attrs.skip.is_some() {
            if let Some(other) = attrs.any_column_key() {
                errors.at(other, "`skip` fields are not columns; remove the other `orm` keys");
            }
            continue;
        }
        let column = f.column.as_deref().unwrap_or_default();
        if seen.contains(&column) {
            errors.at(f.ident.span(), format!("column `{column}` is mapped twice"));
        }
        seen.push(column);
        let Some(ty) = f.ty else { continue };
        let nullable = f.nullable();
        if let Some(span) = attrs.nullable
            && !f.rust.optional
        {
            errors.at(span, "`nullable` needs an `Option<...>` field, so a NULL can be read back");
        }
        if let Some(span) = attrs.auto_increment {
            if !ty.is_integer() {
                errors.at(span, format!("`auto_increment` needs an integer column (i16, i32 or i64), not `{}`", ty.name()));
            }
            if nullable {
                errors.at(span, "an `auto_increment` column cannot be an `Option`");
            }
        }
        for (slot, span, name) in [(0, attrs.created_at, "created_at"), (1, attrs.updated_at, "updated_at"), (2, attrs.soft_delete, "soft_delete")] {
            let Some(span) = span else { continue };
            if !matches!(ty, ColumnType::Timestamp | ColumnType::DateTime) {
                errors.at(span, format!("`{name}` needs a `DateTime<Utc>` or `NaiveDateTime` field"));
            }
            if slot == 2 && !f.rust.optional {
                errors.at(span, "`soft_delete` needs an `Option<...>` field: NULL marks a live row");
            }
            if roles[slot] {
                errors.at(span, format!("only one field can be `{name}`"));
            }
            roles[slot] = true;
        }
        if let Some(span) = attrs.auto {
            if !matches!(ty, ColumnType::ObjectId | ColumnType::Uuid) {
                errors.at(span, format!("`auto` generates ObjectId and UUID values only, not `{}`; integer keys use `auto_increment`", ty.name()));
            }
            if attrs.auto_increment.is_some() {
                errors.at(span, "`auto` and `auto_increment` exclude each other");
            }
        }
        if let Some(span) = attrs.primary_key
            && nullable
        {
            errors.at(span, "a primary key column cannot be nullable (`Option`)");
        }
        for check in &attrs.checks {
            let text = matches!(ty, ColumnType::String { .. } | ColumnType::Text);
            let number = ty.is_integer() || matches!(ty, ColumnType::F32 | ColumnType::F64);
            let fits = match check {
                crate::Check::Min(_) | crate::Check::Max(_) => number,
                _ => text,
            };
            if !fits {
                errors.at(f.ident.span(), format!("`validate({check:?})` does not apply to a `{}` column", ty.name()));
            }
        }
    }
}

/// Declared on fields or on the struct, never both; never nullable; `auto_increment` on a
/// single-column key only.
fn primary_key(model: &ModelAst<'_>, errors: &mut Errors) {
    let on_fields: Vec<&str> = model.columns().filter(|(f, _)| f.attrs.primary_key.is_some()).map(|(_, c)| c).collect();
    let key: Vec<String> = match (&model.attrs.primary_key, on_fields.is_empty()) {
        (Some((_, span)), false) => {
            errors.at(
                *span,
                "the primary key is declared twice: on fields (`#[orm(primary_key)]`) and on the struct \
                 (`#[orm(primary_key(columns = [...]))]`); keep one",
            );
            Vec::new()
        }
        (Some((cols, span)), true) => {
            let resolved = resolve_all(model, cols, *span, errors);
            for c in &resolved {
                if model.columns().any(|(f, name)| name == c && f.nullable()) {
                    errors.at(*span, format!("primary key column `{c}` cannot be nullable (`Option`)"));
                }
            }
            resolved
        }
        (None, false) => on_fields.iter().map(|c| c.to_string()).collect(),
        (None, true) => {
            errors.at(model.input.ident.span(), "a model needs a primary key: mark a field `#[orm(primary_key)]` (several for a composite key)");
            Vec::new()
        }
    };
    let auto_inc: Vec<(&str, proc_macro2::Span)> =
        model.columns().filter_map(|(f, c)| f.attrs.auto_increment.filter(|_| f.ty.is_some()).map(|s| (c, s))).collect();
    if auto_inc.len() > 1 {
        errors.at(auto_inc[1].1, "only one column of a table can be `auto_increment`");
    }
    if let Some((col, span)) = auto_inc.first()
        && key != [col.to_string()]
        && !key.is_empty()
    {
        errors.at(*span, "`auto_increment` is only supported on a single-column primary key");
    }
}

/// Struct-level indexes name real columns, and no two indexes share a name.
fn indexes(model: &ModelAst<'_>, errors: &mut Errors) {
    let mut names: Vec<String> = model
        .columns()
        .filter(|(f, _)| f.attrs.index.is_some() && f.ty.is_some())
        .map(|(_, c)| Index::default_name(&model.table_name, &[c], false))
        .collect();
    for spec in &model.attrs.indexes {
        let columns = resolve_all(model, &spec.columns, spec.span, errors);
        if columns.is_empty() {
            continue;
        }
        let name = spec.name.clone().unwrap_or_else(|| Index::default_name(&model.table_name, &columns, spec.unique));
        if names.contains(&name) {
            errors.at(spec.span, format!("index `{name}` is declared twice"));
        }
        names.push(name);
    }
}

/// Resolves a struct-level `columns = [...]` list, reporting names that are no column.
fn resolve_all(model: &ModelAst<'_>, names: &[String], span: proc_macro2::Span, errors: &mut Errors) -> Vec<String> {
    if names.is_empty() {
        errors.at(span, "`columns` must name at least one column");
    }
    let mut out = Vec::new();
    for name in names {
        match model.resolve(name) {
            Some(col) => out.push(col),
            None => errors.at(span, format!("`{name}` is neither a field nor a column of this model")),
        }
    }
    out
}
