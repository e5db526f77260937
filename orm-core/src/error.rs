//! The one error type of the toolkit.

/// A boxed error from a lower layer (a decoder, a parser).
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// `Result` with the toolkit's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong, with the model and operation at fault and the database's own error
/// as `source`.
///
/// ```
/// # async fn demo(db: &orm_core::Database) {
/// # #[derive(orm_core::Model, Debug, Clone)]
/// # struct User { #[orm(primary_key)] id: i64, #[orm(unique)] email: String }
/// let user = User { id: 1, email: "a@example.com".into() };
/// match db.insert(&user).await {
///     Ok(_) => {}
///     Err(e) if e.is_unique_violation() => println!("taken: {e}"),
///     Err(e) => panic!("{e}"),
/// }
/// # }
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An operation that needs a row found none.
    #[error("{model}: {operation} found no matching row")]
    NotFound {
        /// The model's name.
        model: &'static str,
        /// What was being done (`find`, `update`, `delete`).
        operation: &'static str,
    },
    /// A unique or primary key constraint rejected the write.
    #[error("{model}: {operation} violates a unique constraint{}: {source}", constraint_suffix(.constraint))]
    UniqueViolation {
        /// The model's name.
        model: &'static str,
        /// What was being done.
        operation: &'static str,
        /// The constraint's name, when the database reports it.
        constraint: Option<String>,
        /// The database's error (an `sqlx::Error` or a `mongodb::error::Error`).
        #[source]
        source: BoxError,
    },
    /// A foreign key constraint rejected the write.
    #[error("{model}: {operation} violates a foreign key{}: {source}", constraint_suffix(.constraint))]
    ForeignKeyViolation {
        /// The model's name.
        model: &'static str,
        /// What was being done.
        operation: &'static str,
        /// The constraint's name, when the database reports it.
        constraint: Option<String>,
        /// The database's error.
        #[source]
        source: BoxError,
    },
    /// A NOT NULL or CHECK constraint (or, on MongoDB, the collection's validator) rejected the write.
    #[error("{model}: {operation} violates a NOT NULL or CHECK constraint: {source}")]
    ConstraintViolation {
        /// The model's name.
        model: &'static str,
        /// What was being done.
        operation: &'static str,
        /// The database's error.
        #[source]
        source: BoxError,
    },
    /// Any other failure of a statement.
    #[error("{model}: {operation} failed: {source}\n  SQL: {sql}")]
    Query {
        /// The model's name (or `raw` for raw SQL).
        model: &'static str,
        /// What was being done.
        operation: &'static str,
        /// The SQL that failed (values are bound, never in the text).
        sql: String,
        /// The driver's error (ask [`Error::is_connection`] and the other `is_*` methods rather
        /// than its type, which is the driver's business).
        #[source]
        source: BoxError,
    },
    /// The model's validation rules refused the row; every failing field is listed.
    #[error("{model}: invalid: {}", .errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Validation {
        /// The model's name.
        model: &'static str,
        /// Each failed rule.
        errors: Vec<FieldError>,
    },
    /// A MongoDB command failed.
    #[cfg(feature = "mongodb")]
    #[error("{model}: {operation} failed on MongoDB: {source}\n  command: {command}")]
    Mongo {
        /// The model's name (or `raw` for raw commands).
        model: &'static str,
        /// What was being done.
        operation: &'static str,
        /// The command or filter that failed, as extended JSON (values included, as MongoDB has no
        /// separate parameters).
        command: String,
        /// The driver's error (ask [`Error::is_transient`], [`Error::is_connection`] and the other
        /// `is_*` methods rather than its type).
        #[source]
        source: BoxError,
    },
    /// An operation the connected backend does not have (raw SQL on MongoDB, a MongoDB command on SQL).
    #[error("{operation} is not available on {backend}")]
    Unsupported {
        /// What was asked.
        operation: &'static str,
        /// The backend connected to.
        backend: &'static str,
    },
    /// A migration file is malformed.
    #[error("{file}{}: {message}", .line.map(|l| format!(":{l}")).unwrap_or_default())]
    MigrationFile {
        /// The file's path.
        file: String,
        /// The line at fault, when known (1-based).
        line: Option<usize>,
        /// What is wrong.
        message: String,
    },
    /// An operation of a migration failed while running.
    #[error("{file}:{line}: `{operation}` failed: {source}")]
    MigrationStep {
        /// The migration file.
        file: String,
        /// The operation's line.
        line: usize,
        /// The operation (`create_table`, ...).
        operation: &'static str,
        /// Why.
        #[source]
        source: Box<Error>,
    },
    /// An applied migration's file changed after it was applied.
    #[error(
        "{file} was changed after it was applied (checksum {} in the history, {} now); write a new migration instead \
         of editing an applied one",
        short(.recorded),
        short(.found)
    )]
    ChecksumMismatch {
        /// The migration's version.
        version: i64,
        /// Its file.
        file: String,
        /// The checksum the history recorded.
        recorded: String,
        /// The file's checksum now.
        found: String,
    },
    /// An applied migration has no file in the migrations directory.
    #[error("applied migration {version}_{name} has no file in the migrations directory")]
    MissingFile {
        /// The migration's version.
        version: i64,
        /// Its name, as the history recorded it.
        name: String,
    },
    /// A pending migration is older than the newest applied one (it comes from a merged branch).
    #[error(
        "{file} is older than the newest applied migration ({newest}): it comes from another branch. Renumber it, \
         or run with --allow-out-of-order"
    )]
    OutOfOrder {
        /// The pending migration's version.
        version: i64,
        /// Its file.
        file: String,
        /// The newest applied version.
        newest: i64,
    },
    /// A migration stopped part-way on a backend without transactional DDL and must be resolved.
    #[error(
        "migration {version}_{name} is dirty: its {direction} run stopped after {steps_done} steps ({}). Fix the \
         database by hand, then `orm migrate resolve {version}` (it finished) or `orm migrate resolve {version} \
         --rolled-back` (it did not happen)",
        .error.as_deref().unwrap_or("no error recorded")
    )]
    Dirty {
        /// The migration's version.
        version: i64,
        /// Its name.
        name: String,
        /// `up` or `down`.
        direction: String,
        /// The steps that completed.
        steps_done: i32,
        /// The error that stopped it, as recorded.
        error: Option<String>,
    },
    /// Another runner held the migration lock longer than a runner waits.
    #[error("waited {} s for another `orm migrate` to release its lock", .waited.as_secs())]
    LockTimeout {
        /// How long this runner waited.
        waited: std::time::Duration,
    },
    /// The migration lock belongs to a live session, which releases it when it ends.
    #[error("the migration lock is held by {holder}; it is released when that session ends, so end the session instead")]
    LockHeld {
        /// Who holds it.
        holder: String,
    },
    /// A migration version that the files (or the history) do not have.
    #[error("migration {version}: {reason}")]
    UnknownMigration {
        /// The version asked for.
        version: i64,
        /// What is missing (`no migration file has this version`, `no history entry`, `not dirty`).
        reason: &'static str,
    },
    /// `--to VERSION` names no migration file.
    #[error("no migration has version {version}; the nearest are {}", .nearest.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "))]
    UnknownTarget {
        /// The version asked for.
        version: i64,
        /// The versions around it (up to one before and one after).
        nearest: Vec<i64>,
    },
    /// A run asked for zero steps (`--steps 0`), which selects no migration.
    #[error("`--steps 0` selects no migration; give 1 or more")]
    ZeroSteps,
    /// `redo` with no migration applied.
    #[error("no migration is applied: nothing to redo")]
    NothingToRedo,
    /// A migration left rows that break foreign keys (SQLite checks before it commits).
    #[error("the migration leaves {violations} rows breaking foreign keys (PRAGMA foreign_key_check)")]
    ForeignKeyCheck {
        /// The rows breaking a foreign key.
        violations: i64,
    },
    /// A server answered a command in a shape the toolkit does not know (or, for MongoDB's write
    /// commands, answered `ok` with write errors inside).
    #[error("{operation}: {message}")]
    UnexpectedReply {
        /// What was being done.
        operation: &'static str,
        /// What the reply held.
        message: String,
    },
    /// A column's type change that some stored values cannot take; nothing was changed.
    #[error("{count} stored values of `{table}.{column}` cannot become {to} (for example {example}); nothing was changed: \
             fix or remove those values first")]
    Unconvertible {
        /// The table (collection).
        table: String,
        /// The column (field).
        column: String,
        /// The new type.
        to: String,
        /// How many values cannot be converted.
        count: u64,
        /// One of them.
        example: String,
    },
    /// A migration run stopped between two steps because the process was asked to stop (Ctrl-C,
    /// SIGTERM) or lost its lock; what completed is recorded.
    #[error("{file}: stopped after {steps_done} of {steps} steps: {reason}")]
    MigrationInterrupted {
        /// The migration file.
        file: String,
        /// Steps completed (on PostgreSQL and SQLite the migration was rolled back instead).
        steps_done: usize,
        /// Its steps.
        steps: usize,
        /// Why (`interrupted`, or the lock lost).
        reason: String,
    },
    /// The transaction (or the one it is nested in) was already committed or rolled back.
    #[error("the transaction was already committed or rolled back")]
    TransactionClosed,
    /// A column value could not be read into its field.
    #[error("{model}: cannot decode column `{column}`: {source}")]
    Decode {
        /// The model's name.
        model: &'static str,
        /// The column.
        column: String,
        /// What the decoder said.
        #[source]
        source: BoxError,
    },
    /// Connecting failed.
    #[error("cannot connect to {url}: {source}")]
    Connect {
        /// The URL, with any password replaced by `***`.
        url: String,
        /// The driver's error.
        #[source]
        source: BoxError,
    },
    /// The query cache's Redis did not answer an operation that needs it (`Cache::flush`); queries
    /// and writes never fail this way, they go to the database.
    #[error("the query cache's Redis is unreachable: {reason}")]
    CacheUnavailable {
        /// What failed.
        reason: String,
    },
    /// A consistency token's text is not one this version writes.
    #[error("`{token}` is not a consistency token (one looks like `pg:0/16B3740`)")]
    InvalidToken {
        /// The text (at most 80 characters of it).
        token: String,
    },
    /// A migration, or the primary of a database with replicas, was pointed at a read replica.
    #[error("{url} is a read replica: migrations and writes go to the primary")]
    ReplicaNotWritable {
        /// The URL, with any password replaced by `***`.
        url: String,
    },
    /// A database URL this build cannot handle.
    #[error("unsupported database URL `{url}`: {reason}")]
    UnsupportedUrl {
        /// The URL, with any password replaced by `***`.
        url: String,
        /// Why.
        reason: String,
    },
    /// A query that cannot be run as built (for example a projection naming a column the model lacks).
    #[error("{model}: invalid query: {message}")]
    InvalidQuery {
        /// The model's name.
        model: &'static str,
        /// What is wrong.
        message: String,
    },
}

