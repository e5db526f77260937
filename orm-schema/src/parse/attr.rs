//! Reading `#[orm(...)]` attributes into plain values, with spans for error messages.

use super::Errors;
use proc_macro2::Span;
use syn::meta::ParseNestedMeta;
use syn::spanned::Spanned;

/// Declares the keys one attribute position accepts: an enum the parser matches on exhaustively,
/// and one table of names and forms that both the parser's lookup and the "expected one of"
/// message read, so a key cannot be handled without being listed, or listed without being handled.
macro_rules! keys {
    ($name:ident { $($variant:ident => $key:literal $form:literal),+ $(,)? }) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        enum $name {
            $($variant),+
        }

        impl $name {
            const ALL: &'static [($name, &'static str, &'static str)] = &[$(($name::$variant, $key, $form)),+];

            fn from_key(key: &str) -> Option<$name> {
                Self::ALL.iter().find(|(_, k, _)| *k == key).map(|(v, _, _)| *v)
            }

            fn expected() -> String {
                Self::ALL.iter().map(|(_, k, form)| format!("{k}{form}")).collect::<Vec<_>>().join(", ")
            }
        }
    };
}

keys!(FieldKey {
    PrimaryKey => "primary_key" "",
    AutoIncrement => "auto_increment" "",
    Auto => "auto" "",
    Unique => "unique" "",
    Index => "index" "",
    Skip => "skip" "",
    Nullable => "nullable" "",
    CreatedAt => "created_at" "",
    UpdatedAt => "updated_at" "",
    SoftDelete => "soft_delete" "",
    Column => "column" " = \"...\"",
    Type => "type" " = \"...\"",
    Default => "default" " = \"...\"",
    Length => "length" " = N",
    Precision => "precision" " = N",
    Scale => "scale" " = N",
    RenamedFrom => "renamed_from" " = \"...\"",
    Validate => "validate" "(length(min = N, max = N), range(min = X, max = X), email, regex = \"...\", custom = \"path\")",
    BelongsTo => "belongs_to" " = Model",
    Relation => "relation" " = \"name\"",
    OnDelete => "on_delete" " = \"cascade\" | \"set_null\" | \"restrict\" | \"no_action\" | \"set_default\"",
    OnUpdate => "on_update" " = \"...\"",
});

keys!(StructKey {
    Table => "table" " = \"...\"",
    Index => "index" "(name = \"...\", columns = [...])",
    Unique => "unique" "(name = \"...\", columns = [...])",
    PrimaryKey => "primary_key" "(columns = [...])",
    ForeignKey => "foreign_key" "(name = \"...\", columns = [...], references = \"table\", references_columns = [...], on_delete = \"...\", on_update = \"...\")",
    RenamedFrom => "renamed_from" " = \"...\"",
    HasMany => "has_many" "(Model, foreign_key = \"...\")",
    HasOne => "has_one" "(Model, foreign_key = \"...\")",
    ManyToMany => "many_to_many" "(Model, through = JoinModel)",
    Hooks => "hooks" "",
    Cache => "cache" "[(ttl = \"60s\")]",
});

