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
use crate::schema::Table;
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
