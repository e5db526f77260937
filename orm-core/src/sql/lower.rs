//! IR -> sea-query statements. Every value is bound; every identifier goes through sea-query's quoting.

use super::Dialect;
use crate::query::model::Model;
use crate::query::{ArithOp, CmpOp, Cond, LockWait, Order, BrowsePlan, Select, SetExpr};
use crate::row::FromRow;
use crate::schema::{ColumnType, Table};
use crate::value::Value;
use sea_query::{Asterisk, Condition, Expr, ExprTrait, LikeExpr, NullOrdering, OnConflict, Query};

fn col(name: &str) -> Expr {
    Expr::col(name.to_string())
}

fn val(v: &Value) -> Expr {
    Expr::val(sea_query::Value::from(v.clone()))
}

/// A column as compared with `value`. SQLite stores decimals as exact text; they compare as
/// numbers through `CAST(column AS REAL)` (the bound value then takes the column side's affinity).
fn compared_col(name: &str, value: Option<&Value>, dialect: Dialect) -> Expr {
    if dialect == Dialect::Sqlite && matches!(value, Some(Value::Decimal(_))) {
        col(name).cast_as("REAL")
    } else {
        col(name)
    }
}

/// `IN` lists longer than this go to the server as one bound value, expanded there, instead of one
/// bound parameter per value (which runs into every backend's parameter limit).
pub(crate) const LONG_LIST: usize = 1_000;

/// Text lists shorter than this keep one parameter per value on MySQL (its limit is 65,535).
const MYSQL_PARAMETERS: usize = 60_000;

/// A long `IN` / `NOT IN` list as one bound value: a typed array on PostgreSQL (`= ANY($1)`,
/// `<> ALL($1)`), JSON text expanded by `json_each` on SQLite and by `JSON_TABLE` on MySQL and
/// MariaDB for integer and text lists (other kinds keep one parameter per value).
fn long_in(column: &str, values: &[Value], negated: bool, dialect: Dialect) -> Option<Expr> {
    match dialect {
        #[cfg(feature = "postgres")]
        Dialect::Postgres => {
            let items: Vec<sea_query::Value> = values.iter().map(|v| sea_query::Value::from(v.clone())).collect();
            let ty = items.iter().find(|v| !matches!(v, sea_query::Value::String(None))).unwrap_or(&items[0]).array_type();
            let array = Expr::val(sea_query::Value::Array(ty, Some(Box::new(items))));
            let form = if negated { "$1 <> ALL($2)" } else { "$1 = ANY($2)" };
            Some(Expr::cust_with_exprs(form, [col(column), array]))
        }
        Dialect::Sqlite | Dialect::MySql => {
            // One kind throughout: integers, or text.
            let integers = matches!(values[0], Value::I16(_) | Value::I32(_) | Value::I64(_));
            // MariaDB compares text from JSON_TABLE row by row (seconds for 100,000 values): text
            // lists that fit in a statement's parameters keep them.
            if dialect == Dialect::MySql && !integers && values.len() < MYSQL_PARAMETERS {
                return None;
            }
            let mut items = Vec::with_capacity(values.len());
            for v in values {
                items.push(match v {
                    Value::I16(Some(n)) if integers => serde_json::Value::from(*n),
                    Value::I32(Some(n)) if integers => serde_json::Value::from(*n),
                    Value::I64(Some(n)) if integers => serde_json::Value::from(*n),
                    Value::String(Some(s)) | Value::ObjectId(Some(s)) if !integers => serde_json::Value::from(s.as_str()),
                    _ => return None,
                });
            }
            let json = Expr::val(serde_json::Value::Array(items).to_string());
            // sea-query's placeholder here is `?`, filled in order: the column, then the JSON text.
            let list = match dialect {
                Dialect::Sqlite => "SELECT value FROM json_each(?)",
                // The derived table is materialized once: a bare JSON_TABLE subquery in an UPDATE or
                // DELETE was scanned for every row (28 s for 2,000 rows and 100,000 values).
                _ if integers => {
                    "SELECT x.v FROM (SELECT DISTINCT jt.v FROM JSON_TABLE(?, '$[*]' COLUMNS (v BIGINT PATH '$')) AS jt) AS x"
                }
                _ => "SELECT x.v FROM (SELECT DISTINCT jt.v FROM JSON_TABLE(?, '$[*]' COLUMNS (v LONGTEXT PATH '$')) AS jt) AS x",
            };
            let form = format!("? {} ({list})", if negated { "NOT IN" } else { "IN" });
            Some(Expr::cust_with_exprs(form, [col(column), json]))
        }
        #[allow(unreachable_patterns)]
        _ => None,
    }
}

