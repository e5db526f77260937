//! Statement text kept for the process, per model, dialect and shape: a model's point operations
//! (insert one row, update or delete one row by key), its selects, and its updates and deletes of
//! the rows a filter matches. Such a statement is the
//! same text on every call with the same shape (only the bound values change), so it is rendered
//! once and reused.
//!
//! The first call renders the statement from its sea-query tree as any other statement, and keeps
//! the text only if the values it bound begin with the caller's values, in order: the text's
//! placeholders then take the caller's values on every later call, followed by the values the
//! statement binds by itself (a `LIMIT`, which is part of a select's shape). The kinds of the
//! caller's values are kept with the text: a call with other kinds (which could render other text,
//! such as SQLite's `CAST` of a decimal comparison) renders afresh.

use super::{Dialect, RenderWith};
use crate::query::{Cond, Order, Select, SetExpr};
use crate::value::Value;
use std::any::TypeId;
use std::collections::HashMap;
use std::mem::{discriminant, Discriminant};
use std::sync::{Arc, OnceLock, RwLock};

/// Which statement of a model.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Shape {
    /// `INSERT` of one row (with `RETURNING` where the dialect has it).
    Insert,
    /// `UPDATE ... SET` every updatable column `WHERE` the key (with `RETURNING` where it can).
    Update,
    /// `DELETE` by primary key.
    DeleteByKey,
    /// A select, as [`select_shape`] writes it.
    Select(Box<[u8]>),
    /// An `UPDATE` of the rows a filter matches, as [`update_many_shape`] writes it.
    UpdateMany(Box<[u8]>),
    /// A `DELETE` of the rows a filter matches, as [`delete_many_shape`] writes it.
    DeleteMany(Box<[u8]>),
}

/// A kept statement.
struct Kept {
    sql: Arc<str>,
    /// The kinds of the caller's values the text was rendered for.
    kinds: Vec<Discriminant<Value>>,
    /// The values the statement binds after the caller's.
    tail: Vec<sea_query::Value>,
}

type Key = (TypeId, Dialect, Shape);

/// At most this many statements are kept; the next one starts the set afresh (selects paged by
/// ever larger offsets must not grow it without end).
const MAX_KEPT: usize = 2048;

fn kept() -> &'static RwLock<HashMap<Key, Kept, foldhash::fast::RandomState>> {
    static KEPT: OnceLock<RwLock<HashMap<Key, Kept, foldhash::fast::RandomState>>> = OnceLock::new();
    KEPT.get_or_init(Default::default)
}

/// The text of model `M`'s statement of `shape` on `dialect` and its values: `values` (the
/// caller's, in placeholder order) and any the statement binds by itself. `build` makes the
/// statement from `values` the first time, and whenever the kept text cannot be used.
pub(crate) fn statement<M: 'static, S: RenderWith, E>(
    dialect: Dialect,
    shape: Shape,
    values: Vec<Value>,
    build: impl FnOnce(Vec<Value>) -> Result<S, E>,
) -> Result<(Arc<str>, crate::sql::SqlxValues), E> {
    let key = (TypeId::of::<M>(), dialect, shape);
    {
        let map = kept().read().unwrap_or_else(|e| e.into_inner());
        if let Some(k) = map.get(&key)
            && k.kinds.len() == values.len()
            && k.kinds.iter().zip(&values).all(|(kind, v)| *kind == discriminant(v))
        {
            let mut bound: Vec<sea_query::Value> = Vec::with_capacity(values.len() + k.tail.len());
            bound.extend(values.into_iter().map(sea_query::Value::from));
            bound.extend(k.tail.iter().cloned());
            return Ok((k.sql.clone(), dialect.adapt_values(bound)));
        }
    }
    let kinds: Vec<Discriminant<Value>> = values.iter().map(discriminant).collect();
    let mine = dialect.adapt_values(values.iter().cloned().map(sea_query::Value::from).collect());
    let (sql, bound) = build(values)?.build_with(dialect);
    let sql: Arc<str> = sql.into();
    let (mine, all) = ((mine.0).0, &(bound.0).0);
    if all.starts_with(&mine) {
        let tail = all[mine.len()..].to_vec();
        let mut map = kept().write().unwrap_or_else(|e| e.into_inner());
        if map.len() >= MAX_KEPT {
            map.clear();
        }
        map.insert(key, Kept { sql: sql.clone(), kinds, tail });
    }
    Ok((sql, bound))
}

