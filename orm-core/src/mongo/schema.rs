//! Collections from the neutral schema: `createCollection` with a `$jsonSchema` validator, and the
//! indexes (unique ones skip NULLs, as SQL's unique constraints do).

use super::field_key;
use crate::schema::{Column, ColumnType, Table};
use bson::{doc, Bson, Document};

/// The `$jsonSchema` BSON type of a column type (`None`: any type, for JSON columns).
pub fn bson_type(ty: ColumnType) -> Option<&'static str> {
    Some(match ty {
        ColumnType::Bool => "bool",
        ColumnType::I16 | ColumnType::I32 => "int",
        ColumnType::I64 => "long",
        ColumnType::F32 | ColumnType::F64 => "double",
        ColumnType::Decimal { .. } => "decimal",
        ColumnType::Bytes | ColumnType::Uuid => "binData",
        ColumnType::Date | ColumnType::DateTime | ColumnType::Timestamp => "date",
        ColumnType::ObjectId => "objectId",
        ColumnType::Json => return None,
        _ => "string",
    })
}

/// The collection's `$jsonSchema` validator: each column's BSON type (plus `null` when nullable),
/// string lengths, and every non-null column required.
///
/// ```
/// use orm_core::schema::{Column, ColumnType, Table};
/// let t = Table::new("users")
///     .column(Column::new("id", ColumnType::I64))
///     .column(Column::new("email", ColumnType::String { length: Some(80) }))
///     .column(Column::new("age", ColumnType::I32).nullable())
///     .primary_key(["id"]);
/// assert_eq!(
///     orm_core::mongo::json_schema(&t),
///     bson::doc! { "$jsonSchema": {
///         "bsonType": "object",
///         "required": ["_id", "email"],
///         "properties": {
///             "_id": { "title": "id", "description": "orm:i64", "bsonType": "long" },
///             "email": { "title": "email", "description": "orm:string(80)", "bsonType": "string", "maxLength": 80_i64 },
///             "age": { "title": "age", "description": "orm:i32", "bsonType": ["int", "null"] },
///         },
///     } }
/// );
/// ```
pub fn json_schema(table: &Table) -> Document {
    let mut properties = Document::new();
    let mut required = Vec::new();
    for column in &table.columns {
        let key = field_key(table, &column.name);
        properties.insert(key, property(column));
        if !column.nullable {
            required.push(Bson::String(key.to_string()));
        }
    }
    doc! { "$jsonSchema": { "bsonType": "object", "required": required, "properties": properties } }
}

/// The `description` that records a column's neutral type (and key generation) in the validator, so
/// introspection reads back exactly what was declared.
pub(crate) fn type_note(column: &Column) -> String {
    let mut note = format!("orm:{}", column.ty.to_string().replace(' ', ""));
    if column.auto_increment {
        note.push_str(" auto_increment");
    }
    if column.generated {
        note.push_str(" auto");
    }
    note
}

fn property(column: &Column) -> Document {
    let mut p = doc! { "title": &column.name, "description": type_note(column) };
    if let Some(t) = bson_type(column.ty) {
        if column.nullable {
            p.insert("bsonType", vec![Bson::String(t.into()), Bson::String("null".into())]);
        } else {
            p.insert("bsonType", t);
        }
    }
    if let ColumnType::String { length: Some(n) } = column.ty {
        p.insert("maxLength", i64::from(n));
    }
    // The model's validation rules, enforced by the server too.
    for check in &column.checks {
        match check {
            crate::schema::Check::MinLength(n) => {
                p.insert("minLength", i64::from(*n));
            }
            crate::schema::Check::MaxLength(n) => {
                let n = i64::from(*n);
                let tighter = p.get_i64("maxLength").map_or(n, |m| m.min(n));
                p.insert("maxLength", tighter);
            }
            crate::schema::Check::Min(v) => {
                p.insert("minimum", *v);
            }
            crate::schema::Check::Max(v) => {
                p.insert("maximum", *v);
            }
            crate::schema::Check::Pattern(pattern) => {
                p.insert("pattern", pattern.as_str());
            }
            _ => {
                p.insert("pattern", crate::lifecycle::EMAIL_PATTERN);
            }
        }
    }
    p
}

/// The `createIndexes` entries of `table`: declared indexes, single-column unique constraints, and a
/// unique index over a composite primary key. Unique indexes over nullable fields are partial (only
/// documents where the fields hold values), so NULLs never collide, as in SQL.
pub fn index_documents(table: &Table) -> Vec<Document> {
    let mut out = Vec::new();
    if table.primary_key.len() > 1 {
        out.push(index_document(table, &format!("{}_pkey", table.name), &table.primary_key, true));
    }
    for column in table.columns.iter().filter(|c| c.unique && !table.is_primary_key(&c.name)) {
        let name = crate::schema::Index::default_name(&table.name, &[&column.name], true);
        out.push(index_document(table, &name, std::slice::from_ref(&column.name), true));
    }
    for index in &table.indexes {
        out.push(index_document(table, &index.name, &index.columns, index.unique));
    }
    out
}

/// One `createIndexes` entry.
pub fn index_document(table: &Table, name: &str, columns: &[String], unique: bool) -> Document {
    let mut keys = Document::new();
    let mut partial = Vec::new();
    for c in columns {
        let key = field_key(table, c);
        keys.insert(key, 1);
        if let Some(col) = table.column_named(c).filter(|col| col.nullable) {
            let ty = bson_type(col.ty)
                .map(Bson::from)
                .unwrap_or_else(|| Bson::from(vec!["object", "array", "string", "number", "bool"]));
            partial.push(doc! { key: { "$type": ty } });
        }
    }
    let mut index = doc! { "key": keys, "name": name };
    if unique {
        index.insert("unique", true);
        if !partial.is_empty() {
            let filter = if partial.len() == 1 { partial.remove(0) } else { doc! { "$and": partial } };
            index.insert("partialFilterExpression", filter);
        }
    }
    index
}
