//! Reading rows: [`RowAccess`] over each backend's row type, and [`FromRow`] for what a query returns.

use crate::error::{BoxError, Error};
use crate::field::{FieldType, RawRow};

/// A result row of any enabled backend, read by column position.
///
/// Generated code calls [`RowAccess::get`]; it is implemented for the row of every enabled backend
/// (sqlx's `PgRow`, `MySqlRow` and `SqliteRow`, MongoDB's documents).
pub trait RowAccess {
    /// Decodes column `idx` as a `T`.
    fn get<T: FieldType>(&self, idx: usize) -> Result<T, BoxError>;
}

/// Every backend's row: read through its driver's typed getters.
impl<R: RawRow> RowAccess for R {
    fn get<T: FieldType>(&self, idx: usize) -> Result<T, BoxError> {
        T::decode(self, idx)
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
