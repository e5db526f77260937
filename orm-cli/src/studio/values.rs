//! Values between the database and the studio's page: JSON out, typed values in (the page sends
//! text from its inputs and the key cursors it was given), and its filters as the toolkit's filter
//! IR: never SQL text.

use orm_core::query::{escape_like, CmpOp, Cond};
use orm_core::schema::{ColumnType, Table};
use orm_core::Value;
use serde_json::{json, Value as Json};

/// The largest integer a JavaScript number holds exactly; larger ones travel as strings.
const SAFE_INTEGER: i64 = (1 << 53) - 1;

fn integer(n: i64) -> Json {
    if n.abs() <= SAFE_INTEGER { json!(n) } else { json!(n.to_string()) }
}

/// A value as the page shows it: numbers and booleans as themselves, an integer beyond 2^53 and a
/// decimal as text (no precision lost), times as RFC 3339, bytes as `\x` and hex, JSON as itself
/// (the page folds nested documents), NULL as `null`.
pub fn to_json(value: &Value) -> Json {
    match value {
        Value::Bool(v) => json!(v),
        Value::I16(v) => json!(v),
        Value::I32(v) => json!(v),
        Value::I64(v) => v.map_or(Json::Null, integer),
        Value::F32(v) => v.map_or(Json::Null, |f| json!(f)),
        Value::F64(v) => v.map_or(Json::Null, |f| json!(f)),
        Value::String(v) | Value::ObjectId(v) => json!(v),
        Value::Bytes(v) => v.as_ref().map_or(Json::Null, |b| json!(format!("\\x{}", b.iter().map(|x| format!("{x:02x}")).collect::<String>()))),
        Value::Date(v) => json!(v.map(|d| d.to_string())),
        Value::Time(v) => json!(v.map(|t| t.to_string())),
        Value::DateTime(v) => json!(v.map(|t| t.format("%Y-%m-%dT%H:%M:%S%.f").to_string())),
        Value::Timestamp(v) => json!(v.map(|t| t.to_rfc3339())),
        Value::Uuid(v) => json!(v.map(|u| u.to_string())),
        Value::Decimal(v) => json!(v.map(|d| d.to_string())),
        Value::Json(v) => v.clone().unwrap_or(Json::Null),
        _ => json!(format!("{value:?}")),
    }
}

