//! [`FieldType`]: the Rust types a model field can have, and how each is bound and decoded.

use crate::error::BoxError;
use crate::schema::ColumnType;
use crate::value::Value;
use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use rust_decimal::Decimal;
use uuid::Uuid;


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

    /// [`to_value`](FieldType::to_value) of a value given away: no copy of strings, bytes or JSON.
    fn into_value(self) -> Value {
        self.to_value()
    }

    /// A NULL of the base type.
    fn null_value() -> Value;

    /// Reads the type back from a [`Value`] of its column type.
    fn from_value(value: Value) -> Result<Self, BoxError>;

    /// Reads column `idx` of a backend's row, NULL as `None`: through the [`Value`] of the column
    /// type by default; the built-in types read natively.
    #[doc(hidden)]
    fn decode_opt<R: RawRow + ?Sized>(row: &R, idx: usize) -> Result<Option<Self>, BoxError> {
        let v = row.get_value(idx, Self::column_type())?;
        if v.is_null() { Ok(None) } else { Self::from_value(v).map(Some) }
    }

    /// Reads column `idx` of a backend's row.
    #[doc(hidden)]
    fn decode<R: RawRow + ?Sized>(row: &R, idx: usize) -> Result<Self, BoxError> {
        Self::decode_opt(row, idx)?.ok_or_else(unexpected_null)
    }
}

/// A backend's row read by column position and type. Each driver implements it for its rows
/// (sqlx's rows natively, MongoDB documents through BSON); sealed, so only they can.
/// [`RowAccess`](crate::RowAccess) is what users and generated code call.
#[doc(hidden)]
pub trait RawRow: sealed::Sealed {
    /// A `bool` column.
    fn get_bool(&self, idx: usize) -> Result<Option<bool>, BoxError>;
    /// An `i16` column.
    fn get_i16(&self, idx: usize) -> Result<Option<i16>, BoxError>;
    /// An `i32` column.
    fn get_i32(&self, idx: usize) -> Result<Option<i32>, BoxError>;
    /// An `i64` column.
    fn get_i64(&self, idx: usize) -> Result<Option<i64>, BoxError>;
    /// An `f32` column.
    fn get_f32(&self, idx: usize) -> Result<Option<f32>, BoxError>;
    /// An `f64` column.
    fn get_f64(&self, idx: usize) -> Result<Option<f64>, BoxError>;
    /// A string column.
    fn get_string(&self, idx: usize) -> Result<Option<String>, BoxError>;
    /// A binary column.
    fn get_bytes(&self, idx: usize) -> Result<Option<Vec<u8>>, BoxError>;
    /// A date column.
    fn get_date(&self, idx: usize) -> Result<Option<NaiveDate>, BoxError>;
    /// A time column.
    fn get_time(&self, idx: usize) -> Result<Option<NaiveTime>, BoxError>;
    /// A date-time column without time zone.
    fn get_datetime(&self, idx: usize) -> Result<Option<NaiveDateTime>, BoxError>;
    /// An instant.
    fn get_timestamp(&self, idx: usize) -> Result<Option<DateTime<Utc>>, BoxError>;
    /// A UUID column.
    fn get_uuid(&self, idx: usize) -> Result<Option<Uuid>, BoxError>;
    /// A decimal column.
    fn get_decimal(&self, idx: usize) -> Result<Option<Decimal>, BoxError>;
    /// A JSON column.
    fn get_json(&self, idx: usize) -> Result<Option<serde_json::Value>, BoxError>;

    /// Column `idx` as the [`Value`] of column type `ty`.
    fn get_value(&self, idx: usize, ty: ColumnType) -> Result<Value, BoxError> {
        Ok(match ty {
            ColumnType::Bool => Value::Bool(self.get_bool(idx)?),
            ColumnType::I16 => Value::I16(self.get_i16(idx)?),
            ColumnType::I32 => Value::I32(self.get_i32(idx)?),
            ColumnType::I64 => Value::I64(self.get_i64(idx)?),
            ColumnType::F32 => Value::F32(self.get_f32(idx)?),
            ColumnType::F64 => Value::F64(self.get_f64(idx)?),
            ColumnType::Decimal { .. } => Value::Decimal(self.get_decimal(idx)?),
            ColumnType::Bytes => Value::Bytes(self.get_bytes(idx)?),
            ColumnType::Date => Value::Date(self.get_date(idx)?),
            ColumnType::Time => Value::Time(self.get_time(idx)?),
            ColumnType::DateTime => Value::DateTime(self.get_datetime(idx)?),
            ColumnType::Timestamp => Value::Timestamp(self.get_timestamp(idx)?),
            ColumnType::Uuid => Value::Uuid(self.get_uuid(idx)?),
            ColumnType::Json => Value::Json(self.get_json(idx)?),
            _ => Value::String(self.get_string(idx)?),
        })
    }
}