/// The shape of `q`: everything its text depends on but the values it binds (selected columns,
/// the filter's structure with each column, operator and value kind, sort, limit, offset, lock,
/// soft-deleted rows), and the filter's values in the order the text binds them. `None` for a
/// filter whose text depends on its values' content (`IN` lists long enough to go as one value).
pub(crate) fn select_shape<M: crate::Model, R>(q: &Select<M, R>) -> Option<(Shape, Vec<Value>)> {
    let mut w = ShapeWriter::default();
    match &q.columns {
        None => w.out.push(0),
        Some(columns) => {
            w.out.push(1);
            w.count(columns.len());
            columns.iter().for_each(|c| w.text(c));
        }
    }
    w.out.push(u8::from(q.with_deleted));
    w.filter(q.filter.as_ref())?;
    w.count(q.order.len());
    for (column, order) in &q.order {
        w.text(column);
        w.out.push(u8::from(*order == Order::Asc));
    }
    for n in [q.limit, q.offset] {
        match n {
            None => w.out.push(0),
            Some(n) => {
                w.out.push(1);
                w.out.extend(n.to_le_bytes());
            }
        }
    }
    match q.lock {
        None => w.out.push(0),
        Some(lock) => w.out.extend([1, u8::from(lock.exclusive), lock.wait as u8]),
    }
    Some((Shape::Select(w.out.into_boxed_slice()), w.values))
}

/// The shape of `UPDATE ... SET sets WHERE filter` (the filter as run, soft-deleted rows already
/// left out) and its values: the `SET` values, then the filter's.
pub(crate) fn update_many_shape(sets: &[(String, SetExpr)], filter: Option<&Cond>) -> Option<(Shape, Vec<Value>)> {
    let mut w = ShapeWriter::default();
    w.count(sets.len());
    for (column, e) in sets {
        w.text(column);
        w.set_expr(e);
    }
    w.filter(filter)?;
    Some((Shape::UpdateMany(w.out.into_boxed_slice()), w.values))
}

/// The shape of `DELETE ... WHERE filter` and its values.
pub(crate) fn delete_many_shape(filter: Option<&Cond>) -> Option<(Shape, Vec<Value>)> {
    let mut w = ShapeWriter::default();
    w.filter(filter)?;
    Some((Shape::DeleteMany(w.out.into_boxed_slice()), w.values))
}

/// A shape being written, and the values met on the way.
#[derive(Default)]
struct ShapeWriter {
    out: Vec<u8>,
    values: Vec<Value>,
}

impl ShapeWriter {
    fn count(&mut self, n: usize) {
        self.out.extend((n as u64).to_le_bytes());
    }

    fn text(&mut self, s: &str) {
        self.count(s.len());
        self.out.extend(s.as_bytes());
    }

    /// A value's kind and whether it is NULL.
    fn kind(&mut self, v: &Value) {
        let kind = match v {
            Value::Bool(_) => 0,
            Value::I16(_) => 1,
            Value::I32(_) => 2,
            Value::I64(_) => 3,
            Value::F32(_) => 4,
            Value::F64(_) => 5,
            Value::String(_) => 6,
            Value::Bytes(_) => 7,
            Value::Date(_) => 8,
            Value::Time(_) => 9,
            Value::DateTime(_) => 10,
            Value::Timestamp(_) => 11,
            Value::Uuid(_) => 12,
            Value::Decimal(_) => 13,
            Value::Json(_) => 14,
            Value::ObjectId(_) => 15,
        };
        self.out.extend([kind, u8::from(v.is_null())]);
    }

    /// A bound value: its kind in the shape, itself in the values.
    fn value(&mut self, v: &Value) {
        self.kind(v);
        self.values.push(v.clone());
    }

    fn set_expr(&mut self, e: &SetExpr) {
        match e {
            SetExpr::Value(v) => {
                self.out.push(1);
                self.value(v);
            }
            SetExpr::Column(c) => {
                self.out.push(2);
                self.text(c);
            }
            SetExpr::Binary(l, op, r) => {
                self.out.extend([3, *op as u8]);
                self.set_expr(l);
                self.set_expr(r);
            }
        }
    }

    fn filter(&mut self, filter: Option<&Cond>) -> Option<()> {
        match filter {
            None => {
                self.out.push(0);
                Some(())
            }
            Some(c) => {
                self.out.push(1);
                self.cond(c)
            }
        }
    }

