//! Rust model code from a schema: one file per table plus a `mod.rs`, formatted with prettyplease.
//! The relations between the models are read from the foreign keys: `relations.rs`.

mod relations;

use relations::Relations;
use std::collections::BTreeMap;
use orm_schema::{snake_case, Column, ColumnType, DefaultValue, Schema, Table};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

const KEYWORDS: &[&str] = &[
    "as", "break", "const", "continue", "crate", "else", "enum", "extern", "false", "fn", "for", "if", "impl", "in", "let", "loop",
    "match", "mod", "move", "mut", "pub", "ref", "return", "self", "Self", "static", "struct", "super", "trait", "true", "type",
    "unsafe", "use", "where", "while", "async", "await", "dyn", "abstract", "become", "box", "do", "final", "macro", "override",
    "priv", "typeof", "unsized", "virtual", "yield", "try", "gen",
];

/// A Rust identifier for a column or table name: snake_case, invalid characters replaced, keywords
/// raw (`r#type`).
pub fn field_ident(name: &str) -> syn::Ident {
    let mut s: String = snake_case(name).chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '_' }).collect();
    if s.is_empty() || s.starts_with(|c: char| c.is_ascii_digit()) {
        s.insert(0, '_');
    }
    match s.as_str() {
        "self" | "Self" | "super" | "crate" => format_ident!("{}_", s),
        k if KEYWORDS.contains(&k) => syn::Ident::new_raw(k, proc_macro2::Span::call_site()),
        _ => format_ident!("{}", s),
    }
}

/// The struct name for a table: the CamelCase singular of its name.
pub fn struct_name(table: &str) -> String {
    let singular = singularize(&snake_case(table));
    let mut out = String::new();
    for part in singular.split(|c: char| !c.is_ascii_alphanumeric()).filter(|p| !p.is_empty()) {
        let mut chars = part.chars();
        if let Some(first) = chars.next() {
            out.extend(first.to_uppercase());
            out.push_str(chars.as_str());
        }
    }
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, 'T');
    }
    out
}

fn singularize(word: &str) -> String {
    let (head, last) = match word.rfind('_') {
        Some(i) => (&word[..=i], &word[i + 1..]),
        None => ("", word),
    };
    let single = match last {
        "people" => "person".to_string(),
        "children" => "child".to_string(),
        "data" | "series" | "news" | "status" => last.to_string(),
        l if l.ends_with("ies") && l.len() > 3 => format!("{}y", &l[..l.len() - 3]),
        l if ["sses", "shes", "ches", "xes", "zes"].iter().any(|e| l.ends_with(e)) => l[..l.len() - 2].to_string(),
        l if l.ends_with('s') && !l.ends_with("ss") && l.len() > 1 => l[..l.len() - 1].to_string(),
        l => l.to_string(),
    };
    format!("{head}{single}")
}

/// The Rust type of a column (before `Option`).
fn rust_type(ty: ColumnType) -> TokenStream {
    match ty {
        ColumnType::Bool => quote!(bool),
        ColumnType::I16 => quote!(i16),
        ColumnType::I32 => quote!(i32),
        ColumnType::I64 => quote!(i64),
        ColumnType::F32 => quote!(f32),
        ColumnType::F64 => quote!(f64),
        ColumnType::Decimal { .. } => quote!(rust_decimal::Decimal),
        ColumnType::Bytes => quote!(Vec<u8>),
        ColumnType::Date => quote!(chrono::NaiveDate),
        ColumnType::Time => quote!(chrono::NaiveTime),
        ColumnType::DateTime => quote!(chrono::NaiveDateTime),
        ColumnType::Timestamp => quote!(chrono::DateTime<chrono::Utc>),
        ColumnType::Uuid => quote!(uuid::Uuid),
        ColumnType::Json => quote!(serde_json::Value),
        ColumnType::ObjectId => quote!(orm_core::bson::oid::ObjectId),
        _ => quote!(String),
    }
}

