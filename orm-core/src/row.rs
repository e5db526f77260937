//! Reading rows: [`RowAccess`] over each backend's row type, and [`FromRow`] for what a query returns.

use crate::error::{BoxError, Error};
use crate::field::FieldType;
use crate::schema::ColumnType;
use crate::value::Value;

/// A result row of any enabled backend, read by column position.
///
/// Generated code calls [`RowAccess::get`]; it is implemented for sqlx's `PgRow`, `MySqlRow` and
/// `SqliteRow`.
pub trait RowAccess {
    /// Decodes column `idx` as a `T`.
    fn get<T: FieldType>(&self, idx: usize) -> Result<T, BoxError>;
}

#[cfg(feature = "postgres")]
impl RowAccess for sqlx::postgres::PgRow {
    fn get<T: FieldType>(&self, idx: usize) -> Result<T, BoxError> {
        T::decode_pg(self, idx)
    }
}

#[cfg(feature = "mysql")]
impl RowAccess for sqlx::mysql::MySqlRow {
    fn get<T: FieldType>(&self, idx: usize) -> Result<T, BoxError> {
        T::decode_mysql(self, idx)
    }
}

#[cfg(feature = "sqlite")]
impl RowAccess for sqlx::sqlite::SqliteRow {
    fn get<T: FieldType>(&self, idx: usize) -> Result<T, BoxError> {
        T::decode_sqlite(self, idx)
    }
}

/// Something a query can return, decoded from the selected columns in order.
///
/// Implemented by every `#[derive(Model)]` and `#[derive(FromRow)]` struct, and by tuples of
/// [`FieldType`]s (up to 12) for column projections.
pub trait FromRow: Sized + Send + 'static {
    /// Decodes one row.
    fn from_row<R: RowAccess>(row: &R) -> Result<Self, Error>;
}

macro_rules! tuple_from_row {
    ($($t:ident $i:tt),+) => {
        impl<$($t: FieldType),+> FromRow for ($($t,)+) {
            fn from_row<R: RowAccess>(row: &R) -> Result<Self, Error> {
                Ok(($(
                    row.get::<$t>($i).map_err(|e| Error::decode("(tuple)", stringify!($i), e))?,
                )+))
            }
        }
    };
}

tuple_from_row!(A 0);
tuple_from_row!(A 0, B 1);
tuple_from_row!(A 0, B 1, C 2);
tuple_from_row!(A 0, B 1, C 2, D 3);
tuple_from_row!(A 0, B 1, C 2, D 3, E 4);
tuple_from_row!(A 0, B 1, C 2, D 3, E 4, F 5);
tuple_from_row!(A 0, B 1, C 2, D 3, E 4, F 5, G 6);
tuple_from_row!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7);
tuple_from_row!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8);
tuple_from_row!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9);
tuple_from_row!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10);
tuple_from_row!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11);

/// Decodes a column as the [`Value`] of a neutral column type, through the built-in field types.
macro_rules! decode_value_fn {
    ($(#[$meta:meta])* $name:ident, $row:ty, $method:ident) => {
        $(#[$meta])*
        pub(crate) fn $name(row: &$row, idx: usize, ty: ColumnType) -> Result<Value, BoxError> {
            use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
            Ok(match ty {
                ColumnType::Bool => Value::Bool(bool::$method(row, idx)?),
                ColumnType::I16 => Value::I16(i16::$method(row, idx)?),
                ColumnType::I32 => Value::I32(i32::$method(row, idx)?),
                ColumnType::I64 => Value::I64(i64::$method(row, idx)?),
                ColumnType::F32 => Value::F32(f32::$method(row, idx)?),
                ColumnType::F64 => Value::F64(f64::$method(row, idx)?),
                ColumnType::Decimal { .. } => Value::Decimal(rust_decimal::Decimal::$method(row, idx)?),
                ColumnType::Bytes => Value::Bytes(<Vec<u8>>::$method(row, idx)?),
                ColumnType::Date => Value::Date(NaiveDate::$method(row, idx)?),
                ColumnType::Time => Value::Time(NaiveTime::$method(row, idx)?),
                ColumnType::DateTime => Value::DateTime(NaiveDateTime::$method(row, idx)?),
                ColumnType::Timestamp => Value::Timestamp(<DateTime<Utc>>::$method(row, idx)?),
                ColumnType::Uuid => Value::Uuid(uuid::Uuid::$method(row, idx)?),
                ColumnType::Json => Value::Json(serde_json::Value::$method(row, idx)?),
                _ => Value::String(String::$method(row, idx)?),
            })
        }
    };
}

decode_value_fn!(
    #[cfg(feature = "postgres")]
    decode_value_pg, sqlx::postgres::PgRow, decode_pg_opt
);
decode_value_fn!(
    #[cfg(feature = "mysql")]
    decode_value_mysql, sqlx::mysql::MySqlRow, decode_mysql_opt
);
decode_value_fn!(
    #[cfg(feature = "sqlite")]
    decode_value_sqlite, sqlx::sqlite::SqliteRow, decode_sqlite_opt
);
