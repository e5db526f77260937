//! `SET column = ...` lists -> MongoDB update documents.

use super::{field_key, value_to_bson};
use crate::query::{ArithOp, SetExpr};
use crate::schema::{ColumnType, Table};
use bson::{doc, Bson, Document};

/// An update: modifiers (`{$set: ...}`) or an aggregation pipeline.
#[derive(Debug, Clone, PartialEq)]
pub enum MongoUpdate {
    /// An update document of operators.
    Modifiers(Document),
    /// An update pipeline (MongoDB 4.2+).
    Pipeline(Vec<Document>),
}

impl From<MongoUpdate> for mongodb::options::UpdateModifications {
    fn from(u: MongoUpdate) -> Self {
        match u {
            MongoUpdate::Modifiers(d) => mongodb::options::UpdateModifications::Document(d),
            MongoUpdate::Pipeline(p) => mongodb::options::UpdateModifications::Pipeline(p),
        }
    }
}

/// The update for `sets`: a plain `{$set: {...}}` when every right-hand side is a value, else an
/// aggregation pipeline (`[{$set: {...}}]`) whose expressions compute from the row's own fields,
/// with values wrapped in `$literal` so a string such as `"$x"` stays data.
///
/// ```
/// use orm_core::query::{ArithOp, SetExpr};
/// use orm_core::schema::{Column, ColumnType, Table};
/// use orm_core::Value;
/// let t = Table::new("t").column(Column::new("id", ColumnType::I64)).column(Column::new("n", ColumnType::I32)).primary_key(["id"]);
/// let plus_one = SetExpr::Binary(Box::new(SetExpr::Column("n".into())), ArithOp::Add, Box::new(SetExpr::Value(Value::I32(Some(1)))));
/// let update = orm_core::mongo::update_document(&t, &[("n".into(), plus_one)]);
/// assert_eq!(update, orm_core::mongo::MongoUpdate::Pipeline(vec![bson::doc! { "$set": { "n": { "$add": ["$n", { "$literal": 1 }] } } }]));
/// ```
pub fn update_document(table: &Table, sets: &[(String, SetExpr)]) -> MongoUpdate {
    if sets.iter().all(|(_, e)| matches!(e, SetExpr::Value(_))) {
        let mut set = Document::new();
        for (column, expr) in sets {
            if let SetExpr::Value(v) = expr {
                set.insert(field_key(table, column), value_to_bson(v));
            }
        }
        return MongoUpdate::Modifiers(doc! { "$set": set });
    }
    let mut set = Document::new();
    for (column, expr) in sets {
        let ty = table.column_named(column).map(|c| c.ty);
        set.insert(field_key(table, column), expression(table, expr, ty));
    }
    MongoUpdate::Pipeline(vec![doc! { "$set": set }])
}

fn expression(table: &Table, e: &SetExpr, target: Option<ColumnType>) -> Bson {
    match e {
        SetExpr::Value(v) => Bson::Document(doc! { "$literal": value_to_bson(v) }),
        SetExpr::Column(c) => Bson::String(format!("${}", field_key(table, c))),
        SetExpr::Binary(l, op, r) => {
            let (l, r) = (expression(table, l, target), expression(table, r, target));
            match op {
                ArithOp::Add => Bson::Document(doc! { "$add": [l, r] }),
                ArithOp::Sub => Bson::Document(doc! { "$subtract": [l, r] }),
                ArithOp::Mul => Bson::Document(doc! { "$multiply": [l, r] }),
                ArithOp::Div => {
                    let quotient = doc! { "$divide": [l, r] };
                    // SQL divides integers by truncating; `$divide` always gives a double.
                    match target {
                        Some(ColumnType::I16 | ColumnType::I32) => Bson::Document(doc! { "$toInt": { "$trunc": quotient } }),
                        Some(ColumnType::I64) => Bson::Document(doc! { "$toLong": { "$trunc": quotient } }),
                        _ => Bson::Document(quotient),
                    }
                }
            }
        }
    }
}
