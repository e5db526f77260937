//! Read replicas on real servers: a PostgreSQL primary with two streaming replicas and a MariaDB
//! primary with two GTID replicas, one of each applying two seconds late (started by the test
//! command: `TEST_PG_PRIMARY_URL`, `TEST_PG_REPLICA_URL`, `TEST_PG_DELAYED_REPLICA_URL`, and the
//! `TEST_MARIADB_*` ones). Each scenario runs on both. Reads land on a replica (the server says so:
//! a view of `pg_is_in_recovery()` / the `SLAVE_RUNNING` status), a read right after a write always
//! sees it, also through the delayed replica and through a token carried to another handle, a
//! killed replica costs nothing but speed, and migrations refuse a replica.

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
    /// 1 on a replica.
    on_replica: i64,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[orm(table = "replica_notes")]
struct Note {
    #[orm(primary_key, auto_increment)]
    id: i64,
    #[orm(length = 80)]
    body: String,
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum Kind {
    Postgres,
    MariaDb,
}

struct Servers {
    kind: Kind,
    primary: String,
    replica: String,
    delayed: String,
}

fn servers(kind: Kind) -> Option<Servers> {
    let prefix = match kind {
        Kind::Postgres => "TEST_PG",
        Kind::MariaDb => "TEST_MARIADB",
    };
    let get = |name: &str| std::env::var(format!("{prefix}_{name}")).ok();
    match (get("PRIMARY_URL"), get("REPLICA_URL"), get("DELAYED_REPLICA_URL")) {
        (Some(primary), Some(replica), Some(delayed)) => Some(Servers { kind, primary, replica, delayed }),
        _ => {
            assert!(std::env::var("CI").as_deref() != Ok("true"), "no {kind:?} primary and replicas under CI=true (bash scripts/test.sh starts them)");
            eprintln!("skipping: no {kind:?} primary and replicas ({prefix}_PRIMARY_URL, ...)");
            None
        }
    }
}

/// One test per backend for each scenario (an `async fn(Servers)`).
macro_rules! on_both {
    ($($name:ident),+ $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(s) = super::servers(super::Kind::Postgres) {
                    super::$name(s).await
                }
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn mariadb() {
                if let Some(s) = super::servers(super::Kind::MariaDb) {
                    super::$name(s).await
                }
            }
        }
    )+};
}

on_both!(
    reads_go_to_the_replica_and_see_the_handle_s_writes,
    a_delayed_replica_never_serves_a_read_older_than_the_write,
    a_killed_replica_costs_speed_not_reads,
    a_lagging_replica_leaves_the_rotation_until_it_catches_up,
    migrations_and_writes_refuse_a_replica,
    replicas_can_be_named_in_the_url,
);

async fn with_replicas(s: &Servers, replicas: &[&String]) -> Database {
    let options = ConnectOptions::new().replicas(replicas.iter().map(|r| r.to_string()));
    Database::connect_with(&s.primary, options).await.expect("connect to the primary")
}

/// The probe view and the notes table, made once on the primary (idempotent).
async fn schema(db: &Database) {
    let view = match db.backend() {
        orm_core::BackendKind::Postgres => {
            "CREATE OR REPLACE VIEW replica_probe AS SELECT CAST(1 AS BIGINT) AS id, CAST(CASE WHEN pg_is_in_recovery() THEN 1 ELSE 0 END AS BIGINT) AS on_replica"
        }
        _ => {
            "CREATE OR REPLACE VIEW replica_probe AS SELECT CAST(1 AS SIGNED) AS id, CAST(COALESCE((SELECT VARIABLE_VALUE = 'ON' FROM \
             information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'SLAVE_RUNNING'), 0) AS SIGNED) AS on_replica"
        }
    };
    if db.backend() == orm_core::BackendKind::Postgres {
        // PostgreSQL's CREATE OR REPLACE keeps column types: a view left by an older run goes.
        db.raw_execute("DROP VIEW IF EXISTS replica_probe", []).await.unwrap();
    }
    db.raw_execute(view, []).await.unwrap();
    if !db.table_exists("replica_notes").await.unwrap() {
        db.create_table::<Note>().await.unwrap();
    }
}

async fn on_replica<E: orm_core::Executor>(q: orm_core::Select<Probe>, db: &E) -> bool {
    q.one(db).await.unwrap().expect("the probe view has its row").on_replica == 1
}

async fn reads_go_to_the_replica_and_see_the_handle_s_writes(s: Servers) {
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

    // With the query cache: an entry is never older than the handle's writes.
    if let Some(cache) = orm_tests::test_cache("replicas").await {
        let cached = db.with_cache(cache);
        let note = cached.insert(&Note { id: 0, body: "cached".into() }).await.unwrap();
        for round in 0..3 {
            let body = format!("cached {round}");
            cached.update(&Note { id: note.id, body: body.clone() }).await.unwrap();
            for _ in 0..2 {
                assert_eq!(Note::find_by_pk(note.id).cached().one(&cached).await.unwrap().map(|n| n.body), Some(body.clone()));
            }
        }
        assert!(cached.cache_stats().unwrap().hits >= 3, "{:?}", cached.cache_stats());
    }
    let status = db.replica_status();
    assert!(status.len() == 1 && status[0].in_rotation && status[0].problem.is_none(), "{status:?}");
}

