//! PostgreSQL bulk insert through `UNNEST`: one bound array per column instead of one bound value
//! per cell, so 10,000 rows cost three parameters, not 30,000.
//!
//! `INSERT INTO "t" ("a", "b") SELECT * FROM UNNEST($1, $2)`: each array carries its element type
//! (`int8[]`, `text[]`, ...), and PostgreSQL applies the same assignment casts to the columns as
//! for a multi-row `VALUES` list.

use super::quote_ident;
use super::Dialect;
use crate::value::Value;
use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use rust_decimal::Decimal;
use sqlx::postgres::PgArguments;
use sqlx::Arguments;
use uuid::Uuid;

/// The values of one column, as the array bound for it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum PgArray {
    Bool(Vec<Option<bool>>),
    I16(Vec<Option<i16>>),
    I32(Vec<Option<i32>>),
    I64(Vec<Option<i64>>),
    F32(Vec<Option<f32>>),
    F64(Vec<Option<f64>>),
    /// Strings and ObjectId hex strings, as on the row-by-row path.
    Text(Vec<Option<String>>),
    Bytes(Vec<Option<Vec<u8>>>),
    Date(Vec<Option<NaiveDate>>),
    Time(Vec<Option<NaiveTime>>),
    DateTime(Vec<Option<NaiveDateTime>>),
    Timestamp(Vec<Option<DateTime<Utc>>>),
    Uuid(Vec<Option<Uuid>>),
    Decimal(Vec<Option<Decimal>>),
    Json(Vec<Option<serde_json::Value>>),
}

impl PgArray {
    /// An empty array of `value`'s kind.
    fn for_value(value: &Value, capacity: usize) -> PgArray {
        match value {
            Value::Bool(_) => PgArray::Bool(Vec::with_capacity(capacity)),
            Value::I16(_) => PgArray::I16(Vec::with_capacity(capacity)),
            Value::I32(_) => PgArray::I32(Vec::with_capacity(capacity)),
            Value::I64(_) => PgArray::I64(Vec::with_capacity(capacity)),
            Value::F32(_) => PgArray::F32(Vec::with_capacity(capacity)),
            Value::F64(_) => PgArray::F64(Vec::with_capacity(capacity)),
            Value::String(_) | Value::ObjectId(_) => PgArray::Text(Vec::with_capacity(capacity)),
            Value::Bytes(_) => PgArray::Bytes(Vec::with_capacity(capacity)),
            Value::Date(_) => PgArray::Date(Vec::with_capacity(capacity)),
            Value::Time(_) => PgArray::Time(Vec::with_capacity(capacity)),
            Value::DateTime(_) => PgArray::DateTime(Vec::with_capacity(capacity)),
            Value::Timestamp(_) => PgArray::Timestamp(Vec::with_capacity(capacity)),
            Value::Uuid(_) => PgArray::Uuid(Vec::with_capacity(capacity)),
            Value::Decimal(_) => PgArray::Decimal(Vec::with_capacity(capacity)),
            Value::Json(_) => PgArray::Json(Vec::with_capacity(capacity)),
        }
    }

    /// Appends `value`; gives it back when it is of another kind than the array.
    fn push(&mut self, value: Value) -> Result<(), Value> {
        match (self, value) {
            (PgArray::Bool(a), Value::Bool(v)) => a.push(v),
            (PgArray::I16(a), Value::I16(v)) => a.push(v),
            (PgArray::I32(a), Value::I32(v)) => a.push(v),
            (PgArray::I64(a), Value::I64(v)) => a.push(v),
            (PgArray::F32(a), Value::F32(v)) => a.push(v),
            (PgArray::F64(a), Value::F64(v)) => a.push(v),
            (PgArray::Text(a), Value::String(v) | Value::ObjectId(v)) => a.push(v),
            (PgArray::Bytes(a), Value::Bytes(v)) => a.push(v),
            (PgArray::Date(a), Value::Date(v)) => a.push(v),
            (PgArray::Time(a), Value::Time(v)) => a.push(v),
            (PgArray::DateTime(a), Value::DateTime(v)) => a.push(v),
            (PgArray::Timestamp(a), Value::Timestamp(v)) => a.push(v),
            (PgArray::Uuid(a), Value::Uuid(v)) => a.push(v),
            (PgArray::Decimal(a), Value::Decimal(v)) => a.push(v),
            (PgArray::Json(a), Value::Json(v)) => a.push(v),
            (_, other) => return Err(other),
        }
        Ok(())
    }

