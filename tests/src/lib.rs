//! The shared test harness: every scenario is an `async fn(Database)`, run on every backend by
//! [`backend_tests!`], each time in a database of its own that is dropped afterwards.
//!
//! Servers come from `TEST_POSTGRES_URL` and `TEST_MYSQL_URL` (defaults: the local ports with the
//! `test` database). When a server cannot be reached the test is skipped with a message, except
//! under `CI=true`, where it fails.

pub mod compare;
pub mod process_cpu;
pub mod models;

use futures_util::FutureExt;
use orm_core::Database;
use std::future::Future;
use std::panic::AssertUnwindSafe;

/// A backend a scenario runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// PostgreSQL, a fresh database per test.
    Postgres,
    /// MariaDB / MySQL, a fresh database per test.
    MySql,
    /// SQLite in a temporary file.
    SqliteFile,
    /// SQLite in memory.
    SqliteMemory,
    /// MongoDB, a fresh database per test.
    MongoDb,
    /// A node of the MariaDB Galera cluster (`TEST_GALERA_URLS`), a fresh database per test.
    Galera,
    /// PostgreSQL through PgBouncer in transaction pooling mode (`TEST_PGBOUNCER_URL`, with
    /// `pgbouncer=true`), a fresh database per test made on the server behind it
    /// (`TEST_PG_PRIMARY_URL`).
    PgBouncer,
}

