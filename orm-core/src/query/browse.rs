//! [`Browse`]: reading a table known only at run time (from introspection), as a data browser
//! does: typed filters, one sort, key-ordered pages. What comes back is values of the columns'
//! own types, not models.

use super::filter::{CmpOp, Cond};
use super::select::Order;
use crate::error::{Error, Result};
use crate::schema::Table;
use crate::value::Value;

/// One page request over a table: [`Database::browse`](crate::Database::browse).
///
/// Sorted by the primary key (the default), pages are keyset pages: [`after`](Browse::after) is
/// the last key of the page before, so page 1,000 costs what page 1 costs. Sorted by another
/// column, pages are `OFFSET` pages, ordered by that column and then by the key.
///
/// ```
/// use orm_core::query::{Browse, Cond};
/// use orm_core::{Order, Value};
/// let q = Browse::new(50)
///     .filter(Cond::Null { column: "deleted_at".into(), negated: false })
///     .after(vec![Value::I64(Some(1200))]);
/// assert_eq!(q.limit, 50);
/// let by_name = Browse::new(20).sort("name", Order::Desc).offset(40);
/// assert_eq!(by_name.sort, Some(("name".to_string(), Order::Desc)));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Browse {
    /// Rows must match this.
    pub filter: Option<Cond>,
    /// A column to sort by (then by the key); `None` sorts by the primary key.
    pub sort: Option<(String, Order)>,
    /// Keyset paging: the primary key of the last row already shown (key order only).
    pub after: Option<Vec<Value>>,
    /// Rows to skip (when sorted by another column).
    pub offset: u64,
    /// Rows per page.
    pub limit: u64,
}

impl Browse {
    /// The first page of `limit` rows in key order.
    pub fn new(limit: u64) -> Browse {
        Browse { filter: None, sort: None, after: None, offset: 0, limit }
    }

    /// Only rows matching `cond`.
    pub fn filter(mut self, cond: Cond) -> Browse {
        self.filter = Some(cond);
        self
    }

    /// Sorted by `column` (then by the key).
    pub fn sort(mut self, column: impl Into<String>, order: Order) -> Browse {
        self.sort = Some((column.into(), order));
        self
    }

    /// The page after the row whose primary key is `key`.
    pub fn after(mut self, key: Vec<Value>) -> Browse {
        self.after = Some(key);
        self
    }

    /// Skips `n` rows.
    pub fn offset(mut self, n: u64) -> Browse {
        self.offset = n;
        self
    }

    /// The plain query a backend runs for this page of `table`: the filter (with the keyset
    /// condition when paging by key), the order, limit and offset. Columns the table lacks are
    /// refused, naming the column.
    pub(crate) fn plan(&self, table: &Table) -> Result<BrowsePlan> {
        let known = |column: &str| {
            table.column_named(column).map(|_| ()).ok_or_else(|| invalid(format!("table `{}` has no column `{column}`", table.name)))
        };
        let mut columns = Vec::new();
        if let Some(f) = &self.filter {
            filter_columns(f, &mut columns);
        }
        for c in columns.iter().chain(self.sort.iter().map(|(c, _)| c)) {
            known(c)?;
        }
        let key = &table.primary_key;
        let mut conds: Vec<Cond> = self.filter.iter().cloned().collect();
        let mut order: Vec<(String, Order)> = Vec::new();
        match &self.sort {
            Some((column, direction)) => {
                order.push((column.clone(), *direction));
                order.extend(key.iter().filter(|k| *k != column).map(|k| (k.clone(), Order::Asc)));
            }
            None => {
                order.extend(key.iter().map(|k| (k.clone(), Order::Asc)));
                if let Some(after) = &self.after {
                    if after.len() != key.len() {
                        return Err(invalid(format!(
                            "the page cursor of `{}` has {} values for a key of {} columns",
                            table.name,
                            after.len(),
                            key.len()
                        )));
                    }
                    conds.push(after_key(key, after));
                }
            }
        }
        let offset = if self.sort.is_some() || self.after.is_none() { self.offset } else { 0 };
        let filter = match conds.len() {
            0 => None,
            1 => conds.pop(),
            _ => Some(Cond::And(conds)),
        };
        Ok(BrowsePlan { filter, order, limit: self.limit, offset })
    }
}

