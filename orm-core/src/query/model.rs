//! The [`Model`] trait that `#[derive(Model)]` implements, and typed [`Column`] handles.

use crate::field::FieldType;
use crate::query::{Cond, DeleteMany, Filter, Select, UpdateMany};
use crate::row::FromRow;
use crate::schema::{ColumnType, Table};
use crate::value::Value;
use std::marker::PhantomData;

/// A struct mapped to a table. Implemented by `#[derive(Model)]`; see the crate docs for the
/// attributes.
///
/// ```
/// use orm_core::Model;
///
/// #[derive(Model, Debug, Clone, PartialEq)]
/// struct Tag {
///     #[orm(primary_key, auto_increment)]
///     id: i64,
///     #[orm(unique, length = 40)]
///     label: String,
/// }
///
/// assert_eq!(Tag::schema().name, "tags");
/// assert_eq!(Tag::LABEL.name(), "label");
/// let filter = Tag::LABEL.eq("rust"); // a `Filter<Tag>`; `Tag::LABEL.eq(5)` would not compile
/// # let _ = filter;
/// ```
pub trait Model: FromRow + Sized + Send + Sync + 'static {
    /// The primary key's type: the key field's type, or a tuple for a composite key.
    type Key: KeyValues;

    /// The struct's name, for error messages.
    const NAME: &'static str;

    /// The table's (collection's) name, known without building [`Model::schema`].
    const TABLE: &'static str;

    /// The primary key's columns, known without building [`Model::schema`] (foreign keys read
    /// these, so two models may reference each other).
    const PRIMARY_KEY: &'static [&'static str];

    /// The model's neutral schema.
    fn schema() -> &'static Table;

    /// Column names, in schema order (the order of [`Model::values`] and of decoding).
    fn column_names() -> &'static [&'static str];

    /// The model's column values, in schema order.
    fn values(&self) -> Vec<Value>;

    /// [`Model::values`] of a model given away: the derive moves strings and other owned fields
    /// into the values instead of copying them.
    fn into_values(self) -> Vec<Value> {
        self.values()
    }

    /// The primary key's values, in key order.
    fn key_values(&self) -> Vec<Value>;

    /// One column's value (without building the whole row's values).
    fn column_value(&self, column: &str) -> Option<Value> {
        Self::column_names().iter().position(|c| *c == column).map(|i| self.values().swap_remove(i))
    }

    /// The columns the toolkit maintains: `#[orm(created_at)]`, `#[orm(updated_at)]`,
    /// `#[orm(soft_delete)]`.
    fn roles() -> Roles {
        Roles::default()
    }

    /// A copy for the hooks to work on, when the model implements [`Hooks`](crate::Hooks) itself
    /// (`#[orm(hooks)]`); `None` otherwise, sparing the copy.
    fn clone_for_hooks(&self) -> Option<Self> {
        None
    }

    /// The model's [`Hooks`](crate::Hooks), when it has them (`#[orm(hooks)]`).
    fn hooks(&self) -> Option<&dyn crate::Hooks> {
        None
    }

    /// The model's [`Hooks`](crate::Hooks), to run one that may change the row.
    fn hooks_mut(&mut self) -> Option<&mut dyn crate::Hooks> {
        None
    }

    /// The failures of the model's `validate(custom = "...")` functions.
    fn custom_validation(&self) -> Vec<crate::FieldError> {
        Vec::new()
    }

    /// A query over all rows of the table.
    fn find() -> Select<Self> {
        Select::new()
    }

    /// A query for the row with primary key `key`.
    fn find_by_pk(key: Self::Key) -> Select<Self> {
        let values = key.key_values();
        let mut q = Select::new().filter(key_filter::<Self>(values.clone()));
        q.by_key = Some(values);
        q
    }

    /// Whether queries of this model use the query cache by default (`#[orm(cache)]`,
    /// `#[orm(cache(ttl = "60s"))]`); [`CachePolicy::Off`] unless the model says so.
    fn cache_policy() -> CachePolicy {
        CachePolicy::Off
    }

    /// An `UPDATE` of every row matching a filter.
    fn update_many() -> UpdateMany<Self> {
        UpdateMany::new()
    }

    /// A `DELETE` of every row matching a filter.
    fn delete_many() -> DeleteMany<Self> {
        DeleteMany::new()
    }
}

/// The filter `pk1 = v1 AND pk2 = v2 ...` for a model's primary key values.
pub(crate) fn key_filter<M: Model>(values: Vec<Value>) -> Filter<M> {
    let conds = M::schema()
        .primary_key
        .iter()
        .zip(values)
        .map(|(col, value)| Cond::Compare { column: col.clone(), op: crate::query::CmpOp::Eq, value })
        .collect();
    Filter::from_cond(Cond::And(conds))
}

/// Columns the toolkit fills in itself.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Roles {
    /// Set to the current time on insert.
    pub created_at: Option<&'static str>,
    /// Set to the current time on insert and on every update.
    pub updated_at: Option<&'static str>,
    /// Set to the current time by a delete, which then keeps the row; queries skip such rows
    /// unless asked `with_deleted()`.
    pub soft_delete: Option<&'static str>,
}

/// Whether a query is served from the query cache, and for how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CachePolicy {
    /// Read the database.
    Off,
    /// Cache with the cache's TTL.
    Default,
    /// Cache for this long at most.
    For(std::time::Duration),
}

