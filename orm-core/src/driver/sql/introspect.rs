//! The live schema of an SQL database: `information_schema` and the catalogs, one file per
//! dialect.

#[cfg(feature = "mysql")]
mod mysql;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(feature = "sqlite")]
mod sqlite;

use super::SqlDriver;
use crate::error::Result;
use crate::schema::{DefaultValue, ReferentialAction, Table};
use crate::sql::Dialect;

/// Every table of the connected database (its current schema on PostgreSQL).
pub(super) async fn tables(d: &SqlDriver) -> Result<Vec<Table>> {
    match d.dialect {
        #[cfg(feature = "postgres")]
        Dialect::Postgres => postgres::tables(d).await,
        #[cfg(feature = "mysql")]
        Dialect::MySql => mysql::tables(d).await,
        #[cfg(feature = "sqlite")]
        Dialect::Sqlite => sqlite::tables(d).await,
        #[allow(unreachable_patterns)]
        _ => Ok(Vec::new()),
    }
}

/// A referential action from its SQL words (`CASCADE`, `SET NULL`, ...) or PostgreSQL's letter code.
pub(crate) fn action(text: &str) -> ReferentialAction {
    match text.trim().to_ascii_uppercase().as_str() {
        "CASCADE" | "C" => ReferentialAction::Cascade,
        "SET NULL" | "N" => ReferentialAction::SetNull,
        "SET DEFAULT" | "D" => ReferentialAction::SetDefault,
        "RESTRICT" | "R" => ReferentialAction::Restrict,
        _ => ReferentialAction::NoAction,
    }
}

/// A column default from its SQL text, interpreted for the column's type; `None` for expressions
/// the neutral model has no word for (they are left to raw SQL).
pub(crate) fn parse_default(ty: &crate::schema::ColumnType, text: &str) -> Option<DefaultValue> {
    let t = text.trim();
    if t.eq_ignore_ascii_case("null") {
        return None;
    }
    let upper = t.to_ascii_uppercase();
    if upper.starts_with("CURRENT_TIMESTAMP") || upper.starts_with("NOW()") || upper == "CURRENT_TIMESTAMP()" {
        return Some(DefaultValue::CurrentTimestamp);
    }
    // Strip a cast (`'x'::character varying`) and quotes.
    let bare = t.split("::").next().unwrap_or(t).trim();
    let bare = bare.strip_prefix('(').and_then(|b| b.strip_suffix(')')).unwrap_or(bare);
    let literal = if bare.len() >= 2 && bare.starts_with('\'') && bare.ends_with('\'') {
        bare[1..bare.len() - 1].replace("''", "'")
    } else {
        bare.to_string()
    };
    let literal = match (ty, literal.as_str()) {
        (crate::schema::ColumnType::Bool, "1") => "true".to_string(),
        (crate::schema::ColumnType::Bool, "0") => "false".to_string(),
        (crate::schema::ColumnType::Bool, l) => l.to_ascii_lowercase(),
        _ => literal,
    };
    DefaultValue::parse_for(ty, &literal).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::ColumnType;

    #[test]
    fn defaults() {
        assert_eq!(parse_default(&ColumnType::Bool, "true"), Some(DefaultValue::Bool(true)));
        assert_eq!(parse_default(&ColumnType::Bool, "1"), Some(DefaultValue::Bool(true)));
        assert_eq!(parse_default(&ColumnType::I32, "0"), Some(DefaultValue::Int(0)));
        assert_eq!(parse_default(&ColumnType::I32, "'0'"), Some(DefaultValue::Int(0)));
        assert_eq!(parse_default(&ColumnType::String { length: None }, "'it''s'::character varying"), Some(DefaultValue::String("it's".into())));
        assert_eq!(parse_default(&ColumnType::Timestamp, "CURRENT_TIMESTAMP"), Some(DefaultValue::CurrentTimestamp));
        assert_eq!(parse_default(&ColumnType::I64, "nextval('x_seq'::regclass)"), None);
        assert_eq!(action("SET NULL"), ReferentialAction::SetNull);
        assert_eq!(action("c"), ReferentialAction::Cascade);
    }
}
