//! MongoDB: `listCollections` (the `$jsonSchema` validator the toolkit writes records each field's
//! column name and neutral type) and `listIndexes`. Collections without such a validator are read
//! from a sample of their documents by `orm generate models`; here they list no columns.

use super::MongoDriver;
use crate::error::{Error, Result};
use crate::schema::{Column, ColumnType, Index, Table};
use bson::{doc, Bson, Document};

fn column_from(key: &str, property: &Document, required: bool) -> Column {
    let name = property.get_str("title").unwrap_or(key).to_string();
    let note = property.get_str("description").unwrap_or_default();
    let mut words = note.strip_prefix("orm:").unwrap_or_default().split_whitespace();
    let declared: Option<ColumnType> = words.next().and_then(|t| t.parse().ok());
    let flags: Vec<&str> = words.collect();
    let types: Vec<String> = match property.get("bsonType") {
        Some(Bson::String(s)) => vec![s.clone()],
        Some(Bson::Array(a)) => a.iter().filter_map(|b| b.as_str().map(str::to_string)).collect(),
        _ => Vec::new(),
    };
    let nullable = !required || types.iter().any(|t| t == "null");
    let ty = declared.unwrap_or_else(|| match types.iter().find(|t| *t != "null").map(String::as_str) {
        Some("bool") => ColumnType::Bool,
        Some("int") => ColumnType::I32,
        Some("long") => ColumnType::I64,
        Some("double") => ColumnType::F64,
        Some("decimal") => ColumnType::Decimal { precision: None, scale: None },
        Some("binData") => ColumnType::Bytes,
        Some("date") => ColumnType::Timestamp,
        Some("objectId") => ColumnType::ObjectId,
        Some("string") => ColumnType::String { length: property.get_i64("maxLength").ok().and_then(|n| u32::try_from(n).ok()) },
        _ => ColumnType::Json,
    });
    let mut column = Column::new(name, ty);
    column.nullable = nullable;
    column.auto_increment = flags.contains(&"auto_increment");
    column.generated = flags.contains(&"auto");
    column
}