    fn add_to(self, args: &mut PgArguments) -> Result<(), sqlx::error::BoxDynError> {
        match self {
            PgArray::Bool(a) => args.add(a),
            PgArray::I16(a) => args.add(a),
            PgArray::I32(a) => args.add(a),
            PgArray::I64(a) => args.add(a),
            PgArray::F32(a) => args.add(a),
            PgArray::F64(a) => args.add(a),
            PgArray::Text(a) => args.add(a),
            PgArray::Bytes(a) => args.add(a),
            PgArray::Date(a) => args.add(a),
            PgArray::Time(a) => args.add(a),
            PgArray::DateTime(a) => args.add(a),
            PgArray::Timestamp(a) => args.add(a),
            PgArray::Uuid(a) => args.add(a),
            PgArray::Decimal(a) => args.add(a),
            PgArray::Json(a) => args.add(a),
        }
    }
}

/// One `INSERT ... SELECT * FROM UNNEST(...)` and its column arrays.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct UnnestInsert {
    pub(crate) sql: String,
    columns: Vec<PgArray>,
}

impl UnnestInsert {
    /// The statement inserting `rows` (each in `columns` order) into `table`; the rows back when a
    /// column holds values of different kinds, which only the row-by-row `VALUES` list can bind.
    pub(crate) fn new(table: &str, columns: &[&str], rows: Vec<Vec<Value>>) -> Result<Self, Vec<Vec<Value>>> {
        let kind = |v: &Value| std::mem::discriminant(&PgArray::for_value(v, 0));
        let first: Vec<_> = rows.first().map(|r| r.iter().map(kind).collect()).unwrap_or_default();
        if first.len() != columns.len() || rows.iter().any(|r| r.len() != first.len() || r.iter().map(kind).ne(first.iter().copied())) {
            return Err(rows);
        }
        let count = rows.len();
        let mut arrays: Vec<PgArray> = rows[0].iter().map(|v| PgArray::for_value(v, count)).collect();
        for row in rows {
            for (array, value) in arrays.iter_mut().zip(row) {
                array.push(value).map_err(|_| ()).expect("kinds checked above");
            }
        }
        let names: Vec<String> = columns.iter().map(|c| quote_ident(c, Dialect::Postgres)).collect();
        let params: Vec<String> = (1..=columns.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "INSERT INTO {} ({}) SELECT * FROM UNNEST({})",
            quote_ident(table, Dialect::Postgres),
            names.join(", "),
            params.join(", ")
        );
        Ok(UnnestInsert { sql, columns: arrays })
    }

    /// The SQL text and the bound arrays, one per column.
    pub(crate) fn into_parts(self) -> (String, Result<PgArguments, sqlx::error::BoxDynError>) {
        let mut args = PgArguments::default();
        let encoded = self.columns.into_iter().try_for_each(|array| array.add_to(&mut args));
        (self.sql, encoded.map(|()| args))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_array_per_column_with_nulls_kept() {
        let rows = vec![
            vec![Value::I64(Some(1)), Value::String(Some("a".into())), Value::F64(None)],
            vec![Value::I64(Some(2)), Value::String(None), Value::F64(Some(0.5))],
        ];
        let insert = UnnestInsert::new("items", &["n", "label", "weight"], rows).unwrap();
        assert_eq!(insert.sql, r#"INSERT INTO "items" ("n", "label", "weight") SELECT * FROM UNNEST($1, $2, $3)"#);
        assert_eq!(
            insert.columns,
            [
                PgArray::I64(vec![Some(1), Some(2)]),
                PgArray::Text(vec![Some("a".into()), None]),
                PgArray::F64(vec![None, Some(0.5)]),
            ]
        );
    }

    #[test]
    fn identifiers_are_quoted() {
        let insert = UnnestInsert::new(r#"we"ird"#, &[r#"a"b"#], vec![vec![Value::Bool(Some(true))]]).unwrap();
        assert_eq!(insert.sql, r#"INSERT INTO "we""ird" ("a""b") SELECT * FROM UNNEST($1)"#);
    }

    #[test]
    fn a_column_mixing_kinds_is_left_to_the_values_list() {
        let rows = vec![vec![Value::I64(Some(1))], vec![Value::I32(Some(2))]];
        // The rows come back whole, for the VALUES list.
        assert_eq!(UnnestInsert::new("t", &["n"], rows.clone()).unwrap_err(), rows);
    }
}
