//! Names the servers can hold: every identifier of an operation is checked against the backend's
//! rules while the run is planned, before anything runs, so a name a server would truncate,
//! refuse or mangle is an error naming the file, the line and the rule.

use crate::schema::{IdentKind, Operation};
use crate::sql::Dialect;

/// PostgreSQL keeps the first 63 bytes of an identifier (NAMEDATALEN - 1) and silently drops
/// the rest, so two long names that share 63 bytes would collide.
const POSTGRES_MAX_BYTES: usize = 63;
/// MySQL and MariaDB: 64 characters for tables, columns, indexes and constraints.
const MYSQL_MAX_CHARS: usize = 64;
/// MongoDB: a namespace (`database.collection`) holds at most 255 bytes.
const MONGO_MAX_NAMESPACE_BYTES: usize = 255;

/// Checks every identifier of `op` for `dialect` (`None`: MongoDB, whose database is `database`).
pub(crate) fn check_operation(op: &Operation, dialect: Option<Dialect>, database: &str) -> Result<(), String> {
    op.identifiers().into_iter().try_for_each(|(kind, name)| check(kind, name, dialect, database))
}

/// Checks one identifier; the error says which rule of which backend it breaks.
pub(crate) fn check(kind: IdentKind, name: &str, dialect: Option<Dialect>, database: &str) -> Result<(), String> {
    let what = kind.as_str();
    if name.is_empty() {
        return Err(format!("{what} name is empty: every backend needs a non-empty name"));
    }
    if name.contains('\0') {
        return Err(format!("{what} name {name:?} contains a NUL character, which no database accepts in a name"));
    }
    match dialect {
        Some(Dialect::Postgres) if name.len() > POSTGRES_MAX_BYTES => Err(format!(
            "{what} name `{name}` is {} bytes long: PostgreSQL keeps only the first {POSTGRES_MAX_BYTES} bytes of a name \
             (two long names would collide); shorten it",
            name.len()
        )),
        Some(Dialect::MySql) if name.chars().count() > MYSQL_MAX_CHARS => Err(format!(
            "{what} name `{name}` is {} characters long: MySQL and MariaDB allow at most {MYSQL_MAX_CHARS}",
            name.chars().count()
        )),
        Some(Dialect::MySql) if name.ends_with(' ') => {
            Err(format!("{what} name `{name}` ends with a space, which MySQL and MariaDB do not allow"))
        }
        Some(Dialect::Sqlite)
            if matches!(kind, IdentKind::Table | IdentKind::Index) && name.to_ascii_lowercase().starts_with("sqlite_") =>
        {
            Err(format!("{what} name `{name}` begins with `sqlite_`, which SQLite reserves for itself"))
        }
        Some(_) => Ok(()),
        None => check_mongo(kind, name, database),
    }
}

fn check_mongo(kind: IdentKind, name: &str, database: &str) -> Result<(), String> {
    match kind {
        IdentKind::Table if name.contains('$') => {
            Err(format!("collection name `{name}` contains `$`, which MongoDB does not allow in collection names"))
        }
        IdentKind::Table if name.starts_with("system.") => {
            Err(format!("collection name `{name}` begins with `system.`, which MongoDB reserves for itself"))
        }
        IdentKind::Table if database.len() + 1 + name.len() > MONGO_MAX_NAMESPACE_BYTES => Err(format!(
            "collection name `{name}` makes the namespace `{database}.{name}` longer than MongoDB's \
             {MONGO_MAX_NAMESPACE_BYTES} bytes"
        )),
        IdentKind::Column if name.contains(['$', '.']) => Err(format!(
            "field name `{name}` contains `$` or `.`: MongoDB reads them as operators and paths (and stores them only \
             with restrictions), not as one plain field"
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_backend_rule_is_named() {
        let long_pg = "a".repeat(64);
        let err = check(IdentKind::Table, &long_pg, Some(Dialect::Postgres), "").unwrap_err();
        assert!(err.contains("64 bytes") && err.contains("63"), "{err}");
        assert!(check(IdentKind::Table, &"a".repeat(63), Some(Dialect::Postgres), "").is_ok());
        // Bytes on PostgreSQL, characters on MySQL.
        let wide = "é".repeat(40);
        assert!(check(IdentKind::Column, &wide, Some(Dialect::Postgres), "").is_err());
        assert!(check(IdentKind::Column, &wide, Some(Dialect::MySql), "").is_ok());
        assert!(check(IdentKind::Index, &"i".repeat(65), Some(Dialect::MySql), "").unwrap_err().contains("64"));
        assert!(check(IdentKind::Column, "trailing ", Some(Dialect::MySql), "").is_err());
        assert!(check(IdentKind::Table, "sqlite_stuff", Some(Dialect::Sqlite), "").unwrap_err().contains("reserves"));
        assert!(check(IdentKind::Column, "sqlite_ok", Some(Dialect::Sqlite), "").is_ok());
        for d in [Some(Dialect::Postgres), Some(Dialect::MySql), Some(Dialect::Sqlite), None] {
            assert!(check(IdentKind::Table, "", d, "db").unwrap_err().contains("empty"));
            assert!(check(IdentKind::Column, "a\0b", d, "db").unwrap_err().contains("NUL"));
            assert!(check(IdentKind::Table, "x\"; DROP TABLE victim; --`", d, "db").is_ok());
        }
        assert!(check(IdentKind::Table, "a$b", None, "db").unwrap_err().contains("`$`"));
        assert!(check(IdentKind::Table, "system.users", None, "db").unwrap_err().contains("system."));
        assert!(check(IdentKind::Table, &"c".repeat(253), None, "db").unwrap_err().contains("255"));
        assert!(check(IdentKind::Column, "$set", None, "db").is_err());
        assert!(check(IdentKind::Column, "a.b", None, "db").is_err());
        assert!(check(IdentKind::Column, "a$b", None, "db").is_err());
        assert!(check(IdentKind::Column, "a$b", Some(Dialect::Postgres), "db").is_ok());
    }

    #[test]
    fn every_identifier_of_an_operation_is_checked() {
        let op = Operation::RenameColumn { table: "t".into(), from: "a".into(), to: String::new() };
        assert!(check_operation(&op, Some(Dialect::Postgres), "").unwrap_err().contains("column name is empty"));
    }
}
