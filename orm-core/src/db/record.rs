//! Writing rows of tables known only at run time (`orm studio --write`): one row at a time, by
//! key, through the same checks as a model's writes: the columns' validation rules, the
//! conventional `created_at` / `updated_at` stamps, and the database's own constraints (foreign
//! keys with their actions, unique, NOT NULL), reported as the toolkit's typed errors.

use super::Database;
use crate::error::{Error, Result};
use crate::lifecycle::check_sets;
use crate::query::{CmpOp, Cond};
use crate::schema::{ColumnType, Schema, Table};
use crate::value::Value;

/// The label errors of these writes carry where a model's name would stand.
const RECORD: &str = "record";

fn invalid(message: String) -> Error {
    Error::InvalidQuery { model: RECORD, message }
}

/// Refuses columns `table` lacks and values of another type than their column's.
fn checked(table: &Table, values: &[(String, Value)]) -> Result<()> {
    for (name, value) in values {
        let column = table.column_named(name).ok_or_else(|| invalid(format!("table `{}` has no column `{name}`", table.name)))?;
        if value.type_name() != Value::null(column.ty).type_name() {
            return Err(invalid(format!("`{}.{name}` holds {}, not {}", table.name, column.ty, value.type_name())));
        }
    }
    let errors = check_sets(table, values.iter().map(|(c, v)| (c.as_str(), v)));
    if errors.is_empty() { Ok(()) } else { Err(Error::Validation { model: RECORD, errors }) }
}

/// `key` as the condition selecting its row.
fn by_key(table: &Table, key: Vec<Value>) -> Result<Cond> {
    if table.primary_key.is_empty() || key.len() != table.primary_key.len() {
        return Err(invalid(format!("`{}` needs its primary key ({}) to address a row", table.name, table.primary_key.join(", "))));
    }
    let all: Vec<Cond> = table.primary_key.iter().zip(key).map(|(c, v)| Cond::Compare { column: c.clone(), op: CmpOp::Eq, value: v }).collect();
    Ok(Cond::And(all))
}

/// The current time as a value of `column`'s type, when `table` has such a timestamp column.
fn stamp(table: &Table, column: &str) -> Option<(String, Value)> {
    let now = chrono::Utc::now();
    let value = match table.column_named(column)?.ty {
        ColumnType::Timestamp => Value::Timestamp(Some(now)),
        ColumnType::DateTime => Value::DateTime(Some(now.naive_utc())),
        _ => return None,
    };
    Some((column.to_string(), value))
}

impl Database {
    /// Inserts one row into `table` (from [`introspect`](Database::introspect)): the columns given,
    /// the others left to their defaults (an auto-increment key to the database, or to the
    /// toolkit's counter on MongoDB). `created_at` and `updated_at` timestamp columns not given are
    /// set to now. The columns' validation rules run first ([`Error::Validation`]).
    ///
    /// ```no_run
    /// # async fn demo(db: &orm_core::Database) -> orm_core::Result<()> {
    /// use orm_core::Value;
    /// let schema = db.introspect().await?;
    /// db.insert_record(&schema.tables["tags"], vec![("label".into(), Value::String(Some("rust".into())))]).await?;
    /// # Ok(()) }
    /// ```
    pub async fn insert_record(&self, table: &Table, mut values: Vec<(String, Value)>) -> Result<()> {
        for column in ["created_at", "updated_at"] {
            if !values.iter().any(|(c, _)| c == column) {
                values.extend(stamp(table, column));
            }
        }
        checked(table, &values)?;
        self.driver.insert_record(table, values).await
    }

