//! Lifecycle hooks and validation, run around inserts, updates and deletes.

pub use crate::error::FieldError;
use crate::error::Result;
use crate::schema::{Check, Table};
use crate::value::Value;
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

/// Code a model runs around its writes. Every method does nothing by default; a model marked
/// `#[orm(hooks)]` implements this trait itself (and must be `Clone`: hooks work on a copy of the
/// value passed in). A model that implements `Hooks` without `#[orm(hooks)]` fails to compile
/// with a message naming the attribute, rather than keeping hooks that never run.
///
/// Hooks run for the single-row operations (`insert`, `insert_many` per row, `update`, `upsert`,
/// `delete`), not for `update_many` and `delete_many`, which never load the rows.
///
/// ```
/// use orm_core::{Hooks, Model};
///
/// #[derive(Model, Debug, Clone)]
/// #[orm(hooks)]
/// struct Slug {
///     #[orm(primary_key, auto_increment)]
///     id: i64,
///     text: String,
/// }
///
/// impl Hooks for Slug {
///     fn before_insert(&mut self) -> orm_core::Result<()> {
///         self.text = self.text.trim().to_lowercase().replace(' ', "-");
///         Ok(())
///     }
/// }
/// ```
pub trait Hooks {
    /// Before an insert (or the insert side of an upsert); may change the row.
    fn before_insert(&mut self) -> Result<()> {
        Ok(())
    }
    /// After an insert, with the row as stored.
    fn after_insert(&self) -> Result<()> {
        Ok(())
    }
    /// Before an update; may change the row.
    fn before_update(&mut self) -> Result<()> {
        Ok(())
    }
    /// Before a delete; an error stops it.
    fn before_delete(&self) -> Result<()> {
        Ok(())
    }
}

fn regex(pattern: &str) -> std::result::Result<regex_lite::Regex, String> {
    static CACHE: OnceLock<Mutex<HashMap<String, regex_lite::Regex>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let mut cache = cache.lock().map_err(|_| "regex cache poisoned".to_string())?;
    if let Some(r) = cache.get(pattern) {
        return Ok(r.clone());
    }
    let r = regex_lite::Regex::new(pattern).map_err(|e| e.to_string())?;
    cache.insert(pattern.to_string(), r.clone());
    Ok(r)
}

/// A plain `local@domain.tld` shape: no spaces, one `@`, a dot in the domain.
pub(crate) const EMAIL_PATTERN: &str = r"^[^@\s]+@[^@\s]+\.[^@\s]+$";

fn number(v: &Value) -> Option<f64> {
    Some(match v {
        Value::I16(Some(n)) => f64::from(*n),
        Value::I32(Some(n)) => f64::from(*n),
        Value::I64(Some(n)) => *n as f64,
        Value::F32(Some(n)) => f64::from(*n),
        Value::F64(Some(n)) => *n,
        _ => return None,
    })
}

/// Checks `values` (in `table`'s column order) against the columns' rules; NULLs pass.
pub(crate) fn check_values(table: &Table, values: &[Value]) -> Vec<FieldError> {
    let mut out = Vec::new();
    for (column, value) in table.columns.iter().zip(values) {
        check_value(column, value, &mut out);
    }
    out
}

/// Checks the values an `update_many` sets (column name, value) against their columns' rules.
pub(crate) fn check_sets<'a>(table: &Table, sets: impl IntoIterator<Item = (&'a str, &'a Value)>) -> Vec<FieldError> {
    let mut out = Vec::new();
    for (name, value) in sets {
        if let Some(column) = table.column_named(name) {
            check_value(column, value, &mut out);
        }
    }
    out
}

/// Checks one value against `column`'s rules, adding what fails to `out`.
fn check_value(column: &crate::schema::Column, value: &Value, out: &mut Vec<FieldError>) {
    for check in &column.checks {
        let text = match value {
            Value::String(Some(s)) => Some(s.as_str()),
            _ => None,
        };
        let fail = |rule: &'static str, message: String| FieldError { field: column.name.clone(), rule, message };
        match (check, text, number(value)) {
            (Check::MinLength(n), Some(s), _) if (s.chars().count() as u32) < *n => {
                out.push(fail("length", format!("is shorter than {n} characters")));
            }
            (Check::MaxLength(n), Some(s), _) if (s.chars().count() as u32) > *n => {
                out.push(fail("length", format!("is longer than {n} characters")));
            }
            (Check::Min(min), _, Some(v)) if v < *min => out.push(fail("range", format!("{v} is less than {min}"))),
            (Check::Max(max), _, Some(v)) if v > *max => out.push(fail("range", format!("{v} is more than {max}"))),
            (Check::Email, Some(s), _) if !regex(EMAIL_PATTERN).is_ok_and(|r| r.is_match(s)) => {
                out.push(fail("email", format!("`{s}` is not an email address")));
            }
            (Check::Pattern(p), Some(s), _) => match regex(p) {
                Ok(r) if !r.is_match(s) => out.push(fail("regex", format!("does not match `{p}`"))),
                Ok(_) => {}
                Err(e) => out.push(fail("regex", format!("the pattern `{p}` is invalid: {e}"))),
            },
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Column, ColumnType};

    #[test]
    fn rules() {
        let mut name = Column::new("name", ColumnType::String { length: None });
        name.checks = vec![Check::MinLength(2), Check::MaxLength(4), Check::Pattern("^[a-z]+$".into())];
        let mut age = Column::new("age", ColumnType::I32).nullable();
        age.checks = vec![Check::Min(0.0), Check::Max(150.0)];
        let mut email = Column::new("email", ColumnType::String { length: None });
        email.checks = vec![Check::Email];
        let t = Table::new("t").column(name).column(age).column(email);
        let ok = [Value::String(Some("abc".into())), Value::I32(None), Value::String(Some("a@b.co".into()))];
        assert!(check_values(&t, &ok).is_empty());
        let bad = [Value::String(Some("ABCDE".into())), Value::I32(Some(-1)), Value::String(Some("not an email".into()))];
        let rules: Vec<&str> = check_values(&t, &bad).iter().map(|e| e.rule).collect();
        assert_eq!(rules, ["length", "regex", "range", "email"]);
    }
}
