//! Writes over many rows: [`UpdateMany`] and [`DeleteMany`], and update expressions.

use super::filter::{and_conds, Cond, Filter};

use crate::field::FieldType;
use crate::query::model::{Column, Model};
use crate::value::Value;
use rust_decimal::Decimal;
use std::marker::PhantomData;

/// Numeric types, which support arithmetic in update expressions.
pub trait Numeric: FieldType {}
impl Numeric for i16 {}
impl Numeric for i32 {}
impl Numeric for i64 {}
impl Numeric for f32 {}
impl Numeric for f64 {}
impl Numeric for Decimal {}

/// An arithmetic operator in a [`SetExpr`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArithOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
}

/// The untyped right-hand side of `SET column = ...`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum SetExpr {
    /// A bound value.
    Value(Value),
    /// Another column of the same row.
    Column(String),
    /// An arithmetic expression.
    Binary(Box<SetExpr>, ArithOp, Box<SetExpr>),
}

/// A typed expression over columns of `M` producing a `T`, for [`UpdateMany::set_expr`].
///
/// ```
/// # use orm_core::Model;
/// # #[derive(Model, Debug, Clone)]
/// # struct Account { #[orm(primary_key)] id: i64, balance: i64, visits: Option<i32> }
/// let _ = Account::update_many()
///     .set_expr(Account::BALANCE, Account::BALANCE.expr().mul(2).add(10))
///     .set_expr(Account::VISITS, Account::VISITS.add(1));
/// ```
pub struct UpdateExpr<M, T> {
    expr: SetExpr,
    _marker: PhantomData<fn() -> (M, T)>,
}

impl<M, T> UpdateExpr<M, T> {
    fn new(expr: SetExpr) -> Self {
        UpdateExpr { expr, _marker: PhantomData }
    }

    /// The untyped expression.
    pub fn into_expr(self) -> SetExpr {
        self.expr
    }
}

impl<M, T: FieldType> Column<M, T> {
    /// This column's current value, as the start of an update expression.
    pub fn expr(self) -> UpdateExpr<M, T> {
        UpdateExpr::new(SetExpr::Column(self.name().to_string()))
    }
}

macro_rules! arith {
    ($($method:ident $op:ident $doc:literal),+) => {
        impl<M, T: FieldType> UpdateExpr<M, T> where T::Base: Numeric {
            $(
                #[doc = $doc]
                #[allow(clippy::should_implement_trait)]
                pub fn $method(self, value: impl Into<T::Base>) -> UpdateExpr<M, T> {
                    let rhs = SetExpr::Value(value.into().to_value());
                    UpdateExpr::new(SetExpr::Binary(Box::new(self.expr), ArithOp::$op, Box::new(rhs)))
                }
            )+
        }
        impl<M, T: FieldType> Column<M, T> where T::Base: Numeric {
            $(
                #[doc = $doc]
                #[allow(clippy::should_implement_trait)]
                pub fn $method(self, value: impl Into<T::Base>) -> UpdateExpr<M, T> {
                    self.expr().$method(value)
                }
            )+
        }
    };
}
arith!(
    add Add "`expr + value` (NULL stays NULL)",
    sub Sub "`expr - value` (NULL stays NULL)",
    mul Mul "`expr * value` (NULL stays NULL)",
    div Div "`expr / value` (integer division on integer columns)"
);

/// `UPDATE ... SET ... WHERE ...` over every matching row; returns the number of rows matched.
///
/// ```no_run
/// # use orm_core::{Database, Model};
/// # #[derive(Model, Debug, Clone)]
/// # struct User { #[orm(primary_key)] id: i64, active: bool, age: Option<i32> }
/// # async fn demo(db: &Database) -> orm_core::Result<()> {
/// let changed: u64 = User::update_many()
///     .set(User::ACTIVE, false)
///     .set_expr(User::AGE, User::AGE.add(1))
///     .filter(User::AGE.lt(18))
///     .exec(db)
///     .await?;
/// # Ok(()) }
/// ```
pub struct UpdateMany<M> {
    pub(crate) sets: Vec<(String, SetExpr)>,
    pub(crate) filter: Option<Cond>,
    pub(crate) with_deleted: bool,
    _marker: PhantomData<fn() -> M>,
}

