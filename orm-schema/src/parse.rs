//! The `#[orm(...)]` attribute parser, shared by `orm-derive` and the `orm` CLI.
//!
//! [`parse_model`] turns a struct's syntax into a [`ModelDef`]: its neutral [`Table`] plus the
//! field-to-column mapping the derive needs. Every mistake is collected, each spanned on the
//! offending token, and returned at once as one combined [`syn::Error`].
//!
//! ```
//! let input: syn::DeriveInput = syn::parse_quote! {
//!     #[orm(table = "people")]
//!     struct Person {
//!         #[orm(primary_key, auto_increment)]
//!         id: i64,
//!         name: Option<String>,
//!     }
//! };
//! let model = orm_schema::parse::parse_model(&input).unwrap();
//! assert_eq!(model.table.name, "people");
//! assert!(model.table.columns[1].nullable);
//! ```

mod attr;
mod rust_type;
mod tokens;

pub use attr::{FieldAttrs, RelationKind, RelationSpec, StructAttrs};
pub use rust_type::{classify, RustType};
pub use tokens::table_tokens;

use crate::{Column, ColumnType, DefaultValue, Index, Table};
use syn::spanned::Spanned;

/// A parsed model: the neutral table plus how the struct's fields map onto it.
#[derive(Debug, Clone)]
pub struct ModelDef {
    /// The struct's name.
    pub ident: syn::Ident,
    /// The table the struct maps to.
    pub table: Table,
    /// Every field of the struct, in declaration order, skipped ones included.
    pub fields: Vec<FieldDef>,
    /// `renamed_from = "..."`: the table's previous name.
    pub renamed_from: Option<String>,
    /// The `#[orm(created_at)]` column.
    pub created_at: Option<String>,
    /// The `#[orm(updated_at)]` column.
    pub updated_at: Option<String>,
    /// The `#[orm(soft_delete)]` column.
    pub soft_delete: Option<String>,
    /// `#[orm(hooks)]`: the model implements `orm_core::Hooks` itself.
    pub hooks: bool,
    /// Relations: `belongs_to` fields and struct-level `has_many` / `has_one` / `many_to_many`.
    pub relations: Vec<RelationDef>,
}

/// A relation of a model, as declared.
#[derive(Debug, Clone)]
pub struct RelationDef {
    /// The handle's name (`Post::user`).
    pub name: String,
    /// Its kind.
    pub kind: RelationKind,
    /// The related model.
    pub target: syn::Path,
    /// `belongs_to`: this model's column holding the key; `has_*`: the target's column holding
    /// this model's key; `many_to_many`: the join model's column holding this model's key.
    pub foreign_key: String,
    /// `many_to_many`: the join model.
    pub through: Option<syn::Path>,
    /// `many_to_many`: the join model's column holding the target's key.
    pub target_key: Option<String>,
    /// `belongs_to`: the foreign key's actions.
    pub on_delete: crate::ReferentialAction,
    /// See `on_delete`.
    pub on_update: crate::ReferentialAction,
}

fn last_ident(path: &syn::Path) -> String {
    path.segments.last().map(|s| s.ident.to_string()).unwrap_or_default()
}

/// One field of a parsed model.
#[derive(Debug, Clone)]
pub struct FieldDef {
    /// The field's name.
    pub ident: syn::Ident,
    /// The field's Rust type as written.
    pub ty: syn::Type,
    /// The column it maps to; `None` for `#[orm(skip)]` fields.
    pub column: Option<String>,
    /// `renamed_from = "..."`: the column's previous name.
    pub renamed_from: Option<String>,
    /// `validate(custom = "path")` functions: `fn(&FieldType) -> Result<(), String>`.
    pub custom_validators: Vec<syn::Path>,
}

impl ModelDef {
    /// The fields that map to columns, in table column order.
    pub fn column_fields(&self) -> impl Iterator<Item = &FieldDef> {
        self.fields.iter().filter(|f| f.column.is_some())
    }
}

/// Collects errors so that every problem is reported in one compile.
#[derive(Default)]
pub(crate) struct Errors(Vec<syn::Error>);

impl Errors {
    pub(crate) fn push(&mut self, err: syn::Error) {
        self.0.push(err);
    }

    pub(crate) fn at(&mut self, span: proc_macro2::Span, msg: impl std::fmt::Display) {
        self.0.push(syn::Error::new(span, msg));
    }