/// The `#[orm(...)]` keys of one field.
#[derive(Debug, Default, Clone)]
pub struct FieldAttrs {
    /// `primary_key`
    pub primary_key: Option<Span>,
    /// `auto_increment`
    pub auto_increment: Option<Span>,
    /// `auto` (a client-generated ObjectId or UUID)
    pub auto: Option<Span>,
    /// `unique`
    pub unique: Option<Span>,
    /// `index`
    pub index: Option<Span>,
    /// `skip`
    pub skip: Option<Span>,
    /// `nullable`
    pub nullable: Option<Span>,
    /// `created_at`: set to the current time on insert
    pub created_at: Option<Span>,
    /// `updated_at`: set to the current time on insert and every update
    pub updated_at: Option<Span>,
    /// `soft_delete`: deleting sets it instead of removing the row; queries skip such rows
    pub soft_delete: Option<Span>,
    /// `column = "..."`
    pub column: Option<String>,
    /// `type = "..."`
    pub type_name: Option<(String, Span)>,
    /// `default = "..."` (or a bool / number literal)
    pub default: Option<(String, Span)>,
    /// `length = N`
    pub length: Option<(u32, Span)>,
    /// `precision = N`
    pub precision: Option<(u32, Span)>,
    /// `scale = N`
    pub scale: Option<(u32, Span)>,
    /// `renamed_from = "..."`: the column's previous name, for generated migrations
    pub renamed_from: Option<String>,
    /// `validate(...)` rules
    pub checks: Vec<crate::Check>,
    /// `validate(custom = "path")` functions
    pub custom_validators: Vec<syn::Path>,
    /// `belongs_to = Model`: this field holds the key of a `Model` row
    pub belongs_to: Option<(syn::Path, Span)>,
    /// `on_delete = "..."` / `on_update = "..."` of a `belongs_to`
    pub on_delete: Option<crate::ReferentialAction>,
    /// See `on_delete`.
    pub on_update: Option<crate::ReferentialAction>,
    /// `relation = "name"`: the name of a `belongs_to` relation (default: the field without `_id`)
    pub relation_name: Option<String>,
    column_span: Option<Span>,
}

impl FieldAttrs {
    /// Reads every `#[orm(...)]` attribute in `attrs`.
    pub(crate) fn parse(attrs: &[syn::Attribute], errors: &mut Errors) -> FieldAttrs {
        let mut out = FieldAttrs::default();
        for attr in attrs.iter().filter(|a| a.path().is_ident("orm")) {
            let result = attr.parse_nested_meta(|meta| {
                let key = key_name(&meta);
                let span = meta.path.span();
                let Some(known) = FieldKey::from_key(&key) else {
                    skip_value(&meta)?;
                    let hint = if key == "foreign_key" {
                        " (a `belongs_to` field is the foreign key itself; other foreign keys go on the struct as \
                         `foreign_key(...)`)"
                    } else {
                        ""
                    };
                    errors.at(span, format!("unknown `orm` field attribute `{key}`{hint}; expected one of: {}", FieldKey::expected()));
                    return Ok(());
                };
                match known {
                    FieldKey::PrimaryKey => set_flag(&mut out.primary_key, &meta, errors),
                    FieldKey::AutoIncrement => set_flag(&mut out.auto_increment, &meta, errors),
                    FieldKey::Auto => set_flag(&mut out.auto, &meta, errors),
                    FieldKey::Unique => set_flag(&mut out.unique, &meta, errors),
                    FieldKey::Index => set_flag(&mut out.index, &meta, errors),
                    FieldKey::Skip => set_flag(&mut out.skip, &meta, errors),
                    FieldKey::Nullable => set_flag(&mut out.nullable, &meta, errors),
                    FieldKey::CreatedAt => set_flag(&mut out.created_at, &meta, errors),
                    FieldKey::UpdatedAt => set_flag(&mut out.updated_at, &meta, errors),
                    FieldKey::SoftDelete => set_flag(&mut out.soft_delete, &meta, errors),
                    FieldKey::Column => {
                        let v = string_value(&meta)?;
                        if v.is_empty() {
                            errors.at(span, "`column` cannot be empty");
                        }
                        once(&mut out.column, v, &meta, errors);
                        out.column_span.get_or_insert(span);
                    }
                    FieldKey::Type => {
                        let v = string_value(&meta)?;
                        once(&mut out.type_name, (v, span), &meta, errors);
                    }
                    FieldKey::Default => {
                        let v = literal_text(&meta)?;
                        once(&mut out.default, (v, span), &meta, errors);
                    }
                    FieldKey::Length => {
                        let v = int_value(&meta)?;
                        once(&mut out.length, (v, span), &meta, errors);
                    }
                    FieldKey::Precision => {
                        let v = int_value(&meta)?;
                        once(&mut out.precision, (v, span), &meta, errors);
                    }
                    FieldKey::Scale => {
                        let v = int_value(&meta)?;
                        once(&mut out.scale, (v, span), &meta, errors);
                    }
                    FieldKey::RenamedFrom => {
                        let v = string_value(&meta)?;
                        once(&mut out.renamed_from, v, &meta, errors);
                    }
                    FieldKey::Validate => validate_spec(&meta, &mut out, errors)?,
                    FieldKey::BelongsTo => {
                        let path: syn::Path = meta.value()?.parse()?;
                        once(&mut out.belongs_to, (path, span), &meta, errors);
                    }
                    FieldKey::Relation => {
                        let v = string_value(&meta)?;
                        once(&mut out.relation_name, v, &meta, errors);
                    }
                    FieldKey::OnDelete | FieldKey::OnUpdate => {
                        let text = string_value(&meta)?;
                        let slot = if known == FieldKey::OnDelete { &mut out.on_delete } else { &mut out.on_update };
                        match parse_action(&text) {
                            Some(a) => once(slot, a, &meta, errors),
                            None => errors.at(span, format!("unknown action `{text}`")),
                        }
                    }
                }
                Ok(())
            });
            if let Err(e) = result {
                errors.push(e);
            }
        }
        out
    }

