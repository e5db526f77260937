//! MongoDB documents read as rows ([`RawRow`]): each selected field through the BSON conversion of
//! its column type (`mongo::bson_into_value`).

use crate::error::BoxError;
use crate::field::{sealed::Sealed, RawRow};
use crate::mongo::bson_into_value;
use crate::schema::ColumnType;
use crate::value::Value;
use bson::{Bson, Document, RawBsonRef, RawDocument};

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

impl<D: Field + ?Sized> Sealed for MongoRow<'_, D> {}

impl RawRow for MongoRow<'_, Document> {
    crate::field::getters_via_value!();

    fn get_value(&self, idx: usize, ty: ColumnType) -> Result<Value, BoxError> {
        bson_into_value(self.doc.field(self.key(idx)?)?, ty)
    }
}

/// A query result's field of the BSON type a getter expects is read straight from the raw bytes
/// (no owned [`Bson`], no [`Value`] between); any other representation goes the general way
/// (`bson_into_value`), with its conversions and errors.
macro_rules! raw_getters {
    ($($name:ident: $ty:ty => $($pattern:pat => $read:expr),+;)+) => {$(
        fn $name(&self, idx: usize) -> Result<Option<$ty>, BoxError> {
            match self.doc.get(self.key(idx)?)? {
                None | Some(RawBsonRef::Null) | Some(RawBsonRef::Undefined) => Ok(None),
                $(Some($pattern) => Ok(Some($read)),)+
                Some(_) => <Option<$ty> as crate::field::FieldType>::from_value(
                    self.get_value(idx, <$ty as crate::field::FieldType>::column_type())?,
                ),
            }
        }
    )+};
}

impl RawRow for MongoRow<'_, RawDocument> {
    crate::field::getters_via_value!(
        get_i16: i16,
        get_f32: f32,
        get_bytes: Vec<u8>,
        get_date: chrono::NaiveDate,
        get_time: chrono::NaiveTime,
        get_datetime: chrono::NaiveDateTime,
        get_uuid: uuid::Uuid,
        get_decimal: rust_decimal::Decimal,
        get_json: serde_json::Value
    );

    raw_getters! {
        get_bool: bool => RawBsonRef::Boolean(b) => b;
        get_i32: i32 => RawBsonRef::Int32(n) => n;
        get_i64: i64 => RawBsonRef::Int64(n) => n, RawBsonRef::Int32(n) => i64::from(n);
        get_f64: f64 => RawBsonRef::Double(f) => f;
        get_string: String => RawBsonRef::String(s) => s.to_owned();
        get_timestamp: chrono::DateTime<chrono::Utc> => RawBsonRef::DateTime(d) => crate::mongo::date_from_millis(d.timestamp_millis())?;
    }

    fn get_value(&self, idx: usize, ty: ColumnType) -> Result<Value, BoxError> {
        bson_into_value(self.doc.field(self.key(idx)?)?, ty)
    }
}