/// The admin URL of PostgreSQL for tests.
pub fn postgres_url() -> String {
    std::env::var("TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// The admin URL of MySQL/MariaDB for tests.
pub fn mysql_url() -> String {
    std::env::var("TEST_MYSQL_URL").unwrap_or_else(|_| "mysql://root@127.0.0.1:3306/test".into())
}

/// The URLs of the Galera cluster's nodes (`TEST_GALERA_URLS`, comma-separated; the test command
/// starts a three-node cluster); empty when unset.
pub fn galera_urls() -> Vec<String> {
    std::env::var("TEST_GALERA_URLS").map(|v| v.split(',').map(str::to_string).collect()).unwrap_or_default()
}

/// The URL of PgBouncer (transaction pooling) in front of the throwaway PostgreSQL primary, with
/// `pgbouncer=true`, and the primary's own URL; `None` when the test command did not start it.
pub fn pgbouncer_urls() -> Option<(String, String)> {
    Some((std::env::var("TEST_PGBOUNCER_URL").ok()?, std::env::var("TEST_PG_PRIMARY_URL").ok()?))
}

/// Starts eight `orm migrate up` processes at once (`orm` is the binary) in `dir`, the i-th on
/// `urls[i % urls.len()]`; asserts each succeeds and returns the migrations they applied, sorted.
pub fn race_migrate_up(orm: &str, dir: &std::path::Path, urls: &[String]) -> Vec<String> {
    use std::process::{Command, Stdio};
    let children: Vec<_> = (0..8)
        .map(|i| {
            let mut cmd = Command::new(orm);
            cmd.args(["migrate", "up", "--database-url", &urls[i % urls.len()]]).current_dir(dir).env_remove("DATABASE_URL");
            cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("start orm")
        })
        .collect();
    let mut applied = Vec::new();
    for child in children {
        let out = child.wait_with_output().unwrap();
        let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(out.status.success(), "a runner failed:\n{stdout}\n{stderr}");
        applied.extend(stdout.lines().filter(|l| l.starts_with("applied ")).map(|l| l.split(' ').nth(1).unwrap().to_string()));
    }
    applied.sort();
    applied
}

/// The URL of MongoDB for tests.
pub fn mongodb_url() -> String {
    std::env::var("TEST_MONGODB_URL").unwrap_or_else(|_| "mongodb://127.0.0.1:27017/test?directConnection=true".into())
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// Replaces the database (path) part of a server URL.
fn with_database(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let root = match base[scheme_end..].find('/') {
        Some(i) => &base[..scheme_end + i],
        None => base,
    };
    match query {
        Some(q) => format!("{root}/{db}?{q}"),
        None => format!("{root}/{db}"),
    }
}

/// A database made for one test, and what it takes to remove it.
struct Scratch {
    db: Database,
    /// Where `db` connects: another client can open the same database (except `sqlite::memory:`,
    /// which is private to each connection).
    url: String,
    cleanup: Option<(Database, String)>,
    _dir: Option<tempfile::TempDir>,
}

fn unreachable(backend: Backend, e: &dyn std::fmt::Display) -> Option<Scratch> {
    if in_ci() {
        panic!("{backend:?} is unreachable under CI=true: {e}");
    }
    eprintln!("skipping: {backend:?} is unreachable ({e}); set CI=true to make this a failure");
    None
}

/// `text` percent-encoded for a URL's path: everything but ASCII letters, digits and `_`.
fn percent_encode(text: &str) -> String {
    text.bytes().map(|b| if b.is_ascii_alphanumeric() || b == b'_' { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}

async fn scratch(backend: Backend, suffix: &str) -> Option<Scratch> {
    let base = format!("orm_t_{}", uuid::Uuid::new_v4().simple());
    let name = format!("{base}{suffix}");
    // The server the database is made on, and where the test connects when that differs.
    let mut through = None;
    let server = match backend {
        Backend::Postgres => Some(postgres_url()),
        Backend::PgBouncer => match pgbouncer_urls() {
            Some((pooler, primary)) => {
                through = Some(pooler);
                Some(primary)
            }
            None => return unreachable(backend, &"TEST_PGBOUNCER_URL is unset (bash scripts/test.sh starts PgBouncer)"),
        },
        Backend::MySql => Some(mysql_url()),
        Backend::Galera => match galera_urls().into_iter().next() {
            Some(url) => Some(url),
            None => return unreachable(backend, &"TEST_GALERA_URLS is unset (bash scripts/test.sh starts a cluster)"),
        },
        _ => None,
    };
    if let Some(admin_url) = server {
        let options = orm_core::ConnectOptions::new()
            .max_connections(1)
            .acquire_timeout(std::time::Duration::from_secs(10));
        let admin = match Database::connect_with(&admin_url, options).await {
            Ok(db) => db,
            Err(e) => return unreachable(backend, &e),
        };
        let postgres = matches!(backend, Backend::Postgres | Backend::PgBouncer);
        let quoted = if postgres { format!("\"{}\"", name.replace('"', "\"\"")) } else { format!("`{}`", name.replace('`', "``")) };
        admin.raw_execute(&format!("CREATE DATABASE {quoted}"), []).await.expect("create the test database");
        let url = with_database(through.as_deref().unwrap_or(&admin_url), &percent_encode(&name));
        let db = Database::connect(&url).await.expect("connect to the test database");
        let drop = format!("DROP DATABASE IF EXISTS {quoted}{}", if postgres { " WITH (FORCE)" } else { "" });
        return Some(Scratch { db, url, cleanup: Some((admin, drop)), _dir: None });
    }
    match backend {
        Backend::MongoDb => {
            let mut url = with_database(&mongodb_url(), &base);
            if !url.contains("serverSelectionTimeoutMS") {
                url.push(if url.contains('?') { '&' } else { '?' });
                url.push_str("serverSelectionTimeoutMS=5000");
            }
            match Database::connect(&url).await {
                Ok(db) => Some(Scratch { db, url, cleanup: None, _dir: None }),
                Err(e) => unreachable(backend, &e),
            }
        }
        Backend::SqliteFile => {
            let dir = tempfile::tempdir().expect("temp dir");
            let url = format!("sqlite://{}?mode=rwc", dir.path().join("test.db").display());
            let db = Database::connect(&url).await.expect("open the SQLite file");
            Some(Scratch { db, url, cleanup: None, _dir: Some(dir) })
        }
        _ => {
            let url = "sqlite::memory:".to_string();
            let db = Database::connect(&url).await.expect("open SQLite in memory");
            Some(Scratch { db, url, cleanup: None, _dir: None })
        }
    }
}

/// Runs `scenario` on `backend` in a fresh database, and removes the database afterwards, also
/// when the scenario panics.
pub async fn run<F, Fut>(backend: Backend, scenario: F)
where
    F: FnOnce(Database) -> Fut,
    Fut: Future<Output = ()>,
{
    run_in(backend, "", scenario).await
}

/// [`run`] in a database whose name ends in `suffix` (quotes, `;`, `--` and all) on PostgreSQL and
/// MySQL; the other backends' databases are named as in [`run`].
pub async fn run_in<F, Fut>(backend: Backend, suffix: &str, scenario: F)
where
    F: FnOnce(Database) -> Fut,
    Fut: Future<Output = ()>,
{
    run_at(backend, suffix, |db, _| scenario(db)).await
}

/// [`run_in`] for a scenario that also connects other clients: it gets the database's URL too.
pub async fn run_at<F, Fut>(backend: Backend, suffix: &str, scenario: F)
where
    F: FnOnce(Database, String) -> Fut,
    Fut: Future<Output = ()>,
{
    let Some(scratch) = scratch(backend, suffix).await else { return };
    let outcome = AssertUnwindSafe(scenario(scratch.db.clone(), scratch.url.clone())).catch_unwind().await;
    if backend == Backend::MongoDb
        && let Err(e) = scratch.db.run_command(orm_core::bson::doc! { "dropDatabase": 1 }).await
    {
        eprintln!("could not drop the test database: {e}");
    }
    scratch.db.close().await;
    if let Some((admin, drop)) = scratch.cleanup {
        if let Err(e) = admin.raw_execute(&drop, []).await {
            eprintln!("could not drop the test database: {e}");
        }
        admin.close().await;
    }
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

/// Generates, for each scenario `name` (an `async fn(Database)` in scope), a module `name` with one
/// test per backend: `postgres`, `mysql`, `sqlite_file`, `sqlite_memory`, `mongodb`.
#[macro_export]
macro_rules! backend_tests {
    ($($name:ident),+ $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn mongodb() {
                $crate::run($crate::Backend::MongoDb, super::$name).await
            }
            $crate::__sql_backend_tests!($name);
        }
    )+};
}

/// Like [`backend_tests!`], for scenarios that only make sense on SQL (raw SQL, sea-query statements).
#[macro_export]
macro_rules! sql_backend_tests {
    ($($name:ident),+ $(,)?) => {$(
        mod $name {
            $crate::__sql_backend_tests!($name);
        }
    )+};
}

/// For each scenario, a test on a node of the Galera cluster (module `galera`) and one through
/// PgBouncer in transaction pooling mode (module `pgbouncer`); one use per file.
#[macro_export]
macro_rules! cluster_tests {
    ($($name:ident),+ $(,)?) => {
        $crate::__tests_on!(galera, Galera, $($name),+);
        $crate::__tests_on!(pgbouncer, PgBouncer, $($name),+);
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __tests_on {
    ($module:ident, $backend:ident, $($name:ident),+) => {
        mod $module {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    $crate::run($crate::Backend::$backend, super::$name).await
                }
            )+
        }
    };
}

/// Like [`backend_tests!`], for MongoDB-only scenarios (native documents).
#[macro_export]
macro_rules! mongodb_tests {
    ($($name:ident),+ $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn mongodb() {
                $crate::run($crate::Backend::MongoDb, super::$name).await
            }
        }
    )+};
}

#[doc(hidden)]
#[macro_export]
macro_rules! __sql_backend_tests {
    ($name:ident) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn postgres() {
            $crate::run($crate::Backend::Postgres, super::$name).await
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn mysql() {
            $crate::run($crate::Backend::MySql, super::$name).await
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn sqlite_file() {
            $crate::run($crate::Backend::SqliteFile, super::$name).await
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn sqlite_memory() {
            $crate::run($crate::Backend::SqliteMemory, super::$name).await
        }
    };
}

/// The Redis of the cache tests (`TEST_REDIS_URL`, default the local port).
pub fn redis_url() -> String {
    std::env::var("TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379/0".into())
}

/// A query cache on the test Redis with a namespace of its own, or `None` (skipped; a failure under
/// `CI=true`) when Redis does not answer. Its timeout is generous: a slow CI machine must not
/// turn hits into bypasses.
pub async fn test_cache(namespace: &str) -> Option<orm_core::Cache> {
    let cache = orm_core::Cache::new(&redis_url())
        .expect("a Redis URL")
        .namespace(format!("orm_t_{namespace}_{}", uuid::Uuid::new_v4().simple()))
        .timeout(std::time::Duration::from_secs(2));
    match cache.flush().await {
        Ok(()) => Some(cache),
        Err(e) if in_ci() => panic!("Redis is unreachable under CI=true: {e}"),
        Err(e) => {
            eprintln!("skipping: Redis is unreachable ({e}); set CI=true to make this a failure");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn database_in_url() {
        assert_eq!(with_database("postgres://u@h:5432/test", "x"), "postgres://u@h:5432/x");
        assert_eq!(with_database("mysql://root@h", "x"), "mysql://root@h/x");
        assert_eq!(with_database("postgres://h/test?sslmode=disable", "x"), "postgres://h/x?sslmode=disable");
    }
}