/// Implements every typed getter of [`RawRow`] through `get_value` and the type's
/// [`FieldType::from_value`], for rows that hold values rather than a driver's native encoding.
#[cfg_attr(not(any(feature = "mongodb", feature = "cache")), allow(unused_macros))]
macro_rules! getters_via_value {
    () => {
        $crate::field::getters_via_value!(
            get_bool: bool,
            get_i16: i16,
            get_i32: i32,
            get_i64: i64,
            get_f32: f32,
            get_f64: f64,
            get_string: String,
            get_bytes: Vec<u8>,
            get_date: chrono::NaiveDate,
            get_time: chrono::NaiveTime,
            get_datetime: chrono::NaiveDateTime,
            get_timestamp: chrono::DateTime<chrono::Utc>,
            get_uuid: uuid::Uuid,
            get_decimal: rust_decimal::Decimal,
            get_json: serde_json::Value
        );
    };
    ($($name:ident: $ty:ty),+) => {$(
        fn $name(&self, idx: usize) -> Result<Option<$ty>, $crate::error::BoxError> {
            <Option<$ty> as $crate::field::FieldType>::from_value(
                self.get_value(idx, <$ty as $crate::field::FieldType>::column_type())?,
            )
        }
    )+};
}
#[cfg_attr(not(any(feature = "mongodb", feature = "cache")), allow(unused_imports))]
pub(crate) use getters_via_value;

/// Keeps [`RawRow`] to the drivers' row types.
pub(crate) mod sealed {
    /// Implemented by the row types of the drivers.
    pub trait Sealed {}
}

fn unexpected_null() -> BoxError {
    "unexpected NULL in a non-Option field".into()
}

fn mismatch(expected: &str, got: &Value) -> BoxError {
    format!("expected a {expected} value, got {} ({got:?})", got.type_name()).into()
}

/// Implements `FieldType` for a type that sqlx decodes natively on every backend.
macro_rules! native_field {
    ($ty:ty, $variant:ident, $col:expr, $get:ident) => {
        impl FieldType for $ty {
            type Base = $ty;
            fn column_type() -> ColumnType {
                $col
            }
            fn to_value(&self) -> Value {
                Value::$variant(Some(self.clone()))
            }
            fn into_value(self) -> Value {
                Value::$variant(Some(self))
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
            fn decode_opt<R: RawRow + ?Sized>(row: &R, idx: usize) -> Result<Option<Self>, BoxError> {
                row.$get(idx)
            }
        }
    };
}

native_field!(bool, Bool, ColumnType::Bool, get_bool);
native_field!(i16, I16, ColumnType::I16, get_i16);
native_field!(i32, I32, ColumnType::I32, get_i32);
native_field!(i64, I64, ColumnType::I64, get_i64);
native_field!(f32, F32, ColumnType::F32, get_f32);
native_field!(f64, F64, ColumnType::F64, get_f64);
native_field!(String, String, ColumnType::String { length: None }, get_string);
native_field!(Vec<u8>, Bytes, ColumnType::Bytes, get_bytes);
native_field!(NaiveDate, Date, ColumnType::Date, get_date);
native_field!(NaiveTime, Time, ColumnType::Time, get_time);
native_field!(NaiveDateTime, DateTime, ColumnType::DateTime, get_datetime);
native_field!(DateTime<Utc>, Timestamp, ColumnType::Timestamp, get_timestamp);
native_field!(Uuid, Uuid, ColumnType::Uuid, get_uuid);

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
    fn decode_opt<R: RawRow + ?Sized>(row: &R, idx: usize) -> Result<Option<Self>, BoxError> {
        row.get_decimal(idx)
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
    fn into_value(self) -> Value {
        Value::Json(Some(self))
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
    fn decode_opt<R: RawRow + ?Sized>(row: &R, idx: usize) -> Result<Option<Self>, BoxError> {
        row.get_json(idx)
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
    fn into_value(self) -> Value {
        match self {
            Some(v) => v.into_value(),
            None => T::null_value(),
        }
    }
    fn null_value() -> Value {
        T::null_value()
    }
    fn from_value(value: Value) -> Result<Self, BoxError> {
        if value.is_null() { Ok(None) } else { T::from_value(value).map(Some) }
    }
    fn decode_opt<R: RawRow + ?Sized>(row: &R, idx: usize) -> Result<Option<Self>, BoxError> {
        T::decode_opt(row, idx).map(Some)
    }
    fn decode<R: RawRow + ?Sized>(row: &R, idx: usize) -> Result<Self, BoxError> {
        T::decode_opt(row, idx)
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

impl<T: FieldType> From<T> for Value {
    fn from(v: T) -> Value {
        v.to_value()
    }
}
