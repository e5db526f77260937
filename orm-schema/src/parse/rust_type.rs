//! Mapping Rust field types to neutral column types.

use crate::ColumnType;

/// What a field's Rust type says about its column.
#[derive(Debug, Clone, PartialEq)]
pub struct RustType {
    /// The column type the Rust type maps to by default; `None` when it has no default mapping.
    pub column_type: Option<ColumnType>,
    /// Whether the type is `Option<...>` (a nullable column).
    pub optional: bool,
}

/// Classifies a field type: `Option<T>` is nullable `T`; the supported scalar types map to their
/// neutral column types.
///
/// ```
/// use orm_schema::{ColumnType, parse::classify};
/// let ty: syn::Type = syn::parse_quote!(Option<chrono::DateTime<chrono::Utc>>);
/// let rust = classify(&ty);
/// assert!(rust.optional);
/// assert_eq!(rust.column_type, Some(ColumnType::Timestamp));
/// ```
pub fn classify(ty: &syn::Type) -> RustType {
    if let Some(inner) = generic_arg(ty, "Option") {
        let inner = classify(inner);
        if inner.optional {
            // Option<Option<T>> cannot be told apart from Option<T> once stored.
            return RustType { column_type: None, optional: true };
        }
        return RustType { column_type: inner.column_type, optional: true };
    }
    RustType { column_type: scalar(ty), optional: false }
}

fn scalar(ty: &syn::Type) -> Option<ColumnType> {
    let syn::Type::Path(path) = ty else { return None };
    if path.qself.is_some() {
        return None;
    }
    let last = path.path.segments.last()?;
    let name = last.ident.to_string();
    let plain = matches!(last.arguments, syn::PathArguments::None);
    Some(match name.as_str() {
        "bool" if plain => ColumnType::Bool,
        "i16" if plain => ColumnType::I16,
        "i32" if plain => ColumnType::I32,
        "i64" if plain => ColumnType::I64,
        "f32" if plain => ColumnType::F32,
        "f64" if plain => ColumnType::F64,
        "String" if plain => ColumnType::String { length: None },
        "NaiveDate" if plain => ColumnType::Date,
        "NaiveTime" if plain => ColumnType::Time,
        "NaiveDateTime" if plain => ColumnType::DateTime,
        "Uuid" if plain => ColumnType::Uuid,
        "Decimal" if plain => ColumnType::Decimal { precision: None, scale: None },
        "JsonValue" if plain => ColumnType::Json,
        "Value" if plain && path_mentions(&path.path, "serde_json") => ColumnType::Json,
        "ObjectId" if plain => ColumnType::ObjectId,
        // `orm_core::Json<T>`: any serde type, stored as JSON (an embedded document on MongoDB).
        "Json" if generic_arg(ty, "Json").is_some() => ColumnType::Json,
        "DateTime" => {
            let arg = generic_arg(ty, "DateTime")?;
            let syn::Type::Path(tz) = arg else { return None };
            if tz.path.segments.last()?.ident == "Utc" {
                ColumnType::Timestamp
            } else {
                return None;
            }
        }
        "Vec" => {
            let arg = generic_arg(ty, "Vec")?;
            let syn::Type::Path(el) = arg else { return None };
            if el.path.is_ident("u8") {
                ColumnType::Bytes
            } else {
                return None;
            }
        }
        _ => return None,
    })
}

fn path_mentions(path: &syn::Path, segment: &str) -> bool {
    path.segments.iter().any(|s| s.ident == segment)
}

/// The single generic argument of `ty` when its last segment is `name<...>`.
fn generic_arg<'a>(ty: &'a syn::Type, name: &str) -> Option<&'a syn::Type> {
    let syn::Type::Path(path) = ty else { return None };
    let last = path.path.segments.last()?;
    if last.ident != name {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else { return None };
    if args.args.len() != 1 {
        return None;
    }
    match args.args.first()? {
        syn::GenericArgument::Type(t) => Some(t),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use syn::parse_quote;

    fn col(ty: syn::Type) -> Option<ColumnType> {
        classify(&ty).column_type
    }

    #[test]
    fn scalars() {
        assert_eq!(col(parse_quote!(bool)), Some(ColumnType::Bool));
        assert_eq!(col(parse_quote!(i16)), Some(ColumnType::I16));
        assert_eq!(col(parse_quote!(std::string::String)), Some(ColumnType::String { length: None }));
        assert_eq!(col(parse_quote!(Vec<u8>)), Some(ColumnType::Bytes));
        assert_eq!(col(parse_quote!(Vec<u16>)), None);
        assert_eq!(col(parse_quote!(chrono::NaiveDateTime)), Some(ColumnType::DateTime));
        assert_eq!(col(parse_quote!(DateTime<Utc>)), Some(ColumnType::Timestamp));
        assert_eq!(col(parse_quote!(DateTime<FixedOffset>)), None);
        assert_eq!(col(parse_quote!(serde_json::Value)), Some(ColumnType::Json));
        assert_eq!(col(parse_quote!(Value)), None);
        assert_eq!(col(parse_quote!(rust_decimal::Decimal)), Some(ColumnType::Decimal { precision: None, scale: None }));
        assert_eq!(col(parse_quote!(u64)), None);
        assert_eq!(col(parse_quote!(bson::oid::ObjectId)), Some(ColumnType::ObjectId));
        assert_eq!(col(parse_quote!(Json<Vec<String>>)), Some(ColumnType::Json));
        assert_eq!(col(parse_quote!(orm_core::Json<Address>)), Some(ColumnType::Json));
    }

    #[test]
    fn options() {
        let r = classify(&parse_quote!(Option<uuid::Uuid>));
        assert_eq!(r, RustType { column_type: Some(ColumnType::Uuid), optional: true });
        assert_eq!(col(parse_quote!(Option<Option<i32>>)), None);
    }
}