/// The current time as a value of a time column's type.
pub(crate) fn now_value(ty: ColumnType) -> Value {
    instant_value(ty, chrono::Utc::now())
}

/// `now` as a value of a timestamp column of type `ty`.
pub(crate) fn instant_value(ty: ColumnType, now: chrono::DateTime<chrono::Utc>) -> Value {
    match ty {
        ColumnType::DateTime => Value::DateTime(Some(now.naive_utc())),
        _ => Value::Timestamp(Some(now)),
    }
}

/// The value of `column` set to now, for the model `M`.
pub(crate) fn now_for<M: Model>(column: &str) -> Value {
    now_value(M::schema().column_named(column).map(|c| c.ty).unwrap_or(ColumnType::Timestamp))
}

/// The model's values for a new row: [`Model::values`], with a fresh value in every `auto`
/// (client-generated) column and the current time in the `created_at` and `updated_at` ones.
#[cfg(feature = "mongodb")]
pub(crate) fn insert_values<M: Model>(model: &M) -> Vec<Value> {
    super::rows::NewRow::of::<M>().all_values(model.values())
}

/// The model's values with the current time in the `created_at` and `updated_at` columns (an
/// upsert by key: the key is the model's own).
pub(crate) fn stamped_values<M: Model>(model: &M) -> Vec<Value> {
    let mut values = model.values();
    let roles = M::roles();
    for (column, value) in M::schema().columns.iter().zip(values.iter_mut()) {
        if roles.created_at == Some(column.name.as_str()) || roles.updated_at == Some(column.name.as_str()) {
            *value = now_value(column.ty);
        }
    }
    values
}

/// The model's values for an update: [`Model::values`] with the current time in `updated_at`.
pub(crate) fn update_values<M: Model>(model: &M) -> Vec<Value> {
    let mut values = model.values();
    if let Some(updated) = M::roles().updated_at {
        for (column, value) in M::schema().columns.iter().zip(values.iter_mut()) {
            if column.name == updated {
                *value = now_value(column.ty);
            }
        }
    }
    values
}

/// A new client-generated value: an ObjectId (4 bytes of seconds since the epoch, 8 random bytes)
/// or a version 4 UUID.
pub(crate) fn fresh_value(ty: ColumnType) -> Value {
    match ty {
        ColumnType::Uuid => Value::Uuid(Some(uuid::Uuid::new_v4())),
        _ => {
            let secs = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs() as u32)
                .unwrap_or_default();
            let random = uuid::Uuid::new_v4();
            let tail: String = random.as_bytes()[..8].iter().map(|b| format!("{b:02x}")).collect();
            Value::ObjectId(Some(format!("{secs:08x}{tail}")))
        }
    }
}

/// A primary key value: any [`FieldType`], or a tuple of them for a composite key.
pub trait KeyValues: Send {
    /// The key's values, in key order.
    fn key_values(self) -> Vec<Value>;
}

impl<T: FieldType> KeyValues for T {
    fn key_values(self) -> Vec<Value> {
        vec![self.to_value()]
    }
}

macro_rules! tuple_key {
    ($($t:ident $i:tt),+) => {
        impl<$($t: FieldType),+> KeyValues for ($($t,)+) {
            fn key_values(self) -> Vec<Value> {
                vec![$(self.$i.to_value()),+]
            }
        }
    };
}
tuple_key!(A 0, B 1);
tuple_key!(A 0, B 1, C 2);
tuple_key!(A 0, B 1, C 2, D 3);
tuple_key!(A 0, B 1, C 2, D 3, E 4);
tuple_key!(A 0, B 1, C 2, D 3, E 4, F 5);

/// A typed handle on one column of model `M` holding values of type `T`.
///
/// The derive emits one constant per column (`User::EMAIL`); filters built from it only accept
/// values of its type, so a filter on the wrong type does not compile.
pub struct Column<M, T> {
    name: &'static str,
    _marker: PhantomData<fn() -> (M, T)>,
}

impl<M, T> Clone for Column<M, T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<M, T> Copy for Column<M, T> {}

impl<M, T> std::fmt::Debug for Column<M, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Column({})", self.name)
    }
}

impl<M, T> Column<M, T> {
    /// A handle on the column named `name` (used by generated code).
    pub const fn new(name: &'static str) -> Self {
        Column { name, _marker: PhantomData }
    }

    /// The column's name in the database.
    pub const fn name(&self) -> &'static str {
        self.name
    }
}

/// Any column of model `M`, whatever its value type (for lists of columns such as upsert targets).
pub trait AnyColumn<M>: Send + Sync {
    /// The column's name.
    fn column_name(&self) -> &'static str;
}

impl<M: 'static, T: 'static> AnyColumn<M> for Column<M, T> {
    fn column_name(&self) -> &'static str {
        self.name
    }
}

/// The model's columns and values for an INSERT: every column but the auto-increment one, with
/// fresh values in `auto` columns.
pub(crate) fn insert_row<M: Model>(model: &M) -> (Vec<&'static str>, Vec<Value>) {
    let new = super::rows::NewRow::of::<M>();
    let values = new.insert_values(model.values()).collect();
    (new.columns, values)
}