    /// An error covering all of `tokens` (first to last token).
    pub(crate) fn spanned(&mut self, tokens: impl quote::ToTokens, msg: impl std::fmt::Display) {
        self.0.push(syn::Error::new_spanned(tokens, msg));
    }

    pub(crate) fn finish(self) -> syn::Result<()> {
        let mut iter = self.0.into_iter();
        match iter.next() {
            None => Ok(()),
            Some(mut first) => {
                for e in iter {
                    first.combine(e);
                }
                Err(first)
            }
        }
    }
}

/// The named fields of a struct, or an error for enums, unions and tuple structs.
pub fn named_fields(input: &syn::DeriveInput) -> syn::Result<&syn::punctuated::Punctuated<syn::Field, syn::Token![,]>> {
    match &input.data {
        syn::Data::Struct(syn::DataStruct { fields: syn::Fields::Named(named), .. }) => Ok(&named.named),
        _ => Err(syn::Error::new(
            input.ident.span(),
            "a model must be a struct with named fields (a table has named columns)",
        )),
    }
}

/// Parses a `#[derive(Model)]` input into a [`ModelDef`], validating it.
pub fn parse_model(input: &syn::DeriveInput) -> syn::Result<ModelDef> {
    let mut errors = Errors::default();
    if !input.generics.params.is_empty() {
        errors.at(input.generics.span(), "a model cannot be generic: it maps to one table");
    }
    let struct_attrs = StructAttrs::parse(&input.attrs, &mut errors);
    let fields_in = named_fields(input)?;

    let table_name = struct_attrs
        .table
        .clone()
        .unwrap_or_else(|| crate::table_name_for(&input.ident.to_string()));
    let mut table = Table::new(table_name.clone());
    let mut fields = Vec::new();
    let mut field_pk: Vec<(String, proc_macro2::Span)> = Vec::new();
    let mut roles: [Option<String>; 3] = [None, None, None];
    let mut relations: Vec<RelationDef> = Vec::new();
    let mut auto_inc: Vec<(String, proc_macro2::Span)> = Vec::new();

    for field in fields_in {
        let ident = field.ident.clone().expect("named field");
        let attrs = FieldAttrs::parse(&field.attrs, &mut errors);
        if let Some(span) = attrs.skip {
            if let Some(other) = attrs.any_column_key() {
                errors.at(other, "`skip` fields are not columns; remove the other `orm` keys");
            }
            let _ = span;
            fields.push(FieldDef { ident, ty: field.ty.clone(), column: None, renamed_from: None, custom_validators: Vec::new() });
            continue;
        }
        let column_name = attrs.column.clone().unwrap_or_else(|| ident.to_string().trim_start_matches("r#").to_string());
        let rust = classify(&field.ty);
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
            (None, Some(base)) => apply_sizes(*base, &attrs, &mut errors),
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
        let def = FieldDef {
            ident: ident.clone(),
            ty: field.ty.clone(),
            column: Some(column_name.clone()),
            renamed_from: attrs.renamed_from,
            custom_validators: attrs.custom_validators,
        };
        let Some(ty) = ty else {
            fields.push(def);
            continue;
        };
        let nullable = rust.optional || attrs.nullable.is_some();
        if let Some(span) = attrs.nullable
            && !rust.optional
        {
            errors.at(span, "`nullable` needs an `Option<...>` field, so a NULL can be read back");
        }
        let mut column = Column::new(column_name.clone(), ty);
        column.nullable = nullable;
        column.unique = attrs.unique.is_some();
        if let Some(span) = attrs.auto_increment {
            if !ty.is_integer() {
                errors.at(span, format!("`auto_increment` needs an integer column (i16, i32 or i64), not `{}`", ty.name()));
            }
            if nullable {
                errors.at(span, "an `auto_increment` column cannot be an `Option`");
            }
            column.auto_increment = true;
            auto_inc.push((column_name.clone(), span));
        }
        for (slot, span, name) in [
            (0, attrs.created_at, "created_at"),
            (1, attrs.updated_at, "updated_at"),
            (2, attrs.soft_delete, "soft_delete"),
        ] {
            let Some(span) = span else { continue };
            if !matches!(ty, ColumnType::Timestamp | ColumnType::DateTime) {
                errors.at(span, format!("`{name}` needs a `DateTime<Utc>` or `NaiveDateTime` field"));
            }
            if slot == 2 && !rust.optional {
                errors.at(span, "`soft_delete` needs an `Option<...>` field: NULL marks a live row");
            }
            if roles[slot].is_some() {
                errors.at(span, format!("only one field can be `{name}`"));
            }
            roles[slot] = Some(column_name.clone());
        }
        if let Some((target, _)) = &attrs.belongs_to {
            let name = attrs.relation_name.clone().unwrap_or_else(|| {
                column_name.strip_suffix("_id").map(str::to_string).unwrap_or_else(|| format!("{column_name}_rel"))
            });
            relations.push(RelationDef {
                name,
                kind: RelationKind::BelongsTo,
                target: target.clone(),
                foreign_key: column_name.clone(),
                through: None,
                target_key: None,
                on_delete: attrs.on_delete.unwrap_or_default(),
                on_update: attrs.on_update.unwrap_or_default(),
            });
        }
        if let Some(span) = attrs.auto {
            if !matches!(ty, ColumnType::ObjectId | ColumnType::Uuid) {
                errors.at(span, format!("`auto` generates ObjectId and UUID values only, not `{}`; integer keys use `auto_increment`", ty.name()));
            }
            if attrs.auto_increment.is_some() {
                errors.at(span, "`auto` and `auto_increment` exclude each other");
            }
            column.generated = true;
        }
        if let Some((text, span)) = &attrs.default {
            match DefaultValue::parse_for(&ty, text) {
                Ok(d) => column.default = Some(d),
                Err(msg) => errors.at(*span, msg),
            }
        }
        if let Some(span) = attrs.primary_key {
            if nullable {
                errors.at(span, "a primary key column cannot be nullable (`Option`)");
            }
            field_pk.push((column_name.clone(), span));
        }
        if attrs.index.is_some() {
            let name = Index::default_name(&table_name, &[&column_name], false);
            table.indexes.push(Index::new(name, [column_name.clone()]));
        }
        if table.column_named(&column_name).is_some() {
            errors.at(ident.span(), format!("column `{column_name}` is mapped twice"));
        }
        for check in &attrs.checks {
            let text = matches!(ty, ColumnType::String { .. } | ColumnType::Text);
            let number = ty.is_integer() || matches!(ty, ColumnType::F32 | ColumnType::F64);
            let fits = match check {
                crate::Check::Min(_) | crate::Check::Max(_) => number,
                _ => text,
            };
            if !fits {
                errors.at(ident.span(), format!("`validate({check:?})` does not apply to a `{}` column", ty.name()));
            }
        }
        column.checks = attrs.checks.clone();
        table.columns.push(column);
        fields.push(def);
    }

    // Primary key: declared on fields, or at struct level, never both.
    match (&struct_attrs.primary_key, field_pk.is_empty()) {
        (Some((_, span)), false) => errors.at(
            *span,
            "the primary key is declared twice: on fields (`#[orm(primary_key)]`) and on the struct \
             (`#[orm(primary_key(columns = [...]))]`); keep one",
        ),
        (Some((cols, span)), true) => {
            let resolved = resolve_columns(&table, &fields, cols, *span, &mut errors);
            for c in &resolved {
                if table.column_named(c).is_some_and(|c| c.nullable) {
                    errors.at(*span, format!("primary key column `{c}` cannot be nullable (`Option`)"));
                }
            }
            table.primary_key = resolved;
        }
        (None, false) => table.primary_key = field_pk.iter().map(|(c, _)| c.clone()).collect(),
        (None, true) => errors.at(
            input.ident.span(),
            "a model needs a primary key: mark a field `#[orm(primary_key)]` (several for a composite key)",
        ),
    }
    if auto_inc.len() > 1 {
        errors.at(auto_inc[1].1, "only one column of a table can be `auto_increment`");
    }
    if let Some((col, span)) = auto_inc.first()
        && table.primary_key != [col.clone()]
        && !table.primary_key.is_empty()
    {
        errors.at(*span, "`auto_increment` is only supported on a single-column primary key");
    }

    for spec in &struct_attrs.indexes {
        let columns = resolve_columns(&table, &fields, &spec.columns, spec.span, &mut errors);
        if columns.is_empty() {
            continue;
        }
        let name = spec.name.clone().unwrap_or_else(|| Index::default_name(&table_name, &columns, spec.unique));
        if table.indexes.iter().any(|i| i.name == name) {
            errors.at(spec.span, format!("index `{name}` is declared twice"));
        }
        table.indexes.push(Index { name, columns, unique: spec.unique });
    }

    for spec in &struct_attrs.foreign_keys {
        let columns = resolve_columns(&table, &fields, &spec.columns, spec.span, &mut errors);
        let name = spec.name.clone().unwrap_or_else(|| format!("{}_{}_fkey", table_name, columns.join("_")));
        table.foreign_keys.push(crate::ForeignKey {
            name,
            columns,
            references_table: spec.references.clone(),
            references_columns: spec.references_columns.clone(),
            on_delete: spec.on_delete,
            on_update: spec.on_update,
        });
    }

    errors.finish()?;
    let own = crate::snake_case(&input.ident.to_string());
    for spec in &struct_attrs.relations {
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
    let [created_at, updated_at, soft_delete] = roles;
    Ok(ModelDef {
        ident: input.ident.clone(),
        table,
        fields,
        renamed_from: struct_attrs.renamed_from,
        created_at,
        updated_at,
        soft_delete,
        hooks: struct_attrs.hooks,
        relations,
    })
}

fn apply_sizes(base: ColumnType, attrs: &FieldAttrs, errors: &mut Errors) -> Option<ColumnType> {
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
    Some(ty)
}

/// Resolves names in a struct-level `columns = [...]` list: field names or column names.
fn resolve_columns(
    table: &Table,
    fields: &[FieldDef],
    names: &[String],
    span: proc_macro2::Span,
    errors: &mut Errors,
) -> Vec<String> {
    let mut out = Vec::new();
    if names.is_empty() {
        errors.at(span, "`columns` must name at least one column");
    }
    for name in names {
        let by_field = fields.iter().find(|f| f.ident == name.as_str()).and_then(|f| f.column.clone());
        match by_field.or_else(|| table.column_named(name).map(|c| c.name.clone())) {
            Some(col) => out.push(col),
            None => errors.at(span, format!("`{name}` is neither a field nor a column of this model")),
        }
    }
    out
}

/// A parsed `#[derive(FromRow)]` struct: a subset of a model's columns.
#[derive(Debug, Clone)]
pub struct PartialDef {
    /// The struct's name.
    pub ident: syn::Ident,
    /// Its fields with the columns they read (`None` for `skip`).
    pub fields: Vec<FieldDef>,
}

/// Parses a `#[derive(FromRow)]` input: each field reads the column of its name, or
/// `#[orm(column = "...")]`; `#[orm(skip)]` fields take `Default::default()`. Model-only keys
/// (`primary_key`, `index`, ...) are errors here.
pub fn parse_partial(input: &syn::DeriveInput) -> syn::Result<PartialDef> {
    let mut errors = Errors::default();
    if !input.generics.params.is_empty() {
        errors.at(input.generics.span(), "a `FromRow` struct cannot be generic");
    }
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("orm")) {
        errors.at(attr.span(), "`FromRow` takes no struct-level `orm` attributes");
    }
    let mut fields = Vec::new();
    for field in named_fields(input)? {
        let ident = field.ident.clone().expect("named field");
        let attrs = FieldAttrs::parse(&field.attrs, &mut errors);
        let model_only = [attrs.primary_key, attrs.auto_increment, attrs.auto, attrs.unique, attrs.index, attrs.nullable, attrs.created_at, attrs.updated_at, attrs.soft_delete]
            .into_iter()
            .flatten()
            .chain(attrs.type_name.as_ref().map(|t| t.1))
            .chain(attrs.default.as_ref().map(|t| t.1))
            .chain(attrs.length.map(|t| t.1))
            .chain(attrs.precision.map(|t| t.1))
            .chain(attrs.scale.map(|t| t.1));
        for span in model_only {
            errors.at(span, "`FromRow` fields take only `column = \"...\"` or `skip`; schema keys belong on the model");
        }
        let column = match attrs.skip {
            Some(_) => None,
            None => Some(attrs.column.clone().unwrap_or_else(|| ident.to_string().trim_start_matches("r#").to_string())),
        };
        fields.push(FieldDef { ident, ty: field.ty.clone(), column, renamed_from: None, custom_validators: Vec::new() });
    }
    errors.finish()?;
    Ok(PartialDef { ident: input.ident.clone(), fields })
}

#[cfg(test)]
mod tests;
