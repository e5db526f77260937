//! MongoDB: the query IR lowered to filter, update and sort documents, run with the official driver.
//!
//! A model maps to a collection named like its table. A single-column primary key is stored as
//! `_id`; a composite key keeps its fields, under a unique index, beside a generated `_id`.
//! `auto_increment` keys take their next value from the `__orm_counters` collection (an atomic
//! `findAndModify` with `$inc`, upserted), so they stay unique under concurrency.
//!
//! Type mapping (the README repeats it):
//!
//! | field type | BSON |
//! |---|---|
//! | `bool` | boolean |
//! | `i16`, `i32` | int32 |
//! | `i64` | int64 |
//! | `f32`, `f64` | double |
//! | `Decimal` | decimal128 |
//! | `String` | string |
//! | `Vec<u8>` | binary (generic) |
//! | `Uuid` | binary subtype 4 |
//! | `DateTime<Utc>`, `NaiveDateTime` (as UTC) | date (millisecond precision) |
//! | `NaiveDate` | date at midnight UTC |
//! | `NaiveTime` | string `HH:MM:SS.ffffff` |
//! | `serde_json::Value`, `Json<T>` | the embedded document, array or scalar |
//! | `ObjectId` | objectId |

mod filter;
mod migrate;
mod schema;
mod update;

pub use filter::{filter_document, like_to_regex};
pub use migrate::{render_mongo, MongoStep};
pub(crate) use migrate::check_name;
pub use schema::{bson_type, index_document, index_documents, json_schema};
pub use update::{update_document, MongoUpdate};

use crate::error::{BoxError, Error};
use crate::schema::{ColumnType, Table};
use crate::value::Value;
use bson::Bson;
use chrono::{NaiveTime, TimeZone, Utc};

/// The collection holding `auto_increment` counters.
pub const COUNTERS: &str = "__orm_counters";

/// The document key of `column`: `_id` for a single-column primary key, else the column's name.
pub fn field_key<'a>(table: &Table, column: &'a str) -> &'a str {
    if table.primary_key.len() == 1 && table.primary_key[0] == column { "_id" } else { column }
}

pub(crate) fn date_from_millis(ms: i64) -> std::result::Result<chrono::DateTime<Utc>, BoxError> {
    Utc.timestamp_millis_opt(ms).single().ok_or_else(|| format!("date {ms} ms is out of range").into())
}

/// A [`Value`] as BSON (see the module's type mapping).
pub fn value_to_bson(value: &Value) -> Bson {
    value_into_bson(value.clone())
}

/// A [`Value`] as BSON, moving its text, bytes or JSON instead of copying them.
///
/// ```
/// use orm_core::{mongo::value_into_bson, Value};
/// assert_eq!(value_into_bson(Value::String(Some("a".into()))), orm_core::bson::Bson::String("a".into()));
/// assert_eq!(value_into_bson(Value::I64(None)), orm_core::bson::Bson::Null);
/// ```
pub fn value_into_bson(value: Value) -> Bson {
    fn opt<T>(v: Option<T>, f: impl FnOnce(T) -> Bson) -> Bson {
        v.map(f).unwrap_or(Bson::Null)
    }
    match value {
        Value::Bool(v) => opt(v, Bson::Boolean),
        Value::I16(v) => opt(v, |i| Bson::Int32(i32::from(i))),
        Value::I32(v) => opt(v, Bson::Int32),
        Value::I64(v) => opt(v, Bson::Int64),
        Value::F32(v) => opt(v, |f| Bson::Double(f64::from(f))),
        Value::F64(v) => opt(v, Bson::Double),
        Value::String(v) => opt(v, Bson::String),
        Value::Bytes(v) => opt(v, |b| Bson::Binary(bson::Binary { subtype: bson::spec::BinarySubtype::Generic, bytes: b })),
        Value::Date(v) => opt(v, |d| {
            let midnight = d.and_hms_opt(0, 0, 0).expect("midnight exists").and_utc();
            Bson::DateTime(bson::DateTime::from_millis(midnight.timestamp_millis()))
        }),
        Value::Time(v) => opt(v, |t| Bson::String(t.format("%H:%M:%S%.6f").to_string())),
        Value::DateTime(v) => opt(v, |t| Bson::DateTime(bson::DateTime::from_millis(t.and_utc().timestamp_millis()))),
        Value::Timestamp(v) => opt(v, |t| Bson::DateTime(bson::DateTime::from_millis(t.timestamp_millis()))),
        Value::Uuid(v) => opt(v, |u| Bson::Binary(bson::Binary::from_uuid(bson::Uuid::from_bytes(*u.as_bytes())))),
        Value::Decimal(v) => opt(v, |d| {
            Bson::Decimal128(d.to_string().parse().expect("every rust_decimal fits a decimal128"))
        }),
        Value::Json(v) => opt(v, |j| Bson::try_from(j.clone()).unwrap_or_else(|_| Bson::String(j.to_string()))),
        Value::ObjectId(v) => opt(v, |hex| match bson::oid::ObjectId::parse_str(&hex) {
            Ok(oid) => Bson::ObjectId(oid),
            Err(_) => Bson::String(hex),
        }),
    }
}

