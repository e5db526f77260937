//! [`Value`]: one bound value, typed even when NULL.

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use rust_decimal::Decimal;
use uuid::Uuid;
use crate::schema::ColumnType;

/// A value bound to a query, or read from a row: one variant per neutral column type, each holding
/// `None` for a NULL of that type (databases such as PostgreSQL need NULLs to be typed).
///
/// ```
/// use orm_core::{FieldType, Value};
/// assert_eq!(42i32.to_value(), Value::I32(Some(42)));
/// assert_eq!(None::<String>.to_value(), Value::String(None));
/// assert!(Value::String(None).is_null());
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Value {
    /// `bool`
    Bool(Option<bool>),
    /// `i16`
    I16(Option<i16>),
    /// `i32`
    I32(Option<i32>),
    /// `i64`
    I64(Option<i64>),
    /// `f32`
    F32(Option<f32>),
    /// `f64`
    F64(Option<f64>),
    /// `string` and `text`
    String(Option<String>),
    /// `bytes`
    Bytes(Option<Vec<u8>>),
    /// `date`
    Date(Option<NaiveDate>),
    /// `time`
    Time(Option<NaiveTime>),
    /// `datetime`
    DateTime(Option<NaiveDateTime>),
    /// `timestamp`
    Timestamp(Option<DateTime<Utc>>),
    /// `uuid`
    Uuid(Option<Uuid>),
    /// `decimal`
    Decimal(Option<Decimal>),
    /// `json`
    Json(Option<serde_json::Value>),
    /// `object_id`, as its 24-character hex string
    ObjectId(Option<String>),
}

impl Value {
    /// Whether this is a NULL.
    pub fn is_null(&self) -> bool {
        match self {
            Value::Bool(v) => v.is_none(),
            Value::I16(v) => v.is_none(),
            Value::I32(v) => v.is_none(),
            Value::I64(v) => v.is_none(),
            Value::F32(v) => v.is_none(),
            Value::F64(v) => v.is_none(),
            Value::String(v) => v.is_none(),
            Value::Bytes(v) => v.is_none(),
            Value::Date(v) => v.is_none(),
            Value::Time(v) => v.is_none(),
            Value::DateTime(v) => v.is_none(),
            Value::Timestamp(v) => v.is_none(),
            Value::Uuid(v) => v.is_none(),
            Value::Decimal(v) => v.is_none(),
            Value::Json(v) => v.is_none(),
            Value::ObjectId(v) => v.is_none(),
        }
    }

    /// A NULL of the type `ty` (strings for `string` and `text`).
    ///
    /// ```
    /// use orm_core::{schema::ColumnType, Value};
    /// assert_eq!(Value::null(ColumnType::I32), Value::I32(None));
    /// ```
    pub fn null(ty: ColumnType) -> Value {
        match ty {
            ColumnType::Bool => Value::Bool(None),
            ColumnType::I16 => Value::I16(None),
            ColumnType::I32 => Value::I32(None),
            ColumnType::I64 => Value::I64(None),
            ColumnType::F32 => Value::F32(None),
            ColumnType::F64 => Value::F64(None),
            ColumnType::Decimal { .. } => Value::Decimal(None),
            ColumnType::Bytes => Value::Bytes(None),
            ColumnType::Date => Value::Date(None),
            ColumnType::Time => Value::Time(None),
            ColumnType::DateTime => Value::DateTime(None),
            ColumnType::Timestamp => Value::Timestamp(None),
            ColumnType::Uuid => Value::Uuid(None),
            ColumnType::Json => Value::Json(None),
            ColumnType::ObjectId => Value::ObjectId(None),
            _ => Value::String(None),
        }
    }

    /// The name of the value's type, for error messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Bool(_) => "bool",
            Value::I16(_) => "i16",
            Value::I32(_) => "i32",
            Value::I64(_) => "i64",
            Value::F32(_) => "f32",
            Value::F64(_) => "f64",
            Value::String(_) => "string",
            Value::Bytes(_) => "bytes",
            Value::Date(_) => "date",
            Value::Time(_) => "time",
            Value::DateTime(_) => "datetime",
            Value::Timestamp(_) => "timestamp",
            Value::Uuid(_) => "uuid",
            Value::Decimal(_) => "decimal",
            Value::Json(_) => "json",
            Value::ObjectId(_) => "object_id",
        }
    }
}

impl From<Value> for sea_query::Value {
    fn from(v: Value) -> Self {
        use sea_query::Value as S;
        match v {
            Value::Bool(v) => S::Bool(v),
            Value::I16(v) => S::SmallInt(v),
            Value::I32(v) => S::Int(v),
            Value::I64(v) => S::BigInt(v),
            Value::F32(v) => S::Float(v),
            Value::F64(v) => S::Double(v),
            Value::String(v) => S::String(v),
            Value::Bytes(v) => S::Bytes(v),
            Value::Date(v) => S::ChronoDate(v),
            Value::Time(v) => S::ChronoTime(v),
            Value::DateTime(v) => S::ChronoDateTime(v),
            Value::Timestamp(v) => S::ChronoDateTimeUtc(v),
            Value::Uuid(v) => S::Uuid(v),
            Value::Decimal(v) => S::Decimal(v),
            Value::Json(v) => S::Json(v.map(Box::new)),
            Value::ObjectId(v) => S::String(v),
        }
    }
}

