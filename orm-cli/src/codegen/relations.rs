//! The relations a generated model declares, read from the schema's foreign keys, in both
//! directions (as SeaORM's entity generator writes them):
//!
//! - a single-column foreign key to the referenced table's primary key is `belongs_to = Model` on
//!   its field; the referenced model gets `has_one(..)` when the column is unique (a one-to-one),
//!   `has_many(..)` otherwise;
//! - a table made of exactly two such foreign keys and nothing else is a join table: each side gets
//!   `many_to_many(Other, through = Join, ..)`.
//!
//! Foreign keys of several columns, or to columns other than the primary key, stay struct-level
//! `foreign_key(..)` attributes only. Relation names are the derive's defaults where those are
//! distinct valid identifiers, else made so (`relation = ".."` / `name = ".."`).

use super::{field_ident, KEYWORDS};
use orm_schema::{pluralize, snake_case, ForeignKey, ReferentialAction, Schema, Table};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use std::collections::{BTreeMap, BTreeSet};

/// A `belongs_to` on a field.
pub(super) struct BelongsTo {
    /// The referenced model.
    pub target: String,
    /// `relation = ".."` when the derive's default (the column without `_id`) will not do.
    pub name: Option<String>,
    /// The referential actions, when the field carries the foreign key (its name is the default
    /// one, so no struct-level `foreign_key(..)` is needed to keep it).
    pub actions: Option<(ReferentialAction, ReferentialAction)>,
}

/// Every model's relations.
#[derive(Default)]
pub(super) struct Relations {
    /// `(table, column)` -> its `belongs_to`.
    pub belongs_to: BTreeMap<(String, String), BelongsTo>,
    /// Per table: `has_many(..)`, `has_one(..)`, `many_to_many(..)` attributes.
    pub on_struct: BTreeMap<String, Vec<TokenStream>>,
    /// Per table: the other models its attributes name (for `use super::{..}`).
    pub uses: BTreeMap<String, BTreeSet<String>>,
}

impl Relations {
    /// Whether the foreign key `fk` of `table` is written as a field's `belongs_to` alone.
    pub fn replaces(&self, table: &Table, fk: &ForeignKey) -> bool {
        fk.columns.len() == 1
            && self.belongs_to.get(&(table.name.clone(), fk.columns[0].clone())).is_some_and(|b| b.actions.is_some())
    }
}

/// `name` as a relation name: a plain identifier (`_rel` after a keyword).
fn ident_name(name: &str) -> String {
    let ident = field_ident(name).to_string();
    match ident.strip_prefix("r#") {
        Some(keyword) => format!("{keyword}_rel"),
        None if KEYWORDS.contains(&ident.as_str()) || ident.ends_with('_') => format!("{}_rel", ident.trim_end_matches('_')),
        None => ident,
    }
}

/// Relation names taken per table, to keep each model's distinct.
#[derive(Default)]
struct Taken(BTreeMap<String, BTreeSet<String>>);

impl Taken {
    /// `wanted`, or `wanted_by_{hint}` (then a number) when the table has it already.
    fn take(&mut self, table: &str, wanted: String, hint: &str) -> String {
        let names = self.0.entry(table.to_string()).or_default();
        let mut name = wanted.clone();
        let mut n = 1;
        while names.contains(&name) {
            name = if n == 1 { format!("{wanted}_by_{hint}") } else { format!("{wanted}_by_{hint}{n}") };
            n += 1;
        }
        names.insert(name.clone());
        name
    }
}

