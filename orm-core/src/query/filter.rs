//! Filters: [`Cond`] is the untyped tree, [`Filter<M>`] the typed handle users build.

use crate::field::FieldType;
use crate::query::model::Column;
use crate::value::Value;
use std::marker::PhantomData;

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    /// `=`
    Eq,
    /// `<>`
    Ne,
    /// `>`
    Gt,
    /// `>=`
    Gte,
    /// `<`
    Lt,
    /// `<=`
    Lte,
}

/// An untyped condition tree over column names, lowered per backend.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Cond {
    /// `column op value`
    Compare {
        /// The column.
        column: String,
        /// The operator.
        op: CmpOp,
        /// The value (never NULL: NULL tests are [`Cond::Null`]).
        value: Value,
    },
    /// `column BETWEEN low AND high` (both ends included)
    Between {
        /// The column.
        column: String,
        /// Lower bound.
        low: Value,
        /// Upper bound.
        high: Value,
    },
    /// `column IN (...)`, or `NOT IN` when `negated`
    In {
        /// The column.
        column: String,
        /// The candidates.
        values: Vec<Value>,
        /// `NOT IN`
        negated: bool,
    },
    /// `column LIKE pattern ESCAPE '\'`, or `NOT LIKE` when `negated`
    Like {
        /// The column.
        column: String,
        /// The pattern: `%` any run, `_` one character, `\` escapes.
        pattern: String,
        /// `NOT LIKE`
        negated: bool,
    },
    /// `column IS NULL`, or `IS NOT NULL` when `negated`
    Null {
        /// The column.
        column: String,
        /// `IS NOT NULL`
        negated: bool,
    },
    /// All of (an empty list is true).
    And(Vec<Cond>),
    /// Any of (an empty list is false).
    Or(Vec<Cond>),
    /// Not.
    Not(Box<Cond>),
    /// At least one row of `table` whose `remote` equals this row's `local` matches `filter`.
    Related {
        /// This row's table (to qualify `local` inside the subquery).
        parent_table: String,
        /// This row's column.
        local: String,
        /// The related table's schema.
        table: Box<crate::schema::Table>,
        /// The related table's column.
        remote: String,
        /// What the related row must match.
        filter: Box<Cond>,
    },
}

impl Cond {
    /// Adds the tables this condition reads besides its own (those of `Related` conditions).
    #[cfg_attr(not(feature = "cache"), allow(dead_code))]
    pub(crate) fn related_tables(&self, out: &mut Vec<String>) {
        match self {
            Cond::And(list) | Cond::Or(list) => list.iter().for_each(|c| c.related_tables(out)),
            Cond::Not(inner) => inner.related_tables(out),
            Cond::Related { table, filter, .. } => {
                if !out.contains(&table.name) {
                    out.push(table.name.clone());
                }
                filter.related_tables(out);
            }
            _ => {}
        }
    }
}

/// A typed filter on model `M`, built from its column handles and combined with
/// [`and`](Filter::and), [`or`](Filter::or), [`not`](Filter::not) (or `&`, `|`, `!`).
///
/// ```
/// # use orm_core::Model;
/// # #[derive(Model, Debug, Clone)]
/// # struct User { #[orm(primary_key)] id: i64, age: Option<i32>, email: String }
/// let adults_or_admins = User::AGE.gte(18).or(User::EMAIL.like("%@admin.example"));
/// let f = adults_or_admins & !User::AGE.is_null();
/// # let _ = f;
/// ```
pub struct Filter<M> {
    cond: Cond,
    _marker: PhantomData<fn() -> M>,
}

impl<M> Clone for Filter<M> {
    fn clone(&self) -> Self {
        Filter::from_cond(self.cond.clone())
    }
}

impl<M> std::fmt::Debug for Filter<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.cond.fmt(f)
    }
}

impl<M> Filter<M> {
    /// Wraps an untyped condition.
    pub fn from_cond(cond: Cond) -> Self {
        Filter { cond, _marker: PhantomData }
    }

