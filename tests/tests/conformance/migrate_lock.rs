//! The migration lock's own rules: MongoDB's lease (taken over only once expired, never deleted by
//! a runner that does not own it, renewed while the run lives, removable by `unlock`), and MySQL's
//! lock named per database.

use orm_core::bson::{doc, DateTime as BsonDateTime, Document};
use orm_core::migrate::{write_file, Migrator, Progress, Target};
use orm_core::schema::{Column, ColumnType, Operation, Table};
use orm_core::{Database, Error};
use orm_tests::mongodb_tests;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

mongodb_tests!(an_expired_lease_is_taken_over_and_a_live_one_never, a_runner_that_lost_its_lock_stops_and_leaves_the_new_one);

/// MySQL's lock names are server-wide, so the runner's is named after the database.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mysql_lock_is_per_database() {
    orm_tests::run(orm_tests::Backend::MySql, the_lock_is_per_database).await
}

fn one_migration(dir: &Path) {
    let t = Table::new("things").column(Column::new("id", ColumnType::I64)).primary_key(["id"]);
    let text = write_file("test", &[Operation::CreateTable(t)], &[Operation::DropTable { table: "things".into() }]);
    std::fs::write(dir.join("20240101000000_things.toml"), text).unwrap();
}

/// An `up` run of the migrations in `dir` (with `lease`, if given), stopped inside its first
/// migration, holding the lock, until something is sent on the returned sender.
async fn paused_runner(db: &Database, dir: &Path, lease: Option<Duration>) -> (tokio::task::JoinHandle<orm_core::Result<orm_core::migrate::RunReport>>, std::sync::mpsc::Sender<()>) {
    let (entered_tx, entered_rx) = std::sync::mpsc::channel::<()>();
    let (go_tx, go_rx) = std::sync::mpsc::channel::<()>();
    let (entered_tx, go_rx) = (Mutex::new(entered_tx), Mutex::new(go_rx));
    let (db, path) = (db.clone(), dir.to_path_buf());
    let runner = tokio::spawn(async move {
        let mut m = Migrator::from_dir(db, &path).unwrap();
        if let Some(lease) = lease {
            m = m.lock_lease(lease);
        }
        let m = m.on_progress(move |p| {
            if let Progress::Started { .. } = p {
                entered_tx.lock().unwrap().send(()).unwrap();
                tokio::task::block_in_place(|| go_rx.lock().unwrap().recv_timeout(Duration::from_secs(20)).unwrap());
            }
        });
        m.up(Target::All).await
    });
    tokio::task::spawn_blocking(move || entered_rx.recv_timeout(Duration::from_secs(20)).unwrap()).await.unwrap();
    (runner, go_tx)
}

async fn lock_doc(db: &Database) -> Option<Document> {
    let found = db.run_command(doc! { "find": "_orm_migrations_lock", "filter": { "_id": "lock" } }).await.unwrap();
    found.get_document("cursor").unwrap().get_array("firstBatch").unwrap().first().and_then(|d| d.as_document().cloned())
}

async fn put_lock(db: &Database, owner: &str, expires_in_ms: i64) {
    let now = BsonDateTime::now().timestamp_millis();
    let lock = doc! { "_id": "lock", "owner": owner, "acquired_at": BsonDateTime::from_millis(now), "expires_at": BsonDateTime::from_millis(now + expires_in_ms) };
    db.run_command(doc! { "delete": "_orm_migrations_lock", "deletes": [{ "q": { "_id": "lock" }, "limit": 1 }] }).await.unwrap();
    db.run_command(doc! { "insert": "_orm_migrations_lock", "documents": [lock] }).await.unwrap();
}

async fn an_expired_lease_is_taken_over_and_a_live_one_never(db: Database) {
    let dir = tempfile::tempdir().unwrap();
    one_migration(dir.path());
    // A runner that died a moment ago: its lease runs out after 800 ms, then the lock is taken over.
    put_lock(&db, "crashed-host pid 1 run dead", 800).await;
    let seen = Arc::new(Mutex::new(Vec::new()));
    let m = {
        let seen = seen.clone();
        Migrator::from_dir(db.clone(), dir.path()).unwrap().on_progress(move |p| seen.lock().unwrap().push(p.clone()))
    };
    let report = m.up(Target::All).await.unwrap();
    assert!(report.waited && report.entries.len() == 1, "{report:?}");
    let waiting = seen.lock().unwrap()[0].clone();
    let Progress::WaitingForLock { holder: Some(h) } = waiting else { panic!("{waiting:?}") };
    assert!(h.owner == "crashed-host pid 1 run dead" && h.since.is_some(), "{h}");
    assert!(h.to_string().contains("since "), "{h}");
    assert!(lock_doc(&db).await.is_none(), "the runner released the lock it took over");

    // A live lease is never taken over: the runner waits, and `unlock` is what frees it.
    put_lock(&db, "busy-host pid 2 run live", 60_000).await;
    let waiter = {
        let db = db.clone();
        let path = dir.path().to_path_buf();
        tokio::spawn(async move { Migrator::from_dir(db, &path).unwrap().down(Target::All).await })
    };
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert!(!waiter.is_finished(), "took a live lock");
    let m = Migrator::from_dir(db.clone(), dir.path()).unwrap();
    assert_eq!(m.lock_holder().await.unwrap().unwrap().owner, "busy-host pid 2 run live");
    let removed = m.force_unlock().await.unwrap().unwrap();
    assert_eq!(removed.owner, "busy-host pid 2 run live");
    let report = waiter.await.unwrap().unwrap();
    assert_eq!(report.entries.len(), 1);
    assert!(m.lock_holder().await.unwrap().is_none());
}

