//! Conditions -> MongoDB query documents, with SQL's semantics: NULL (or a missing field) never
//! satisfies a comparison, and `NOT` keeps rows whose inner condition is false, not unknown.

use super::{field_key, value_to_bson};
use crate::query::{CmpOp, Cond};
use crate::schema::Table;
use bson::{doc, Bson, Document};

/// The query document for `cond` over `table` (`{}` for no condition).
///
/// ```
/// use orm_core::query::{CmpOp, Cond};
/// use orm_core::schema::{Column, ColumnType, Table};
/// use orm_core::Value;
/// let t = Table::new("users").column(Column::new("id", ColumnType::I64)).primary_key(["id"]);
/// let c = Cond::Compare { column: "id".into(), op: CmpOp::Gt, value: Value::I64(Some(5)) };
/// assert_eq!(orm_core::mongo::filter_document(&t, Some(&c)), bson::doc! { "_id": { "$gt": 5_i64 } });
/// ```
pub fn filter_document(table: &Table, cond: Option<&Cond>) -> Document {
    match cond {
        None => Document::new(),
        Some(c) => lower(table, c, false),
    }
}

const NOTHING: fn() -> Document = || doc! { "_id": { "$in": [] } };

fn lower(table: &Table, cond: &Cond, negated: bool) -> Document {
    match cond {
        Cond::Compare { column, op, value } => {
            let key = field_key(table, column);
            let v = value_to_bson(value);
            let op = if negated { complement(*op) } else { *op };
            match op {
                // `<>` also refuses NULL, as in SQL.
                CmpOp::Ne => doc! { key: { "$nin": [v, Bson::Null] } },
                CmpOp::Eq => doc! { key: { "$eq": v } },
                CmpOp::Gt => doc! { key: { "$gt": v } },
                CmpOp::Gte => doc! { key: { "$gte": v } },
                CmpOp::Lt => doc! { key: { "$lt": v } },
                CmpOp::Lte => doc! { key: { "$lte": v } },
            }
        }
        Cond::Between { column, low, high } => {
            let key = field_key(table, column);
            let (low, high) = (value_to_bson(low), value_to_bson(high));
            if negated {
                doc! { "$or": [ { key: { "$lt": low } }, { key: { "$gt": high } } ] }
            } else {
                doc! { key: { "$gte": low, "$lte": high } }
            }
        }
        Cond::In { column, values, negated: not_in } => {
            let key = field_key(table, column);
            let list: Vec<Bson> = values.iter().map(value_to_bson).collect();
            match (values.is_empty(), *not_in != negated) {
                // `x IN ()` is false for every row; its negation true for every row.
                (true, false) => NOTHING(),
                (true, true) => Document::new(),
                (false, false) => doc! { key: { "$in": list } },
                (false, true) => {
                    let mut list = list;
                    list.push(Bson::Null);
                    doc! { key: { "$nin": list } }
                }
            }
        }
        Cond::Like { column, pattern, negated: not_like } => {
            let key = field_key(table, column);
            let regex = doc! { "$regex": like_to_regex(pattern), "$options": "s" };
            if *not_like != negated {
                doc! { "$and": [ { key: { "$not": regex } }, { key: { "$type": "string" } } ] }
            } else {
                doc! { key: regex }
            }
        }
        Cond::Null { column, negated: not_null } => {
            let key = field_key(table, column);
            if *not_null != negated { doc! { key: { "$ne": Bson::Null } } } else { doc! { key: Bson::Null } }
        }
        Cond::And(list) | Cond::Or(list) => {
            let is_and = matches!(cond, Cond::And(_)) != negated;
            let parts: Vec<Document> = list.iter().map(|c| lower(table, c, negated)).collect();
            match (is_and, parts.len()) {
                (true, 0) => Document::new(),
                (false, 0) => NOTHING(),
                (_, 1) => parts.into_iter().next().expect("one part"),
                (true, _) => doc! { "$and": parts },
                (false, _) => doc! { "$or": parts },
            }
        }
        Cond::Not(inner) => lower(table, inner, !negated),
        // Resolved into `In` by the CRUD layer before lowering (see `resolve_related`); one left
        // here matches nothing rather than everything.
        Cond::Related { .. } => NOTHING(),
    }
}