/// A driver's error as the toolkit shows it: the server's own message and code, said once (sqlx
/// adds PostgreSQL's C source line, "at line 948", and repeats its cause in its chain). The driver's
/// error stays reachable for the `is_*` kinds.
#[cfg(feature = "sql")]
#[derive(Debug)]
pub(crate) struct DriverError {
    text: String,
    pub(crate) inner: sqlx::Error,
}

#[cfg(feature = "sql")]
impl DriverError {
    pub(crate) fn boxed(inner: sqlx::Error) -> BoxError {
        let text = match inner.as_database_error() {
            Some(db) => {
                #[cfg(feature = "mysql")]
                if let Some(my) = db.try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>() {
                    let state = my.code().map(|c| format!(", SQLSTATE {c}")).unwrap_or_default();
                    return Box::new(DriverError { text: format!("{} (error {}{state})", db.message(), my.number()), inner });
                }
                match db.code() {
                    Some(code) => format!("{} (code {code})", db.message()),
                    None => db.message().to_string(),
                }
            }
            None => match &inner {
                sqlx::Error::Io(e) => e.to_string(),
                other => other.to_string(),
            },
        };
        Box::new(DriverError { text, inner })
    }
}

#[cfg(feature = "sql")]
impl DriverError {
    /// A deadlock or serialization failure: the transaction may succeed when run again.
    fn is_transient(&self) -> bool {
        let Some(db) = self.inner.as_database_error() else { return false };
        #[cfg(feature = "mysql")]
        if let Some(my) = db.try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>() {
            return matches!(my.number(), 1213 | 1205);
        }
        // SQLite's SQLITE_BUSY and its extended codes (recovery, snapshot, timeout).
        matches!(db.code().as_deref(), Some("40001" | "40P01" | "5" | "261" | "517" | "773"))
    }
}