/// Lowers a condition tree.
pub(crate) fn condition(c: &Cond, dialect: Dialect) -> Condition {
    match c {
        Cond::And(list) if list.is_empty() => Condition::all().add(Expr::cust("1 = 1")),
        Cond::Or(list) if list.is_empty() => Condition::all().add(Expr::cust("1 = 0")),
        Cond::And(list) => list.iter().fold(Condition::all(), |acc, c| acc.add(condition(c, dialect))),
        Cond::Or(list) => list.iter().fold(Condition::any(), |acc, c| acc.add(condition(c, dialect))),
        Cond::Not(inner) => Condition::all().add(condition(inner, dialect)).not(),
        leaf => Condition::all().add(leaf_expr(leaf, dialect)),
    }
}

fn leaf_expr(c: &Cond, dialect: Dialect) -> Expr {
    match c {
        Cond::Compare { column, op, value } => {
            let (l, r) = (compared_col(column, Some(value), dialect), val(value));
            match op {
                CmpOp::Eq => l.eq(r),
                CmpOp::Ne => l.ne(r),
                CmpOp::Gt => l.gt(r),
                CmpOp::Gte => l.gte(r),
                CmpOp::Lt => l.lt(r),
                CmpOp::Lte => l.lte(r),
            }
        }
        Cond::Between { column, low, high } => {
            compared_col(column, Some(low), dialect).between(val(low), val(high))
        }
        Cond::In { values, negated, .. } if values.is_empty() => {
            Expr::cust(if *negated { "1 = 1" } else { "1 = 0" })
        }
        Cond::In { column, values, negated } => {
            if let Some(bound) = (values.len() > LONG_LIST).then(|| long_in(column, values, *negated, dialect)).flatten() {
                return bound;
            }
            let vals = values.iter().map(|v| sea_query::Value::from(v.clone()));
            let l = compared_col(column, values.first(), dialect);
            if *negated { l.is_not_in(vals) } else { l.is_in(vals) }
        }
        Cond::Like { column, pattern, negated } => {
            let like = LikeExpr::new(pattern.clone()).escape('\\');
            if *negated { col(column).not_like(like) } else { col(column).like(like) }
        }
        Cond::Null { column, negated } => {
            if *negated { col(column).is_not_null() } else { col(column).is_null() }
        }
        Cond::Related { parent_table, local, table, remote, filter } => {
            let mut sub = Query::select();
            sub.expr(Expr::val(1))
                .from(table.name.clone())
                .and_where(Expr::col((table.name.clone(), remote.clone())).equals((parent_table.clone(), local.clone())))
                .cond_where(condition(filter, dialect));
            Expr::exists(sub)
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
    if let Some(f) = &q.effective_filter() {
        stmt.cond_where(condition(f, dialect));
    }
    order_by(&mut stmt, M::schema(), &q.order, dialect);
    apply_paging(&mut stmt, q.limit, q.offset, dialect);
    // SQLite has no row locks (sea-query writes none for it).
    if let Some(lock) = q.lock {
        let kind = if lock.exclusive { sea_query::LockType::Update } else { sea_query::LockType::Share };
        match lock.wait {
            LockWait::Wait => stmt.lock(kind),
            LockWait::NoWait => stmt.lock_with_behavior(kind, sea_query::LockBehavior::Nowait),
            LockWait::SkipLocked => stmt.lock_with_behavior(kind, sea_query::LockBehavior::SkipLocked),
        };
    }
    stmt
}

/// `ORDER BY` for `order` over `table`'s columns: decimals by number on SQLite, NULLs first
/// ascending on every backend.
fn order_by(stmt: &mut sea_query::SelectStatement, table: &Table, order: &[(String, Order)], dialect: Dialect) {
    for (c, o) in order {
        let order = match o {
            Order::Asc => sea_query::Order::Asc,
            Order::Desc => sea_query::Order::Desc,
        };
        let column = table.column_named(c);
        let is_decimal = column.is_some_and(|c| matches!(c.ty, ColumnType::Decimal { .. }));
        // Only a nullable column needs the NULL placement spelled out; leaving it off elsewhere
        // keeps PostgreSQL's plain btree indexes usable for the sort.
        let nullable = column.is_none_or(|c| c.nullable);
        if dialect == Dialect::Sqlite && is_decimal {
            stmt.order_by_expr(col(c).cast_as("REAL"), order);
        } else if dialect == Dialect::Postgres && nullable {
            // NULLs sort first ascending and last descending, as on MySQL, SQLite and MongoDB.
            let nulls = if *o == Order::Asc { NullOrdering::First } else { NullOrdering::Last };
            stmt.order_by_with_nulls(c.clone(), order, nulls);
        } else {
            stmt.order_by(c.clone(), order);
        }
    }
}

/// A page of every column of `table` (a table known at run time). A column introspection could
/// only describe as text (a PostgreSQL type without a neutral equivalent) is read as its text.
pub(crate) fn browse_statement(table: &Table, q: &BrowsePlan, dialect: Dialect) -> sea_query::SelectStatement {
    let mut stmt = Query::select();
    for c in &table.columns {
        match dialect {
            Dialect::Postgres | Dialect::MySql if c.comment.is_some() && c.ty == ColumnType::Text => {
                stmt.expr_as(col(&c.name).cast_as(if dialect == Dialect::MySql { "CHAR" } else { "TEXT" }), c.name.clone());
            }
            _ => {
                stmt.column(c.name.clone());
            }
        }
    }
    stmt.from(table.name.clone());
    if let Some(f) = &q.filter {
        stmt.cond_where(condition(f, dialect));
    }
    order_by(&mut stmt, table, &q.order, dialect);
    apply_paging(&mut stmt, Some(q.limit), (q.offset > 0).then_some(q.offset), dialect);
    stmt
}

/// `SELECT COUNT(*) FROM table WHERE filter`.
pub(crate) fn count_rows_statement(table: &Table, filter: Option<&Cond>, dialect: Dialect) -> sea_query::SelectStatement {
    let mut stmt = Query::select();
    stmt.expr(Expr::col(Asterisk).count()).from(table.name.clone());
    if let Some(f) = filter {
        stmt.cond_where(condition(f, dialect));
    }
    stmt
}

/// `SELECT COUNT(*)` of what `q` selects (limit and offset included).
pub fn count_statement<M: Model, R: FromRow>(q: &Select<M, R>, dialect: Dialect) -> sea_query::SelectStatement {
    let filter = q.effective_filter();
    if q.limit.is_none() && q.offset.is_none() {
        return count_rows_statement(M::schema(), filter.as_ref(), dialect);
    }
    let mut inner = Query::select();
    inner.expr(Expr::val(1)).from(M::schema().name.clone());
    if let Some(f) = &filter {
        inner.cond_where(condition(f, dialect));
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
    if let Some(f) = &q.effective_filter() {
        stmt.cond_where(condition(f, dialect));
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
pub fn update_statement(table: &str, sets: Vec<(&str, Value)>, filter: &Cond, dialect: Dialect) -> sea_query::UpdateStatement {
    let mut stmt = Query::update();
    stmt.table(table.to_string())
        .values(sets.into_iter().map(|(c, v)| (c.to_string(), Expr::val(sea_query::Value::from(v)))))
        .cond_where(condition(filter, dialect));
    stmt
}

/// `UPDATE table SET column = expr, ... [WHERE filter]`
pub fn update_many_statement(
    table: &str,
    sets: &[(String, SetExpr)],
    filter: Option<&Cond>,
    dialect: Dialect,
) -> sea_query::UpdateStatement {
    let mut stmt = Query::update();
    stmt.table(table.to_string()).values(sets.iter().map(|(c, e)| (c.clone(), set_expr(e))));
    if let Some(f) = filter {
        stmt.cond_where(condition(f, dialect));
    }
    stmt
}

/// `DELETE FROM table [WHERE filter]`
pub fn delete_statement(table: &str, filter: Option<&Cond>, dialect: Dialect) -> sea_query::DeleteStatement {
    let mut stmt = Query::delete();
    stmt.from_table(table.to_string());
    if let Some(f) = filter {
        stmt.cond_where(condition(f, dialect));
    }
    stmt
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::RenderWith;
    use crate::Model;
    use rust_decimal::Decimal;

    #[derive(crate::Model, Debug, Clone)]
    #[orm(table = "items")]
    struct Item {
        #[orm(primary_key, auto_increment)]
        id: i64,
        name: String,
        price: Decimal,
        qty: Option<i32>,
    }

    fn render(q: &Select<Item>, d: Dialect) -> String {
        d.render(&select_statement(q, d))
    }

    #[test]
    fn filters_render_per_dialect() {
        let q = Item::find()
            .filter(Item::QTY.gt(1).and(Item::NAME.like("a\\%%")).or(Item::QTY.is_null().not()))
            .order_by_desc(Item::ID)
            .limit(5)
            .offset(10);
        assert_eq!(
            render(&q, Dialect::Postgres),
            r#"SELECT "id", "name", "price", "qty" FROM "items" WHERE ("qty" > 1 AND "name" LIKE E'a\\%%' ESCAPE E'\\') OR (NOT "qty" IS NULL) ORDER BY "id" DESC LIMIT 5 OFFSET 10"#
        );
        assert_eq!(
            render(&q, Dialect::MySql),
            r"SELECT `id`, `name`, `price`, `qty` FROM `items` WHERE (`qty` > 1 AND `name` LIKE 'a\\%%' ESCAPE '\\') OR (NOT `qty` IS NULL) ORDER BY `id` DESC LIMIT 5 OFFSET 10"
        );
    }

    #[test]
    fn values_are_bound_not_inlined() {
        let q = Item::find().filter(Item::NAME.eq("x'); DROP TABLE items; --"));
        let (sql, values) = select_statement(&q, Dialect::Postgres).build_with(Dialect::Postgres);
        assert_eq!(sql, r#"SELECT "id", "name", "price", "qty" FROM "items" WHERE "name" = $1"#);
        assert_eq!(values.0.0, [sea_query::Value::String(Some("x'); DROP TABLE items; --".into()))]);
    }

    #[test]
    fn sqlite_writes_paging_counts_inline_and_binds_the_rest() {
        let q = Item::find().filter(Item::QTY.eq(7)).limit(5).offset(10);
        let (sql, values) = select_statement(&q, Dialect::Sqlite).build_with(Dialect::Sqlite);
        assert!(sql.ends_with(r#"WHERE "qty" = ? LIMIT 5 OFFSET 10"#), "{sql}");
        assert_eq!(values.0.0, [sea_query::Value::Int(Some(7))]);
        let (sql, values) = exists_statement(&q, Dialect::Sqlite).build_with(Dialect::Sqlite);
        assert!(sql.ends_with("LIMIT 5 OFFSET 10"), "{sql}");
        assert_eq!(values.0.0.len(), 2, "the selected 1 and the filter value");
        let (sql, values) = count_statement(&q, Dialect::Sqlite).build_with(Dialect::Sqlite);
        assert!(sql.contains(r#"WHERE "qty" = ? LIMIT 5 OFFSET 10) AS "counted""#), "{sql}");
        assert_eq!(values.0.0.len(), 2);
        // A text value that spells the keyword is still bound.
        let q = Item::find().filter(Item::NAME.eq(" LIMIT ")).limit(1);
        let (sql, values) = select_statement(&q, Dialect::Sqlite).build_with(Dialect::Sqlite);
        assert!(sql.ends_with(r#""name" = ? LIMIT 1"#), "{sql}");
        assert_eq!(values.0.0.len(), 1);
    }

    #[test]
    fn postgres_and_mysql_bind_paging_counts() {
        let q = Item::find().filter(Item::QTY.eq(7)).limit(5).offset(10);
        let (sql, values) = select_statement(&q, Dialect::Postgres).build_with(Dialect::Postgres);
        assert!(sql.ends_with(r#"WHERE "qty" = $1 LIMIT $2 OFFSET $3"#), "{sql}");
        assert_eq!(values.0.0.len(), 3);
        let (sql, _) = select_statement(&q, Dialect::MySql).build_with(Dialect::MySql);
        assert!(sql.ends_with("WHERE `qty` = ? LIMIT ? OFFSET ?"), "{sql}");
    }

    #[test]
    fn row_locks_render_per_dialect() {
        let q = Item::find().filter(Item::QTY.gt(0)).limit(1).for_update().skip_locked();
        assert!(render(&q, Dialect::Postgres).ends_with("LIMIT 1 FOR UPDATE SKIP LOCKED"), "{}", render(&q, Dialect::Postgres));
        assert!(render(&q, Dialect::MySql).ends_with("LIMIT 1 FOR UPDATE SKIP LOCKED"));
        assert!(!render(&q, Dialect::Sqlite).contains("FOR"), "SQLite has no row locks");
        let q = Item::find().for_share().nowait();
        assert!(render(&q, Dialect::Postgres).ends_with("FOR SHARE NOWAIT"));
        assert!(render(&q, Dialect::MySql).ends_with("LOCK IN SHARE MODE NOWAIT"));
        assert_eq!(q.lock, Some(crate::RowLock { exclusive: false, wait: LockWait::NoWait }));
        assert!(Item::find().nowait().lock.is_some_and(|l| l.exclusive), "nowait alone locks for update");
    }

    #[test]
    fn offset_without_limit() {
        let q = Item::find().offset(3);
        assert!(render(&q, Dialect::Postgres).ends_with(r#"FROM "items" OFFSET 3"#));
        assert!(render(&q, Dialect::Sqlite).ends_with(&format!("LIMIT {} OFFSET 3", i64::MAX)));
    }

    #[test]
    fn empty_lists_and_groups() {
        let q = Item::find().filter(Item::QTY.is_in(Vec::<i32>::new()));
        assert!(render(&q, Dialect::Sqlite).ends_with("WHERE 1 = 0"), "{}", render(&q, Dialect::Sqlite));
        let q = Item::find().filter(crate::Filter::any([]));
        assert!(render(&q, Dialect::Sqlite).ends_with("WHERE 1 = 0"));
        let q = Item::find().filter(Item::QTY.eq(1).and(Item::ID.eq(2)).not().or(Item::ID.eq(3)));
        assert!(
            render(&q, Dialect::Sqlite).ends_with(r#"WHERE (NOT ("qty" = 1 AND "id" = 2)) OR "id" = 3"#),
            "{}",
            render(&q, Dialect::Sqlite)
        );
    }

    #[test]
    fn sqlite_compares_and_sorts_decimals_as_numbers() {
        let q = Item::find().filter(Item::PRICE.gt(Decimal::new(15, 1))).order_by_asc(Item::PRICE);
        assert_eq!(
            render(&q, Dialect::Sqlite),
            r#"SELECT "id", "name", "price", "qty" FROM "items" WHERE CAST("price" AS REAL) > 1.5 ORDER BY CAST("price" AS REAL) ASC"#
        );
        assert!(render(&q, Dialect::Postgres).contains(r#"WHERE "price" > 1.5 ORDER BY "price" ASC"#));
    }

    #[test]
    fn count_with_paging_uses_a_subquery() {
        let q = Item::find().filter(Item::QTY.eq(1)).limit(2);
        let d = Dialect::Postgres;
        assert_eq!(
            d.render(&count_statement(&q, d)),
            r#"SELECT COUNT(*) FROM (SELECT 1 FROM "items" WHERE "qty" = 1 LIMIT 2) AS "counted""#
        );
        let q = Item::find().filter(Item::QTY.eq(1));
        assert_eq!(d.render(&count_statement(&q, d)), r#"SELECT COUNT(*) FROM "items" WHERE "qty" = 1"#);
    }

    #[test]
    fn update_expressions_keep_their_order() {
        let q = Item::update_many().set_expr(Item::QTY, Item::QTY.add(1).mul(2)).filter(Item::ID.eq(3));
        let d = Dialect::MySql;
        assert_eq!(
            d.render(&update_many_statement("items", &q.sets, q.filter.as_ref(), d)),
            "UPDATE `items` SET `qty` = (`qty` + 1) * 2 WHERE `id` = 3"
        );
    }
}