    /// Sets `values` on the row of `table` whose primary key is `key` (`updated_at` to now when
    /// the table has it and it is not given); [`Error::NotFound`] when there is no such row.
    ///
    /// ```no_run
    /// # async fn demo(db: &orm_core::Database) -> orm_core::Result<()> {
    /// use orm_core::Value;
    /// let schema = db.introspect().await?;
    /// let key = vec![Value::I64(Some(7))];
    /// db.update_record(&schema.tables["users"], key, vec![("age".into(), Value::I32(Some(42)))]).await?;
    /// # Ok(()) }
    /// ```
    pub async fn update_record(&self, table: &Table, key: Vec<Value>, mut values: Vec<(String, Value)>) -> Result<()> {
        if values.iter().any(|(c, _)| table.is_primary_key(c)) {
            return Err(invalid(format!("the key of `{}` is not changed by an update; insert a new row instead", table.name)));
        }
        if !values.iter().any(|(c, _)| c == "updated_at") {
            values.extend(stamp(table, "updated_at"));
        }
        checked(table, &values)?;
        let cond = by_key(table, key)?;
        if values.is_empty() {
            return Ok(());
        }
        match self.driver.update_record(table, &cond, values).await? {
            0 => Err(Error::NotFound { model: RECORD, operation: "update" }),
            _ => Ok(()),
        }
    }

    /// Deletes the row of `schema`'s table `table` whose primary key is `key`. The foreign keys
    /// pointing at it act as declared: the database applies them on SQL; on MongoDB, which has
    /// none, the toolkit applies those `schema` holds (`cascade` in turn, `set_null`,
    /// `set_default`, `restrict` / `no_action` as [`Error::ForeignKeyViolation`]), as a model's
    /// delete does. [`Error::NotFound`] when there is no such row.
    ///
    /// ```no_run
    /// # async fn demo(db: &orm_core::Database) -> orm_core::Result<()> {
    /// use orm_core::Value;
    /// let schema = db.introspect().await?;
    /// db.delete_record(&schema, "users", vec![Value::I64(Some(7))]).await?;
    /// # Ok(()) }
    /// ```
    pub async fn delete_record(&self, schema: &Schema, table: &str, key: Vec<Value>) -> Result<()> {
        let table = schema.tables.get(table).ok_or_else(|| invalid(format!("no table `{table}` in the schema")))?;
        let cond = by_key(table, key)?;
        match self.driver.delete_record(schema, table, &cond).await? {
            0 => Err(Error::NotFound { model: RECORD, operation: "delete" }),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Check, Column};

    fn users() -> Table {
        let mut age = Column::new("age", ColumnType::I32).nullable();
        age.checks = vec![Check::Min(0.0), Check::Max(150.0)];
        Table::new("users")
            .column(Column::new("id", ColumnType::I64).auto_increment())
            .column(age)
            .column(Column::new("created_at", ColumnType::Timestamp))
            .primary_key(["id"])
    }

    #[test]
    fn values_are_checked_by_name_type_and_rule() {
        let t = users();
        let e = checked(&t, &[("nope".into(), Value::I32(Some(1)))]).unwrap_err();
        assert!(e.to_string().contains("has no column `nope`"), "{e}");
        let e = checked(&t, &[("age".into(), Value::String(Some("x".into())))]).unwrap_err();
        assert!(e.to_string().contains("`users.age` holds i32, not string"), "{e}");
        let e = checked(&t, &[("age".into(), Value::I32(Some(-5)))]).unwrap_err();
        assert!(matches!(&e, Error::Validation { errors, .. } if errors[0].field == "age"), "{e}");
        assert!(checked(&t, &[("age".into(), Value::I32(None))]).is_ok(), "NULL passes the range rule of a nullable column");
    }

    #[test]
    fn keys_and_stamps() {
        let t = users();
        assert!(by_key(&t, vec![]).unwrap_err().to_string().contains("needs its primary key (id)"));
        assert!(matches!(stamp(&t, "created_at"), Some((_, Value::Timestamp(Some(_))))));
        assert!(stamp(&t, "updated_at").is_none(), "no such column");
        assert!(stamp(&t, "age").is_none(), "not a time");
    }
}