#[cfg(feature = "sql")]
impl std::fmt::Display for DriverError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

#[cfg(feature = "sql")]
impl std::error::Error for DriverError {}

/// Every backend's foreign key error codes, whatever sqlx's own classification says: PostgreSQL's
/// SQLSTATE 23503; SQLite's SQLITE_CONSTRAINT_FOREIGNKEY (787) and the 1811 that `ON DELETE
/// RESTRICT` raises (SQLITE_CONSTRAINT_TRIGGER); MySQL's 1451 / 1452 and their older 1216 / 1217.
#[cfg(feature = "sql")]
const FOREIGN_KEY_CODES: &[&str] = &["23503", "787", "1811", "1451", "1452", "1216", "1217"];

fn short(checksum: &str) -> &str {
    &checksum[..12.min(checksum.len())]
}

fn constraint_suffix(c: &Option<String>) -> String {
    c.as_ref().map(|c| format!(" `{c}`")).unwrap_or_default()
}

impl Error {
    /// Whether a unique or primary key constraint rejected the write.
    pub fn is_unique_violation(&self) -> bool {
        matches!(self, Error::UniqueViolation { .. })
    }

    /// Whether an operation that needs a row found none.
    pub fn is_not_found(&self) -> bool {
        matches!(self, Error::NotFound { .. })
    }

