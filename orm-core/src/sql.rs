//! Lowering the query IR to sea-query statements, per SQL dialect.

pub mod ddl;
pub(crate) mod insert;
mod lower;
mod migrate;
mod names;
#[cfg(feature = "sql")]
pub(crate) mod kept;
#[cfg(feature = "postgres")]
pub(crate) mod unnest;
mod writer;

pub use insert::values_insert;
pub use migrate::{render_sql, SqlPlan};
pub(crate) use names::check_name;
pub(crate) use lower::{browse_statement, count_rows_statement};
pub use lower::{count_statement, delete_statement, exists_statement, insert_statement, select_statement,
    update_many_statement, update_statement, upsert_statement};

pub use crate::capability::Dialect;

impl Dialect {
    /// The largest number of bound parameters one statement may carry (see
    /// [`Capability::max_bind_params`](crate::Capability)).
    pub fn max_bind_params(self) -> usize {
        self.capability().max_bind_params.unwrap_or(usize::MAX)
    }

    /// Whether `INSERT ... RETURNING` is used (see [`Capability::returning`](crate::Capability)).
    pub fn supports_returning(self) -> bool {
        self.capability().returning
    }

    /// Prepares values for binding: MySQL has no time-zone-aware type, so instants are bound as
    /// UTC `DATETIME` values (bound as `TIMESTAMP`, MariaDB would clip them to 1970..2038).
    pub(crate) fn adapt_values(self, mut values: Vec<sea_query::Value>) -> SqlxValues {
        if self == Dialect::MySql {
            for v in &mut values {
                if let sea_query::Value::ChronoDateTimeUtc(t) = v {
                    *v = sea_query::Value::ChronoDateTime(t.map(|t| t.naive_utc()));
                }
            }
        }
        SqlxValues(sea_query::Values(values))
    }

    /// `name` as a quoted identifier of this dialect, for SQL written by hand (such as the text
    /// given to [`Database::raw_query`](crate::Database::raw_query)): in double quotes on
    /// PostgreSQL and SQLite, in backticks on MySQL, a quote character inside the name doubled, so
    /// any name stays one identifier. Values never go into the text: bind them.
    ///
    /// ```
    /// use orm_core::Dialect;
    /// assert_eq!(Dialect::Postgres.quote("order"), r#""order""#);
    /// assert_eq!(Dialect::Sqlite.quote(r#"say "hi""#), r#""say ""hi""""#);
    /// assert_eq!(Dialect::MySql.quote("a`b"), "`a``b`");
    /// ```
    pub fn quote(self, name: &str) -> String {
        quote_ident(name, self)
    }

    /// Renders a sea-query statement to SQL text with values inlined, for logs and tests only
    /// (execution always binds values).
    pub fn render<S: RenderWith>(self, stmt: &S) -> String {
        stmt.render_with(self)
    }
}

/// Values bound to a statement, as sqlx takes them.
#[doc(hidden)]
#[cfg(feature = "sql")]
pub use sea_query_sqlx::SqlxValues;

/// Values bound to a statement: a build without an SQL backend builds statements (to print them)
/// but never runs one.
#[doc(hidden)]
#[cfg(not(feature = "sql"))]
pub struct SqlxValues(pub sea_query::Values);

/// `name` as a quoted identifier of `dialect` (quote characters inside doubled).
pub(crate) fn quote_ident(name: &str, dialect: Dialect) -> String {
    let q = if dialect == Dialect::MySql { '`' } else { '"' };
    let escaped = name.replace(q, &format!("{q}{q}"));
    format!("{q}{escaped}{q}")
}

/// A savepoint statement. Savepoint names are the toolkit's own, and quoted all the same.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Savepoint {
    /// `SAVEPOINT name`
    Set,
    /// `RELEASE SAVEPOINT name`
    Release,
    /// `ROLLBACK TO SAVEPOINT name`
    RollbackTo,
}

impl Savepoint {
    /// The statement for the savepoint `name` in `dialect`.
    pub(crate) fn sql(self, name: &str, dialect: Dialect) -> String {
        let name = quote_ident(name, dialect);
        match self {
            Savepoint::Set => format!("SAVEPOINT {name}"),
            Savepoint::Release => format!("RELEASE SAVEPOINT {name}"),
            Savepoint::RollbackTo => format!("ROLLBACK TO SAVEPOINT {name}"),
        }
    }
}

/// A sea-query statement that can be rendered in every dialect.
pub trait RenderWith {
    /// SQL text with values inlined (never executed).
    fn render_with(&self, dialect: Dialect) -> String;
    /// SQL text with placeholders, and the values to bind.
    fn build_with(&self, dialect: Dialect) -> (String, SqlxValues);
}

/// Builds `stmt` with `builder`'s placeholders; `inline_paging` writes LIMIT/OFFSET counts as literals.
fn build<S, B>(stmt: &S, builder: B, inline_paging: bool) -> (String, Vec<sea_query::Value>)
where
    S: sea_query::QueryStatementWriter,
    B: sea_query::QueryBuilder,
{
    let (placeholder, numbered) = builder.placeholder();
    let mut sql = writer::Writer::new(placeholder, numbered, inline_paging);
    stmt.build_collect_into(builder, &mut sql);
    sql.into_parts()
}

macro_rules! render_with {
    ($($t:ty),+) => {$(
        impl RenderWith for $t {
            fn render_with(&self, dialect: Dialect) -> String {
                match dialect {
                    Dialect::Postgres => self.to_string(sea_query::PostgresQueryBuilder),
                    Dialect::MySql => self.to_string(sea_query::MysqlQueryBuilder),
                    Dialect::Sqlite => self.to_string(sea_query::SqliteQueryBuilder),
                }
            }
            fn build_with(&self, dialect: Dialect) -> (String, SqlxValues) {
                let (sql, values) = match dialect {
                    Dialect::Postgres => build(self, sea_query::PostgresQueryBuilder, false),
                    Dialect::MySql => build(self, sea_query::MysqlQueryBuilder, false),
                    Dialect::Sqlite => build(self, sea_query::SqliteQueryBuilder, true),
                };
                (sql, dialect.adapt_values(values))
            }
        }
    )+};
}
render_with!(
    sea_query::SelectStatement,
    sea_query::InsertStatement,
    sea_query::UpdateStatement,
    sea_query::DeleteStatement
);

#[cfg(test)]
mod tests {
    use super::{Dialect, Savepoint};

    #[test]
    fn savepoint_names_are_quoted() {
        assert_eq!(Savepoint::Set.sql("orm_batch", Dialect::Postgres), r#"SAVEPOINT "orm_batch""#);
        assert_eq!(Savepoint::Release.sql("orm_batch", Dialect::MySql), "RELEASE SAVEPOINT `orm_batch`");
        assert_eq!(Savepoint::RollbackTo.sql("a\"b", Dialect::Sqlite), r#"ROLLBACK TO SAVEPOINT "a""b""#);
    }
}
