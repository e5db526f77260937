//! [`FieldType`]: the Rust types a model field can have, and how each is bound and decoded.

use crate::error::BoxError;
use crate::schema::ColumnType;
use crate::value::Value;
use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use rust_decimal::Decimal;
use uuid::Uuid;

#[cfg(feature = "mysql")]
use sqlx::mysql::MySqlRow;
#[cfg(feature = "postgres")]
use sqlx::postgres::PgRow;
#[cfg(feature = "sqlite")]
use sqlx::sqlite::SqliteRow;

/// A Rust type that can be stored in a column: bound as a [`Value`], decoded from a row.
///
/// Implemented for `bool`, `i16`, `i32`, `i64`, `f32`, `f64`, `String`, `Vec<u8>`, chrono's
/// `NaiveDate`, `NaiveTime`, `NaiveDateTime` and `DateTime<Utc>`, `uuid::Uuid`,
/// `rust_decimal::Decimal`, `serde_json::Value`, and `Option` of each (a nullable column).
///
/// A type of your own implements [`column_type`](FieldType::column_type), [`to_value`](FieldType::to_value)
/// and [`from_value`](FieldType::from_value); decoding then goes through the [`Value`] of that column type:
///
/// ```
/// use orm_core::{schema::ColumnType, FieldType, Value, error::BoxError};
///
/// #[derive(Debug, Clone, PartialEq)]
/// struct Email(String);
///
/// impl FieldType for Email {
///     type Base = Email;
///     fn column_type() -> ColumnType { ColumnType::String { length: None } }
///     fn to_value(&self) -> Value { Value::String(Some(self.0.clone())) }
///     fn null_value() -> Value { Value::String(None) }
///     fn from_value(value: Value) -> Result<Self, BoxError> {
///         match value {
///             Value::String(Some(s)) => Ok(Email(s)),
///             other => Err(format!("expected a string, got {other:?}").into()),
///         }
///     }
/// }
/// assert_eq!(Email("a@b.c".into()).to_value(), Value::String(Some("a@b.c".into())));
/// ```
pub trait FieldType: Sized + Send + Sync + 'static {
    /// The non-null type: `Self` for a scalar, `T` for `Option<T>`. Filters compare against it.
    type Base: FieldType;

    /// The neutral column type of the base type.
    fn column_type() -> ColumnType;

    /// Whether the type is `Option<...>`.
    fn is_nullable() -> bool {
        false
    }

    /// This value as a bindable [`Value`].
    fn to_value(&self) -> Value;

    /// A NULL of the base type.
    fn null_value() -> Value;

    /// Reads the type back from a [`Value`] of its column type.
    fn from_value(value: Value) -> Result<Self, BoxError>;

    /// Decodes a MongoDB document field (`None` when the field is missing), NULL as `None`.
    #[cfg(feature = "mongodb")]
    fn decode_bson_opt(value: Option<bson::Bson>) -> Result<Option<Self>, BoxError> {
        let v = crate::mongo::bson_into_value(value, Self::column_type())?;
        if v.is_null() { Ok(None) } else { Self::from_value(v).map(Some) }
    }

    /// Decodes a MongoDB document field.
    #[cfg(feature = "mongodb")]
    fn decode_bson(value: Option<bson::Bson>) -> Result<Self, BoxError> {
        Self::decode_bson_opt(value)?.ok_or_else(unexpected_null)
    }

    /// Decodes column `idx` of a PostgreSQL row, NULL as `None`.
    #[cfg(feature = "postgres")]
    fn decode_pg_opt(row: &PgRow, idx: usize) -> Result<Option<Self>, BoxError> {
        let v = crate::row::decode_value_pg(row, idx, Self::column_type())?;
        if v.is_null() { Ok(None) } else { Self::from_value(v).map(Some) }
    }

    /// Decodes column `idx` of a PostgreSQL row.
    #[cfg(feature = "postgres")]
    fn decode_pg(row: &PgRow, idx: usize) -> Result<Self, BoxError> {
        Self::decode_pg_opt(row, idx)?.ok_or_else(unexpected_null)
    }

    /// Decodes column `idx` of a MySQL/MariaDB row, NULL as `None`.
    #[cfg(feature = "mysql")]
    fn decode_mysql_opt(row: &MySqlRow, idx: usize) -> Result<Option<Self>, BoxError> {
        let v = crate::row::decode_value_mysql(row, idx, Self::column_type())?;
        if v.is_null() { Ok(None) } else { Self::from_value(v).map(Some) }
    }

    /// Decodes column `idx` of a MySQL/MariaDB row.
    #[cfg(feature = "mysql")]
    fn decode_mysql(row: &MySqlRow, idx: usize) -> Result<Self, BoxError> {
        Self::decode_mysql_opt(row, idx)?.ok_or_else(unexpected_null)
    }

    /// Decodes column `idx` of a SQLite row, NULL as `None`.
    #[cfg(feature = "sqlite")]
    fn decode_sqlite_opt(row: &SqliteRow, idx: usize) -> Result<Option<Self>, BoxError> {
        let v = crate::row::decode_value_sqlite(row, idx, Self::column_type())?;
        if v.is_null() { Ok(None) } else { Self::from_value(v).map(Some) }
    }

    /// Decodes column `idx` of a SQLite row.
    #[cfg(feature = "sqlite")]
    fn decode_sqlite(row: &SqliteRow, idx: usize) -> Result<Self, BoxError> {
        Self::decode_sqlite_opt(row, idx)?.ok_or_else(unexpected_null)
    }
}

