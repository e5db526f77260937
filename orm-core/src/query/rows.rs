//! The rows of a bulk insert: borrowed (the toolkit copies each value) or owned (values move out
//! of the models), and how a model's values become an inserted row.

use super::model::{fresh_value, instant_value, Model};
use crate::schema::ColumnType;
use crate::value::Value;

/// The rows [`Database::insert_many`](crate::Database::insert_many) inserts: a slice (`&items`),
/// whose values are copied, or a `Vec` given away (`items`), whose values move into the statement
/// without a copy.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> orm_core::Result<()> {
/// # use orm_core::{Database, Model};
/// #[derive(Model, Debug, Clone)]
/// struct Tag { #[orm(primary_key, auto_increment)] id: i64, label: String }
/// let db = Database::connect("sqlite::memory:").await?;
/// db.create_table::<Tag>().await?;
/// let tags: Vec<Tag> = (0..3).map(|i| Tag { id: 0, label: format!("t{i}") }).collect();
/// db.insert_many(&tags).await?; // copies the labels, `tags` stays usable
/// assert_eq!(db.insert_many(tags).await?, 3); // moves them
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub enum Rows<'a, M> {
    /// Rows the caller keeps.
    Borrowed(&'a [M]),
    /// Rows given to the insert.
    Owned(Vec<M>),
}

impl<M> Rows<'_, M> {
    /// How many rows there are.
    pub fn len(&self) -> usize {
        self.as_slice().len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The rows, borrowed.
    pub fn as_slice(&self) -> &[M] {
        match self {
            Rows::Borrowed(rows) => rows,
            Rows::Owned(rows) => rows,
        }
    }
}

impl<'a, M: Model> Rows<'a, M> {
    /// Each row's [`Model::values`]: copied from borrowed rows, moved out of owned ones.
    pub(crate) fn into_values(self) -> ValueRows<'a, M> {
        match self {
            Rows::Borrowed(rows) => ValueRows::Borrowed(rows.iter()),
            Rows::Owned(rows) => ValueRows::Owned(rows.into_iter()),
        }
    }
}

/// The values of [`Rows`], row by row.
pub(crate) enum ValueRows<'a, M> {
    Borrowed(std::slice::Iter<'a, M>),
    Owned(std::vec::IntoIter<M>),
}

impl<M: Model> Iterator for ValueRows<'_, M> {
    type Item = Vec<Value>;

    fn next(&mut self) -> Option<Vec<Value>> {
        match self {
            ValueRows::Borrowed(rows) => rows.next().map(Model::values),
            ValueRows::Owned(rows) => rows.next().map(Model::into_values),
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match self {
            ValueRows::Borrowed(rows) => rows.size_hint(),
            ValueRows::Owned(rows) => rows.size_hint(),
        }
    }
}

impl<M: Model> ExactSizeIterator for ValueRows<'_, M> {}

/// What [`Database::insert_many`](crate::Database::insert_many) accepts: `&[M]`, `&Vec<M>`,
/// `&[M; N]` (copied), `Vec<M>` and `[M; N]` (moved).
pub trait IntoRows<'a, M> {
    /// The rows.
    fn into_rows(self) -> Rows<'a, M>;
}

impl<'a, M> IntoRows<'a, M> for &'a [M] {
    fn into_rows(self) -> Rows<'a, M> {
        Rows::Borrowed(self)
    }
}

impl<'a, M> IntoRows<'a, M> for &'a Vec<M> {
    fn into_rows(self) -> Rows<'a, M> {
        Rows::Borrowed(self)
    }
}

impl<'a, M, const N: usize> IntoRows<'a, M> for &'a [M; N] {
    fn into_rows(self) -> Rows<'a, M> {
        Rows::Borrowed(self)
    }
}

impl<M> IntoRows<'static, M> for Vec<M> {
    fn into_rows(self) -> Rows<'static, M> {
        Rows::Owned(self)
    }
}

impl<M, const N: usize> IntoRows<'static, M> for [M; N] {
    fn into_rows(self) -> Rows<'static, M> {
        Rows::Owned(self.into())
    }
}

impl<'a, M> IntoRows<'a, M> for Rows<'a, M> {
    fn into_rows(self) -> Rows<'a, M> {
        self
    }
}

/// What the toolkit writes into a column of a new row instead of the model's value.
#[derive(Debug, Clone)]
enum Fill {
    /// The model's value.
    Model,
    /// The time the insert started (`created_at`, `updated_at`).
    Now(Value),
    /// A fresh client-generated key (`auto`).
    Fresh(ColumnType),
}

/// How a model's values become a new row, worked out once per insert: the columns the database
/// fills itself (auto-increment, left out of SQL inserts), and the ones the toolkit fills
/// (timestamps, `created_at` and `updated_at` of every row of one insert stamped with the same
/// instant, and `auto` keys).
#[derive(Debug, Clone)]
pub(crate) struct NewRow {
    fills: Vec<Fill>,
    /// Per column: whether the database generates it (auto-increment).
    generated: Vec<bool>,
    /// The columns of an SQL insert: every column but the auto-increment ones.
    pub(crate) columns: Vec<&'static str>,
}

impl NewRow {
    /// The new-row rules of `M`.
    pub(crate) fn of<M: Model>() -> NewRow {
        let roles = M::roles();
        let schema = M::schema();
        let now = chrono::Utc::now();
        let mut fills = Vec::with_capacity(schema.columns.len());
        let mut generated = Vec::with_capacity(schema.columns.len());
        let mut columns = Vec::with_capacity(schema.columns.len());
        for (name, column) in M::column_names().iter().zip(&schema.columns) {
            let stamped = roles.created_at == Some(column.name.as_str()) || roles.updated_at == Some(column.name.as_str());
            fills.push(if column.generated {
                Fill::Fresh(column.ty)
            } else if stamped {
                Fill::Now(instant_value(column.ty, now))
            } else {
                Fill::Model
            });
            generated.push(column.auto_increment);
            if !column.auto_increment {
                columns.push(*name);
            }
        }
        NewRow { fills, generated, columns }
    }

    /// Every column's value for a new row made from `values` (MongoDB, which writes every field).
    pub(crate) fn all_values(&self, mut values: Vec<Value>) -> Vec<Value> {
        for (value, fill) in values.iter_mut().zip(&self.fills) {
            match fill {
                Fill::Model => {}
                Fill::Now(now) => *value = now.clone(),
                Fill::Fresh(ty) => *value = fresh_value(*ty),
            }
        }
        values
    }

    /// The values of [`columns`](NewRow::columns) for a new row made from `values`.
    pub(crate) fn insert_values(&self, values: Vec<Value>) -> impl Iterator<Item = Value> + '_ {
        self.all_values(values).into_iter().zip(&self.generated).filter(|(_, generated)| !**generated).map(|(v, _)| v)
    }
}