fn bad(expected: &str, got: &Bson) -> BoxError {
    format!("expected {expected}, found BSON {:?} ({got})", got.element_type()).into()
}

fn int_of(b: &Bson) -> Option<i64> {
    match b {
        Bson::Int32(i) => Some(i64::from(*i)),
        Bson::Int64(i) => Some(*i),
        Bson::Double(d) if d.fract() == 0.0 && d.abs() < 9.0e15 => Some(*d as i64),
        _ => None,
    }
}

/// [`bson_to_value`] for an owned field: text, bytes and JSON move into the value instead of
/// being copied.
///
/// ```
/// use orm_core::{bson::Bson, mongo::bson_into_value, schema::ColumnType, Value};
/// let v = bson_into_value(Some(Bson::String("a".into())), ColumnType::Text).unwrap();
/// assert_eq!(v, Value::String(Some("a".into())));
/// ```
pub fn bson_into_value(value: Option<Bson>, ty: ColumnType) -> std::result::Result<Value, BoxError> {
    match (value, ty) {
        (Some(Bson::String(s)), ColumnType::String { .. } | ColumnType::Text) => Ok(Value::String(Some(s))),
        (Some(Bson::String(s)), ColumnType::ObjectId) => Ok(Value::ObjectId(Some(s))),
        (Some(Bson::Binary(bin)), ColumnType::Bytes) => Ok(Value::Bytes(Some(bin.bytes))),
        (Some(b), ColumnType::Json) if !matches!(b, Bson::Null | Bson::Undefined) => Ok(Value::Json(Some(b.into_relaxed_extjson()))),
        (value, ty) => bson_to_value(value.as_ref(), ty),
    }
}

/// Reads a document field (`None` when missing) as the [`Value`] of a column type; a missing
/// field and BSON null are both NULL.
pub fn bson_to_value(value: Option<&Bson>, ty: ColumnType) -> std::result::Result<Value, BoxError> {
    let b = match value {
        None | Some(Bson::Null) | Some(Bson::Undefined) => return Ok(Value::null(ty)),
        Some(b) => b,
    };
    Ok(match ty {
        ColumnType::Bool => match b {
            Bson::Boolean(v) => Value::Bool(Some(*v)),
            _ => return Err(bad("a boolean", b)),
        },
        ColumnType::I16 => Value::I16(Some(i16::try_from(int_of(b).ok_or_else(|| bad("an integer", b))?)?)),
        ColumnType::I32 => Value::I32(Some(i32::try_from(int_of(b).ok_or_else(|| bad("an integer", b))?)?)),
        ColumnType::I64 => Value::I64(Some(int_of(b).ok_or_else(|| bad("an integer", b))?)),
        ColumnType::F32 | ColumnType::F64 => {
            let f = match b {
                Bson::Double(d) => *d,
                Bson::Int32(i) => f64::from(*i),
                Bson::Int64(i) => *i as f64,
                _ => return Err(bad("a number", b)),
            };
            if ty == ColumnType::F32 { Value::F32(Some(f as f32)) } else { Value::F64(Some(f)) }
        }
        ColumnType::Decimal { .. } => {
            let text = match b {
                Bson::Decimal128(d) => d.to_string(),
                Bson::Double(d) => d.to_string(),
                Bson::Int32(i) => i.to_string(),
                Bson::Int64(i) => i.to_string(),
                Bson::String(s) => s.clone(),
                _ => return Err(bad("a decimal", b)),
            };
            let parsed = text
                .parse::<rust_decimal::Decimal>()
                .or_else(|_| rust_decimal::Decimal::from_scientific(&text))?;
            Value::Decimal(Some(parsed))
        }
        ColumnType::Bytes => match b {
            Bson::Binary(bin) => Value::Bytes(Some(bin.bytes.clone())),
            _ => return Err(bad("binary data", b)),
        },
        ColumnType::Uuid => match b {
            Bson::Binary(bin) if bin.bytes.len() == 16 => Value::Uuid(Some(uuid::Uuid::from_slice(&bin.bytes)?)),
            Bson::String(s) => Value::Uuid(Some(s.parse()?)),
            _ => return Err(bad("a UUID (binary subtype 4)", b)),
        },
        ColumnType::Date => match b {
            Bson::DateTime(d) => Value::Date(Some(date_from_millis(d.timestamp_millis())?.date_naive())),
            Bson::String(s) => Value::Date(Some(s.parse()?)),
            _ => return Err(bad("a date", b)),
        },
        ColumnType::Time => match b {
            Bson::String(s) => Value::Time(Some(NaiveTime::parse_from_str(s, "%H:%M:%S%.f")?)),
            _ => return Err(bad("a time string", b)),
        },
        ColumnType::DateTime => match b {
            Bson::DateTime(d) => Value::DateTime(Some(date_from_millis(d.timestamp_millis())?.naive_utc())),
            _ => return Err(bad("a date", b)),
        },
        ColumnType::Timestamp => match b {
            Bson::DateTime(d) => Value::Timestamp(Some(date_from_millis(d.timestamp_millis())?)),
            _ => return Err(bad("a date", b)),
        },
        ColumnType::Json => Value::Json(Some(b.clone().into_relaxed_extjson())),
        ColumnType::ObjectId => match b {
            Bson::ObjectId(oid) => Value::ObjectId(Some(oid.to_hex())),
            Bson::String(s) => Value::ObjectId(Some(s.clone())),
            _ => return Err(bad("an ObjectId", b)),
        },
        _ => match b {
            Bson::String(s) => Value::String(Some(s.clone())),
            Bson::ObjectId(oid) => Value::String(Some(oid.to_hex())),
            _ => return Err(bad("a string", b)),
        },
    })
}


