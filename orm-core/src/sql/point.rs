//! The statement text of a model's point operations: insert one row, and find, update or delete
//! one row by its primary key. Their text is the same on every call (only the bound values
//! change), so each is rendered once per model, dialect and shape and kept for the process.
//!
//! The first call renders the statement from its sea-query tree as any other statement, and keeps
//! the text only if the values it bound begin with the caller's values, in order: the text's
//! placeholders then take the caller's values on every later call, followed by the values the
//! statement binds by itself (a `LIMIT 1`). The kinds of the caller's values are kept with the
//! text: a call with other kinds (which could render other text, such as SQLite's `CAST` of a
//! decimal comparison) renders afresh.

use super::{Dialect, RenderWith};
use crate::value::Value;
use std::any::TypeId;
use std::collections::HashMap;
use std::mem::{discriminant, Discriminant};
use std::sync::{Arc, OnceLock, RwLock};

/// Which point statement of a model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Point {
    /// `INSERT` of one row (with `RETURNING` where the dialect has it).
    Insert,
    /// `SELECT` by primary key: whether soft-deleted rows are included, and whether `LIMIT 1`.
    FindByKey { with_deleted: bool, one: bool },
    /// `UPDATE ... SET` every updatable column `WHERE` the key (with `RETURNING` where it can).
    Update,
    /// `DELETE` by primary key.
    DeleteByKey,
}

/// A kept statement.
struct Kept {
    sql: Arc<str>,
    /// The kinds of the caller's values the text was rendered for.
    kinds: Vec<Discriminant<Value>>,
    /// The values the statement binds after the caller's.
    tail: Vec<sea_query::Value>,
}

type Key = (TypeId, Dialect, Point);

fn kept() -> &'static RwLock<HashMap<Key, Kept, foldhash::fast::RandomState>> {
    static KEPT: OnceLock<RwLock<HashMap<Key, Kept, foldhash::fast::RandomState>>> = OnceLock::new();
    KEPT.get_or_init(Default::default)
}

/// The text of model `M`'s point statement `point` on `dialect` and its values: `values` (the
/// caller's, in placeholder order) and any the statement binds by itself. `build` makes the
/// statement from `values` the first time, and whenever the kept text cannot be used.
pub(crate) fn statement<M: 'static, S: RenderWith, E>(
    dialect: Dialect,
    point: Point,
    values: Vec<Value>,
    build: impl FnOnce(Vec<Value>) -> Result<S, E>,
) -> Result<(Arc<str>, crate::sql::SqlxValues), E> {
    let key = (TypeId::of::<M>(), dialect, point);
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
        map.insert(key, Kept { sql: sql.clone(), kinds, tail });
    }
    Ok((sql, bound))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::{select_statement, Dialect};
    use crate::{Model, Select};

    #[derive(crate::Model, Debug, Clone)]
    #[orm(table = "point_items")]
    struct Item {
        #[orm(primary_key)]
        id: i64,
        name: String,
    }

    fn find(dialect: Dialect, id: i64) -> (Arc<str>, Vec<sea_query::Value>) {
        let q: Select<Item> = Item::find_by_pk(id).limit(1);
        let (sql, values) = statement::<Item, _, ()>(dialect, Point::FindByKey { with_deleted: false, one: true }, vec![Value::I64(Some(id))], |_| {
            Ok(select_statement(&q, dialect))
        })
        .unwrap();
        (sql, (values.0).0)
    }

    #[test]
    fn the_kept_text_takes_each_calls_values_and_its_own_tail() {
        for dialect in [Dialect::Postgres, Dialect::MySql, Dialect::Sqlite] {
            let (first, _) = find(dialect, 1);
            let (second, values) = find(dialect, 2);
            assert!(Arc::ptr_eq(&first, &second), "{dialect:?}: the second call reuses the text");
            let q: Select<Item> = Item::find_by_pk(2).limit(1);
            let (sql, expected) = select_statement(&q, dialect).build_with(dialect);
            assert_eq!(&*second, sql);
            assert_eq!(values, (expected.0).0, "{dialect:?}: the key, then LIMIT 1 where it is bound");
        }
    }

    #[test]
    fn only_plain_key_lookups_count_as_point_statements() {
        let key = Some((vec![Value::I64(Some(7))], false));
        assert_eq!(Item::find_by_pk(7).key_lookup(), key);
        assert_eq!(Item::find_by_pk(7).with_deleted().key_lookup(), key);
        assert_eq!(Item::find_by_pk(7).limit(1).key_lookup(), Some((vec![Value::I64(Some(7))], true)));
        assert_eq!(Item::find_by_pk(7).limit(2).key_lookup(), None);
        assert_eq!(Item::find_by_pk(7).offset(1).key_lookup(), None);
        assert_eq!(Item::find_by_pk(7).filter(Item::NAME.eq("x")).key_lookup(), None);
        assert_eq!(Item::find_by_pk(7).order_by_asc(Item::ID).key_lookup(), None);
        assert_eq!(Item::find_by_pk(7).for_update().key_lookup(), None);
        assert_eq!(Item::find().filter(Item::ID.eq(7)).key_lookup(), None, "a filter on the key is not find_by_pk");
    }

    #[test]
    fn values_of_other_kinds_render_afresh() {
        let point = Point::FindByKey { with_deleted: true, one: false };
        let text = |v: Value| {
            statement::<Item, _, ()>(Dialect::Sqlite, point, vec![v.clone()], |values| {
                Ok(crate::sql::delete_statement("t", Some(&crate::query::Cond::Compare { column: "id".into(), op: crate::query::CmpOp::Eq, value: values[0].clone() }), Dialect::Sqlite))
            })
            .unwrap()
        };
        let (a, _) = text(Value::I64(Some(1)));
        let (b, values) = text(Value::String(Some("x".into())));
        assert!(!Arc::ptr_eq(&a, &b));
        assert_eq!((values.0).0, [sea_query::Value::String(Some("x".into()))]);
    }

    #[test]
    fn text_that_binds_other_values_is_not_kept() {
        let point = Point::DeleteByKey;
        let run = || {
            statement::<Item, _, ()>(Dialect::Postgres, point, vec![Value::I64(Some(1))], |_| {
                // Binds 2, not the caller's 1: the text cannot be reused for other calls.
                Ok(crate::sql::delete_statement("t", Some(&crate::query::Cond::Compare { column: "id".into(), op: crate::query::CmpOp::Eq, value: Value::I64(Some(2)) }), Dialect::Postgres))
            })
            .unwrap()
        };
        let (a, _) = run();
        let (b, values) = run();
        assert!(!Arc::ptr_eq(&a, &b));
        assert_eq!((values.0).0, [sea_query::Value::BigInt(Some(2))]);
    }
}