    /// The span of any key other than `skip`, to report keys that make no sense on a skipped field.
    pub(crate) fn any_column_key(&self) -> Option<Span> {
        [self.primary_key, self.auto_increment, self.auto, self.unique, self.index, self.nullable, self.column_span]
            .into_iter()
            .flatten()
            .chain(self.type_name.as_ref().map(|t| t.1))
            .chain(self.default.as_ref().map(|t| t.1))
            .chain(self.length.map(|t| t.1))
            .next()
    }
}

/// One struct-level `index(...)` or `unique(...)`.
#[derive(Debug, Clone)]
pub struct IndexSpec {
    /// `name = "..."`
    pub name: Option<String>,
    /// `columns = [...]`
    pub columns: Vec<String>,
    /// `unique(...)`, or `index(..., unique)`
    pub unique: bool,
    /// Where it was declared.
    pub span: Span,
}

/// The `#[orm(...)]` keys of a struct.
#[derive(Debug, Default, Clone)]
pub struct StructAttrs {
    /// `table = "..."`
    pub table: Option<String>,
    /// `primary_key(columns = [...])`
    pub primary_key: Option<(Vec<String>, Span)>,
    /// `index(...)` and `unique(...)`
    pub indexes: Vec<IndexSpec>,
    /// `foreign_key(...)`
    pub foreign_keys: Vec<ForeignKeySpec>,
    /// `renamed_from = "..."`: the table's previous name, for generated migrations
    pub renamed_from: Option<String>,
    /// `hooks`: the model implements `orm_core::Hooks` itself
    pub hooks: bool,
    /// `has_many(...)`, `has_one(...)`, `many_to_many(...)`
    pub relations: Vec<RelationSpec>,
    /// `cache` / `cache(ttl = "60s")`: queries of the model use the query cache by default, for
    /// the TTL in milliseconds when given.
    pub cache: Option<(Option<u64>, Span)>,
}

/// The kind of a relation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelationKind {
    /// This model holds the other's key.
    BelongsTo,
    /// The other model holds this one's key; many of them.
    HasMany,
    /// The other model holds this one's key; one of them.
    HasOne,
    /// Through a join model holding both keys.
    ManyToMany,
}

