//! Reading a live database's schema back into the neutral [`Schema`]: tables (collections), columns
//! with their neutral types, nullability, defaults, primary keys, unique constraints, indexes and
//! foreign keys. The toolkit's own bookkeeping (`_orm_migrations`, `__orm_counters`, the migration
//! lock) is left out.
//!
//! Column types map back from the types the toolkit creates (see `sql::ddl`); a type it never
//! creates maps to the nearest neutral type, and to `text` when there is none (documented per
//! backend in the README).

use crate::db::Database;
use crate::error::Result;
use crate::schema::{Schema, Table};

pub use crate::driver::comparable;

/// Tables the toolkit keeps for itself.
pub const INTERNAL_TABLES: &[&str] = &["_orm_migrations", "__orm_counters", "_orm_migrations_lock"];

impl Database {
    /// The live schema of the connected database (its current schema on PostgreSQL).
    ///
    /// ```no_run
    /// # async fn demo(db: &orm_core::Database) -> orm_core::Result<()> {
    /// let schema = db.introspect().await?;
    /// for (name, table) in &schema.tables {
    ///     println!("{name}: {} columns", table.columns.len());
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn introspect(&self) -> Result<Schema> {
        self.introspect_sampled(0).await
    }

    /// Like [`introspect`](Database::introspect); on MongoDB, a collection without the toolkit's
    /// validator is described from a random sample of up to `sample` of its documents: each field's
    /// type, and whether it is optional (missing from some samples, or null).
    pub async fn introspect_sampled(&self, sample: usize) -> Result<Schema> {
        let tables: Vec<Table> = self.driver.introspect(sample).await?;
        let mut schema = Schema::new();
        for t in tables.into_iter().filter(|t| !INTERNAL_TABLES.contains(&t.name.as_str())) {
            schema.tables.insert(t.name.clone(), t);
        }
        Ok(schema)
    }
}