    fn cond(&mut self, c: &Cond) -> Option<()> {
        match c {
            Cond::And(list) | Cond::Or(list) => {
                self.out.push(if matches!(c, Cond::And(_)) { 1 } else { 2 });
                self.count(list.len());
                for c in list {
                    self.cond(c)?;
                }
            }
            Cond::Not(inner) => {
                self.out.push(3);
                self.cond(inner)?;
            }
            Cond::Compare { column, op, value } => {
                self.out.push(4);
                self.text(column);
                self.out.push(*op as u8);
                self.value(value);
            }
            Cond::Between { column, low, high } => {
                self.out.push(5);
                self.text(column);
                self.value(low);
                self.value(high);
            }
            Cond::In { values, .. } if values.len() > super::lower::LONG_LIST => return None,
            Cond::In { column, values, negated } => {
                self.out.push(6);
                self.text(column);
                self.out.push(u8::from(*negated));
                self.count(values.len());
                if let Some(first) = values.first() {
                    self.kind(first);
                }
                self.values.extend(values.iter().cloned());
            }
            Cond::Like { column, pattern, negated } => {
                self.out.push(7);
                self.text(column);
                self.out.push(u8::from(*negated));
                self.values.push(Value::String(Some(pattern.clone())));
            }
            Cond::Null { column, negated } => {
                self.out.push(8);
                self.text(column);
                self.out.push(u8::from(*negated));
            }
            Cond::Related { parent_table, local, table, remote, filter } => {
                self.out.push(9);
                for name in [parent_table, local, &table.name, remote] {
                    self.text(name);
                }
                self.cond(filter)?;
            }
        }
        Some(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::{CmpOp, Cond};
    use crate::sql::{delete_statement, select_statement, Dialect};
    use crate::{Model, Select};

    #[derive(crate::Model, Debug, Clone)]
    #[orm(table = "kept_items")]
    struct Item {
        #[orm(primary_key)]
        id: i64,
        name: String,
        price: rust_decimal::Decimal,
        #[orm(soft_delete)]
        gone: Option<chrono::DateTime<chrono::Utc>>,
    }

    /// A select through the kept text: the text and values, and whether the text was kept.
    fn run<M: Model>(q: &Select<M>, dialect: Dialect) -> (Arc<str>, Vec<sea_query::Value>) {
        let (shape, values) = select_shape(q).expect("a shape");
        let (sql, values) = statement::<M, _, ()>(dialect, shape, values, |_| Ok(select_statement(q, dialect))).unwrap();
        (sql, (values.0).0)
    }

    /// `make(1)` and `make(2)` run twice each: the second run of each reuses the kept text, and
    /// every run's text and values are those of rendering it afresh.
    fn kept_and_right<M: Model>(make: impl Fn(i64) -> Select<M>) {
        for dialect in [Dialect::Postgres, Dialect::MySql, Dialect::Sqlite] {
            let (first, _) = run(&make(1), dialect);
            for n in [2, 3] {
                let q = make(n);
                let (sql, values) = run(&q, dialect);
                assert!(Arc::ptr_eq(&first, &sql), "{dialect:?}: kept text reused for {sql}");
                let (fresh, expected) = select_statement(&q, dialect).build_with(dialect);
                assert_eq!(&*sql, fresh, "{dialect:?}");
                assert_eq!(values, (expected.0).0, "{dialect:?}: {sql}");
            }
        }
    }

    #[test]
    fn selects_of_one_shape_share_their_text_and_bind_their_own_values() {
        kept_and_right(Item::find_by_pk);
        kept_and_right(|n| Item::find_by_pk(n).limit(1).with_deleted());
        kept_and_right(|n| {
            Item::find()
                .filter(Item::NAME.like(format!("a{n}%")).and(Item::ID.between(n, n + 10)).or(Item::NAME.is_in([format!("x{n}"), "y".into()])))
                .filter(Item::ID.ne(n).not())
                .order_by_desc(Item::NAME)
                .limit(20)
                .offset(40)
        });
        kept_and_right(|n| Item::find().filter(Item::PRICE.gt(rust_decimal::Decimal::from(n))).offset(5));
    }

    #[test]
    fn updates_and_deletes_of_one_shape_share_their_text() {
        use crate::sql::update_many_statement;
        for dialect in [Dialect::Postgres, Dialect::MySql, Dialect::Sqlite] {
            let mut texts = Vec::new();
            for n in [1i64, 2, 3] {
                let q = Item::update_many().set(Item::NAME, format!("n{n}")).set_expr(Item::ID, Item::ID.add(n)).filter(Item::ID.gt(n));
                let (sets, filter) = q.effective();
                let (shape, values) = update_many_shape(&sets, filter.as_ref()).unwrap();
                let build = || update_many_statement("kept_items", &sets, filter.as_ref(), dialect);
                let (sql, values) = statement::<Item, _, ()>(dialect, shape, values, |_| Ok(build())).unwrap();
                let (fresh, expected) = build().build_with(dialect);
                assert_eq!((&*sql, (values.0).0), (fresh.as_str(), (expected.0).0), "{dialect:?}");
                let cond = Cond::Compare { column: "id".into(), op: CmpOp::Lt, value: Value::I64(Some(n)) };
                let (shape, values) = delete_many_shape(Some(&cond)).unwrap();
                let (deleted, values) = statement::<Item, _, ()>(dialect, shape, values, |_| Ok(delete_statement("kept_items", Some(&cond), dialect))).unwrap();
                assert_eq!((values.0).0, [sea_query::Value::BigInt(Some(n))]);
                texts.push((sql, deleted));
            }
            assert!(texts.windows(2).all(|w| Arc::ptr_eq(&w[0].0, &w[1].0) && Arc::ptr_eq(&w[0].1, &w[1].1)), "{dialect:?}: kept");
        }
    }

    #[test]
    fn shapes_differ_where_the_text_does() {
        let shape = |q: Select<Item>| select_shape(&q).unwrap().0;
        let base = shape(Item::find().filter(Item::ID.eq(1)));
        assert_eq!(base, shape(Item::find().filter(Item::ID.eq(2))), "only the value differs");
        for other in [
            Item::find().filter(Item::ID.ne(1)),
            Item::find().filter(Item::ID.eq(1)).with_deleted(),
            Item::find().filter(Item::ID.eq(1)).limit(1),
            Item::find().filter(Item::ID.eq(1)).offset(1),
            Item::find().filter(Item::ID.eq(1)).order_by_asc(Item::ID),
            Item::find().filter(Item::ID.eq(1)).for_update(),
            Item::find().filter(Item::NAME.eq("1")),
            Item::find().filter(Item::ID.is_in([1, 2])),
            Item::find().filter(Item::ID.eq(1).and(Item::NAME.is_null())),
            Item::find().filter(Item::ID.eq(1).or(Item::NAME.is_null())),
        ] {
            assert_ne!(base, shape(other));
        }
        assert_ne!(shape(Item::find().filter(Item::ID.is_in([1, 2]))), shape(Item::find().filter(Item::ID.is_in([1, 2, 3]))));
        assert_ne!(shape(Item::find().limit(10)), shape(Item::find().limit(20)));
        let long: Vec<i64> = (0..=crate::sql::lower::LONG_LIST as i64).collect();
        assert!(select_shape(&Item::find().filter(Item::ID.is_in(long))).is_none(), "a long IN list is rendered every time");
    }

    fn by_id(value: Value) -> impl FnOnce(Vec<Value>) -> Result<sea_query::DeleteStatement, ()> {
        move |_| Ok(delete_statement("t", Some(&Cond::Compare { column: "id".into(), op: CmpOp::Eq, value }), Dialect::Sqlite))
    }

    #[test]
    fn values_of_other_kinds_render_afresh() {
        let shape = || Shape::Select(Box::new([42]));
        let (a, _) = statement::<Item, _, ()>(Dialect::Sqlite, shape(), vec![Value::I64(Some(1))], by_id(Value::I64(Some(1)))).unwrap();
        let text = Value::String(Some("x".into()));
        let (b, values) = statement::<Item, _, ()>(Dialect::Sqlite, shape(), vec![text.clone()], by_id(text)).unwrap();
        assert!(!Arc::ptr_eq(&a, &b));
        assert_eq!((values.0).0, [sea_query::Value::String(Some("x".into()))]);
    }

    #[test]
    fn text_that_binds_other_values_is_not_kept() {
        // Binds 2, not the caller's 1: the text cannot be reused for other calls.
        let run = || statement::<Item, _, ()>(Dialect::Sqlite, Shape::DeleteByKey, vec![Value::I64(Some(1))], by_id(Value::I64(Some(2)))).unwrap();
        let (a, _) = run();
        let (b, values) = run();
        assert!(!Arc::ptr_eq(&a, &b));
        assert_eq!((values.0).0, [sea_query::Value::BigInt(Some(2))]);
    }
}
