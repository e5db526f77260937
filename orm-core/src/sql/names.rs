//! The names each SQL server can hold, checked while a migration is planned (see `migrate`'s
//! planning): a name a server would truncate, refuse or mangle is an error naming the rule.

use super::Dialect;
use crate::schema::IdentKind;

/// PostgreSQL keeps the first 63 bytes of an identifier (NAMEDATALEN - 1) and silently drops
/// the rest, so two long names that share 63 bytes would collide.
const POSTGRES_MAX_BYTES: usize = 63;
/// MySQL and MariaDB: 64 characters for tables, columns, indexes and constraints.
const MYSQL_MAX_CHARS: usize = 64;
/// Checks one identifier against `dialect`'s own rules.
pub(crate) fn check_name(kind: IdentKind, name: &str, dialect: Dialect) -> Result<(), String> {
    let what = kind.as_str();
    match dialect {
        Dialect::Postgres if name.len() > POSTGRES_MAX_BYTES => Err(format!(
            "{what} name `{name}` is {} bytes long: PostgreSQL keeps only the first {POSTGRES_MAX_BYTES} bytes of a name \
             (two long names would collide); shorten it",
            name.len()
        )),
        Dialect::MySql if name.chars().count() > MYSQL_MAX_CHARS => Err(format!(
            "{what} name `{name}` is {} characters long: MySQL and MariaDB allow at most {MYSQL_MAX_CHARS}",
            name.chars().count()
        )),
        Dialect::MySql if name.ends_with(' ') => {
            Err(format!("{what} name `{name}` ends with a space, which MySQL and MariaDB do not allow"))
        }
        Dialect::Sqlite
            if matches!(kind, IdentKind::Table | IdentKind::Index) && name.to_ascii_lowercase().starts_with("sqlite_") =>
        {
            Err(format!("{what} name `{name}` begins with `sqlite_`, which SQLite reserves for itself"))
        }
        _ => Ok(()),
    }
}
