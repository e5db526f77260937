//! Names the servers can hold: every identifier of an operation is checked against the backend's
//! rules while the run is planned, before anything runs, so a name a server would truncate,
//! refuse or mangle is an error naming the file, the line and the rule.

use crate::schema::{IdentKind, Operation};
use crate::capability::BackendKind;

/// Checks every identifier of `op` for `backend` (on MongoDB, in the database `database`).
pub(crate) fn check_operation(op: &Operation, backend: BackendKind, database: &str) -> Result<(), String> {
    op.identifiers().into_iter().try_for_each(|(kind, name)| check(kind, name, backend, database))
}

/// Checks one identifier: the rules every backend shares here, then the backend's own; the error
/// says which rule of which backend it breaks.
pub(crate) fn check(kind: IdentKind, name: &str, backend: BackendKind, database: &str) -> Result<(), String> {
    let what = kind.as_str();
    if name.is_empty() {
        return Err(format!("{what} name is empty: every backend needs a non-empty name"));
    }
    if name.contains('\0') {
        return Err(format!("{what} name {name:?} contains a NUL character, which no database accepts in a name"));
    }
    crate::driver::check_name(kind, name, backend, database)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_backend_rule_is_named() {
        let long_pg = "a".repeat(64);
        let err = check(IdentKind::Table, &long_pg, BackendKind::Postgres, "").unwrap_err();
        assert!(err.contains("64 bytes") && err.contains("63"), "{err}");
        assert!(check(IdentKind::Table, &"a".repeat(63), BackendKind::Postgres, "").is_ok());
        // Bytes on PostgreSQL, characters on MySQL.
        let wide = "é".repeat(40);
        assert!(check(IdentKind::Column, &wide, BackendKind::Postgres, "").is_err());
        assert!(check(IdentKind::Column, &wide, BackendKind::MySql, "").is_ok());
        assert!(check(IdentKind::Index, &"i".repeat(65), BackendKind::MySql, "").unwrap_err().contains("64"));
        assert!(check(IdentKind::Column, "trailing ", BackendKind::MySql, "").is_err());
        assert!(check(IdentKind::Table, "sqlite_stuff", BackendKind::Sqlite, "").unwrap_err().contains("reserves"));
        assert!(check(IdentKind::Column, "sqlite_ok", BackendKind::Sqlite, "").is_ok());
        for d in [BackendKind::Postgres, BackendKind::MySql, BackendKind::Sqlite, BackendKind::MongoDb] {
            assert!(check(IdentKind::Table, "", d, "db").unwrap_err().contains("empty"));
            assert!(check(IdentKind::Column, "a\0b", d, "db").unwrap_err().contains("NUL"));
            assert!(check(IdentKind::Table, "x\"; DROP TABLE victim; --`", d, "db").is_ok());
        }
        assert!(check(IdentKind::Table, "a$b", BackendKind::MongoDb, "db").unwrap_err().contains("`$`"));
        assert!(check(IdentKind::Table, "system.users", BackendKind::MongoDb, "db").unwrap_err().contains("system."));
        assert!(check(IdentKind::Table, &"c".repeat(253), BackendKind::MongoDb, "db").unwrap_err().contains("255"));
        assert!(check(IdentKind::Column, "$set", BackendKind::MongoDb, "db").is_err());
        assert!(check(IdentKind::Column, "a.b", BackendKind::MongoDb, "db").is_err());
        assert!(check(IdentKind::Column, "a$b", BackendKind::MongoDb, "db").is_err());
        assert!(check(IdentKind::Column, "a$b", BackendKind::Postgres, "db").is_ok());
    }

    #[test]
    fn every_identifier_of_an_operation_is_checked() {
        let op = Operation::RenameColumn { table: "t".into(), from: "a".into(), to: String::new() };
        assert!(check_operation(&op, BackendKind::Postgres, "").unwrap_err().contains("column name is empty"));
    }
}