async fn a_runner_that_lost_its_lock_stops_and_leaves_the_new_one(db: Database) {
    let dir = tempfile::tempdir().unwrap();
    one_migration(dir.path());
    let (runner, go_tx) = paused_runner(&db, dir.path(), Some(Duration::from_millis(300))).await;
    // Someone removes the lock (`orm migrate unlock`) and another runner takes it.
    put_lock(&db, "second-host pid 3 run new", 60_000).await;
    // Several heartbeats (every 100 ms) find the lock someone else's.
    tokio::time::sleep(Duration::from_millis(1000)).await;
    go_tx.send(()).unwrap();
    let err = runner.await.unwrap().unwrap_err();
    assert!(matches!(err, Error::MigrationInterrupted { steps_done: 0, .. }), "{err:?}");
    assert!(err.to_string().contains("lock was lost"), "{err}");
    let lock = lock_doc(&db).await.expect("the new owner's lock stays");
    assert_eq!(lock.get_str("owner").unwrap(), "second-host pid 3 run new");
    assert!(!db.table_exists("things").await.unwrap());
}

async fn the_lock_is_per_database(db: Database) {
    let dir = tempfile::tempdir().unwrap();
    one_migration(dir.path());
    // Another database's runner holds its lock on the same server: this one does not wait.
    let other = Database::connect_with(db.url(), orm_core::ConnectOptions::new().max_connections(1)).await.unwrap();
    other.raw_execute("SELECT GET_LOCK(CONCAT('orm_migrate:', MD5('some_other_database')), 0)", []).await.unwrap();
    let report = Migrator::from_dir(db.clone(), dir.path()).unwrap().up(Target::All).await.unwrap();
    assert!(!report.waited, "waited for a lock of another database");
    // This database's lock, held elsewhere, is waited for.
    other.raw_execute("SELECT GET_LOCK(CONCAT('orm_migrate:', MD5(DATABASE())), 0)", []).await.unwrap();
    let waiter = {
        let (db, path) = (db.clone(), dir.path().to_path_buf());
        tokio::spawn(async move { Migrator::from_dir(db, &path).unwrap().down(Target::All).await })
    };
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(!waiter.is_finished());
    other.close().await;
    let report = waiter.await.unwrap().unwrap();
    assert!(report.waited && report.entries.len() == 1, "{report:?}");
}

/// A database name with quotes of both kinds, `;` and `--`: taking the lock, telling who holds it
/// and releasing it bind or quote the name, never paste it.
const HOSTILE: &str = " q\"b`c'; --x";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_lock_in_a_hostile_database_name() {
    orm_tests::run_in(orm_tests::Backend::Postgres, HOSTILE, the_lock_is_held_and_told).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mysql_lock_in_a_hostile_database_name() {
    orm_tests::run_in(orm_tests::Backend::MySql, HOSTILE, the_lock_is_held_and_told).await
}

async fn the_lock_is_held_and_told(db: Database) {
    let name: (String,) = match db.backend() {
        orm_core::BackendKind::Postgres => db.raw_query("SELECT current_database()", []).await.unwrap().remove(0),
        _ => db.raw_query("SELECT DATABASE()", []).await.unwrap().remove(0),
    };
    assert!(name.0.ends_with(HOSTILE), "{}", name.0);
    let dir = tempfile::tempdir().unwrap();
    one_migration(dir.path());
    let (runner, go_tx) = paused_runner(&db, dir.path(), None).await;
    let watcher = Migrator::from_dir(db.clone(), dir.path()).unwrap();
    let holder = watcher.lock_holder().await.unwrap().expect("the running migrator holds the lock");
    assert!(holder.owner.contains("PostgreSQL session") || holder.owner.contains("MySQL connection"), "{holder}");
    go_tx.send(()).unwrap();
    let report = runner.await.unwrap().unwrap();
    assert_eq!(report.entries.len(), 1);
    assert!(watcher.lock_holder().await.unwrap().is_none(), "released");
    assert!(db.table_exists("things").await.unwrap());
    watcher.down(Target::All).await.unwrap();
    assert!(!db.table_exists("things").await.unwrap());
}