/// One struct-level relation declaration.
#[derive(Debug, Clone)]
pub struct RelationSpec {
    /// Its kind.
    pub kind: RelationKind,
    /// The related model.
    pub target: syn::Path,
    /// `name = "..."` (default: the target's snake_case name, plural for many)
    pub name: Option<String>,
    /// `foreign_key = "..."`: the column of the target (`has_*`) or of the join model holding this
    /// model's key (default `{this model}_id`)
    pub foreign_key: Option<String>,
    /// `through = Model` (`many_to_many`)
    pub through: Option<syn::Path>,
    /// `target_key = "..."`: the join model's column holding the target's key (default `{target}_id`)
    pub target_key: Option<String>,
    /// Where it was declared.
    pub span: Span,
}

/// One struct-level `foreign_key(...)`.
#[derive(Debug, Clone)]
pub struct ForeignKeySpec {
    /// `name = "..."` (default `{table}_{columns}_fkey`)
    pub name: Option<String>,
    /// `columns = [...]`: fields or columns of this model
    pub columns: Vec<String>,
    /// `references = "table"`
    pub references: String,
    /// `references_columns = [...]`
    pub references_columns: Vec<String>,
    /// `on_delete = "cascade" | "set_null" | "restrict" | "no_action" | "set_default"`
    pub on_delete: crate::ReferentialAction,
    /// `on_update = ...`
    pub on_update: crate::ReferentialAction,
    /// Where it was declared.
    pub span: Span,
}

impl StructAttrs {
    /// Reads every `#[orm(...)]` attribute on the struct.
    pub(crate) fn parse(attrs: &[syn::Attribute], errors: &mut Errors) -> StructAttrs {
        let mut out = StructAttrs::default();
        for attr in attrs.iter().filter(|a| a.path().is_ident("orm")) {
            let result = attr.parse_nested_meta(|meta| {
                let key = key_name(&meta);
                let span = meta.path.span();
                let Some(known) = StructKey::from_key(&key) else {
                    skip_value(&meta)?;
                    errors.at(span, format!("unknown `orm` struct attribute `{key}`; expected one of: {}", StructKey::expected()));
                    return Ok(());
                };
                match known {
                    StructKey::Table => {
                        let v = string_value(&meta)?;
                        if v.is_empty() {
                            errors.at(span, "`table` cannot be empty");
                        }
                        once(&mut out.table, v, &meta, errors);
                    }
                    StructKey::Index | StructKey::Unique => {
                        let spec = index_spec(&meta, known == StructKey::Unique, errors)?;
                        out.indexes.push(spec);
                    }
                    StructKey::RenamedFrom => {
                        let v = string_value(&meta)?;
                        once(&mut out.renamed_from, v, &meta, errors);
                    }
                    StructKey::HasMany | StructKey::HasOne | StructKey::ManyToMany => {
                        let kind = match known {
                            StructKey::HasMany => RelationKind::HasMany,
                            StructKey::HasOne => RelationKind::HasOne,
                            _ => RelationKind::ManyToMany,
                        };
                        out.relations.push(relation_spec(&meta, kind, errors)?);
                    }
                    StructKey::Hooks => {
                        let mut flag = None;
                        set_flag(&mut flag, &meta, errors);
                        out.hooks = true;
                    }
                    StructKey::Cache => {
                        let mut ttl = None;
                        if meta.input.peek(syn::token::Paren) {
                            meta.parse_nested_meta(|inner| {
                                if inner.path.is_ident("ttl") {
                                    let lit: syn::LitStr = inner.value()?.parse()?;
                                    match parse_duration_ms(&lit.value()) {
                                        Some(ms) if ms > 0 => ttl = Some(ms),
                                        _ => errors.at(lit.span(), "write the TTL as a number with a unit: \"500ms\", \"60s\", \"5m\" or \"1h\""),
                                    }
                                } else {
                                    skip_value(&inner)?;
                                    errors.at(inner.path.span(), format!("unknown key `{}`; `cache` takes `ttl = \"60s\"`", key_name(&inner)));
                                }
                                Ok(())
                            })?;
                        } else if !meta.input.is_empty() && !meta.input.peek(syn::Token![,]) {
                            skip_value(&meta)?;
                            errors.at(span, "write `cache` or `cache(ttl = \"60s\")`");
                        }
                        once(&mut out.cache, (ttl, span), &meta, errors);
                    }
                    StructKey::ForeignKey => {
                        let spec = foreign_key_spec(&meta, errors)?;
                        out.foreign_keys.push(spec);
                    }
                    StructKey::PrimaryKey => {
                        let spec = index_spec(&meta, false, errors)?;
                        if spec.name.is_some() {
                            errors.at(span, "`primary_key(...)` takes `columns = [...]` only");
                        }
                        once(&mut out.primary_key, (spec.columns, span), &meta, errors);
                    }
                }
                Ok(())
            });
            if let Err(e) = result {
                errors.push(e);
            }
        }
        out
    }
}

