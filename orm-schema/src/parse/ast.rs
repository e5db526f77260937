//! Pass 2 of [`parse_model`](super::parse_model): the struct as declared. Each field carries its
//! parsed attributes (pass 1, `attr.rs`), its column name and its column type resolved from the
//! Rust type or `type = "..."`; nothing is checked against anything else yet.

use super::attr::{FieldAttrs, StructAttrs};
use super::rust_type::{classify, RustType};
use super::{named_fields, Errors};
use crate::{ColumnType, DefaultValue};

/// A `#[derive(Model)]` struct as declared.
pub(super) struct ModelAst<'a> {
    pub(super) input: &'a syn::DeriveInput,
    pub(super) attrs: StructAttrs,
    pub(super) table_name: String,
    pub(super) fields: Vec<FieldAst<'a>>,
}

/// One field as declared.
pub(super) struct FieldAst<'a> {
    pub(super) field: &'a syn::Field,
    pub(super) ident: syn::Ident,
    pub(super) attrs: FieldAttrs,
    pub(super) rust: RustType,
    /// The column it maps to; `None` for a `skip` field.
    pub(super) column: Option<String>,
    /// Its column type; `None` for a `skip` field or one whose type did not resolve (reported).
    pub(super) ty: Option<ColumnType>,
    /// Its `default = "..."`, read for the column type (`None` when absent or unreadable, reported).
    pub(super) default: Option<DefaultValue>,
}

impl FieldAst<'_> {
    /// Whether the column takes NULL.
    pub(super) fn nullable(&self) -> bool {
        self.rust.optional || self.attrs.nullable.is_some()
    }
}

impl<'a> ModelAst<'a> {
    pub(super) fn from_input(input: &'a syn::DeriveInput, errors: &mut Errors) -> syn::Result<ModelAst<'a>> {
        let attrs = StructAttrs::parse(&input.attrs, errors);
        let table_name = attrs.table.clone().unwrap_or_else(|| crate::table_name_for(&input.ident.to_string()));
        let fields = named_fields(input)?.iter().map(|f| FieldAst::from_field(f, errors)).collect();
        Ok(ModelAst { input, attrs, table_name, fields })
    }

    /// The fields that map to columns.
    pub(super) fn columns(&self) -> impl Iterator<Item = (&FieldAst<'a>, &str)> {
        self.fields.iter().filter_map(|f| f.column.as_deref().map(|c| (f, c)))
    }

    /// The column a struct-level `columns = [...]` entry names: a field's name or a column's.
    pub(super) fn resolve(&self, name: &str) -> Option<String> {
        let by_field = self.fields.iter().find(|f| f.ident == name).and_then(|f| f.column.clone());
        by_field.or_else(|| self.columns().find(|(_, c)| *c == name).map(|(_, c)| c.to_string()))
    }
}

impl<'a> FieldAst<'a> {
    fn from_field(field: &'a syn::Field, errors: &mut Errors) -> FieldAst<'a> {
        let ident = field.ident.clone().expect("named field");
        let attrs = FieldAttrs::parse(&field.attrs, errors);
        let rust = classify(&field.ty);
        if attrs.skip.is_some() {
            return FieldAst { field, ident, attrs, rust, column: None, ty: None, default: None };
        }
        let column = attrs.column.clone().unwrap_or_else(|| ident.to_string().trim_start_matches("r#").to_string());
        let ty = match (&attrs.type_name, &rust.column_type) {
            (Some((name, span)), _) => {
                match ColumnType::from_name(name, attrs.length.map(|l| l.0), attrs.precision.map(|p| p.0), attrs.scale.map(|s| s.0)) {
                    Ok(t) => Some(t),
                    Err(msg) => {
                        errors.at(*span, msg);
                        None
                    }
                }
            }
            (None, Some(base)) => Some(apply_sizes(*base, &attrs, errors)),
            (None, None) => {
                errors.spanned(
                    &field.ty,
                    format!(
                        "unsupported field type `{}` for a column; give its column type with \
                         `#[orm(type = \"...\")]` (one of: {}) and implement `orm_core::FieldType` for it, \
                         or mark the field `#[orm(skip)]`",
                        quote::ToTokens::to_token_stream(&field.ty).to_string().replace(' ', ""),
                        ColumnType::NAMES.join(", ")
                    ),
                );
                None
            }
        };
        let default = match (&attrs.default, &ty) {
            (Some((text, span)), Some(ty)) => match DefaultValue::parse_for(ty, text) {
                Ok(d) => Some(d),
                Err(msg) => {
                    errors.at(*span, msg);
                    None
                }
            },
            _ => None,
        };
        FieldAst { field, ident, attrs, rust, column: Some(column), ty, default }
    }
}

/// The Rust type's column type with the field's `length`, `precision` and `scale`.
fn apply_sizes(base: ColumnType, attrs: &FieldAttrs, errors: &mut Errors) -> ColumnType {
    let mut ty = base;
    if let Some((len, span)) = attrs.length {
        match &mut ty {
            ColumnType::String { length } => *length = Some(len),
            _ => errors.at(span, format!("`length` applies to string columns only, not `{}`", base.name())),
        }
    }
    for (value, span, is_precision) in [
        attrs.precision.map(|(v, s)| (v, s, true)),
        attrs.scale.map(|(v, s)| (v, s, false)),
    ]
    .into_iter()
    .flatten()
    {
        match &mut ty {
            ColumnType::Decimal { precision, scale } => {
                if is_precision { *precision = Some(value) } else { *scale = Some(value) }
            }
            _ => errors.at(span, format!("`precision` and `scale` apply to decimal columns only, not `{}`", base.name())),
        }
    }
    if let ColumnType::Decimal { precision: Some(p), scale: Some(s) } = ty
        && s > p
    {
        let span = attrs.scale.map(|s| s.1).unwrap_or_else(proc_macro2::Span::call_site);
        errors.at(span, "decimal scale is larger than its precision");
    }
    ty
}