pub(super) async fn tables(m: &MongoDriver, sample: usize) -> Result<Vec<Table>> {
    let err = |what: &'static str| move |e| crate::mongo::classify("schema", what, || what.to_string(), e);
    let reply = m.db.run_command(doc! { "listCollections": 1, "filter": { "type": "collection" } }).await.map_err(err("listCollections"))?;
    let batch = reply
        .get_document("cursor")
        .and_then(|c| c.get_array("firstBatch"))
        .map_err(|e| Error::UnexpectedReply { operation: "listCollections", message: e.to_string() })?;
    let mut out = Vec::new();
    for info in batch.iter().filter_map(Bson::as_document) {
        let Ok(name) = info.get_str("name") else { continue };
        if name.starts_with("system.") {
            continue;
        }
        let mut table = Table::new(name);
        let schema = info
            .get_document("options")
            .and_then(|o| o.get_document("validator"))
            .and_then(|v| v.get_document("$jsonSchema"))
            .ok();
        if schema.is_none() && sample > 0 {
            let docs = sample_documents(m, name, sample).await?;
            table.columns = infer_columns(&docs);
            if table.columns.iter().any(|c| c.name == "id") {
                table.primary_key = vec!["id".into()];
            }
        }
        if let Some(schema) = schema {
            let required: Vec<&str> = schema.get_array("required").map(|r| r.iter().filter_map(Bson::as_str).collect()).unwrap_or_default();
            if let Ok(properties) = schema.get_document("properties") {
                for (key, property) in properties {
                    let Some(property) = property.as_document() else { continue };
                    let column = column_from(key, property, required.contains(&key.as_str()));
                    if key == "_id" {
                        table.primary_key = vec![column.name.clone()];
                    }
                    table.columns.push(column);
                }
            }
        }
        let reply = m.db.run_command(doc! { "listIndexes": name }).await.map_err(err("listIndexes"))?;
        let indexes = reply.get_document("cursor").and_then(|c| c.get_array("firstBatch")).cloned().unwrap_or_default();
        for index in indexes.iter().filter_map(Bson::as_document) {
            let index_name = index.get_str("name").unwrap_or_default().to_string();
            if index_name == "_id_" {
                continue;
            }
            let unique = index.get_bool("unique").unwrap_or(false);
            let keys: Vec<String> = index
                .get_document("key")
                .map(|k| k.keys().map(|k| if k == "_id" { table.primary_key.first().cloned().unwrap_or_else(|| k.clone()) } else { k.clone() }).collect())
                .unwrap_or_default();
            if unique && index_name == format!("{}_pkey", table.name) {
                table.primary_key = keys;
            } else if unique && keys.len() == 1 && index_name == crate::schema::Index::default_name(&table.name, &keys, true) {
                if let Some(c) = table.columns.iter_mut().find(|c| c.name == keys[0]) {
                    c.unique = true;
                }
            } else {
                table.indexes.push(Index { name: index_name, columns: keys, unique });
            }
        }
        out.push(table);
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

async fn sample_documents(m: &MongoDriver, name: &str, n: usize) -> Result<Vec<Document>> {
    use futures_util::TryStreamExt;
    let pipeline = vec![doc! { "$sample": { "size": n as i64 } }];
    let cursor = m
        .db
        .collection::<Document>(name)
        .aggregate(pipeline)
        .await
        .map_err(|e| crate::mongo::classify("schema", "sample", || format!("$sample {name}"), e))?;
    cursor.try_collect().await.map_err(|e| crate::mongo::classify("schema", "sample", || format!("$sample {name}"), e))
}

fn bson_column_type(b: &Bson) -> Option<ColumnType> {
    Some(match b {
        Bson::Boolean(_) => ColumnType::Bool,
        Bson::Int32(_) => ColumnType::I32,
        Bson::Int64(_) => ColumnType::I64,
        Bson::Double(_) => ColumnType::F64,
        Bson::Decimal128(_) => ColumnType::Decimal { precision: None, scale: None },
        Bson::String(_) => ColumnType::String { length: None },
        Bson::DateTime(_) => ColumnType::Timestamp,
        Bson::ObjectId(_) => ColumnType::ObjectId,
        Bson::Binary(bin) if bin.subtype == bson::spec::BinarySubtype::Uuid => ColumnType::Uuid,
        Bson::Binary(_) => ColumnType::Bytes,
        Bson::Null | Bson::Undefined => return None,
        _ => ColumnType::Json,
    })
}

/// Columns inferred from sampled documents: the `_id` as `id`, each field's type (numbers widen,
/// mixed types and embedded documents or arrays become JSON), optional when missing or null; an
/// embedded document keeps its own inferred fields.
pub(crate) fn infer_columns(docs: &[Document]) -> Vec<Column> {
    infer(docs, true)
}

fn infer(docs: &[Document], top: bool) -> Vec<Column> {
    let mut order: Vec<String> = Vec::new();
    let mut seen: std::collections::BTreeMap<String, (usize, bool, Option<ColumnType>)> = Default::default();
    let mut mixed: std::collections::BTreeSet<String> = Default::default();
    for d in docs {
        for (k, v) in d {
            if !order.contains(k) {
                order.push(k.clone());
            }
            let entry = seen.entry(k.clone()).or_insert((0, false, None));
            entry.0 += 1;
            match (bson_column_type(v), entry.2) {
                (None, _) => entry.1 = true,
                (Some(t), None) => entry.2 = Some(t),
                (Some(t), Some(prev)) if t == prev => {}
                (Some(ColumnType::I32), Some(ColumnType::I64)) | (Some(ColumnType::I64), Some(ColumnType::I32)) => entry.2 = Some(ColumnType::I64),
                (Some(ColumnType::F64), Some(ColumnType::I32 | ColumnType::I64)) | (Some(ColumnType::I32 | ColumnType::I64), Some(ColumnType::F64)) => {
                    entry.2 = Some(ColumnType::F64)
                }
                _ => {
                    entry.2 = Some(ColumnType::Json);
                    mixed.insert(k.clone());
                }
            }
        }
    }
    order
        .into_iter()
        .map(|k| {
            let (count, null, ty) = seen[&k];
            let is_mixed = mixed.contains(&k);
            let embedded: Vec<Document> = docs.iter().filter_map(|d| d.get_document(&k).ok().cloned()).collect();
            let all_documents = !embedded.is_empty() && docs.iter().all(|d| matches!(d.get(&k), None | Some(Bson::Null) | Some(Bson::Document(_))));
            let name = if top && k == "_id" { "id".to_string() } else { k };
            let mut c = Column::new(name, ty.unwrap_or(ColumnType::Json));
            c.nullable = count < docs.len() || null;
            if is_mixed {
                c.comment = Some("the sampled documents hold different types here: it is read as JSON".into());
            } else if c.ty == ColumnType::Json && all_documents {
                c.fields = infer(&embedded, false);
            } else if c.ty == ColumnType::Json {
                c.comment = Some("arrays and other values are read as JSON values".into());
            }
            c
        })
        .collect()
}
