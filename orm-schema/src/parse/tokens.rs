//! Rust code that rebuilds a [`Table`] value at run time (what the derive embeds in a model).

use crate::{Check, Column, ColumnType, DefaultValue, ForeignKey, Index, ReferentialAction, Table};
use proc_macro2::TokenStream;
use quote::quote;

/// An expression that constructs `table`, naming the schema types through `krate`
/// (for example `::orm_core::schema`).
///
/// ```
/// use orm_schema::{Column, ColumnType, Table};
/// let table = Table::new("t").column(Column::new("id", ColumnType::I64)).primary_key(["id"]);
/// let tokens = orm_schema::parse::table_tokens(&table, &quote::quote!(::orm_schema));
/// assert!(tokens.to_string().contains("\"id\""));
/// ```
pub fn table_tokens(table: &Table, krate: &TokenStream) -> TokenStream {
    let name = &table.name;
    let columns = table.columns.iter().map(|c| column_tokens(c, krate));
    let pk = &table.primary_key;
    let indexes = table.indexes.iter().map(|i| index_tokens(i, krate));
    let fks = table.foreign_keys.iter().map(|f| fk_tokens(f, krate));
    quote! {
        #krate::Table {
            name: ::std::string::String::from(#name),
            columns: ::std::vec![#(#columns),*],
            primary_key: ::std::vec![#(::std::string::String::from(#pk)),*],
            indexes: ::std::vec![#(#indexes),*],
            foreign_keys: ::std::vec![#(#fks),*],
        }
    }
}

fn column_tokens(c: &Column, krate: &TokenStream) -> TokenStream {
    let name = &c.name;
    let ty = type_tokens(&c.ty, krate);
    let nullable = c.nullable;
    let auto_increment = c.auto_increment;
    let checks = c.checks.iter().map(|check| check_tokens(check, krate));
    let generated = c.generated;
    let unique = c.unique;
    let default = match &c.default {
        None => quote!(::std::option::Option::None),
        Some(d) => {
            let d = default_tokens(d, krate);
            quote!(::std::option::Option::Some(#d))
        }
    };
    quote! {
        #krate::Column {
            name: ::std::string::String::from(#name),
            ty: #ty,
            nullable: #nullable,
            auto_increment: #auto_increment,
            generated: #generated,
            unique: #unique,
            default: #default,
            comment: ::std::option::Option::None,
            fields: ::std::vec::Vec::new(),
            checks: ::std::vec![#(#checks),*],
        }
    }
}

fn check_tokens(c: &Check, krate: &TokenStream) -> TokenStream {
    match c {
        Check::MinLength(n) => quote!(#krate::Check::MinLength(#n)),
        Check::MaxLength(n) => quote!(#krate::Check::MaxLength(#n)),
        Check::Min(v) => quote!(#krate::Check::Min(#v)),
        Check::Max(v) => quote!(#krate::Check::Max(#v)),
        Check::Pattern(p) => quote!(#krate::Check::Pattern(::std::string::String::from(#p))),
        _ => quote!(#krate::Check::Email),
    }
}

fn opt_u32(v: Option<u32>) -> TokenStream {
    match v {
        Some(v) => quote!(::std::option::Option::Some(#v)),
        None => quote!(::std::option::Option::None),
    }
}

/// An expression for a [`ColumnType`].
pub fn type_tokens(ty: &ColumnType, krate: &TokenStream) -> TokenStream {
    match ty {
        ColumnType::Bool => quote!(#krate::ColumnType::Bool),
        ColumnType::I16 => quote!(#krate::ColumnType::I16),
        ColumnType::I32 => quote!(#krate::ColumnType::I32),
        ColumnType::I64 => quote!(#krate::ColumnType::I64),
        ColumnType::F32 => quote!(#krate::ColumnType::F32),
        ColumnType::F64 => quote!(#krate::ColumnType::F64),
        ColumnType::Decimal { precision, scale } => {
            let (p, s) = (opt_u32(*precision), opt_u32(*scale));
            quote!(#krate::ColumnType::Decimal { precision: #p, scale: #s })
        }
        ColumnType::String { length } => {
            let l = opt_u32(*length);
            quote!(#krate::ColumnType::String { length: #l })
        }
        ColumnType::Text => quote!(#krate::ColumnType::Text),
        ColumnType::Bytes => quote!(#krate::ColumnType::Bytes),
        ColumnType::Date => quote!(#krate::ColumnType::Date),
        ColumnType::Time => quote!(#krate::ColumnType::Time),
        ColumnType::DateTime => quote!(#krate::ColumnType::DateTime),
        ColumnType::Timestamp => quote!(#krate::ColumnType::Timestamp),
        ColumnType::Uuid => quote!(#krate::ColumnType::Uuid),
        ColumnType::Json => quote!(#krate::ColumnType::Json),
        ColumnType::ObjectId => quote!(#krate::ColumnType::ObjectId),
    }
}

fn default_tokens(d: &DefaultValue, krate: &TokenStream) -> TokenStream {
    match d {
        DefaultValue::Bool(b) => quote!(#krate::DefaultValue::Bool(#b)),
        DefaultValue::Int(i) => quote!(#krate::DefaultValue::Int(#i)),
        DefaultValue::Float(f) => quote!(#krate::DefaultValue::Float(#f)),
        DefaultValue::String(s) => quote!(#krate::DefaultValue::String(::std::string::String::from(#s))),
        DefaultValue::CurrentTimestamp => quote!(#krate::DefaultValue::CurrentTimestamp),
    }
}

fn index_tokens(i: &Index, krate: &TokenStream) -> TokenStream {
    let name = &i.name;
    let cols = &i.columns;
    let unique = i.unique;
    quote! {
        #krate::Index {
            name: ::std::string::String::from(#name),
            columns: ::std::vec![#(::std::string::String::from(#cols)),*],
            unique: #unique,
        }
    }
}

fn action_tokens(a: ReferentialAction, krate: &TokenStream) -> TokenStream {
    match a {
        ReferentialAction::NoAction => quote!(#krate::ReferentialAction::NoAction),
        ReferentialAction::Restrict => quote!(#krate::ReferentialAction::Restrict),
        ReferentialAction::Cascade => quote!(#krate::ReferentialAction::Cascade),
        ReferentialAction::SetNull => quote!(#krate::ReferentialAction::SetNull),
        ReferentialAction::SetDefault => quote!(#krate::ReferentialAction::SetDefault),
    }
}

fn fk_tokens(f: &ForeignKey, krate: &TokenStream) -> TokenStream {
    let name = &f.name;
    let cols = &f.columns;
    let rt = &f.references_table;
    let rc = &f.references_columns;
    let od = action_tokens(f.on_delete, krate);
    let ou = action_tokens(f.on_update, krate);
    quote! {
        #krate::ForeignKey {
            name: ::std::string::String::from(#name),
            columns: ::std::vec![#(::std::string::String::from(#cols)),*],
            references_table: ::std::string::String::from(#rt),
            references_columns: ::std::vec![#(::std::string::String::from(#rc)),*],
            on_delete: #od,
            on_update: #ou,
        }
    }
}