fn unexpected_null() -> BoxError {
    "unexpected NULL in a non-Option field".into()
}

fn mismatch(expected: &str, got: &Value) -> BoxError {
    format!("expected a {expected} value, got {} ({got:?})", got.type_name()).into()
}

/// Implements `FieldType` for a type that sqlx decodes natively on every backend.
macro_rules! native_field {
    ($ty:ty, $variant:ident, $col:expr) => {
        impl FieldType for $ty {
            type Base = $ty;
            fn column_type() -> ColumnType {
                $col
            }
            fn to_value(&self) -> Value {
                Value::$variant(Some(self.clone()))
            }
            fn null_value() -> Value {
                Value::$variant(None)
            }
            fn from_value(value: Value) -> Result<Self, BoxError> {
                match value {
                    Value::$variant(Some(v)) => Ok(v),
                    Value::$variant(None) => Err(unexpected_null()),
                    other => Err(mismatch(stringify!($variant), &other)),
                }
            }
            #[cfg(feature = "postgres")]
            fn decode_pg_opt(row: &PgRow, idx: usize) -> Result<Option<Self>, BoxError> {
                Ok(sqlx::Row::try_get::<Option<$ty>, _>(row, idx)?)
            }
            #[cfg(feature = "mysql")]
            fn decode_mysql_opt(row: &MySqlRow, idx: usize) -> Result<Option<Self>, BoxError> {
                Ok(sqlx::Row::try_get::<Option<$ty>, _>(row, idx)?)
            }
            #[cfg(feature = "sqlite")]
            fn decode_sqlite_opt(row: &SqliteRow, idx: usize) -> Result<Option<Self>, BoxError> {
                Ok(sqlx::Row::try_get_unchecked::<Option<$ty>, _>(row, idx)?)
            }
        }
    };
}

native_field!(bool, Bool, ColumnType::Bool);
native_field!(i16, I16, ColumnType::I16);
native_field!(i32, I32, ColumnType::I32);
native_field!(i64, I64, ColumnType::I64);
native_field!(f32, F32, ColumnType::F32);
native_field!(f64, F64, ColumnType::F64);
native_field!(String, String, ColumnType::String { length: None });
native_field!(Vec<u8>, Bytes, ColumnType::Bytes);
native_field!(NaiveDate, Date, ColumnType::Date);
native_field!(NaiveTime, Time, ColumnType::Time);
native_field!(NaiveDateTime, DateTime, ColumnType::DateTime);
native_field!(DateTime<Utc>, Timestamp, ColumnType::Timestamp);
native_field!(Uuid, Uuid, ColumnType::Uuid);