    /// Whether running the transaction again may succeed: MongoDB's transient transaction errors
    /// (a write conflict between concurrent transactions), and SQL's deadlocks and serialization
    /// failures (SQLSTATE 40001 and 40P01, MySQL's 1213 and 1205, SQLite's busy codes).
    /// [`Database::transaction`](crate::Database::transaction) retries these.
    pub fn is_transient(&self) -> bool {
        match self {
            #[cfg(feature = "sql")]
            Error::Query { source, .. } | Error::ConstraintViolation { source, .. } => {
                source.downcast_ref::<DriverError>().is_some_and(DriverError::is_transient)
            }
            Error::MigrationStep { source, .. } => source.is_transient(),
            #[cfg(feature = "mongodb")]
            Error::Mongo { source, .. } => source.downcast_ref::<mongodb::error::Error>().is_some_and(|e| {
                // Code 112 is WriteConflict, which MongoDB labels transient inside transactions.
                e.contains_label("TransientTransactionError")
                    || e.contains_label("UnknownTransactionCommitResult")
                    || matches!(e.kind.as_ref(), mongodb::error::ErrorKind::Command(c) if c.code == 112)
            }),
            _ => false,
        }
    }

    /// Whether the server could not be reached or the connection broke (connecting, a pool that
    /// timed out or closed, I/O, TLS, no MongoDB server selectable): trying again later may work,
    /// unlike with an error the database reported about the statement itself.
    pub fn is_connection(&self) -> bool {
        match self {
            Error::Connect { .. } => true,
            #[cfg(feature = "sql")]
            Error::Query { source, .. } => source.downcast_ref::<DriverError>().map(|d| &d.inner).is_some_and(|e| {
                matches!(e, sqlx::Error::Io(_) | sqlx::Error::Tls(_) | sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed)
            }),
            #[cfg(feature = "mongodb")]
            Error::Mongo { source, .. } => source.downcast_ref::<mongodb::error::Error>().is_some_and(|e| {
                use mongodb::error::ErrorKind as K;
                matches!(e.kind.as_ref(), K::Io(_) | K::ServerSelection { .. } | K::ConnectionPoolCleared { .. } | K::DnsResolve { .. })
            }),
            Error::MigrationStep { source, .. } => source.is_connection(),
            _ => false,
        }
    }

