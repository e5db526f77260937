//! sqlx's rows read by type ([`RawRow`]): checked against the column's type on PostgreSQL and
//! MySQL/MariaDB; unchecked on SQLite, whose columns have affinities rather than types, and where
//! decimals and JSON are kept as text.
//!
//! The rows of one result share their columns' types, so a result read as a whole goes through
//! [`Checked`]: each column's type is checked at its first non-NULL value (the check sqlx's
//! `try_get` makes), and the column's later values are decoded without checking it again.

use crate::error::BoxError;
use crate::field::{sealed::Sealed, RawRow};
use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use rust_decimal::Decimal;
use std::cell::Cell;
use uuid::Uuid;

/// A row of a result whose columns' types are checked once for all its rows: `seen[i]` is set
/// once column `i` has had a non-NULL value of the type asked for.
pub(crate) struct Checked<'r, R> {
    pub(crate) row: &'r R,
    pub(crate) seen: &'r [Cell<bool>],
}

/// One flag per column of `rows`, for [`Checked`].
pub(crate) fn columns_seen<R: sqlx::Row>(rows: &[R]) -> Vec<Cell<bool>> {
    (0..rows.first().map_or(0, sqlx::Row::len)).map(|_| Cell::new(false)).collect()
}

/// Reads column `idx` as `$t` through `$get` (on the row) or, once the column's type has been
/// checked in this result, through `$unchecked`.
macro_rules! checked_get {
    ($self:ident, $idx:ident, $t:ty, $get:ident, $unchecked:ident) => {{
        let seen = $self.seen.get($idx);
        if seen.is_some_and(Cell::get) {
            sqlx::Row::$unchecked::<$t, _>($self.row, $idx).map_err(BoxError::from)
        } else {
            let value = sqlx::Row::$get::<$t, _>($self.row, $idx)?;
            if let (Some(_), Some(seen)) = (&value, seen) {
                seen.set(true);
            }
            Ok(value)
        }
    }};
}

/// Implements [`RawRow`] for an sqlx row type and for [`Checked`] rows of it, reading each type
/// with `$get` (`try_get` or `try_get_unchecked`); `$decimal` and `$json` read those two, through
/// the type `$dt` and `$jt` with `$dmap` and `$jmap` turning them into the toolkit's.
macro_rules! raw_row {
    ($row:ty, $get:ident, $dt:ty, $dmap:expr, $jt:ty, $jmap:expr) => {
        impl Sealed for $row {}
        impl Sealed for Checked<'_, $row> {}

        raw_row!(@impl $row, self, idx, Ty, Ok(sqlx::Row::$get::<Ty, _>(self, idx)?), $dt, $dmap, $jt, $jmap);
        raw_row!(@impl Checked<'_, $row>, self, idx, Ty, checked_get!(self, idx, Ty, $get, try_get_unchecked), $dt, $dmap, $jt, $jmap);
    };
    (@impl $on:ty, $self:ident, $idx:ident, $t:ident, $read:expr, $dt:ty, $dmap:expr, $jt:ty, $jmap:expr) => {
        impl RawRow for $on {
            raw_row!(@native $self, $idx, $t, $read, get_bool bool, get_i16 i16, get_i32 i32, get_i64 i64, get_f32 f32,
                get_f64 f64, get_string String, get_bytes Vec<u8>, get_date NaiveDate, get_time NaiveTime,
                get_datetime NaiveDateTime, get_timestamp DateTime<Utc>, get_uuid Uuid);
            fn get_decimal(&$self, $idx: usize) -> Result<Option<Decimal>, BoxError> {
                let raw: Result<Option<$dt>, BoxError> = {
                    type $t = Option<$dt>;
                    $read
                };
                raw?.map($dmap).transpose()
            }
            fn get_json(&$self, $idx: usize) -> Result<Option<serde_json::Value>, BoxError> {
                let raw: Result<Option<$jt>, BoxError> = {
                    type $t = Option<$jt>;
                    $read
                };
                raw?.map($jmap).transpose()
            }
        }
    };
    // The getters of the types sqlx decodes as they are: `$read` with `$t` naming `Option<type>`.
    (@native $self:ident, $idx:ident, $t:ident, $read:expr, $($name:ident $ty:ty),+) => {
        $(
            fn $name(&$self, $idx: usize) -> Result<Option<$ty>, BoxError> {
                type $t = Option<$ty>;
                $read
            }
        )+
    };
}

#[cfg(feature = "postgres")]
raw_row!(
    sqlx::postgres::PgRow,
    try_get,
    Decimal,
    Ok::<Decimal, BoxError>,
    sqlx::types::Json<serde_json::Value>,
    |j: sqlx::types::Json<serde_json::Value>| Ok::<_, BoxError>(j.0)
);

#[cfg(feature = "mysql")]
raw_row!(
    sqlx::mysql::MySqlRow,
    try_get,
    Decimal,
    Ok::<Decimal, BoxError>,
    sqlx::types::Json<serde_json::Value>,
    |j: sqlx::types::Json<serde_json::Value>| Ok::<_, BoxError>(j.0)
);

// SQLite has no decimal or JSON type: both are TEXT, decimals exactly.
#[cfg(feature = "sqlite")]
raw_row!(
    sqlx::sqlite::SqliteRow,
    try_get_unchecked,
    String,
    |t: String| t.parse::<Decimal>().map_err(BoxError::from),
    String,
    |t: String| serde_json::from_str(&t).map_err(BoxError::from)
);