impl FieldType for Decimal {
    type Base = Decimal;
    fn column_type() -> ColumnType {
        ColumnType::Decimal { precision: None, scale: None }
    }
    fn to_value(&self) -> Value {
        Value::Decimal(Some(*self))
    }
    fn null_value() -> Value {
        Value::Decimal(None)
    }
    fn from_value(value: Value) -> Result<Self, BoxError> {
        match value {
            Value::Decimal(Some(v)) => Ok(v),
            Value::String(Some(s)) => Ok(s.parse()?),
            other => Err(mismatch("decimal", &other)),
        }
    }
    #[cfg(feature = "postgres")]
    fn decode_pg_opt(row: &PgRow, idx: usize) -> Result<Option<Self>, BoxError> {
        Ok(sqlx::Row::try_get::<Option<Decimal>, _>(row, idx)?)
    }
    #[cfg(feature = "mysql")]
    fn decode_mysql_opt(row: &MySqlRow, idx: usize) -> Result<Option<Self>, BoxError> {
        Ok(sqlx::Row::try_get::<Option<Decimal>, _>(row, idx)?)
    }
    /// SQLite has no decimal type: decimals are stored as TEXT, exactly.
    #[cfg(feature = "sqlite")]
    fn decode_sqlite_opt(row: &SqliteRow, idx: usize) -> Result<Option<Self>, BoxError> {
        let text = sqlx::Row::try_get_unchecked::<Option<String>, _>(row, idx)?;
        Ok(text.map(|t| t.parse::<Decimal>()).transpose()?)
    }
}

impl FieldType for serde_json::Value {
    type Base = serde_json::Value;
    fn column_type() -> ColumnType {
        ColumnType::Json
    }
    fn to_value(&self) -> Value {
        Value::Json(Some(self.clone()))
    }
    fn null_value() -> Value {
        Value::Json(None)
    }
    fn from_value(value: Value) -> Result<Self, BoxError> {
        match value {
            Value::Json(Some(v)) => Ok(v),
            Value::String(Some(s)) => Ok(serde_json::from_str(&s)?),
            other => Err(mismatch("json", &other)),
        }
    }
    #[cfg(feature = "postgres")]
    fn decode_pg_opt(row: &PgRow, idx: usize) -> Result<Option<Self>, BoxError> {
        let v = sqlx::Row::try_get::<Option<sqlx::types::Json<serde_json::Value>>, _>(row, idx)?;
        Ok(v.map(|j| j.0))
    }
    #[cfg(feature = "mysql")]
    fn decode_mysql_opt(row: &MySqlRow, idx: usize) -> Result<Option<Self>, BoxError> {
        let v = sqlx::Row::try_get::<Option<sqlx::types::Json<serde_json::Value>>, _>(row, idx)?;
        Ok(v.map(|j| j.0))
    }
    #[cfg(feature = "sqlite")]
    fn decode_sqlite_opt(row: &SqliteRow, idx: usize) -> Result<Option<Self>, BoxError> {
        let text = sqlx::Row::try_get_unchecked::<Option<String>, _>(row, idx)?;
        Ok(text.map(|t| serde_json::from_str(&t)).transpose()?)
    }
}