    /// The untyped condition.
    pub fn cond(&self) -> &Cond {
        &self.cond
    }

    /// Consumes the filter into its untyped condition.
    pub fn into_cond(self) -> Cond {
        self.cond
    }

    /// Both this and `other`.
    pub fn and(self, other: Filter<M>) -> Filter<M> {
        match self.cond {
            Cond::And(mut list) => {
                list.push(other.cond);
                Filter::from_cond(Cond::And(list))
            }
            cond => Filter::from_cond(Cond::And(vec![cond, other.cond])),
        }
    }

    /// This or `other`.
    pub fn or(self, other: Filter<M>) -> Filter<M> {
        match self.cond {
            Cond::Or(mut list) => {
                list.push(other.cond);
                Filter::from_cond(Cond::Or(list))
            }
            cond => Filter::from_cond(Cond::Or(vec![cond, other.cond])),
        }
    }

    /// The negation of this filter.
    #[allow(clippy::should_implement_trait)]
    pub fn not(self) -> Filter<M> {
        Filter::from_cond(Cond::Not(Box::new(self.cond)))
    }

    /// All of `filters` (true when empty).
    pub fn all(filters: impl IntoIterator<Item = Filter<M>>) -> Filter<M> {
        Filter::from_cond(Cond::And(filters.into_iter().map(|f| f.cond).collect()))
    }

    /// Any of `filters` (false when empty).
    pub fn any(filters: impl IntoIterator<Item = Filter<M>>) -> Filter<M> {
        Filter::from_cond(Cond::Or(filters.into_iter().map(|f| f.cond).collect()))
    }
}

impl<M> std::ops::BitAnd for Filter<M> {
    type Output = Filter<M>;
    fn bitand(self, rhs: Filter<M>) -> Filter<M> {
        self.and(rhs)
    }
}

impl<M> std::ops::BitOr for Filter<M> {
    type Output = Filter<M>;
    fn bitor(self, rhs: Filter<M>) -> Filter<M> {
        self.or(rhs)
    }
}

impl<M> std::ops::Not for Filter<M> {
    type Output = Filter<M>;
    fn not(self) -> Filter<M> {
        Filter::not(self)
    }
}

impl<M, T: FieldType> Column<M, T> {
    fn compare(self, op: CmpOp, value: impl Into<T::Base>) -> Filter<M> {
        Filter::from_cond(Cond::Compare { column: self.name().to_string(), op, value: value.into().to_value() })
    }

    /// `column = value`
    pub fn eq(self, value: impl Into<T::Base>) -> Filter<M> {
        self.compare(CmpOp::Eq, value)
    }

    /// `column <> value` (like SQL, a NULL column matches neither `eq` nor `ne`)
    pub fn ne(self, value: impl Into<T::Base>) -> Filter<M> {
        self.compare(CmpOp::Ne, value)
    }

    /// `column > value`
    pub fn gt(self, value: impl Into<T::Base>) -> Filter<M> {
        self.compare(CmpOp::Gt, value)
    }

    /// `column >= value`
    pub fn gte(self, value: impl Into<T::Base>) -> Filter<M> {
        self.compare(CmpOp::Gte, value)
    }

    /// `column < value`
    pub fn lt(self, value: impl Into<T::Base>) -> Filter<M> {
        self.compare(CmpOp::Lt, value)
    }

    /// `column <= value`
    pub fn lte(self, value: impl Into<T::Base>) -> Filter<M> {
        self.compare(CmpOp::Lte, value)
    }

    /// `low <= column <= high`
    pub fn between(self, low: impl Into<T::Base>, high: impl Into<T::Base>) -> Filter<M> {
        Filter::from_cond(Cond::Between {
            column: self.name().to_string(),
            low: low.into().to_value(),
            high: high.into().to_value(),
        })
    }