/// The relations of every table of `schema`; `structs` maps each table to its model's name.
pub(super) fn relations(schema: &Schema, structs: &BTreeMap<String, String>) -> Relations {
    let mut out = Relations::default();
    let mut taken = Taken::default();
    let model = |table: &str| syn::Ident::new(&structs[table], proc_macro2::Span::call_site());
    // Field-level first: their names are the ones a reader looks for.
    for table in schema.tables.values() {
        for fk in &table.foreign_keys {
            let Some(target) = schema.navigable_key(fk) else { continue };
            let column = &fk.columns[0];
            let hint = column.strip_suffix("_id").unwrap_or(column);
            let name = taken.take(&table.name, ident_name(hint), &ident_name(&target.name));
            let default = column.strip_suffix("_id").map(str::to_string).unwrap_or_else(|| format!("{column}_rel"));
            let default_fk = fk.name == format!("{}_{column}_fkey", table.name);
            out.belongs_to.insert(
                (table.name.clone(), column.clone()),
                BelongsTo {
                    target: structs[&target.name].clone(),
                    name: (name != default).then_some(name),
                    actions: default_fk.then_some((fk.on_delete, fk.on_update)),
                },
            );
            out.uses.entry(table.name.clone()).or_default().insert(structs[&target.name].clone());
        }
    }
    for table in schema.tables.values() {
        let keys: Vec<(&ForeignKey, &Table)> = table.foreign_keys.iter().filter_map(|fk| schema.navigable_key(fk).map(|t| (fk, t))).collect();
        let join = schema.join_keys(table).is_some();
        let this = model(&table.name);
        let own = snake_case(&structs[&table.name]);
        for (fk, target) in &keys {
            let column = &fk.columns[0];
            let hint = ident_name(column.strip_suffix("_id").unwrap_or(column));
            let one = table.is_unique(std::slice::from_ref(column));
            // The derive's default: the model's snake_case name, plural for many.
            let default = if one { own.clone() } else { pluralize(&own) };
            let name = taken.take(&target.name, ident_name(&default), &hint);
            let named = (name != default).then(|| quote!(, name = #name));
            out.on_struct.entry(target.name.clone()).or_default().push(if one {
                quote!(#[orm(has_one(#this, foreign_key = #column #named))])
            } else {
                quote!(#[orm(has_many(#this, foreign_key = #column #named))])
            });
            out.uses.entry(target.name.clone()).or_default().insert(structs[&table.name].clone());
        }
        if join {
            for (mine, other) in [(0, 1), (1, 0)] {
                let ((fk, from), (other_fk, to)) = (keys[mine], keys[other]);
                let (column, other_column) = (&fk.columns[0], &other_fk.columns[0]);
                let default = pluralize(&snake_case(&structs[&to.name]));
                let hint = ident_name(other_column.strip_suffix("_id").unwrap_or(other_column));
                let name = taken.take(&from.name, ident_name(&default), &hint);
                let named = (name != default).then(|| quote!(, name = #name));
                let target = model(&to.name);
                out.on_struct.entry(from.name.clone()).or_default().push(quote!(
                    #[orm(many_to_many(#target, through = #this, foreign_key = #column, target_key = #other_column #named))]
                ));
                let uses = out.uses.entry(from.name.clone()).or_default();
                uses.extend([structs[&to.name].clone(), structs[&table.name].clone()]);
            }
        }
    }
    // A model does not import itself.
    for (table, uses) in &mut out.uses {
        uses.remove(&structs[table]);
    }
    out
}

/// The `use super::{..};` line of `table`'s file, if it names other models.
pub(super) fn use_line(relations: &Relations, table: &str) -> Option<TokenStream> {
    let names: Vec<syn::Ident> = relations.uses.get(table)?.iter().map(|n| format_ident!("{}", n)).collect();
    (!names.is_empty()).then(|| quote!(use super::{#(#names),*};))
}

/// The keys a field's `belongs_to` adds to its `#[orm(..)]`.
pub(super) fn field_keys(relations: &Relations, table: &str, column: &str) -> Vec<TokenStream> {
    let Some(b) = relations.belongs_to.get(&(table.to_string(), column.to_string())) else { return Vec::new() };
    let target = format_ident!("{}", b.target);
    let mut keys = vec![quote!(belongs_to = #target)];
    if let Some(name) = &b.name {
        keys.push(quote!(relation = #name));
    }
    if let Some((on_delete, on_update)) = b.actions {
        for (key, action) in [("on_delete", on_delete), ("on_update", on_update)] {
            if action != ReferentialAction::NoAction {
                let (key, text) = (format_ident!("{}", key), action.as_str());
                keys.push(quote!(#key = #text));
            }
        }
    }
    keys
}

#[cfg(test)]
mod tests {
    use super::*;
    use orm_schema::{Column, ColumnType};

    fn key(table: &str, column: &str, target: &str, name: &str) -> ForeignKey {
        ForeignKey {
            name: name.replace("{}", &format!("{table}_{column}")),
            columns: vec![column.into()],
            references_table: target.into(),
            references_columns: vec!["id".into()],
            on_delete: ReferentialAction::Cascade,
            on_update: ReferentialAction::NoAction,
        }
    }

    fn table(name: &str, columns: &[&str]) -> Table {
        columns.iter().fold(Table::new(name).column(Column::new("id", ColumnType::I64)).primary_key(["id"]), |t, c| t.column(Column::new(*c, ColumnType::I64)))
    }

    fn text(tokens: &[TokenStream]) -> Vec<String> {
        tokens.iter().map(|t| t.to_string().replace(' ', "")).collect()
    }

    #[test]
    fn two_keys_to_one_table_self_references_and_keywords_get_distinct_valid_names() {
        let mut schema = Schema::new();
        let mut messages = table("messages", &["sender_id", "receiver_id"]);
        messages.foreign_keys = vec![key("messages", "sender_id", "users", "{}_fkey"), key("messages", "receiver_id", "users", "msg_to")];
        let mut categories = table("categories", &["parent_id", "type_id"]);
        categories.foreign_keys = vec![key("categories", "parent_id", "categories", "{}_fkey"), key("categories", "type_id", "types", "{}_fkey")];
        let mut composite = table("lines", &["a", "b"]);
        composite.foreign_keys = vec![ForeignKey { columns: vec!["a".into(), "b".into()], references_columns: vec!["x".into(), "y".into()], ..key("lines", "a", "users", "c") }];
        for t in [table("users", &[]), table("types", &[]), messages, categories, composite] {
            schema.tables.insert(t.name.clone(), t);
        }
        let structs: BTreeMap<String, String> = schema.tables.keys().map(|t| (t.clone(), super::super::struct_name(t))).collect();
        let r = relations(&schema, &structs);
        let field = |t: &str, c: &str| text(&field_keys(&r, t, c)).join(",");
        assert_eq!(field("messages", "sender_id"), "belongs_to=User,on_delete=\"cascade\"");
        // A constraint with a name of its own stays on the struct: the field names the relation only.
        assert_eq!(field("messages", "receiver_id"), "belongs_to=User");
        assert!(!r.replaces(&schema.tables["messages"], &schema.tables["messages"].foreign_keys[1]));
        assert_eq!(field("categories", "parent_id"), "belongs_to=Category,on_delete=\"cascade\"");
        assert_eq!(field("categories", "type_id"), "belongs_to=Type,relation=\"type_rel\",on_delete=\"cascade\"");
        assert_eq!(field("lines", "a"), "");
        assert_eq!(
            text(&r.on_struct["users"]),
            ["#[orm(has_many(Message,foreign_key=\"sender_id\"))]", "#[orm(has_many(Message,foreign_key=\"receiver_id\",name=\"messages_by_receiver\"))]"]
        );
        assert_eq!(text(&r.on_struct["categories"]), ["#[orm(has_many(Category,foreign_key=\"parent_id\"))]"]);
        assert_eq!(r.uses["messages"].iter().collect::<Vec<_>>(), ["User"]);
        assert!(!r.uses.get("categories").is_some_and(|u| u.contains("Category")), "a model does not import itself");
    }
}