/// Turns a driver error into the toolkit's: duplicate keys (11000) are unique violations and
/// validator rejections (121) constraint violations.
pub(crate) fn classify(model: &'static str, operation: &'static str, command: impl FnOnce() -> String, e: mongodb::error::Error) -> Error {
    use mongodb::error::{ErrorKind, WriteFailure};
    let codes: Vec<i32> = match e.kind.as_ref() {
        ErrorKind::Write(WriteFailure::WriteError(w)) => vec![w.code],
        ErrorKind::InsertMany(m) => m.write_errors.iter().flatten().map(|w| w.code).collect(),
        ErrorKind::Command(c) => vec![c.code],
        _ => Vec::new(),
    };
    if codes.contains(&11000) {
        Error::UniqueViolation { model, operation, constraint: None, source: Box::new(e) }
    } else if codes.contains(&121) {
        Error::ConstraintViolation { model, operation, source: Box::new(e) }
    } else {
        Error::Mongo { model, operation, command: command(), source: e.into() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_map_to_bson() {
        assert_eq!(value_to_bson(&Value::I16(Some(3))), Bson::Int32(3));
        assert_eq!(value_to_bson(&Value::I64(None)), Bson::Null);
        let d = rust_decimal::Decimal::new(150, 2);
        assert_eq!(value_to_bson(&Value::Decimal(Some(d))).to_string(), "1.50");
        let u = uuid::Uuid::new_v4();
        match value_to_bson(&Value::Uuid(Some(u))) {
            Bson::Binary(b) => assert_eq!((b.subtype, b.bytes), (bson::spec::BinarySubtype::Uuid, u.as_bytes().to_vec())),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn bson_reads_back_by_column_type() {
        let v = bson_to_value(Some(&Bson::Int32(7)), ColumnType::I64).unwrap();
        assert_eq!(v, Value::I64(Some(7)));
        assert_eq!(bson_to_value(None, ColumnType::Bool).unwrap(), Value::Bool(None));
        assert!(bson_to_value(Some(&Bson::Int64(1 << 40)), ColumnType::I32).is_err());
        let t = Value::Time(Some(NaiveTime::from_hms_micro_opt(1, 2, 3, 456_789).unwrap()));
        assert_eq!(bson_to_value(Some(&value_to_bson(&t)), ColumnType::Time).unwrap(), t);
        let json = serde_json::json!({"a": [1, 2.5, "x", null], "b": {"c": true}});
        let v = Value::Json(Some(json));
        assert_eq!(bson_to_value(Some(&value_to_bson(&v)), ColumnType::Json).unwrap(), v);
    }
}
