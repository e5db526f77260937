//! `orm migrate up` killed with SIGKILL at points spread over a run, and stopped with SIGINT or
//! SIGTERM: the history stays truthful on every backend, and the lock does not outlive the run.

use orm_core::migrate::{MigrationState, Migrator};
use orm_core::schema::{Column, ColumnType, Operation, RawSql, Table};
use orm_core::{BackendKind, Database};
use orm_tests::Backend;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Instant;

const FILES: usize = 3;
const TABLES_PER_FILE: usize = 6;

fn table(file: usize, step: usize) -> String {
    format!("t{file}_{step}")
}

/// Three migrations of six tables each, two steps a table: a short pause after each keeps a run
/// long enough to be cut at many points.
fn migrations(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    let pause = RawSql {
        postgres: Some("SELECT pg_sleep(0.02)".into()),
        mysql: Some("SELECT SLEEP(0.02)".into()),
        sqlite: Some("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 40000) SELECT count(*) FROM c".into()),
        all: None,
    };
    for f in 0..FILES {
        let mut up = Vec::new();
        let mut down = Vec::new();
        for s in 0..TABLES_PER_FILE {
            let t = Table::new(table(f, s)).column(Column::new("id", ColumnType::I64)).primary_key(["id"]);
            up.push(Operation::CreateTable(t));
            // A pause on SQL, a round trip on MongoDB: each backend skips the other's.
            up.push(Operation::Sql(pause.clone()));
            up.push(Operation::Mongo { command: r#"{"ping": 1}"#.into() });
            down.insert(0, Operation::DropTable { table: table(f, s) });
        }
        let text = orm_core::migrate::write_file("crash test", &up, &down);
        std::fs::write(dir.join(format!("2024010100000{f}_batch{f}.toml")), text).unwrap();
    }
}

fn spawn_up(url: &str, cwd: &Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_orm"))
        .args(["migrate", "up", "--database-url", url])
        .current_dir(cwd)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Checks the history tells the truth about the tables, and returns how many migrations it records.
async fn check_truthful(db: &Database, dir: &Path) -> usize {
    let live: Vec<String> = db.introspect().await.unwrap().tables.into_keys().collect();
    let exists = |f: usize, s: usize| live.contains(&table(f, s));
    let status = Migrator::from_dir(db.clone(), dir).unwrap().status().await.unwrap();
    let transactional = matches!(db.backend(), BackendKind::Postgres | BackendKind::Sqlite);
    let mut recorded = 0;
    for (f, entry) in status.iter().enumerate() {
        let present: Vec<bool> = (0..TABLES_PER_FILE).map(|s| exists(f, s)).collect();
        match &entry.state {
            MigrationState::Pending => assert!(present.iter().all(|p| !p), "{f}: no record, yet tables {present:?}"),
            MigrationState::Applied { .. } => {
                recorded += 1;
                assert!(present.iter().all(|p| *p), "{f}: applied, yet tables {present:?}")
            }
            MigrationState::Dirty { steps_done, .. } => {
                recorded += 1;
                assert!(!transactional, "{f}: dirty on a transactional backend");
                // Steps alternate create and pause: the tables of the steps done exist, those of the
                // steps not started do not; the step under way may have run or not.
                let done = *steps_done as usize / 2;
                assert!(present[..done].iter().all(|p| *p), "{f}: {steps_done} steps done, tables {present:?}");
                assert!(present[(done + 1).min(TABLES_PER_FILE)..].iter().all(|p| !p), "{f}: {steps_done} steps done, tables {present:?}");
            }
            other => panic!("{f}: {other:?}"),
        }
    }
    recorded
}

/// Whether the migration lock on `db` is a leased row or document: MongoDB, a node of a Galera
/// cluster, PostgreSQL behind PgBouncer.
async fn leased(db: &Database) -> bool {
    let galera = || db.raw_query::<(String,)>("SELECT CAST(@@wsrep_on AS CHAR)", []);
    match db.backend() {
        BackendKind::MongoDb => true,
        BackendKind::MySql => galera().await.is_ok_and(|r| r.first().is_some_and(|(v,)| v == "1" || v == "ON")),
        BackendKind::Postgres => db.url().contains("pgbouncer=true"),
        _ => false,
    }
}

/// Drops every table and collection, the history and the lock included.
async fn wipe(db: &Database) {
    for t in db.introspect().await.unwrap().tables.into_keys().chain(["_orm_migrations".into(), "_orm_migrations_lock".into()]) {
        if db.backend() == BackendKind::MongoDb {
            let _ = db.run_command(orm_core::bson::doc! { "drop": t }).await;
        } else {
            let q = if db.backend() == BackendKind::MySql { format!("`{}`", t.replace('`', "``")) } else { format!("\"{}\"", t.replace('"', "\"\"")) };
            db.raw_execute(&format!("DROP TABLE IF EXISTS {q}"), []).await.unwrap();
        }
    }
}

async fn killed_at_spread_points(db: Database) {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path().join("migrations");
    migrations(&dir);
    let url = db.url().to_string();
    // One whole run, to know how long a run takes.
    let started = Instant::now();
    let whole = spawn_up(&url, work.path()).wait_with_output().unwrap();
    assert!(whole.status.success(), "{}", String::from_utf8_lossy(&whole.stderr));
    let run = started.elapsed();
    assert_eq!(check_truthful(&db, &dir).await, FILES);
    let trials = 8;
    let mut cut_short = 0;
    for trial in 0..trials {
        wipe(&db).await;
        let mut child = spawn_up(&url, work.path());
        // Startup (connect, plan) then the run: cut at points spread over all of it.
        std::thread::sleep(run.mul_f64((trial as f64 + 0.5) / trials as f64));
        child.kill().unwrap();
        let out = child.wait_with_output().unwrap();
        if !out.status.success() {
            cut_short += 1;
        }
        let m = Migrator::from_dir(db.clone(), &dir).unwrap();
        // A leased lock outlives a killed runner until its lease ends (30 s; the takeover after
        // it is tested on its own): `unlock` removes it.
        if leased(&db).await {
            m.force_unlock().await.unwrap();
        }
        // The server releases a session's lock once it notices the session is gone.
        let deadline = Instant::now() + std::time::Duration::from_secs(10);
        while m.lock_holder().await.unwrap().is_some() {
            assert!(Instant::now() < deadline, "trial {trial}: the lock outlived the killed runner");
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        check_truthful(&db, &dir).await;
    }
    assert!(cut_short >= 2, "only {cut_short} of {trials} runs were cut short");
}

async fn interrupted_between_steps(db: Database) {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path().join("migrations");
    migrations(&dir);
    let url = db.url().to_string();
    let started = Instant::now();
    assert!(spawn_up(&url, work.path()).wait().unwrap().success());
    let run = started.elapsed();
    // Ctrl-C on two backends, SIGTERM (a service manager's stop) on the other two. A run that
    // finished before the signal (a busy machine's timing) is tried again, signalled earlier.
    let signal = if matches!(db.backend(), BackendKind::Postgres | BackendKind::MongoDb) { "-INT" } else { "-TERM" };
    let mut stopped = None;
    for fraction in [0.6, 0.35, 0.15] {
        wipe(&db).await;
        let child = spawn_up(&url, work.path());
        std::thread::sleep(run.mul_f64(fraction));
        assert!(Command::new("kill").args([signal, &child.id().to_string()]).status().unwrap().success());
        let out = child.wait_with_output().unwrap();
        if !out.status.success() {
            stopped = Some(out);
            break;
        }
    }
    let out = stopped.expect("every run finished before its signal");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("interrupted"), "{err}");
    let m = Migrator::from_dir(db.clone(), &dir).unwrap();
    assert!(m.lock_holder().await.unwrap().is_none(), "the lock was released");
    check_truthful(&db, &dir).await;
    // The run stopped short; a migration stopped part-way is rolled back (PostgreSQL, SQLite) or
    // recorded as interrupted (MySQL, MongoDB); one not yet started stays pending.
    let status = m.status().await.unwrap();
    assert!(status.iter().any(|e| !matches!(e.state, MigrationState::Applied { .. })), "{status:?}");
    for e in &status {
        if let MigrationState::Dirty { error, .. } = &e.state {
            assert!(error.as_deref().is_some_and(|e| e.contains("interrupted")), "{status:?}");
        }
    }
    // The CLI's unlock on a free lock says so.
    let unlock = Command::new(env!("CARGO_BIN_EXE_orm"))
        .args(["migrate", "unlock", "--yes", "--database-url", &url])
        .current_dir(work.path())
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&unlock.stdout).contains("not held"), "{}", String::from_utf8_lossy(&unlock.stderr));
}

macro_rules! on {
    ($($name:ident: $scenario:ident => $backend:expr),+ $(,)?) => {$(
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            orm_tests::run($backend, $scenario).await
        }
    )+};
}

on!(
    killed_postgres: killed_at_spread_points => Backend::Postgres,
    killed_mysql: killed_at_spread_points => Backend::MySql,
    killed_sqlite: killed_at_spread_points => Backend::SqliteFile,
    killed_mongodb: killed_at_spread_points => Backend::MongoDb,
    interrupted_postgres: interrupted_between_steps => Backend::Postgres,
    interrupted_mysql: interrupted_between_steps => Backend::MySql,
    interrupted_sqlite: interrupted_between_steps => Backend::SqliteFile,
    interrupted_mongodb: interrupted_between_steps => Backend::MongoDb,
    killed_galera: killed_at_spread_points => Backend::Galera,
    interrupted_galera: interrupted_between_steps => Backend::Galera,
    killed_pgbouncer: killed_at_spread_points => Backend::PgBouncer,
    interrupted_pgbouncer: interrupted_between_steps => Backend::PgBouncer,
);