impl<T: FieldType<Base = T>> FieldType for Option<T> {
    type Base = T;
    fn column_type() -> ColumnType {
        T::column_type()
    }
    fn is_nullable() -> bool {
        true
    }
    fn to_value(&self) -> Value {
        match self {
            Some(v) => v.to_value(),
            None => T::null_value(),
        }
    }
    fn null_value() -> Value {
        T::null_value()
    }
    fn from_value(value: Value) -> Result<Self, BoxError> {
        if value.is_null() { Ok(None) } else { T::from_value(value).map(Some) }
    }
    #[cfg(feature = "mongodb")]
    fn decode_bson_opt(value: Option<bson::Bson>) -> Result<Option<Self>, BoxError> {
        T::decode_bson_opt(value).map(Some)
    }
    #[cfg(feature = "mongodb")]
    fn decode_bson(value: Option<bson::Bson>) -> Result<Self, BoxError> {
        T::decode_bson_opt(value)
    }
    #[cfg(feature = "postgres")]
    fn decode_pg_opt(row: &PgRow, idx: usize) -> Result<Option<Self>, BoxError> {
        T::decode_pg_opt(row, idx).map(Some)
    }
    #[cfg(feature = "postgres")]
    fn decode_pg(row: &PgRow, idx: usize) -> Result<Self, BoxError> {
        T::decode_pg_opt(row, idx)
    }
    #[cfg(feature = "mysql")]
    fn decode_mysql_opt(row: &MySqlRow, idx: usize) -> Result<Option<Self>, BoxError> {
        T::decode_mysql_opt(row, idx).map(Some)
    }
    #[cfg(feature = "mysql")]
    fn decode_mysql(row: &MySqlRow, idx: usize) -> Result<Self, BoxError> {
        T::decode_mysql_opt(row, idx)
    }
    #[cfg(feature = "sqlite")]
    fn decode_sqlite_opt(row: &SqliteRow, idx: usize) -> Result<Option<Self>, BoxError> {
        T::decode_sqlite_opt(row, idx).map(Some)
    }
    #[cfg(feature = "sqlite")]
    fn decode_sqlite(row: &SqliteRow, idx: usize) -> Result<Self, BoxError> {
        T::decode_sqlite_opt(row, idx)
    }
}

/// MongoDB's ObjectId: a native `ObjectId` on MongoDB, its 24-character lowercase hex string in a
/// `char(24)` column on SQL backends.
#[cfg(feature = "mongodb")]
impl FieldType for bson::oid::ObjectId {
    type Base = bson::oid::ObjectId;
    fn column_type() -> ColumnType {
        ColumnType::ObjectId
    }
    fn to_value(&self) -> Value {
        Value::ObjectId(Some(self.to_hex()))
    }
    fn null_value() -> Value {
        Value::ObjectId(None)
    }
    fn from_value(value: Value) -> Result<Self, BoxError> {
        match value {
            Value::ObjectId(Some(hex)) | Value::String(Some(hex)) => Ok(bson::oid::ObjectId::parse_str(hex.trim())?),
            other => Err(mismatch("object_id", &other)),
        }
    }
}

/// A value stored as JSON: a `json` column on SQL backends, an embedded document or array on
/// MongoDB. Use it for embedded structs and lists (`Json<Address>`, `Json<Vec<String>>`).
///
/// ```
/// use orm_core::{FieldType, Json, Value};
/// let tags = Json(vec!["a".to_string(), "b".to_string()]);
/// assert_eq!(tags.to_value(), Value::Json(Some(serde_json::json!(["a", "b"]))));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct Json<T>(pub T);

impl<T> std::ops::Deref for Json<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> std::ops::DerefMut for Json<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.0
    }
}

impl<T> FieldType for Json<T>
where
    T: serde::Serialize + serde::de::DeserializeOwned + Send + Sync + 'static,
{
    type Base = Json<T>;
    fn column_type() -> ColumnType {
        ColumnType::Json
    }
    /// # Panics
    /// When `T`'s `Serialize` cannot produce JSON (a map with non-string keys): a bug in the
    /// model's type, not a runtime condition.
    fn to_value(&self) -> Value {
        let json = serde_json::to_value(&self.0)
            .unwrap_or_else(|e| panic!("Json<{}> cannot be written as JSON: {e}", std::any::type_name::<T>()));
        Value::Json(Some(json))
    }
    fn null_value() -> Value {
        Value::Json(None)
    }
    fn from_value(value: Value) -> Result<Self, BoxError> {
        match value {
            Value::Json(Some(v)) => Ok(Json(serde_json::from_value(v)?)),
            Value::String(Some(s)) => Ok(Json(serde_json::from_str(&s)?)),
            other => Err(mismatch("json", &other)),
        }
    }
}
