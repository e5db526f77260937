//! Multi-row `INSERT ... VALUES` text, written directly rather than through a sea-query tree: a
//! bulk insert's statement is the same text for every chunk of the same size (so the prepared
//! statement is reused), and its values go to the driver in one flat list without an expression
//! per cell.

use super::{quote_ident, Dialect};
use std::fmt::Write;

/// `INSERT INTO table (columns) VALUES (...), (...)` for `rows` rows, with `RETURNING` when asked:
/// placeholders `$1, $2, ...` on PostgreSQL, `?` elsewhere, row after row. Every name is quoted
/// with [`Dialect::quote`]; the values are bound by whoever runs the text, in row order.
///
/// ```
/// use orm_core::{sql::values_insert, Dialect};
/// assert_eq!(values_insert("users", &["email", "age"], 2, None, Dialect::Postgres), r#"INSERT INTO "users" ("email", "age") VALUES ($1, $2), ($3, $4)"#);
/// assert_eq!(values_insert("a`b", &["c"], 1, None, Dialect::MySql), "INSERT INTO `a``b` (`c`) VALUES (?)");
/// ```
pub fn values_insert(table: &str, columns: &[&str], rows: usize, returning: Option<&[&str]>, dialect: Dialect) -> String {
    let names: Vec<String> = columns.iter().map(|c| quote_ident(c, dialect)).collect();
    let per_row = if dialect == Dialect::Postgres { 4 } else { 1 } * columns.len() + 2 * columns.len() + 4;
    let mut sql = String::with_capacity(32 + names.iter().map(|n| n.len() + 2).sum::<usize>() + rows * per_row);
    let _ = write!(sql, "INSERT INTO {} ({}) VALUES ", quote_ident(table, dialect), names.join(", "));
    let mut n = 0;
    for row in 0..rows {
        sql.push_str(if row == 0 { "(" } else { ", (" });
        for column in 0..columns.len() {
            if column > 0 {
                sql.push_str(", ");
            }
            n += 1;
            if dialect == Dialect::Postgres {
                let _ = write!(sql, "${n}");
            } else {
                sql.push('?');
            }
        }
        sql.push(')');
    }
    if let Some(returning) = returning {
        let names: Vec<String> = returning.iter().map(|c| quote_ident(c, dialect)).collect();
        let _ = write!(sql, " RETURNING {}", names.join(", "));
    }
    sql
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_of_placeholders_per_dialect() {
        assert_eq!(
            values_insert("users", &["email", "age"], 2, None, Dialect::Sqlite),
            r#"INSERT INTO "users" ("email", "age") VALUES (?, ?), (?, ?)"#
        );
        assert_eq!(
            values_insert("users", &["email", "age"], 2, Some(&["id", "email"]), Dialect::Postgres),
            r#"INSERT INTO "users" ("email", "age") VALUES ($1, $2), ($3, $4) RETURNING "id", "email""#
        );
        assert_eq!(values_insert("a`b", &["c`d"], 1, None, Dialect::MySql), "INSERT INTO `a``b` (`c``d`) VALUES (?)");
    }

    #[test]
    fn hostile_names_stay_identifiers() {
        let table = "t\"; DROP TABLE victim; --";
        let column = "c`); DELETE FROM victim; -- \"x";
        assert_eq!(
            values_insert(table, &[column], 1, Some(&[column]), Dialect::Postgres),
            r#"INSERT INTO "t""; DROP TABLE victim; --" ("c`); DELETE FROM victim; -- ""x") VALUES ($1) RETURNING "c`); DELETE FROM victim; -- ""x""#
        );
        assert_eq!(
            values_insert(table, &[column], 1, None, Dialect::Sqlite),
            r#"INSERT INTO "t""; DROP TABLE victim; --" ("c`); DELETE FROM victim; -- ""x") VALUES (?)"#
        );
        assert_eq!(
            values_insert(table, &[column], 1, None, Dialect::MySql),
            r#"INSERT INTO `t"; DROP TABLE victim; --` (`c``); DELETE FROM victim; -- "x`) VALUES (?)"#
        );
    }

    #[cfg(feature = "sqlite")]
    #[tokio::test]
    async fn a_bulk_insert_into_a_hostile_table_touches_nothing_else() {
        use crate::{Database, Model};
        #[derive(crate::Model, Debug, Clone)]
        #[orm(table = "t\"; DROP TABLE victim; --")]
        struct Hostile {
            #[orm(primary_key, auto_increment)]
            id: i64,
            #[orm(column = "c`); DELETE FROM victim; -- \"x")]
            label: String,
        }
        let db = Database::connect("sqlite::memory:").await.unwrap();
        db.raw_execute("CREATE TABLE victim (id INTEGER)", []).await.unwrap();
        db.raw_execute("INSERT INTO victim VALUES (1)", []).await.unwrap();
        db.create_table::<Hostile>().await.unwrap();
        let rows: Vec<Hostile> = (0..3).map(|i| Hostile { id: 0, label: format!("'); DROP TABLE victim; -- {i}") }).collect();
        assert_eq!(db.insert_many(rows).await.unwrap(), 3);
        let stored = Hostile::find().all(&db).await.unwrap();
        assert_eq!(stored[2].label, "'); DROP TABLE victim; -- 2");
        let victims: Vec<(i64,)> = db.raw_query("SELECT COUNT(*) FROM victim", []).await.unwrap();
        assert_eq!(victims, [(1,)]);
    }
}