fn index_spec(meta: &ParseNestedMeta<'_>, unique: bool, errors: &mut Errors) -> syn::Result<IndexSpec> {
    let mut spec = IndexSpec { name: None, columns: Vec::new(), unique, span: meta.path.span() };
    if !meta.input.peek(syn::token::Paren) {
        return Err(meta.error(format!(
            "write `{}(columns = [\"a\", \"b\"])` here",
            key_name(meta)
        )));
    }
    let mut saw_columns = false;
    meta.parse_nested_meta(|inner| {
        let key = key_name(&inner);
        match key.as_str() {
            "name" => spec.name = Some(string_value(&inner)?),
            "columns" => {
                saw_columns = true;
                let content;
                inner.value()?;
                syn::bracketed!(content in inner.input);
                let list = content.parse_terminated(|p| p.parse::<syn::LitStr>(), syn::Token![,])?;
                spec.columns = list.iter().map(syn::LitStr::value).collect();
            }
            "unique" => spec.unique = true,
            _ => {
                skip_value(&inner)?;
                errors.at(inner.path.span(), format!("unknown key `{key}`; expected `name = \"...\"`, `columns = [...]` or `unique`"));
            }
        }
        Ok(())
    })?;
    if !saw_columns {
        errors.at(spec.span, "missing `columns = [\"...\"]`");
    }
    Ok(spec)
}

fn relation_spec(meta: &ParseNestedMeta<'_>, kind: RelationKind, errors: &mut Errors) -> syn::Result<RelationSpec> {
    let span = meta.path.span();
    let content;
    syn::parenthesized!(content in meta.input);
    let target: syn::Path = content.parse()?;
    let mut spec = RelationSpec { kind, target, name: None, foreign_key: None, through: None, target_key: None, span };
    while !content.is_empty() {
        content.parse::<syn::Token![,]>()?;
        if content.is_empty() {
            break;
        }
        let key: syn::Ident = content.parse()?;
        content.parse::<syn::Token![=]>()?;
        match key.to_string().as_str() {
            "name" => spec.name = Some(content.parse::<syn::LitStr>()?.value()),
            "foreign_key" => spec.foreign_key = Some(content.parse::<syn::LitStr>()?.value()),
            "target_key" => spec.target_key = Some(content.parse::<syn::LitStr>()?.value()),
            "through" => spec.through = Some(content.parse()?),
            other => {
                let _: syn::Expr = content.parse()?;
                errors.at(key.span(), format!("unknown key `{other}`; expected name, foreign_key, through or target_key"));
            }
        }
    }
    if kind == RelationKind::ManyToMany && spec.through.is_none() {
        errors.at(span, "`many_to_many(Target, through = JoinModel)` needs `through`");
    }
    Ok(spec)
}

fn number(meta: &ParseNestedMeta<'_>) -> syn::Result<f64> {
    let input = meta.value()?;
    let neg = input.parse::<Option<syn::Token![-]>>()?.is_some();
    let lit: syn::Lit = input.parse()?;
    let v = match &lit {
        syn::Lit::Int(i) => i.base10_parse::<f64>()?,
        syn::Lit::Float(f) => f.base10_parse::<f64>()?,
        _ => return Err(syn::Error::new(lit.span(), "expected a number")),
    };
    Ok(if neg { -v } else { v })
}