fn complement(op: CmpOp) -> CmpOp {
    match op {
        CmpOp::Eq => CmpOp::Ne,
        CmpOp::Ne => CmpOp::Eq,
        CmpOp::Gt => CmpOp::Lte,
        CmpOp::Gte => CmpOp::Lt,
        CmpOp::Lt => CmpOp::Gte,
        CmpOp::Lte => CmpOp::Gt,
    }
}

/// An SQL `LIKE` pattern (`%`, `_`, `\` escapes) as an anchored regular expression matching exactly
/// the same strings.
///
/// ```
/// assert_eq!(orm_core::mongo::like_to_regex(r"a%b_c\%.*"), r"^a.*b.c%\.\*$");
/// ```
pub fn like_to_regex(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + 8);
    out.push('^');
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            '%' => out.push_str(".*"),
            '_' => out.push('.'),
            '\\' => match chars.next() {
                Some(lit) => push_literal(&mut out, lit),
                None => push_literal(&mut out, '\\'),
            },
            other => push_literal(&mut out, other),
        }
    }
    out.push('$');
    out
}

fn push_literal(out: &mut String, c: char) {
    if "\\.+*?()|[]{}^$#&-~".contains(c) {
        out.push('\\');
    }
    out.push(c);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Column, ColumnType};
    use crate::Value;

    fn table() -> Table {
        Table::new("users")
            .column(Column::new("id", ColumnType::I64))
            .column(Column::new("age", ColumnType::I32).nullable())
            .primary_key(["id"])
    }

    fn age(op: CmpOp, v: i32) -> Cond {
        Cond::Compare { column: "age".into(), op, value: Value::I32(Some(v)) }
    }

    #[test]
    fn negation_keeps_sql_null_semantics() {
        let t = table();
        let not_gt = Cond::Not(Box::new(age(CmpOp::Gt, 15)));
        assert_eq!(filter_document(&t, Some(&not_gt)), doc! { "age": { "$lte": 15 } });
        let ne = age(CmpOp::Ne, 3);
        assert_eq!(filter_document(&t, Some(&ne)), doc! { "age": { "$nin": [3, Bson::Null] } });
        let not_and = Cond::Not(Box::new(Cond::And(vec![age(CmpOp::Eq, 1), age(CmpOp::Lt, 9)])));
        assert_eq!(
            filter_document(&t, Some(&not_and)),
            doc! { "$or": [ { "age": { "$nin": [1, Bson::Null] } }, { "age": { "$gte": 9 } } ] }
        );
        let not_null = Cond::Not(Box::new(Cond::Null { column: "age".into(), negated: false }));
        assert_eq!(filter_document(&t, Some(&not_null)), doc! { "age": { "$ne": Bson::Null } });
    }

    #[test]
    fn lists_and_empty_groups() {
        let t = table();
        let empty_in = Cond::In { column: "id".into(), values: vec![], negated: false };
        assert_eq!(filter_document(&t, Some(&empty_in)), NOTHING());
        let not_in = Cond::In { column: "age".into(), values: vec![Value::I32(Some(1))], negated: true };
        assert_eq!(filter_document(&t, Some(&not_in)), doc! { "age": { "$nin": [1, Bson::Null] } });
        assert_eq!(filter_document(&t, Some(&Cond::Or(vec![]))), NOTHING());
        assert_eq!(filter_document(&t, Some(&Cond::And(vec![]))), Document::new());
    }

    #[test]
    fn like_patterns() {
        assert_eq!(like_to_regex("u%"), "^u.*$");
        assert_eq!(like_to_regex("u_@x.com"), r"^u.@x\.com$");
        assert_eq!(like_to_regex(r"100\%\_%"), "^100%_.*$");
        assert_eq!(like_to_regex("(a|b)"), r"^\(a\|b\)$");
    }
}
