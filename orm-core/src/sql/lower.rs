//! IR -> sea-query statements. Every value is bound; every identifier goes through sea-query's quoting.

use super::Dialect;
use crate::model::Model;
use crate::query::{ArithOp, CmpOp, Cond, Order, Select, SetExpr};
use crate::row::FromRow;
use crate::value::Value;
use sea_query::{Asterisk, Condition, Expr, ExprTrait, LikeExpr, OnConflict, Query};

fn col(name: &str) -> Expr {
    Expr::col(name.to_string())
}

fn val(v: &Value) -> Expr {
    Expr::val(sea_query::Value::from(v.clone()))
}

/// Lowers a condition tree.
pub(crate) fn condition(c: &Cond) -> Condition {
    match c {
        Cond::And(list) if list.is_empty() => Condition::all().add(Expr::cust("1 = 1")),
        Cond::Or(list) if list.is_empty() => Condition::all().add(Expr::cust("1 = 0")),
        Cond::And(list) => list.iter().fold(Condition::all(), |acc, c| acc.add(condition(c))),
        Cond::Or(list) => list.iter().fold(Condition::any(), |acc, c| acc.add(condition(c))),
        Cond::Not(inner) => Condition::all().add(condition(inner)).not(),
        leaf => Condition::all().add(leaf_expr(leaf)),
    }
}

fn leaf_expr(c: &Cond) -> Expr {
    match c {
        Cond::Compare { column, op, value } => {
            let (l, r) = (col(column), val(value));
            match op {
                CmpOp::Eq => l.eq(r),
                CmpOp::Ne => l.ne(r),
                CmpOp::Gt => l.gt(r),
                CmpOp::Gte => l.gte(r),
                CmpOp::Lt => l.lt(r),
                CmpOp::Lte => l.lte(r),
            }
        }
        Cond::Between { column, low, high } => col(column).between(val(low), val(high)),
        Cond::In { values, negated, .. } if values.is_empty() => {
            Expr::cust(if *negated { "1 = 1" } else { "1 = 0" })
        }
        Cond::In { column, values, negated } => {
            let vals = values.iter().map(|v| sea_query::Value::from(v.clone()));
            if *negated { col(column).is_not_in(vals) } else { col(column).is_in(vals) }
        }
        Cond::Like { column, pattern, negated } => {
            let like = LikeExpr::new(pattern.clone()).escape('\\');
            if *negated { col(column).not_like(like) } else { col(column).like(like) }
        }
        Cond::Null { column, negated } => {
            if *negated { col(column).is_not_null() } else { col(column).is_null() }
        }
        Cond::And(_) | Cond::Or(_) | Cond::Not(_) => unreachable!("composite conditions are lowered by `condition`"),
    }
}

/// Lowers the right-hand side of a `SET`.
pub(crate) fn set_expr(e: &SetExpr) -> Expr {
    match e {
        SetExpr::Value(v) => val(v),
        SetExpr::Column(c) => col(c),
        SetExpr::Binary(l, op, r) => {
            let (l, r) = (set_expr(l), set_expr(r));
            match op {
                ArithOp::Add => l.add(r),
                ArithOp::Sub => l.sub(r),
                ArithOp::Mul => l.mul(r),
                ArithOp::Div => l.div(r),
            }
        }
    }
}

fn apply_paging(stmt: &mut sea_query::SelectStatement, limit: Option<u64>, offset: Option<u64>, dialect: Dialect) {
    match (limit, offset) {
        (Some(l), _) => {
            stmt.limit(l);
        }
        // MySQL and SQLite accept OFFSET only after a LIMIT: use the largest one they take.
        (None, Some(_)) if dialect != Dialect::Postgres => {
            stmt.limit(i64::MAX as u64);
        }
        _ => {}
    }
    if let Some(o) = offset {
        stmt.offset(o);
    }
}

/// `SELECT columns FROM table WHERE ... ORDER BY ... LIMIT ... OFFSET ...`
pub fn select_statement<M: Model, R: FromRow>(q: &Select<M, R>, dialect: Dialect) -> sea_query::SelectStatement {
    let mut stmt = Query::select();
    stmt.columns(q.column_list().into_iter().map(str::to_string)).from(M::schema().name.clone());
    if let Some(f) = &q.filter {
        stmt.cond_where(condition(f));
    }
    for (c, o) in &q.order {
        stmt.order_by(c.clone(), match o {
            Order::Asc => sea_query::Order::Asc,
            Order::Desc => sea_query::Order::Desc,
        });
    }
    apply_paging(&mut stmt, q.limit, q.offset, dialect);
    stmt
}