fn validate_spec(meta: &ParseNestedMeta<'_>, out: &mut FieldAttrs, errors: &mut Errors) -> syn::Result<()> {
    use crate::Check;
    meta.parse_nested_meta(|rule| {
        let key = key_name(&rule);
        let span = rule.path.span();
        match key.as_str() {
            "length" | "range" => rule.parse_nested_meta(|bound| {
                let which = key_name(&bound);
                let check = match (key.as_str(), which.as_str()) {
                    ("length", "min") => Check::MinLength(int_value(&bound)?),
                    ("length", "max") => Check::MaxLength(int_value(&bound)?),
                    ("range", "min") => Check::Min(number(&bound)?),
                    ("range", "max") => Check::Max(number(&bound)?),
                    _ => {
                        skip_value(&bound)?;
                        errors.at(bound.path.span(), format!("`{key}(...)` takes `min` and `max`"));
                        return Ok(());
                    }
                };
                out.checks.push(check);
                Ok(())
            })?,
            "email" => out.checks.push(Check::Email),
            "regex" => {
                let pattern = string_value(&rule)?;
                if let Err(e) = regex_lite_check(&pattern) {
                    errors.at(span, format!("invalid regex: {e}"));
                }
                out.checks.push(Check::Pattern(pattern));
            }
            "custom" => {
                let path: syn::LitStr = rule.value()?.parse()?;
                match path.parse::<syn::Path>() {
                    Ok(p) => out.custom_validators.push(p),
                    Err(_) => errors.at(path.span(), "`custom = \"...\"` names a function path"),
                }
            }
            _ => {
                skip_value(&rule)?;
                errors.at(span, format!("unknown rule `{key}`; expected length(..), range(..), email, regex = \"...\" or custom = \"...\""));
            }
        }
        Ok(())
    })
}

/// A cheap syntax check of a pattern: balanced brackets (the regex engine checks the rest when the
/// model is first validated).
fn regex_lite_check(pattern: &str) -> Result<(), String> {
    let mut depth = 0i32;
    let mut escaped = false;
    for c in pattern.chars() {
        match (escaped, c) {
            (true, _) => escaped = false,
            (false, '\\') => escaped = true,
            (false, '(') => depth += 1,
            (false, ')') => depth -= 1,
            _ => {}
        }
        if depth < 0 {
            return Err("unbalanced `)`".into());
        }
    }
    if depth != 0 { Err("unbalanced `(`".into()) } else { Ok(()) }
}

fn string_list(meta: &ParseNestedMeta<'_>) -> syn::Result<Vec<String>> {
    let content;
    meta.value()?;
    syn::bracketed!(content in meta.input);
    let list = content.parse_terminated(|p| p.parse::<syn::LitStr>(), syn::Token![,])?;
    Ok(list.iter().map(syn::LitStr::value).collect())
}

/// The referential action a `on_delete = "..."` names.
pub fn parse_action(text: &str) -> Option<crate::ReferentialAction> {
    crate::ReferentialAction::from_name(text)
}