impl<M: Model> UpdateMany<M> {
    /// An update with nothing set yet, over every row.
    pub fn new() -> Self {
        UpdateMany { sets: Vec::new(), filter: None, with_deleted: false, _marker: PhantomData }
    }

    /// `SET column = value` (`None` sets NULL on an `Option` column). The value is checked against
    /// the column's `validate(..)` rules before anything runs ([`Error::Validation`](crate::Error::Validation));
    /// a model's `custom` validators need the whole row and do not run here.
    pub fn set<T: FieldType>(self, column: Column<M, T>, value: impl Into<T>) -> Self {
        self.put(column.name(), SetExpr::Value(value.into().to_value()))
    }

    /// Sets `column`, replacing what an earlier `set` of it said (every backend sees one assignment
    /// per column; PostgreSQL refuses two).
    fn put(mut self, column: &str, expr: SetExpr) -> Self {
        self.sets.retain(|(c, _)| c != column);
        self.sets.push((column.to_string(), expr));
        self
    }

    /// `SET column = value` by name (the toolkit's own columns: timestamps, soft deletes).
    pub(crate) fn set_value(self, column: &str, value: Value) -> Self {
        self.put(column, SetExpr::Value(value))
    }

    /// `SET column = expression`. The value is computed by the database, so the toolkit cannot
    /// check it against `validate(..)` rules; MongoDB's collection validator (written by
    /// `create_table`) still refuses a value breaking them, SQL databases take it.
    pub fn set_expr<T: FieldType>(self, column: Column<M, T>, expr: UpdateExpr<M, T>) -> Self {
        self.put(column.name(), expr.into_expr())
    }

    /// Restricts the update to rows matching `filter` (and any filter given before).
    pub fn filter(mut self, filter: Filter<M>) -> Self {
        self.filter = Some(and_conds(self.filter.take(), filter.into_cond()));
        self
    }

    /// Includes soft-deleted rows (skipped by default).
    pub fn with_deleted(mut self) -> Self {
        self.with_deleted = true;
        self
    }

    /// The update as run: the filter skips soft-deleted rows unless asked, and an `updated_at`
    /// column is set to now unless set explicitly.
    pub(crate) fn effective(&self) -> (Vec<(String, SetExpr)>, Option<Cond>) {
        let mut sets = self.sets.clone();
        if let Some(updated) = M::roles().updated_at
            && !sets.iter().any(|(c, _)| c == updated)
        {
            sets.push((updated.to_string(), SetExpr::Value(crate::query::model::now_for::<M>(updated))));
        }
        (sets, super::filter::live::<M>(self.filter.as_ref(), self.with_deleted))
    }

}

impl<M: Model> Default for UpdateMany<M> {
    fn default() -> Self {
        UpdateMany::new()
    }
}

/// `DELETE ... WHERE ...` over every matching row; returns the number of rows deleted.
pub struct DeleteMany<M> {
    pub(crate) filter: Option<Cond>,
    pub(crate) force: bool,
    _marker: PhantomData<fn() -> M>,
}

impl<M: Model> DeleteMany<M> {
    /// A delete of every row.
    pub fn new() -> Self {
        DeleteMany { filter: None, force: false, _marker: PhantomData }
    }

    /// Restricts the delete to rows matching `filter` (and any filter given before).
    pub fn filter(mut self, filter: Filter<M>) -> Self {
        self.filter = Some(and_conds(self.filter.take(), filter.into_cond()));
        self
    }

    /// Removes the rows even when the model soft-deletes (and soft-deleted ones too).
    pub fn force(mut self) -> Self {
        self.force = true;
        self
    }

}

impl<M: Model> Default for DeleteMany<M> {
    fn default() -> Self {
        DeleteMany::new()
    }
}