fn invalid(message: String) -> Error {
    Error::InvalidQuery { model: "browse", message }
}

/// A [`Browse`] reduced to what every backend runs: `WHERE filter ORDER BY order LIMIT OFFSET`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct BrowsePlan {
    pub filter: Option<Cond>,
    pub order: Vec<(String, Order)>,
    pub limit: u64,
    pub offset: u64,
}

/// `key > after` compared as a tuple, spelled out so every backend runs it with its key index:
/// `(a > x) OR (a = x AND b > y) OR ...`.
fn after_key(key: &[String], after: &[Value]) -> Cond {
    let mut any = Vec::new();
    for i in 0..key.len() {
        let mut all: Vec<Cond> =
            (0..i).map(|j| Cond::Compare { column: key[j].clone(), op: CmpOp::Eq, value: after[j].clone() }).collect();
        all.push(Cond::Compare { column: key[i].clone(), op: CmpOp::Gt, value: after[i].clone() });
        any.push(if all.len() == 1 { all.remove(0) } else { Cond::And(all) });
    }
    if any.len() == 1 { any.remove(0) } else { Cond::Or(any) }
}

fn filter_columns(cond: &Cond, out: &mut Vec<String>) {
    match cond {
        Cond::Compare { column, .. } | Cond::Between { column, .. } | Cond::In { column, .. } | Cond::Like { column, .. } | Cond::Null { column, .. } => {
            out.push(column.clone())
        }
        Cond::And(list) | Cond::Or(list) => list.iter().for_each(|c| filter_columns(c, out)),
        Cond::Not(inner) => filter_columns(inner, out),
        Cond::Related { local, .. } => out.push(local.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Column, ColumnType};

    fn table() -> Table {
        Table::new("t")
            .column(Column::new("a", ColumnType::I64))
            .column(Column::new("b", ColumnType::I64))
            .column(Column::new("name", ColumnType::Text))
            .primary_key(["a", "b"])
    }

    #[test]
    fn key_order_pages_by_keyset() {
        let q = Browse::new(10).after(vec![Value::I64(Some(1)), Value::I64(Some(2))]).offset(30);
        let p = q.plan(&table()).unwrap();
        assert_eq!(p.order, [("a".to_string(), Order::Asc), ("b".to_string(), Order::Asc)]);
        assert_eq!(p.offset, 0, "a keyset page skips nothing");
        let gt = |c: &str, v| Cond::Compare { column: c.into(), op: CmpOp::Gt, value: Value::I64(Some(v)) };
        let eq = Cond::Compare { column: "a".into(), op: CmpOp::Eq, value: Value::I64(Some(1)) };
        assert_eq!(p.filter, Some(Cond::Or(vec![gt("a", 1), Cond::And(vec![eq, gt("b", 2)])])));
    }

    #[test]
    fn other_sorts_page_by_offset_and_break_ties_by_key() {
        let p = Browse::new(10).sort("name", Order::Desc).offset(20).plan(&table()).unwrap();
        assert_eq!(p.order.iter().map(|(c, _)| c.as_str()).collect::<Vec<_>>(), ["name", "a", "b"]);
        assert_eq!((p.offset, p.filter), (20, None));
    }

    #[test]
    fn unknown_columns_and_bad_cursors_are_named() {
        let e = Browse::new(1).sort("nope", Order::Asc).plan(&table()).unwrap_err();
        assert!(e.to_string().contains("no column `nope`"), "{e}");
        let f = Browse::new(1).filter(Cond::Null { column: "x\"; drop".into(), negated: false }).plan(&table()).unwrap_err();
        assert!(f.to_string().contains("x\"; drop"), "{f}");
        let c = Browse::new(1).after(vec![Value::I64(Some(1))]).plan(&table()).unwrap_err();
        assert!(c.to_string().contains("1 values for a key of 2 columns"), "{c}");
    }
}
