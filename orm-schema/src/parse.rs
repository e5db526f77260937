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

mod ast;
mod attr;
mod check;
mod ir;
mod rust_type;
mod tokens;

pub use attr::{FieldAttrs, RelationKind, RelationSpec, StructAttrs};
pub use rust_type::{classify, RustType};
pub use tokens::table_tokens;

use crate::Table;
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
    /// `#[orm(cache)]`: `Some(None)`; `#[orm(cache(ttl = "60s"))]`: `Some(Some(60_000))` (ms).
    pub cache: Option<Option<u64>>,
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

/// Parses a `#[derive(Model)]` input into a [`ModelDef`], validating it, in four passes:
/// the `orm` attributes (`attr.rs`), the struct as declared with its column types (`ast.rs`), the
/// rules between them (`check.rs`), then the model IR (`ir.rs`). Every problem of the first three
/// is reported at once.
pub fn parse_model(input: &syn::DeriveInput) -> syn::Result<ModelDef> {
    let mut errors = Errors::default();
    let ast = ast::ModelAst::from_input(input, &mut errors)?;
    check::model(&ast, &mut errors);
    errors.finish()?;
    Ok(ir::model(ast))
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