async fn a_delayed_replica_never_serves_a_read_older_than_the_write(s: Servers) {
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
    let prefix = if s.kind == Kind::Postgres { "pg:" } else { "mariadb:" };
    assert!(text.starts_with(prefix), "{text}");
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

async fn a_lagging_replica_leaves_the_rotation_until_it_catches_up(s: Servers) {
    let _one = SERIAL.lock().await;
    // The writer is another handle: `db` has no floor of its own, so only the lag bound decides.
    let writer = Database::connect(&s.primary).await.unwrap();
    schema(&writer).await;
    let options = ConnectOptions::new().replicas([s.delayed.clone()]).max_replica_lag(Duration::from_millis(300));
    let db = Database::connect_with(&s.primary, options).await.unwrap();
    let wait_for = |want: bool, what: &'static str| {
        let db = db.clone();
        async move {
            let deadline = Instant::now() + Duration::from_secs(20);
            loop {
                let here = on_replica(Probe::find(), &db).await;
                if db.replica_status()[0].in_rotation == want && (here == want) {
                    return;
                }
                assert!(Instant::now() < deadline, "{what}: {:?}", db.replica_status());
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    };
    wait_for(true, "the delayed replica never served a read").await;
    // A write the replica applies 2 s late: it lags more than the 300 ms allowed for a while.
    writer.insert(&Note { id: 0, body: "makes the delayed replica lag".into() }).await.unwrap();
    wait_for(false, "the lagging replica stayed in rotation").await;
    let status = &db.replica_status()[0];
    assert!(status.problem.as_deref().is_some_and(|p| p.contains("lags")), "{status:?}");
    wait_for(true, "the replica never came back once it caught up").await;
}

/// Stops and starts the first replica of `kind` (its server process, as a crash would).
struct ReplicaProcess {
    kind: Kind,
    dir: String,
}

impl ReplicaProcess {
    fn of(kind: Kind) -> Option<ReplicaProcess> {
        let var = match kind {
            Kind::Postgres => "ORM_TEST_PG_REPLICA_DATA",
            Kind::MariaDb => "ORM_TEST_MARIADB_REPLICA_DIR",
        };
        match std::env::var(var) {
            Ok(dir) => Some(ReplicaProcess { kind, dir }),
            Err(_) => {
                assert!(std::env::var("CI").as_deref() != Ok("true"), "{var} unset under CI=true");
                None
            }
        }
    }

    fn run(program: &str, args: &[&str]) {
        let status = std::process::Command::new(program).args(args).stdout(std::process::Stdio::null()).status().unwrap();
        assert!(status.success(), "{program} {args:?}");
    }

    fn kill(&self) {
        match self.kind {
            Kind::Postgres => {
                let pg_ctl = format!("{}/pg_ctl", std::env::var("ORM_TEST_PG_BIN").unwrap());
                Self::run("runuser", &["-u", "postgres", "--", &pg_ctl, "-D", &self.dir, "-m", "immediate", "stop"]);
            }
            Kind::MariaDb => {
                let pid = std::fs::read_to_string(format!("{}/replica.pid", self.dir)).unwrap();
                Self::run("kill", &["-9", pid.trim()]);
                let port: u16 = std::fs::read_to_string(format!("{}/replica.port", self.dir)).unwrap().trim().parse().unwrap();
                while std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                    std::thread::sleep(Duration::from_millis(20));
                }
            }
        }
    }

    /// Starts the replica again, as the test command did.
    fn start(&self) {
        match self.kind {
            Kind::Postgres => {
                let pg_ctl = format!("{}/pg_ctl", std::env::var("ORM_TEST_PG_BIN").unwrap());
                let log = format!("{}.log", self.dir);
                Self::run("runuser", &["-u", "postgres", "--", &pg_ctl, "-D", &self.dir, "-l", &log, "-w", "start"]);
            }
            Kind::MariaDb => {
                let read = |f: &str| std::fs::read_to_string(format!("{}/{f}", self.dir)).unwrap().trim().to_string();
                let log = std::fs::OpenOptions::new().append(true).create(true).open(format!("{}/replica.log", self.dir)).unwrap();
                // The server outlives the test, as the one the test command started would; the
                // test command stops it by its pid file.
                #[allow(clippy::zombie_processes)]
                std::process::Command::new("/usr/sbin/mariadbd")
                    .args(["--no-defaults", &format!("--datadir={}/replica", self.dir), "--user=mysql", &format!("--port={}", read("replica.port"))])
                    .args(["--bind-address=127.0.0.1", &format!("--socket={}/replica.sock", self.dir), &format!("--pid-file={}/replica.pid", self.dir)])
                    .args([&format!("--server-id={}", read("replica.id")), "--log-bin=binlog", "--log-slave-updates", "--binlog-format=ROW"])
                    .arg("--innodb-flush-log-at-trx-commit=0")
                    .stdout(log.try_clone().unwrap())
                    .stderr(log)
                    .spawn()
                    .unwrap();
            }
        }
    }
}

async fn a_killed_replica_costs_speed_not_reads(s: Servers) {
    let Some(process) = ReplicaProcess::of(s.kind) else { return };
    let _one = SERIAL.lock().await;
    let db = with_replicas(&s, &[&s.replica]).await;
    schema(&db).await;
    assert!(on_replica(Probe::find(), &db).await);
    process.kill();
    let restart = scopeguard(|| process.start());
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

async fn migrations_and_writes_refuse_a_replica(s: Servers) {
    let replica = Database::connect(&s.replica).await.unwrap();
    assert!(replica.is_replica().await.unwrap());
    let dir = tempfile::tempdir().unwrap();
    let t = Table::new("never_made").column(Column::new("id", ColumnType::I64)).primary_key(["id"]);
    let text = write_file("test", &[Operation::CreateTable(t)], &[Operation::DropTable { table: "never_made".into() }]);
    std::fs::write(dir.path().join("20240101000000_never.toml"), text).unwrap();
    let err = Migrator::from_dir(replica.clone(), dir.path()).unwrap().up(Target::All).await.unwrap_err();
    assert!(matches!(err, Error::ReplicaNotWritable { .. }), "{err:?}");
    assert!(err.to_string().contains("read replica"), "{err}");
    // A replica given as the primary of a database with replicas is refused at connect.
    let err = Database::connect_with(&s.replica, ConnectOptions::new().replicas([s.delayed.clone()])).await.unwrap_err();
    assert!(matches!(err, Error::ReplicaNotWritable { .. }), "{err:?}");
}

async fn replicas_can_be_named_in_the_url(s: Servers) {
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

/// MongoDB: the driver finds the replica set's members, and a URL whose `readPreference` lets reads
/// go to secondaries turns on reads held to the handle's writes by causally consistent sessions
/// (`readConcern.afterClusterTime`). The test server (secantusdb) is a one-member replica set: it
/// answers `operationTime` and accepts `afterClusterTime`, but has no secondary to make wait, so
/// this checks the toolkit's side (positions, tokens, reads after writes), not a lagging member.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mongodb_reads_are_held_to_the_handle_s_writes() {
    let base = orm_tests::mongodb_url();
    let url = format!("{base}{}readPreference=secondaryPreferred", if base.contains('?') { '&' } else { '?' });
    let db = match Database::connect(&url).await {
        Ok(db) => db,
        Err(e) => {
            assert!(std::env::var("CI").as_deref() != Ok("true"), "MongoDB is unreachable under CI=true: {e}");
            return;
        }
    };
    assert!(!db.is_replica().await.unwrap(), "the URL reaches the primary");
    db.drop_table::<Note>().await.ok();
    db.create_table::<Note>().await.unwrap();
    let mut last = None;
    for i in 0..20 {
        let note = db.insert(&Note { id: 0, body: format!("note {i}") }).await.unwrap();
        assert_eq!(Note::find_by_pk(note.id).one(&db).await.unwrap().map(|n| n.body), Some(note.body));
        let token = db.consistency_token().await.unwrap().expect("a write was made");
        assert!(token.to_string().starts_with("mongo:"), "{token}");
        if let Some(before) = &last {
            assert_ne!(&token, before, "each write moves the position");
        }
        last = Some(token);
    }
    // Carried to a handle that wrote nothing, the token holds its reads too.
    let token: ConsistencyToken = last.unwrap().to_string().parse().unwrap();
    let elsewhere = Database::connect(&url).await.unwrap().after(token);
    assert_eq!(Note::find().count(&elsewhere).await.unwrap(), 20);
    // Replica URLs are the driver's business on MongoDB.
    let err = Database::connect_with(&base, ConnectOptions::new().replicas([base.clone()])).await.unwrap_err();
    assert!(matches!(err, Error::Unsupported { .. }) && err.to_string().contains("readPreference"), "{err}");
    db.drop_table::<Note>().await.unwrap();
}

/// A MariaDB primary without a binary log has no GTID position to hold reads to: refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_primary_without_positions_is_refused() {
    let Some(s) = servers(Kind::MariaDb) else { return };
    let plain = Database::connect(&orm_tests::mysql_url()).await.unwrap();
    let log_bin: Vec<(String,)> = plain.raw_query("SELECT CAST(@@log_bin AS CHAR)", []).await.unwrap();
    if log_bin[0].0 != "0" && !log_bin[0].0.eq_ignore_ascii_case("OFF") {
        eprintln!("the test MariaDB keeps a binary log: nothing to refuse");
        return;
    }
    let err = Database::connect_with(&orm_tests::mysql_url(), ConnectOptions::new().replicas([s.replica.clone()])).await.unwrap_err();
    assert!(matches!(err, Error::Unsupported { .. }) && err.to_string().contains("log_bin"), "{err}");
}