    /// `column IN (values...)`; an empty list matches nothing.
    pub fn is_in<V: Into<T::Base>>(self, values: impl IntoIterator<Item = V>) -> Filter<M> {
        Filter::from_cond(Cond::In {
            column: self.name().to_string(),
            values: values.into_iter().map(|v| v.into().to_value()).collect(),
            negated: false,
        })
    }

    /// `column NOT IN (values...)`; an empty list matches every row (as SQL's `NOT IN` over an empty
    /// set does, NULLs included).
    pub fn not_in<V: Into<T::Base>>(self, values: impl IntoIterator<Item = V>) -> Filter<M> {
        Filter::from_cond(Cond::In {
            column: self.name().to_string(),
            values: values.into_iter().map(|v| v.into().to_value()).collect(),
            negated: true,
        })
    }

    /// `column IS NULL`
    pub fn is_null(self) -> Filter<M> {
        Filter::from_cond(Cond::Null { column: self.name().to_string(), negated: false })
    }

    /// `column IS NOT NULL`
    pub fn is_not_null(self) -> Filter<M> {
        Filter::from_cond(Cond::Null { column: self.name().to_string(), negated: true })
    }
}

impl<M, T: FieldType<Base = String>> Column<M, T> {
    /// `column LIKE pattern`: `%` matches any run of characters, `_` one character, and `\` escapes
    /// either. Case sensitivity follows the backend (see the backend differences table).
    pub fn like(self, pattern: impl Into<String>) -> Filter<M> {
        Filter::from_cond(Cond::Like { column: self.name().to_string(), pattern: pattern.into(), negated: false })
    }

    /// `column NOT LIKE pattern`
    pub fn not_like(self, pattern: impl Into<String>) -> Filter<M> {
        Filter::from_cond(Cond::Like { column: self.name().to_string(), pattern: pattern.into(), negated: true })
    }

    /// The value begins with `text`, taken literally: `%`, `_` and `\` in it are no wildcards, so
    /// user input cannot widen the match.
    ///
    /// ```
    /// # #[derive(orm_core::Model, Debug, Clone)]
    /// # struct User { #[orm(primary_key)] id: i64, email: String }
    /// let f = User::EMAIL.starts_with("100%_");
    /// # let _ = f;
    /// assert_eq!(orm_core::query::escape_like("100%_"), r"100\%\_");
    /// ```
    pub fn starts_with(self, text: impl AsRef<str>) -> Filter<M> {
        self.like(format!("{}%", escape_like(text.as_ref())))
    }

    /// The value ends with `text`, taken literally.
    pub fn ends_with(self, text: impl AsRef<str>) -> Filter<M> {
        self.like(format!("%{}", escape_like(text.as_ref())))
    }

    /// The value contains `text`, taken literally.
    pub fn contains(self, text: impl AsRef<str>) -> Filter<M> {
        self.like(format!("%{}%", escape_like(text.as_ref())))
    }
}

/// `text` with the `like` wildcards (`%`, `_`) and the escape character (`\`) escaped, to match
/// literally inside a [`like`](crate::Column::like) pattern.
pub fn escape_like(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 4);
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// `filter`, plus `soft_delete IS NULL` for a model with a soft-delete column unless deleted rows
/// are asked for.
pub(crate) fn live<M: crate::Model>(filter: Option<&Cond>, with_deleted: bool) -> Option<Cond> {
    match (M::roles().soft_delete, with_deleted) {
        (Some(column), false) => Some(and_conds(filter.cloned(), Cond::Null { column: column.to_string(), negated: false })),
        _ => filter.cloned(),
    }
}

/// `prev AND next`, flattening into an existing `And`.
pub(crate) fn and_conds(prev: Option<Cond>, next: Cond) -> Cond {
    match prev {
        None => next,
        Some(Cond::And(mut list)) => {
            list.push(next);
            Cond::And(list)
        }
        Some(prev) => Cond::And(vec![prev, next]),
    }
}
