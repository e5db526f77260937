//! MongoDB documents read as rows ([`RawRow`]): each selected field through the BSON conversion of
//! its column type (`mongo::bson_into_value`).

use crate::error::BoxError;
use crate::field::{sealed::Sealed, FieldType, RawRow};
use crate::mongo::bson_into_value;
use crate::schema::ColumnType;
use crate::value::Value;
use bson::{Bson, Document, RawDocument};
use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use rust_decimal::Decimal;
use uuid::Uuid;

/// A document read back (a parsed [`Document`], or the raw bytes of a query's result), with the
/// document keys of the selected columns in order.
pub(crate) struct MongoRow<'a, D: ?Sized> {
    pub(crate) doc: &'a D,
    pub(crate) keys: &'a [String],
}

impl<D: ?Sized> MongoRow<'_, D> {
    fn key(&self, idx: usize) -> Result<&str, BoxError> {
        self.keys.get(idx).map(String::as_str).ok_or_else(|| "column index out of range".into())
    }
}

/// A document's field, or the raw bytes of one.
trait Field {
    fn field(&self, key: &str) -> Result<Option<Bson>, BoxError>;
}

impl Field for Document {
    fn field(&self, key: &str) -> Result<Option<Bson>, BoxError> {
        Ok(self.get(key).cloned())
    }
}

/// Query results stay raw: each selected field is read straight from the bytes, without building
/// a whole [`Document`] (a map with an owned key per field) for every row.
impl Field for RawDocument {
    fn field(&self, key: &str) -> Result<Option<Bson>, BoxError> {
        Ok(self.get(key)?.map(Bson::try_from).transpose()?)
    }
}

/// A getter through the [`Value`] of the type's column type.
macro_rules! via_value {
    ($($name:ident: $ty:ty),+ $(,)?) => {$(
        fn $name(&self, idx: usize) -> Result<Option<$ty>, BoxError> {
            <Option<$ty> as FieldType>::from_value(self.get_value(idx, <$ty as FieldType>::column_type())?)
        }
    )+};
}

impl<D: Field + ?Sized> Sealed for MongoRow<'_, D> {}

impl<D: Field + ?Sized> RawRow for MongoRow<'_, D> {
    via_value!(
        get_bool: bool,
        get_i16: i16,
        get_i32: i32,
        get_i64: i64,
        get_f32: f32,
        get_f64: f64,
        get_string: String,
        get_bytes: Vec<u8>,
        get_date: NaiveDate,
        get_time: NaiveTime,
        get_datetime: NaiveDateTime,
        get_timestamp: DateTime<Utc>,
        get_uuid: Uuid,
        get_decimal: Decimal,
        get_json: serde_json::Value,
    );

    fn get_value(&self, idx: usize, ty: ColumnType) -> Result<Value, BoxError> {
        bson_into_value(self.doc.field(self.key(idx)?)?, ty)
    }
}