/// `text` as a value of `ty`, or why it is not one.
pub fn from_text(ty: ColumnType, text: &str) -> Result<Value, String> {
    let bad = |e: &dyn std::fmt::Display| format!("`{text}` is not a {ty}: {e}");
    let t = text.trim();
    Ok(match ty {
        ColumnType::Bool => Value::Bool(Some(match t.to_ascii_lowercase().as_str() {
            "true" | "t" | "1" | "yes" => true,
            "false" | "f" | "0" | "no" => false,
            _ => return Err(bad(&"say true or false")),
        })),
        ColumnType::I16 => Value::I16(Some(t.parse().map_err(|e| bad(&e))?)),
        ColumnType::I32 => Value::I32(Some(t.parse().map_err(|e| bad(&e))?)),
        ColumnType::I64 => Value::I64(Some(t.parse().map_err(|e| bad(&e))?)),
        ColumnType::F32 => Value::F32(Some(t.parse().map_err(|e| bad(&e))?)),
        ColumnType::F64 => Value::F64(Some(t.parse().map_err(|e| bad(&e))?)),
        ColumnType::Decimal { .. } => Value::Decimal(Some(t.parse().map_err(|e| bad(&e))?)),
        ColumnType::Date => Value::Date(Some(t.parse().map_err(|e| bad(&e))?)),
        ColumnType::Time => Value::Time(Some(t.parse().map_err(|e| bad(&e))?)),
        ColumnType::DateTime => Value::DateTime(Some(
            chrono::NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S%.f")
                .or_else(|_| chrono::NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S%.f"))
                .map_err(|e| bad(&e))?,
        )),
        ColumnType::Timestamp => Value::Timestamp(Some(
            chrono::DateTime::parse_from_rfc3339(t).map(|d| d.with_timezone(&chrono::Utc)).map_err(|e| bad(&e))?,
        )),
        ColumnType::Uuid => Value::Uuid(Some(t.parse().map_err(|e| bad(&e))?)),
        ColumnType::Json => Value::Json(Some(serde_json::from_str(t).map_err(|e| bad(&e))?)),
        ColumnType::ObjectId => {
            if t.len() != 24 || !t.chars().all(|c| c.is_ascii_hexdigit()) {
                return Err(bad(&"24 hexadecimal digits expected"));
            }
            Value::ObjectId(Some(t.to_ascii_lowercase()))
        }
        ColumnType::Bytes => {
            let hex = t.strip_prefix("\\x").unwrap_or(t);
            let digits: Vec<u8> = hex.bytes().collect();
            if !digits.len().is_multiple_of(2) {
                return Err(bad(&"hexadecimal bytes expected"));
            }
            let bytes = digits
                .chunks(2)
                .map(|p| std::str::from_utf8(p).ok().and_then(|s| u8::from_str_radix(s, 16).ok()))
                .collect::<Option<Vec<u8>>>()
                .ok_or_else(|| bad(&"hexadecimal bytes expected"))?;
            Value::Bytes(Some(bytes))
        }
        _ => Value::String(Some(text.to_string())),
    })
}

/// A value the page sent back as JSON (a key cursor: what [`to_json`] gave it), as `ty`.
pub fn from_json(ty: ColumnType, json: &Json) -> Result<Value, String> {
    match json {
        Json::Null => Ok(Value::null(ty)),
        Json::String(s) => from_text(ty, s),
        Json::Bool(b) => from_text(ty, &b.to_string()),
        Json::Number(n) => from_text(ty, &n.to_string()),
        other if ty == ColumnType::Json => Ok(Value::Json(Some(other.clone()))),
        other => Err(format!("`{other}` is not a {ty}")),
    }
}

/// A row's primary key as the page sends it back (the JSON values [`to_json`] gave it), typed by
/// the key's columns.
pub fn key_from_json(table: &Table, key: &[Json]) -> Result<Vec<Value>, String> {
    if key.len() != table.primary_key.len() {
        return Err(format!("`{}` rows are addressed by their key ({})", table.name, table.primary_key.join(", ")));
    }
    table
        .primary_key
        .iter()
        .zip(key)
        .map(|(k, v)| {
            let ty = table.column_named(k).map(|c| c.ty).ok_or_else(|| format!("no key column `{k}`"))?;
            from_json(ty, v).map_err(|e| format!("{k}: {e}"))
        })
        .collect()
}

/// One condition of the page's filter bar: `column op value`.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub struct Condition {
    /// The column.
    pub column: String,
    /// `eq`, `ne`, `gt`, `gte`, `lt`, `lte`, `contains`, `starts_with`, `is_null`, `not_null`.
    pub op: String,
    /// The value as typed (unused by the NULL tests).
    #[serde(default)]
    pub value: Option<String>,
}