fn default_text(d: &DefaultValue) -> String {
    match d {
        DefaultValue::Bool(b) => b.to_string(),
        DefaultValue::Int(i) => i.to_string(),
        DefaultValue::Float(f) => f.to_string(),
        DefaultValue::String(s) => s.clone(),
        DefaultValue::CurrentTimestamp => "now".to_string(),
        _ => String::new(),
    }
}

fn camel(name: &str) -> String {
    struct_name(&format!("{name}s"))
}

/// The nested struct for an embedded document's fields (and the ones nested in it), serde-derived;
/// dates, binaries, ObjectIds and decimals inside stay `serde_json::Value` (extended JSON).
fn nested_struct(name: &syn::Ident, fields: &[Column], out: &mut Vec<TokenStream>) {
    let members = fields.iter().map(|c| {
        let ident = field_ident(&c.name);
        let base = match c.ty {
            ColumnType::Bool => quote!(bool),
            ColumnType::I16 | ColumnType::I32 => quote!(i32),
            ColumnType::I64 => quote!(i64),
            ColumnType::F32 | ColumnType::F64 => quote!(f64),
            ColumnType::String { .. } | ColumnType::Text => quote!(String),
            ColumnType::Json if !c.fields.is_empty() => {
                let inner = format_ident!("{}{}", name, camel(&c.name));
                nested_struct(&inner, &c.fields, out);
                quote!(#inner)
            }
            _ => quote!(serde_json::Value),
        };
        let ty = if c.nullable { quote!(Option<#base>) } else { base };
        let rename = (ident.to_string().trim_start_matches("r#") != c.name).then(|| {
            let n = &c.name;
            quote!(#[serde(rename = #n)])
        });
        let default = c.nullable.then(|| quote!(#[serde(default)]));
        quote! { #rename #default pub #ident: #ty, }
    }).collect::<Vec<_>>();
    let doc = " An embedded document, as sampled.";
    out.push(quote! {
        #[doc = #doc]
        #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
        pub struct #name { #(#members)* }
    });
}

/// `idents` made distinct: a repeated one (two names that differ only in characters an identifier
/// cannot hold, like `a"b` and `a;b`) gets `{sep}2`, `{sep}3`, ... so no file, field or struct is
/// lost.
fn distinct(idents: impl IntoIterator<Item = String>, sep: &str) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    idents
        .into_iter()
        .map(|ident| {
            let mut candidate = ident.clone();
            let mut n = 1;
            while !seen.insert(candidate.trim_start_matches("r#").to_string()) {
                n += 1;
                candidate = format!("{}{sep}{n}", ident.trim_start_matches("r#"));
            }
            candidate
        })
        .collect()
}

fn ident_of(text: &str) -> syn::Ident {
    match text.strip_prefix("r#") {
        Some(raw) => syn::Ident::new_raw(raw, proc_macro2::Span::call_site()),
        None => format_ident!("{}", text),
    }
}

fn field(table: &Table, owner: &str, c: &Column, ident: syn::Ident, relations: &Relations, nested: &mut Vec<TokenStream>) -> TokenStream {
    let base = if c.ty == ColumnType::Json && !c.fields.is_empty() {
        let inner = format_ident!("{}{}", owner, camel(&c.name));
        nested_struct(&inner, &c.fields, nested);
        quote!(orm_core::Json<#inner>)
    } else {
        rust_type(c.ty)
    };
    let ty = if c.nullable { quote!(Option<#base>) } else { base };
    let mut keys: Vec<TokenStream> = Vec::new();
    if table.primary_key.len() == 1 && table.is_primary_key(&c.name) {
        keys.push(quote!(primary_key));
    }
    if c.auto_increment {
        keys.push(quote!(auto_increment));
    }
    if c.generated {
        keys.push(quote!(auto));
    }
    if c.unique {
        keys.push(quote!(unique));
    }
    if ident.to_string().trim_start_matches("r#") != c.name {
        let name = &c.name;
        keys.push(quote!(column = #name));
    }
    match c.ty {
        ColumnType::String { length: Some(n) } => {
            let n = proc_macro2::Literal::u32_unsuffixed(n);
            keys.push(quote!(length = #n));
        }
        ColumnType::Text => keys.push(quote!(type = "text")),
        ColumnType::Decimal { precision, scale } => {
            if let Some(p) = precision.map(proc_macro2::Literal::u32_unsuffixed) {
                keys.push(quote!(precision = #p));
            }
            if let Some(s) = scale.map(proc_macro2::Literal::u32_unsuffixed) {
                keys.push(quote!(scale = #s));
            }
        }
        _ => {}
    }
    if let Some(d) = &c.default {
        let text = default_text(d);
        keys.push(quote!(default = #text));
    }
    keys.extend(relations::field_keys(relations, &table.name, &c.name));
    let attr = if keys.is_empty() { quote!() } else { quote!(#[orm(#(#keys),*)]) };
    let doc = c.comment.as_ref().map(|text| {
        let text = format!(" {text}.");
        quote!(#[doc = #text])
    });
    quote! {
        #doc
        #attr
        pub #ident: #ty,
    }
}

/// The source of one model file for `table` alone (no relations: they need the other tables).
pub fn model_file(table: &Table) -> String {
    model_file_named(table, &struct_name(&table.name), &Relations::default())
}

/// The source of one model file for `table`, its struct called `struct_name`.
fn model_file_named(table: &Table, struct_name: &str, relations: &Relations) -> String {
    let name = format_ident!("{}", struct_name);
    let table_name = &table.name;
    let mut struct_attrs = vec![quote!(#[orm(table = #table_name)])];
    if table.primary_key.len() > 1 {
        let cols = &table.primary_key;
        struct_attrs.push(quote!(#[orm(primary_key(columns = [#(#cols),*]))]));
    }
    for ix in &table.indexes {
        let (ix_name, cols) = (&ix.name, &ix.columns);
        struct_attrs.push(if ix.unique {
            quote!(#[orm(unique(name = #ix_name, columns = [#(#cols),*]))])
        } else {
            quote!(#[orm(index(name = #ix_name, columns = [#(#cols),*]))])
        });
    }
    for fk in table.foreign_keys.iter().filter(|fk| !relations.replaces(table, fk)) {
        let (fk_name, cols, target, ref_cols) = (&fk.name, &fk.columns, &fk.references_table, &fk.references_columns);
        let (od, ou) = (fk.on_delete.as_str(), fk.on_update.as_str());
        struct_attrs.push(quote!(#[orm(foreign_key(name = #fk_name, columns = [#(#cols),*], references = #target,
            references_columns = [#(#ref_cols),*], on_delete = #od, on_update = #ou))]));
    }
    struct_attrs.extend(relations.on_struct.get(&table.name).cloned().unwrap_or_default());
    let mut nested = Vec::new();
    let idents = distinct(table.columns.iter().map(|c| field_ident(&c.name).to_string()), "_");
    let fields: Vec<TokenStream> =
        table.columns.iter().zip(idents).map(|(c, ident)| field(table, struct_name, c, ident_of(&ident), relations, &mut nested)).collect();
    let doc = format!(" The `{table_name}` table.");
    let uses = relations::use_line(relations, &table.name);
    let file = quote! {
        use orm_core::Model;
        #uses

        #[doc = #doc]
        #[derive(Model, Debug, Clone, PartialEq)]
        #(#struct_attrs)*
        pub struct #name {
            #(#fields)*
        }

        #(#nested)*
    };
    let parsed: syn::File = syn::parse2(file).expect("generated code parses");
    format!("// Generated by `orm generate models`; edit freely.\n\n{}", prettyplease::unparse(&parsed))
}

/// The module (and file) name of each table, distinct, in the schema's order.
fn module_names(schema: &Schema) -> Vec<String> {
    distinct(schema.tables.values().map(|t| field_ident(&t.name).to_string()), "_")
}

/// `mod.rs` declaring every model file and re-exporting what each defines (the model and its
/// nested structs).
pub fn mod_file(schema: &Schema) -> String {
    let modules = module_names(schema);
    let mut out = String::from("// Generated by `orm generate models`.\n\n");
    for module in &modules {
        out.push_str(&format!("mod {module};\n"));
    }
    out.push('\n');
    for module in &modules {
        out.push_str(&format!("pub use {module}::*;\n"));
    }
    out
}

/// Every file of a models directory: `(file name, source)`. File, module, struct and field names
/// are Rust identifiers made from the database's names (any other character becomes `_`, repeats
/// get a number); the database's own names stay in the attributes, as string literals.
pub fn model_files(schema: &Schema) -> Vec<(String, String)> {
    let structs: BTreeMap<String, String> =
        schema.tables.keys().cloned().zip(distinct(schema.tables.values().map(|t| struct_name(&t.name)), "")).collect();
    let relations = relations::relations(schema, &structs);
    let mut out: Vec<(String, String)> = schema
        .tables
        .values()
        .zip(module_names(schema))
        .map(|(t, module)| (format!("{}.rs", module.trim_start_matches("r#")), model_file_named(t, &structs[&t.name], &relations)))
        .collect();
    out.push(("mod.rs".to_string(), mod_file(schema)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(struct_name("users"), "User");
        assert_eq!(struct_name("post_tags"), "PostTag");
        assert_eq!(struct_name("categories"), "Category");
        assert_eq!(struct_name("addresses"), "Address");
        assert_eq!(struct_name("people"), "Person");
        assert_eq!(field_ident("type").to_string(), "r#type");
        assert_eq!(field_ident("First Name").to_string(), "first_name");
        assert_eq!(field_ident("2fa").to_string(), "_2fa");
    }

    #[test]
    fn hostile_database_names_become_distinct_identifiers() {
        let t = |name: &str| {
            Table::new(name)
                .column(Column::new(format!("{name}\"id"), ColumnType::I64))
                .column(Column::new(format!("{name};id"), ColumnType::I64))
                .column(Column::new("type", ColumnType::I64))
                .primary_key([format!("{name}\"id")])
        };
        let mut schema = Schema::new();
        for name in [r#"a"b; DROP TABLE victim; --"#, "a;b; DROP TABLE victim; --", "../../escape"] {
            schema.tables.insert(name.to_string(), t(name));
        }
        let files = model_files(&schema);
        let names: Vec<&str> = files.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(names.len(), 4, "one file a table, none overwritten: {names:?}");
        assert!(names.iter().all(|n| n.strip_suffix(".rs").unwrap().chars().all(|c| c.is_ascii_alphanumeric() || c == '_')), "{names:?}");
        assert_eq!(names.iter().collect::<std::collections::HashSet<_>>().len(), 4, "{names:?}");
        for (_, source) in &files {
            syn::parse_file(source).unwrap();
        }
        let second = &files[2].1;
        assert!(second.contains(r#"#[orm(table = "a;b; DROP TABLE victim; --")]"#), "{second}");
        assert!(second.contains(r#"column = "a;b; DROP TABLE victim; --;id""#) && second.contains("pub r#type: i64"), "{second}");
        assert!(second.contains("Victim2 {"), "{second}");
        let fields = second.lines().filter(|l| l.trim_start().starts_with("pub ") && l.contains(": i64")).count();
        assert_eq!(fields, 3, "{second}");
        for module in &names[..3] {
            assert!(files[3].1.contains(&format!("mod {};", module.trim_end_matches(".rs"))), "{}", files[3].1);
        }
    }
}