    /// The SQLSTATE (or the backend's code) of a statement the SQL server refused.
    #[cfg(feature = "sql")]
    #[cfg_attr(not(any(feature = "postgres", feature = "mysql")), allow(dead_code))]
    pub(crate) fn sql_state(&self) -> Option<String> {
        match self {
            Error::Query { source, .. } => {
                source.downcast_ref::<DriverError>()?.inner.as_database_error()?.code().map(|c| c.into_owned())
            }
            _ => None,
        }
    }

    /// Whether a foreign key constraint rejected the write.
    pub fn is_foreign_key_violation(&self) -> bool {
        matches!(self, Error::ForeignKeyViolation { .. })
    }

    /// A decode error for `column` of `model`.
    pub fn decode(model: &'static str, column: impl Into<String>, source: BoxError) -> Error {
        Error::Decode { model, column: column.into(), source }
    }

    /// Classifies a driver error raised while running `sql` for `model`.
    #[cfg(feature = "sql")]
    pub(crate) fn from_sqlx(model: &'static str, operation: &'static str, sql: &str, source: sqlx::Error) -> Error {
        use sqlx::error::ErrorKind;
        let Some(db) = source.as_database_error() else {
            return Error::Query { model, operation, sql: sql.to_string(), source: DriverError::boxed(source) };
        };
        let constraint = db.constraint().map(str::to_string);
        let kind = if db.code().is_some_and(|c| FOREIGN_KEY_CODES.contains(&c.as_ref())) {
            ErrorKind::ForeignKeyViolation
        } else {
            db.kind()
        };
        let source = DriverError::boxed(source);
        match kind {
            ErrorKind::UniqueViolation => Error::UniqueViolation { model, operation, constraint, source },
            ErrorKind::ForeignKeyViolation => Error::ForeignKeyViolation { model, operation, constraint, source },
            ErrorKind::NotNullViolation | ErrorKind::CheckViolation => Error::ConstraintViolation { model, operation, source },
            _ => Error::Query { model, operation, sql: sql.to_string(), source },
        }
    }
}

/// Replaces the password of a URL with `***`, for error messages and logs.
///
/// ```
/// assert_eq!(orm_core::error::redact_url("postgres://me:secret@db/app"), "postgres://me:***@db/app");
/// assert_eq!(orm_core::error::redact_url("sqlite::memory:"), "sqlite::memory:");
/// ```
pub fn redact_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else { return url.to_string() };
    let rest = &url[scheme_end + 3..];
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    match (authority.rfind('@'), authority.find(':')) {
        (Some(at), Some(colon)) if colon < at => format!(
            "{}{}:***{}",
            &url[..scheme_end + 3],
            &authority[..colon],
            &rest[at..]
        ),
        _ => url.to_string(),
    }
}

/// One failed validation rule.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldError {
    /// The column.
    pub field: String,
    /// The rule (`length`, `range`, `email`, `regex`, `custom`).
    pub rule: &'static str,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}): {}", self.field, self.rule, self.message)
    }
}