/// `SELECT COUNT(*)` of what `q` selects (limit and offset included).
pub fn count_statement<M: Model, R: FromRow>(q: &Select<M, R>, dialect: Dialect) -> sea_query::SelectStatement {
    let mut inner = Query::select();
    inner.expr(Expr::val(1)).from(M::schema().name.clone());
    if let Some(f) = &q.filter {
        inner.cond_where(condition(f));
    }
    if q.limit.is_none() && q.offset.is_none() {
        inner.clear_selects();
        inner.expr(Expr::col(Asterisk).count());
        return inner;
    }
    apply_paging(&mut inner, q.limit, q.offset, dialect);
    let mut outer = Query::select();
    outer.expr(Expr::col(Asterisk).count()).from_subquery(inner, "counted");
    outer
}

/// `SELECT 1 FROM table WHERE ... LIMIT 1`
pub fn exists_statement<M: Model, R: FromRow>(q: &Select<M, R>, dialect: Dialect) -> sea_query::SelectStatement {
    let mut stmt = Query::select();
    stmt.expr(Expr::val(1)).from(M::schema().name.clone());
    if let Some(f) = &q.filter {
        stmt.cond_where(condition(f));
    }
    apply_paging(&mut stmt, q.limit, q.offset, dialect);
    if q.limit.is_none() {
        stmt.limit(1);
    }
    stmt
}

/// A multi-row `INSERT` of `rows` (each in `columns` order), optionally `RETURNING` columns.
pub fn insert_statement(
    table: &str,
    columns: &[&str],
    rows: impl IntoIterator<Item = Vec<Value>>,
    returning: Option<&[&'static str]>,
) -> Result<sea_query::InsertStatement, sea_query::error::Error> {
    let mut stmt = Query::insert();
    stmt.into_table(table.to_string()).columns(columns.iter().map(|c| c.to_string()));
    for row in rows {
        stmt.values(row.into_iter().map(|v| Expr::val(sea_query::Value::from(v))))?;
    }
    if columns.is_empty() {
        stmt.or_default_values();
    }
    if let Some(cols) = returning {
        stmt.returning(Query::returning().columns(cols.iter().map(|c| c.to_string())));
    }
    Ok(stmt)
}

/// An `INSERT` of one row that updates `update_columns` when `conflict_columns` already exist.
pub fn upsert_statement(
    table: &str,
    columns: &[&str],
    row: Vec<Value>,
    conflict_columns: &[&str],
    update_columns: &[&str],
    returning: Option<&[&'static str]>,
) -> Result<sea_query::InsertStatement, sea_query::error::Error> {
    let mut stmt = insert_statement(table, columns, [row], returning)?;
    // With nothing else to update, set a key column to itself so the row is still returned.
    let updates: Vec<String> = if update_columns.is_empty() {
        conflict_columns.iter().take(1).map(|c| c.to_string()).collect()
    } else {
        update_columns.iter().map(|c| c.to_string()).collect()
    };
    stmt.on_conflict(
        OnConflict::columns(conflict_columns.iter().map(|c| c.to_string()))
            .update_columns(updates)
            .to_owned(),
    );
    Ok(stmt)
}

/// `UPDATE table SET column = value, ... WHERE filter`
pub fn update_statement(table: &str, sets: Vec<(&str, Value)>, filter: &Cond) -> sea_query::UpdateStatement {
    let mut stmt = Query::update();
    stmt.table(table.to_string())
        .values(sets.into_iter().map(|(c, v)| (c.to_string(), Expr::val(sea_query::Value::from(v)))))
        .cond_where(condition(filter));
    stmt
}

/// `UPDATE table SET column = expr, ... [WHERE filter]`
pub fn update_many_statement(table: &str, sets: &[(String, SetExpr)], filter: Option<&Cond>) -> sea_query::UpdateStatement {
    let mut stmt = Query::update();
    stmt.table(table.to_string()).values(sets.iter().map(|(c, e)| (c.clone(), set_expr(e))));
    if let Some(f) = filter {
        stmt.cond_where(condition(f));
    }
    stmt
}

/// `DELETE FROM table [WHERE filter]`
pub fn delete_statement(table: &str, filter: Option<&Cond>) -> sea_query::DeleteStatement {
    let mut stmt = Query::delete();
    stmt.from_table(table.to_string());
    if let Some(f) = filter {
        stmt.cond_where(condition(f));
    }
    stmt
}
