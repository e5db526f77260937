//! What each backend can do, in one place: the layers above the backends (queries, bulk writes,
//! relations, migrations) ask a [`Capability`] instead of matching on the backend.
//!
//! A new backend states its facts here, as one more arm of [`BackendKind::capability`]; the test
//! at the bottom lists every backend's capabilities, so a change to one shows in review.


/// Which database a [`Database`](crate::Database) talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BackendKind {
    /// PostgreSQL.
    Postgres,
    /// MySQL or MariaDB.
    MySql,
    /// SQLite.
    Sqlite,
    /// MongoDB.
    MongoDb,
}

impl BackendKind {
    /// The backend a URL's scheme names (`postgres://`, `postgresql://`, `mysql://`,
    /// `mariadb://`, `sqlite:`, `mongodb://`, `mongodb+srv://`), whether or not this build has it.
    ///
    /// ```
    /// use orm_core::BackendKind;
    /// assert_eq!(BackendKind::from_url("mariadb://root@db/app"), Some(BackendKind::MySql));
    /// assert_eq!(BackendKind::from_url("sqlite::memory:"), Some(BackendKind::Sqlite));
    /// assert_eq!(BackendKind::from_url("redis://cache"), None);
    /// ```
    pub fn from_url(url: &str) -> Option<BackendKind> {
        match url.split(':').next().unwrap_or_default().to_ascii_lowercase().as_str() {
            "postgres" | "postgresql" => Some(BackendKind::Postgres),
            "mysql" | "mariadb" => Some(BackendKind::MySql),
            "sqlite" => Some(BackendKind::Sqlite),
            "mongodb" | "mongodb+srv" => Some(BackendKind::MongoDb),
            _ => None,
        }
    }

    /// The backend's name, as messages say it.
    pub fn name(self) -> &'static str {
        match self {
            BackendKind::Postgres => "PostgreSQL",
            BackendKind::MySql => "MySQL/MariaDB",
            BackendKind::Sqlite => "SQLite",
            BackendKind::MongoDb => "MongoDB",
        }
    }

    /// The backend's SQL dialect; `None` for MongoDB.
    pub fn dialect(self) -> Option<Dialect> {
        self.capability().dialect
    }
}

/// An SQL dialect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Dialect {
    /// PostgreSQL.
    Postgres,
    /// MySQL and MariaDB.
    MySql,
    /// SQLite.
    Sqlite,
}

/// How an upsert is spelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum UpsertForm {
    /// `INSERT ... ON CONFLICT (...) DO UPDATE` (PostgreSQL, SQLite).
    OnConflict,
    /// `INSERT ... ON DUPLICATE KEY UPDATE` (MySQL, MariaDB).
    OnDuplicateKey,
    /// `findAndModify` / `update` with `upsert: true` (MongoDB).
    UpdateWithUpsert,
}

/// The lock a migration run holds (see `migrate::lock`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum MigrationLock {
    /// A session advisory lock, released with the session (PostgreSQL).
    AdvisoryLock,
    /// A named lock (`GET_LOCK`), released with the connection (MySQL, MariaDB).
    NamedLock,
    /// The run is one exclusive transaction (SQLite).
    ExclusiveTransaction,
    /// A lock document with an owner and a lease renewed while the run lives (MongoDB).
    LeaseDocument,
}

/// The facts about one backend that the layers above it need.
///
/// ```
/// use orm_core::BackendKind;
/// let pg = BackendKind::Postgres.capability();
/// assert!(pg.returning && pg.transactional_ddl);
/// assert!(!BackendKind::MySql.capability().transactional_ddl);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Capability {
    /// Its SQL dialect; `None` for a document store.
    pub dialect: Option<Dialect>,
    /// `INSERT ... RETURNING` is used to read back generated keys (MySQL has none; MariaDB's is not
    /// used, so one code path serves both).
    pub returning: bool,
    /// Schema changes run inside a transaction and roll back with it.
    pub transactional_ddl: bool,
    /// Transactions nest as savepoints.
    pub savepoints: bool,
    /// Multi-document transactions need a replica set or a sharded cluster (MongoDB).
    pub transactions_need_replica_set: bool,
    /// The most bound parameters one statement may carry; `None` where values are not bound
    /// parameters.
    pub max_bind_params: Option<usize>,
    /// The most keys one `IN` (or `$in`) of eager loading carries before it is split.
    pub keys_per_in: usize,
    /// How an upsert is spelled.
    pub upsert: UpsertForm,
    /// The lock a migration run holds.
    pub migration_lock: MigrationLock,
}