fn foreign_key_spec(meta: &ParseNestedMeta<'_>, errors: &mut Errors) -> syn::Result<ForeignKeySpec> {
    let span = meta.path.span();
    let mut spec = ForeignKeySpec {
        name: None,
        columns: Vec::new(),
        references: String::new(),
        references_columns: Vec::new(),
        on_delete: Default::default(),
        on_update: Default::default(),
        span,
    };
    meta.parse_nested_meta(|inner| {
        let key = key_name(&inner);
        let key_span = inner.path.span();
        match key.as_str() {
            "name" => spec.name = Some(string_value(&inner)?),
            "columns" => spec.columns = string_list(&inner)?,
            "references" => spec.references = string_value(&inner)?,
            "references_columns" => spec.references_columns = string_list(&inner)?,
            "on_delete" | "on_update" => {
                let text = string_value(&inner)?;
                match parse_action(&text) {
                    Some(a) if key == "on_delete" => spec.on_delete = a,
                    Some(a) => spec.on_update = a,
                    None => errors.at(key_span, format!("unknown action `{text}`; expected cascade, set_null, set_default, restrict or no_action")),
                }
            }
            _ => {
                skip_value(&inner)?;
                errors.at(key_span, format!("unknown key `{key}` in `foreign_key(...)`"));
            }
        }
        Ok(())
    })?;
    if spec.columns.is_empty() || spec.references.is_empty() || spec.columns.len() != spec.references_columns.len() {
        errors.at(span, "`foreign_key(...)` needs `columns`, `references` and as many `references_columns` as `columns`");
    }
    Ok(spec)
}

fn key_name(meta: &ParseNestedMeta<'_>) -> String {
    meta.path
        .get_ident()
        .map(|i| i.to_string().trim_start_matches("r#").to_string())
        .unwrap_or_else(|| quote::ToTokens::to_token_stream(&meta.path).to_string())
}

fn set_flag(slot: &mut Option<Span>, meta: &ParseNestedMeta<'_>, errors: &mut Errors) {
    let span = meta.path.span();
    if !meta.input.is_empty() && !meta.input.peek(syn::Token![,]) {
        errors.at(span, format!("`{}` takes no value", key_name(meta)));
        let _ = skip_value(meta);
    }
    if slot.is_some() {
        errors.at(span, format!("duplicate `{}`", key_name(meta)));
    }
    *slot = Some(span);
}

/// Milliseconds from `"500ms"`, `"60s"`, `"5m"`, `"1h"`.
pub(crate) fn parse_duration_ms(text: &str) -> Option<u64> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit())?;
    let (number, unit) = text.split_at(split);
    let n: u64 = number.parse().ok()?;
    let factor = match unit.trim() {
        "ms" => 1,
        "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        _ => return None,
    };
    n.checked_mul(factor)
}

fn once<T>(slot: &mut Option<T>, value: T, meta: &ParseNestedMeta<'_>, errors: &mut Errors) {
    if slot.is_some() {
        errors.at(meta.path.span(), format!("duplicate `{}`", key_name(meta)));
    }
    *slot = Some(value);
}

fn string_value(meta: &ParseNestedMeta<'_>) -> syn::Result<String> {
    let lit: syn::LitStr = meta.value()?.parse()?;
    Ok(lit.value())
}

fn int_value(meta: &ParseNestedMeta<'_>) -> syn::Result<u32> {
    let lit: syn::LitInt = meta.value()?.parse()?;
    lit.base10_parse::<u32>()
}

/// A string literal's value, or the text of a bool / number literal (`default = 0`).
fn literal_text(meta: &ParseNestedMeta<'_>) -> syn::Result<String> {
    let input = meta.value()?;
    let neg = input.parse::<Option<syn::Token![-]>>()?.is_some();
    let lit: syn::Lit = input.parse()?;
    let text = match &lit {
        syn::Lit::Str(s) => s.value(),
        syn::Lit::Bool(b) => b.value.to_string(),
        syn::Lit::Int(i) => i.base10_digits().to_string(),
        syn::Lit::Float(f) => f.base10_digits().to_string(),
        _ => return Err(syn::Error::new(lit.span(), "expected a string, bool or number literal")),
    };
    Ok(if neg { format!("-{text}") } else { text })
}

/// Consumes `= value` or `(...)` after an unknown key so parsing can go on to report more errors.
fn skip_value(meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
    if meta.input.peek(syn::Token![=]) {
        let _: syn::Expr = meta.value()?.parse()?;
    } else if meta.input.peek(syn::token::Paren) {
        let content;
        syn::parenthesized!(content in meta.input);
        let _: proc_macro2::TokenStream = content.parse()?;
    }
    Ok(())
}
