//! MongoDB documents read as rows ([`RawRow`]): each selected field through the BSON conversion of
//! its column type (`mongo::bson_into_value`).

use crate::error::BoxError;
use crate::field::{sealed::Sealed, RawRow};
use crate::mongo::bson_into_value;
use crate::schema::ColumnType;
use crate::value::Value;
use bson::{Bson, Document, RawDocument};

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

impl<D: Field + ?Sized> RawRow for MongoRow<'_, D> {
    crate::field::getters_via_value!();

    fn get_value(&self, idx: usize, ty: ColumnType) -> Result<Value, BoxError> {
        bson_into_value(self.doc.field(self.key(idx)?)?, ty)
    }
}