impl BackendKind {
    /// This backend's capabilities.
    pub const fn capability(self) -> Capability {
        match self {
            BackendKind::Postgres => Capability {
                dialect: Some(Dialect::Postgres),
                returning: true,
                transactional_ddl: true,
                savepoints: true,
                transactions_need_replica_set: false,
                max_bind_params: Some(65_535),
                keys_per_in: 10_000,
                upsert: UpsertForm::OnConflict,
                migration_lock: MigrationLock::AdvisoryLock,
            },
            BackendKind::MySql => Capability {
                dialect: Some(Dialect::MySql),
                returning: false,
                transactional_ddl: false,
                savepoints: true,
                transactions_need_replica_set: false,
                max_bind_params: Some(65_535),
                keys_per_in: 10_000,
                upsert: UpsertForm::OnDuplicateKey,
                migration_lock: MigrationLock::NamedLock,
            },
            BackendKind::Sqlite => Capability {
                dialect: Some(Dialect::Sqlite),
                returning: true,
                transactional_ddl: true,
                savepoints: true,
                transactions_need_replica_set: false,
                // SQLITE_MAX_VARIABLE_NUMBER of the bundled SQLite (3.32+).
                max_bind_params: Some(32_766),
                keys_per_in: 10_000,
                upsert: UpsertForm::OnConflict,
                migration_lock: MigrationLock::ExclusiveTransaction,
            },
            BackendKind::MongoDb => Capability {
                dialect: None,
                returning: true,
                transactional_ddl: false,
                savepoints: false,
                transactions_need_replica_set: true,
                max_bind_params: None,
                keys_per_in: 10_000,
                upsert: UpsertForm::UpdateWithUpsert,
                migration_lock: MigrationLock::LeaseDocument,
            },
        }
    }
}

impl Dialect {
    /// The backend this dialect is spoken by.
    pub const fn backend(self) -> BackendKind {
        match self {
            Dialect::Postgres => BackendKind::Postgres,
            Dialect::MySql => BackendKind::MySql,
            Dialect::Sqlite => BackendKind::Sqlite,
        }
    }

    /// The capabilities of this dialect's backend.
    pub const fn capability(self) -> Capability {
        self.backend().capability()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every backend's capabilities, side by side: a change to one shows here.
    #[test]
    fn every_backend_states_its_capabilities() {
        let table: Vec<String> = [BackendKind::Postgres, BackendKind::MySql, BackendKind::Sqlite, BackendKind::MongoDb]
            .into_iter()
            .map(|b| {
                let c = b.capability();
                assert_eq!(c.dialect.map(Dialect::backend).unwrap_or(BackendKind::MongoDb), b);
                format!(
                    "{b:?}: returning={} transactional_ddl={} savepoints={} replica_set_for_transactions={} bind_params={:?} keys_per_in={} upsert={:?} lock={:?}",
                    c.returning,
                    c.transactional_ddl,
                    c.savepoints,
                    c.transactions_need_replica_set,
                    c.max_bind_params,
                    c.keys_per_in,
                    c.upsert,
                    c.migration_lock
                )
            })
            .collect();
        assert_eq!(
            table,
            [
                "Postgres: returning=true transactional_ddl=true savepoints=true replica_set_for_transactions=false bind_params=Some(65535) keys_per_in=10000 upsert=OnConflict lock=AdvisoryLock",
                "MySql: returning=false transactional_ddl=false savepoints=true replica_set_for_transactions=false bind_params=Some(65535) keys_per_in=10000 upsert=OnDuplicateKey lock=NamedLock",
                "Sqlite: returning=true transactional_ddl=true savepoints=true replica_set_for_transactions=false bind_params=Some(32766) keys_per_in=10000 upsert=OnConflict lock=ExclusiveTransaction",
                "MongoDb: returning=true transactional_ddl=false savepoints=false replica_set_for_transactions=true bind_params=None keys_per_in=10000 upsert=UpdateWithUpsert lock=LeaseDocument",
            ]
        );
    }
}