/// The page's filter bar as the toolkit's filter IR: every condition must hold. A column the
/// table lacks, an unknown operator or a value its column cannot hold is an error naming it.
pub fn filter(table: &Table, conditions: &[Condition]) -> Result<Option<Cond>, String> {
    let mut all = Vec::new();
    for c in conditions {
        let column = table.column_named(&c.column).ok_or_else(|| format!("`{}` has no column `{}`", table.name, c.column))?;
        let value = || from_text(column.ty, c.value.as_deref().unwrap_or_default()).map_err(|e| format!("{}: {e}", c.column));
        let text = matches!(column.ty, ColumnType::String { .. } | ColumnType::Text);
        let name = c.column.clone();
        all.push(match c.op.as_str() {
            "is_null" | "not_null" => Cond::Null { column: name, negated: c.op == "not_null" },
            "contains" | "starts_with" if !text => return Err(format!("{} applies to text columns; `{}` is a {}", c.op, c.column, column.ty)),
            "contains" | "starts_with" => {
                let literal = escape_like(c.value.as_deref().unwrap_or_default());
                let pattern = if c.op == "contains" { format!("%{literal}%") } else { format!("{literal}%") };
                Cond::Like { column: name, pattern, negated: false }
            }
            op => {
                let op = match op {
                    "eq" => CmpOp::Eq,
                    "ne" => CmpOp::Ne,
                    "gt" => CmpOp::Gt,
                    "gte" => CmpOp::Gte,
                    "lt" => CmpOp::Lt,
                    "lte" => CmpOp::Lte,
                    other => return Err(format!("unknown filter operator `{other}`")),
                };
                Cond::Compare { column: name, op, value: value()? }
            }
        });
    }
    Ok(match all.len() {
        0 => None,
        1 => all.pop(),
        _ => Some(Cond::And(all)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use orm_core::schema::Column;

    fn table() -> Table {
        Table::new("users")
            .column(Column::new("id", ColumnType::I64))
            .column(Column::new("name", ColumnType::Text))
            .column(Column::new("balance", ColumnType::Decimal { precision: Some(10), scale: Some(2) }))
            .primary_key(["id"])
    }

    #[test]
    fn values_round_trip_through_the_page() {
        let cases = [
            (ColumnType::I64, Value::I64(Some(i64::MAX))),
            (ColumnType::I64, Value::I64(Some(42))),
            (ColumnType::Decimal { precision: None, scale: None }, Value::Decimal(Some("12.50".parse().unwrap()))),
            (ColumnType::Bytes, Value::Bytes(Some(vec![0, 255, 16]))),
            (ColumnType::Bool, Value::Bool(Some(true))),
            (ColumnType::Text, Value::String(None)),
            (ColumnType::Uuid, Value::Uuid(Some(uuid::Uuid::nil()))),
        ];
        for (ty, v) in cases {
            assert_eq!(from_json(ty, &to_json(&v)).unwrap(), v);
        }
        assert_eq!(to_json(&Value::I64(Some(i64::MAX))), json!("9223372036854775807"), "beyond 2^53 as text");
        let ts = Value::Timestamp(Some(chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap()));
        assert_eq!(from_json(ColumnType::Timestamp, &to_json(&ts)).unwrap(), ts);
    }

    #[test]
    fn filters_become_the_filter_ir_with_typed_values() {
        let c = |column: &str, op: &str, value: Option<&str>| Condition { column: column.into(), op: op.into(), value: value.map(Into::into) };
        let f = filter(&table(), &[c("balance", "gte", Some("10.5")), c("name", "contains", Some("50%_off"))]).unwrap().unwrap();
        assert_eq!(
            f,
            Cond::And(vec![
                Cond::Compare { column: "balance".into(), op: CmpOp::Gte, value: Value::Decimal(Some("10.5".parse().unwrap())) },
                Cond::Like { column: "name".into(), pattern: "%50\\%\\_off%".into(), negated: false },
            ])
        );
        assert!(filter(&table(), &[c("name'; DROP TABLE users; --", "eq", Some("x"))]).unwrap_err().contains("has no column `name'; DROP TABLE users; --`"));
        assert!(filter(&table(), &[c("id", "eq", Some("abc"))]).unwrap_err().contains("id: `abc` is not a i64"));
        assert!(filter(&table(), &[c("id", "contains", Some("1"))]).unwrap_err().contains("applies to text columns"));
        assert!(filter(&table(), &[c("id", "matches", Some("1"))]).unwrap_err().contains("unknown filter operator `matches`"));
        assert_eq!(filter(&table(), &[]).unwrap(), None);
    }
}
