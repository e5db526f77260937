//! Read replicas on a real PostgreSQL primary with two streaming replicas, one applying WAL two
//! seconds late (started by the test command: `TEST_PG_PRIMARY_URL`, `TEST_PG_REPLICA_URL`,
//! `TEST_PG_DELAYED_REPLICA_URL`). Reads land on a replica (the server says so: a view of
//! `pg_is_in_recovery()`), a read right after a write always sees it, also through the delayed
//! replica and through a token carried to another handle, a killed replica costs nothing but
//! speed, and migrations refuse a replica.

use orm_core::migrate::{write_file, Migrator, Target};
use orm_core::schema::{Column, ColumnType, Operation, Table};
use orm_core::{ConnectOptions, ConsistencyToken, Database, Error, Model};
use std::time::{Duration, Instant};

/// The replica tests share the servers, and one of them stops a replica: one at a time.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Where a read ran, as the server that ran it says.
#[derive(Model, Debug, Clone, PartialEq)]
#[orm(table = "replica_probe")]
struct Probe {
    #[orm(primary_key)]
    id: i64,
    on_replica: bool,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[orm(table = "replica_notes")]
struct Note {
    #[orm(primary_key, auto_increment)]
    id: i64,
    #[orm(length = 80)]
    body: String,
}

struct Servers {
    primary: String,
    replica: String,
    delayed: String,
}

fn servers() -> Option<Servers> {
    let get = |name: &str| std::env::var(name).ok();
    match (get("TEST_PG_PRIMARY_URL"), get("TEST_PG_REPLICA_URL"), get("TEST_PG_DELAYED_REPLICA_URL")) {
        (Some(primary), Some(replica), Some(delayed)) => Some(Servers { primary, replica, delayed }),
        _ => {
            assert!(std::env::var("CI").as_deref() != Ok("true"), "no PostgreSQL primary and replicas under CI=true (bash scripts/test.sh starts them)");
            eprintln!("skipping: no PostgreSQL primary and replicas (TEST_PG_PRIMARY_URL, ...)");
            None
        }
    }
}

async fn with_replicas(s: &Servers, replicas: &[&String]) -> Database {
    let options = ConnectOptions::new().replicas(replicas.iter().map(|r| r.to_string()));
    Database::connect_with(&s.primary, options).await.expect("connect to the primary")
}

/// The probe view and the notes table, made once on the primary (idempotent).
async fn schema(db: &Database) {
    db.raw_execute("CREATE OR REPLACE VIEW replica_probe AS SELECT CAST(1 AS BIGINT) AS id, pg_is_in_recovery() AS on_replica", []).await.unwrap();
    if !db.table_exists("replica_notes").await.unwrap() {
        db.create_table::<Note>().await.unwrap();
    }
}

async fn on_replica<E: orm_core::Executor>(q: orm_core::Select<Probe>, db: &E) -> bool {
    q.one(db).await.unwrap().expect("the probe view has its row").on_replica
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_go_to_the_replica_and_see_the_handle_s_writes() {
    let Some(s) = servers() else { return };
    let _one = SERIAL.lock().await;
    let db = with_replicas(&s, &[&s.replica]).await;
    schema(&db).await;
    assert!(on_replica(Probe::find(), &db).await, "a read without writes goes to the replica");
    assert!(!on_replica(Probe::find().on_primary(), &db).await, ".on_primary()");
    assert!(!on_replica(Probe::find(), &db.primary()).await, "Database::primary()");
    let tx = db.begin().await.unwrap();
    assert!(!on_replica(Probe::find(), &tx).await, "reads in a transaction stay on the primary");
    tx.rollback().await.unwrap();

    // Every read right after a write sees it, from whichever server answers.
    let clone = db.clone();
    for i in 0..40 {
        let note = db.insert(&Note { id: 0, body: format!("note {i}") }).await.unwrap();
        let found = Note::find_by_pk(note.id).one(&clone).await.unwrap();
        assert_eq!(found.as_ref().map(|n| n.body.as_str()), Some(note.body.as_str()), "a clone's read right after the write");
        let n = Note::find().filter(Note::ID.eq(note.id)).count(&db).await.unwrap();
        assert_eq!(n, 1);
    }
    assert!(on_replica(Probe::find(), &db).await, "the replica serves reads once it has replayed the writes");
    let status = db.replica_status();
    assert!(status.len() == 1 && status[0].in_rotation && status[0].problem.is_none(), "{status:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delayed_replica_never_serves_a_read_older_than_the_write() {
    let Some(s) = servers() else { return };
    let _one = SERIAL.lock().await;
    let db = with_replicas(&s, &[&s.delayed]).await;
    schema(&db).await;
    let note = db.insert(&Note { id: 0, body: "written just now".into() }).await.unwrap();
    // The replica applies WAL 2 s late: the read waits briefly, then goes to the primary.
    let started = Instant::now();
    assert_eq!(Note::find_by_pk(note.id).one(&db).await.unwrap().map(|n| n.body), Some(note.body.clone()));
    assert!(!on_replica(Probe::find(), &db).await, "the delayed replica has not replayed the write");
    assert!(started.elapsed() < Duration::from_secs(1), "waited {:?}, more than the bound allows", started.elapsed());

    // The token carries the position to another handle (another process, the next request).
    let token = db.consistency_token().await.unwrap().expect("a write was made");
    let text = token.to_string();
    assert!(text.starts_with("pg:"), "{text}");
    let elsewhere = with_replicas(&s, &[&s.delayed]).await;
    let held = elsewhere.after(text.parse::<ConsistencyToken>().unwrap());
    assert_eq!(Note::find_by_pk(note.id).one(&held).await.unwrap().map(|n| n.body), Some(note.body.clone()));

    // Once the replica has replayed it, reads held to the token go to the replica.
    let deadline = Instant::now() + Duration::from_secs(15);
    while !on_replica(Probe::find(), &held).await {
        assert!(Instant::now() < deadline, "the delayed replica never served the held reads: {:?}", held.replica_status());
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(Note::find_by_pk(note.id).one(&held).await.unwrap().map(|n| n.body), Some(note.body));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_replica_costs_speed_not_reads() {
    let Some(s) = servers() else { return };
    let (Ok(bin), Ok(data)) = (std::env::var("ORM_TEST_PG_BIN"), std::env::var("ORM_TEST_PG_REPLICA_DATA")) else {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "ORM_TEST_PG_BIN / ORM_TEST_PG_REPLICA_DATA unset under CI=true");
        return;
    };
    let _one = SERIAL.lock().await;
    let db = with_replicas(&s, &[&s.replica]).await;
    schema(&db).await;
    assert!(on_replica(Probe::find(), &db).await);
    let pg_ctl = |args: &[&str]| {
        let status = std::process::Command::new("runuser")
            .args(["-u", "postgres", "--", &format!("{bin}/pg_ctl"), "-D", &data])
            .args(args)
            .stdout(std::process::Stdio::null())
            .status()
            .unwrap();
        assert!(status.success(), "pg_ctl {args:?}");
    };
    pg_ctl(&["-m", "immediate", "stop"]);
    let restart = scopeguard(|| {
        let log = format!("{data}.log");
        let _ = std::process::Command::new("runuser")
            .args(["-u", "postgres", "--", &format!("{bin}/pg_ctl"), "-D", &data, "-l", &log, "-w", "start"])
            .stdout(std::process::Stdio::null())
            .status();
    });
    for i in 0..10 {
        let note = db.insert(&Note { id: 0, body: format!("while down {i}") }).await.unwrap();
        assert_eq!(Note::find_by_pk(note.id).one(&db).await.unwrap().map(|n| n.id), Some(note.id));
        assert!(!on_replica(Probe::find(), &db).await, "reads go to the primary while the replica is down");
    }
    let status = db.replica_status();
    assert!(!status[0].in_rotation && status[0].problem.is_some(), "{status:?}");
    drop(restart);
    // Back in rotation once its backoff has passed.
    let deadline = Instant::now() + Duration::from_secs(60);
    while !on_replica(Probe::find(), &db).await {
        assert!(Instant::now() < deadline, "the replica never came back into rotation: {:?}", db.replica_status());
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrations_refuse_a_replica() {
    let Some(s) = servers() else { return };
    let replica = Database::connect(&s.replica).await.unwrap();
    assert!(replica.is_replica().await.unwrap());
    let dir = tempfile::tempdir().unwrap();
    let t = Table::new("never_made").column(Column::new("id", ColumnType::I64)).primary_key(["id"]);
    let text = write_file("test", &[Operation::CreateTable(t)], &[Operation::DropTable { table: "never_made".into() }]);
    std::fs::write(dir.path().join("20240101000000_never.toml"), text).unwrap();
    let err = Migrator::from_dir(replica.clone(), dir.path()).unwrap().up(Target::All).await.unwrap_err();
    assert!(matches!(err, Error::ReplicaNotWritable { .. }), "{err:?}");
    assert!(err.to_string().contains("read replica"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_can_be_named_in_the_url() {
    let Some(s) = servers() else { return };
    let _one = SERIAL.lock().await;
    // `host:port` of the replica; the user, password and database come from the primary's URL.
    let authority = s.replica.split("://").nth(1).and_then(|r| r.split('/').next()).unwrap();
    let host = authority.rsplit('@').next().unwrap();
    let db = Database::connect(&format!("{}?replicas={host}", s.primary)).await.unwrap();
    schema(&db).await;
    assert_eq!(db.replica_status().len(), 1);
    let deadline = Instant::now() + Duration::from_secs(15);
    while !on_replica(Probe::find(), &db).await {
        assert!(Instant::now() < deadline, "no read reached the replica: {:?}", db.replica_status());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Runs `f` when dropped (also when the test panics).
fn scopeguard(f: impl FnOnce()) -> impl Drop {
    struct Guard<F: FnOnce()>(Option<F>);
    impl<F: FnOnce()> Drop for Guard<F> {
        fn drop(&mut self) {
            if let Some(f) = self.0.take() {
                f();
            }
        }
    }
    Guard(Some(f))
}
