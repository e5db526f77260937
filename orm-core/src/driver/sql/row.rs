//! sqlx's rows read by type ([`RawRow`]): checked against the column's type on PostgreSQL and
//! MySQL/MariaDB; unchecked on SQLite, whose columns have affinities rather than types, and where
//! decimals and JSON are kept as text.

use crate::error::BoxError;
use crate::field::{sealed::Sealed, RawRow};
use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use rust_decimal::Decimal;
use uuid::Uuid;

/// Implements [`RawRow`] for an sqlx row type, reading each type with `$get` (`try_get` or
/// `try_get_unchecked`); `$decimal` and `$json` read those two.
macro_rules! raw_row {
    ($row:ty, $get:ident, $decimal:expr, $json:expr) => {
        impl Sealed for $row {}

        impl RawRow for $row {
            fn get_bool(&self, idx: usize) -> Result<Option<bool>, BoxError> {
                Ok(sqlx::Row::$get::<Option<bool>, _>(self, idx)?)
            }
            fn get_i16(&self, idx: usize) -> Result<Option<i16>, BoxError> {
                Ok(sqlx::Row::$get::<Option<i16>, _>(self, idx)?)
            }
            fn get_i32(&self, idx: usize) -> Result<Option<i32>, BoxError> {
                Ok(sqlx::Row::$get::<Option<i32>, _>(self, idx)?)
            }
            fn get_i64(&self, idx: usize) -> Result<Option<i64>, BoxError> {
                Ok(sqlx::Row::$get::<Option<i64>, _>(self, idx)?)
            }
            fn get_f32(&self, idx: usize) -> Result<Option<f32>, BoxError> {
                Ok(sqlx::Row::$get::<Option<f32>, _>(self, idx)?)
            }
            fn get_f64(&self, idx: usize) -> Result<Option<f64>, BoxError> {
                Ok(sqlx::Row::$get::<Option<f64>, _>(self, idx)?)
            }
            fn get_string(&self, idx: usize) -> Result<Option<String>, BoxError> {
                Ok(sqlx::Row::$get::<Option<String>, _>(self, idx)?)
            }
            fn get_bytes(&self, idx: usize) -> Result<Option<Vec<u8>>, BoxError> {
                Ok(sqlx::Row::$get::<Option<Vec<u8>>, _>(self, idx)?)
            }
            fn get_date(&self, idx: usize) -> Result<Option<NaiveDate>, BoxError> {
                Ok(sqlx::Row::$get::<Option<NaiveDate>, _>(self, idx)?)
            }
            fn get_time(&self, idx: usize) -> Result<Option<NaiveTime>, BoxError> {
                Ok(sqlx::Row::$get::<Option<NaiveTime>, _>(self, idx)?)
            }
            fn get_datetime(&self, idx: usize) -> Result<Option<NaiveDateTime>, BoxError> {
                Ok(sqlx::Row::$get::<Option<NaiveDateTime>, _>(self, idx)?)
            }
            fn get_timestamp(&self, idx: usize) -> Result<Option<DateTime<Utc>>, BoxError> {
                Ok(sqlx::Row::$get::<Option<DateTime<Utc>>, _>(self, idx)?)
            }
            fn get_uuid(&self, idx: usize) -> Result<Option<Uuid>, BoxError> {
                Ok(sqlx::Row::$get::<Option<Uuid>, _>(self, idx)?)
            }
            fn get_decimal(&self, idx: usize) -> Result<Option<Decimal>, BoxError> {
                ($decimal)(self, idx)
            }
            fn get_json(&self, idx: usize) -> Result<Option<serde_json::Value>, BoxError> {
                ($json)(self, idx)
            }
        }
    };
}

#[cfg(feature = "postgres")]
raw_row!(
    sqlx::postgres::PgRow,
    try_get,
    |row: &sqlx::postgres::PgRow, idx| Ok(sqlx::Row::try_get::<Option<Decimal>, _>(row, idx)?),
    |row: &sqlx::postgres::PgRow, idx| Ok(sqlx::Row::try_get::<Option<sqlx::types::Json<serde_json::Value>>, _>(row, idx)?.map(|j| j.0))
);

#[cfg(feature = "mysql")]
raw_row!(
    sqlx::mysql::MySqlRow,
    try_get,
    |row: &sqlx::mysql::MySqlRow, idx| Ok(sqlx::Row::try_get::<Option<Decimal>, _>(row, idx)?),
    |row: &sqlx::mysql::MySqlRow, idx| Ok(sqlx::Row::try_get::<Option<sqlx::types::Json<serde_json::Value>>, _>(row, idx)?.map(|j| j.0))
);

// SQLite has no decimal or JSON type: both are TEXT, decimals exactly.
#[cfg(feature = "sqlite")]
raw_row!(
    sqlx::sqlite::SqliteRow,
    try_get_unchecked,
    |row: &sqlx::sqlite::SqliteRow, idx| {
        let text = sqlx::Row::try_get_unchecked::<Option<String>, _>(row, idx)?;
        Ok(text.map(|t| t.parse::<Decimal>()).transpose()?)
    },
    |row: &sqlx::sqlite::SqliteRow, idx| {
        let text = sqlx::Row::try_get_unchecked::<Option<String>, _>(row, idx)?;
        Ok(text.map(|t| serde_json::from_str(&t)).transpose()?)
    }
);
