//! `orm migrate` where a session lock would not hold, both started by the test command: a
//! three-node MariaDB Galera cluster (`TEST_GALERA_URLS`) and PostgreSQL behind PgBouncer in
//! transaction pooling mode (`TEST_PGBOUNCER_URL`). Runners racing (spread over the nodes, or
//! sharing the pooler's server connections) apply every migration exactly once, and a lock left by a
//! runner that died is taken over once its lease runs out.

use orm_core::migrate::{write_file, Migrator, Progress, Target};
use orm_core::schema::{Column, ColumnType, Operation, Table};
use orm_core::Database;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Where the test runs: the URLs runners connect to, and the URLs to read each copy of the
/// history from (every node of the cluster; the server behind the pooler).
struct Site {
    admin: Database,
    runners: Vec<String>,
    copies: Vec<String>,
    drop: String,
    postgres: bool,
}

fn unset(what: &str) -> Option<Site> {
    assert!(std::env::var("CI").as_deref() != Ok("true"), "{what} unset under CI=true (bash scripts/test.sh starts it)");
    eprintln!("skipping: {what} unset");
    None
}

fn fresh_name() -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    format!("orm_c_{}_{nanos}", std::process::id())
}

/// `url` with its database replaced by `name` (parameters kept).
fn on_database(url: &str, name: &str) -> String {
    let (base, params) = url.split_once('?').map_or((url, None), |(b, p)| (b, Some(p)));
    let root = base.rsplit_once('/').unwrap().0;
    params.map_or(format!("{root}/{name}"), |p| format!("{root}/{name}?{p}"))
}

/// A fresh database on the Galera cluster, and its URL on each node.
async fn galera() -> Option<Site> {
    let urls = orm_tests::galera_urls();
    if urls.is_empty() {
        return unset("TEST_GALERA_URLS");
    }
    let name = fresh_name();
    let admin = Database::connect(&urls[0]).await.expect("connect to the first node");
    admin.raw_execute(&format!("CREATE DATABASE `{name}`"), []).await.unwrap();
    let nodes: Vec<String> = urls.iter().map(|u| on_database(u, &name)).collect();
    Some(Site { admin, runners: nodes.clone(), copies: nodes, drop: format!("DROP DATABASE `{name}`"), postgres: false })
}

/// A fresh database on the PostgreSQL server behind PgBouncer, and its URL through PgBouncer.
async fn pgbouncer() -> Option<Site> {
    let Some((pooler, primary)) = orm_tests::pgbouncer_urls() else { return unset("TEST_PGBOUNCER_URL") };
    let name = fresh_name();
    let admin = Database::connect(&primary).await.expect("connect to the PostgreSQL primary");
    admin.raw_execute(&format!("CREATE DATABASE \"{name}\""), []).await.unwrap();
    Some(Site {
        admin,
        runners: vec![on_database(&pooler, &name)],
        copies: vec![on_database(&primary, &name)],
        drop: format!("DROP DATABASE \"{name}\" WITH (FORCE)"),
        postgres: true,
    })
}

/// Twenty migrations, each creating a table.
fn twenty_migrations(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    for i in 1..=20 {
        let table = format!("t{i:02}");
        let t = Table::new(&table).column(Column::new("id", ColumnType::I64)).column(Column::new("n", ColumnType::I32)).primary_key(["id"]);
        let text = write_file("test", &[Operation::CreateTable(t)], &[Operation::DropTable { table: table.clone() }]);
        std::fs::write(dir.join(format!("202401010000{i:02}_{table}.toml")), text).unwrap();
    }
}

/// Eight `orm migrate up` processes racing on twenty migrations, spread over the runner URLs:
/// each migration applied exactly once, every runner exits 0, every copy of the history the same.
async fn eight_runners_apply_each_migration_once(site: Site) {
    let dir = tempfile::tempdir().unwrap();
    twenty_migrations(&dir.path().join("migrations"));
    let applied = orm_tests::race_migrate_up(env!("CARGO_BIN_EXE_orm"), dir.path(), &site.runners);
    let expected: Vec<String> = (1..=20).map(|i| format!("202401010000{i:02}_t{i:02}")).collect();
    assert_eq!(applied, expected, "every migration applied exactly once over all runners");
    let mut histories = Vec::new();
    for url in &site.copies {
        let db = Database::connect(url).await.unwrap();
        if !site.postgres {
            db.raw_execute("SET SESSION wsrep_sync_wait = 15", []).await.unwrap();
        }
        let rows: Vec<(i64, String)> = db.raw_query("SELECT version, checksum FROM _orm_migrations ORDER BY version", []).await.unwrap();
        assert_eq!(rows.len(), 20, "{url}");
        histories.push(rows);
        db.close().await;
    }
    assert!(histories.windows(2).all(|w| w[0] == w[1]), "the nodes' histories differ");
    site.admin.raw_execute(&site.drop, []).await.unwrap();
}

/// A lock row left by a runner that died (its lease about to run out) is taken over once it has;
/// a live one is waited for, and `unlock` removes it.
async fn a_dead_runner_s_lock_is_taken_over_after_its_lease(site: Site) {
    let dir = tempfile::tempdir().unwrap();
    twenty_migrations(dir.path());
    let runner = |i: usize| Database::connect(&site.runners[i % site.runners.len()]);
    let first = runner(0).await.unwrap();
    // A dead runner's row expiring in 1.5 s (the lock table as the runner makes it).
    let (create, insert) = if site.postgres {
        (
            "CREATE TABLE \"_orm_migrations_lock\" (\"id\" VARCHAR(16) NOT NULL PRIMARY KEY, \"owner\" VARCHAR(255) NOT NULL, \
             \"acquired_at\" TIMESTAMPTZ NOT NULL, \"expires_at\" TIMESTAMPTZ NOT NULL)",
            "INSERT INTO \"_orm_migrations_lock\" VALUES ('lock', $1, clock_timestamp(), clock_timestamp() + CAST($2 AS DOUBLE PRECISION) * INTERVAL '1 microsecond')",
        )
    } else {
        (
            "CREATE TABLE `_orm_migrations_lock` (`id` VARCHAR(16) NOT NULL PRIMARY KEY, `owner` VARCHAR(255) NOT NULL, \
             `acquired_at` DATETIME(6) NOT NULL, `expires_at` DATETIME(6) NOT NULL) ENGINE=InnoDB",
            "INSERT INTO `_orm_migrations_lock` VALUES ('lock', ?, NOW(6), NOW(6) + INTERVAL ? MICROSECOND)",
        )
    };
    first.raw_execute(create, []).await.unwrap();
    let plant = |owner: &'static str, micros: i64| {
        let db = first.clone();
        async move { db.raw_execute(insert, [orm_core::Value::String(Some(owner.into())), orm_core::Value::I64(Some(micros))]).await.unwrap() }
    };
    plant("dead-host pid 1 run gone", 1_500_000).await;
    // A runner (on another node) waits for it, told who holds it, then takes it over.
    let seen = Arc::new(Mutex::new(Vec::new()));
    let m = {
        let seen = seen.clone();
        Migrator::from_dir(runner(1).await.unwrap(), dir.path()).unwrap().on_progress(move |p| seen.lock().unwrap().push(p.clone()))
    };
    let started = std::time::Instant::now();
    let report = m.up(Target::All).await.unwrap();
    assert!(report.waited && report.entries.len() == 20, "{report:?}");
    assert!(started.elapsed() >= Duration::from_millis(1000), "took a live lock after {:?}", started.elapsed());
    let waiting = seen.lock().unwrap()[0].clone();
    let Progress::WaitingForLock { holder: Some(h) } = waiting else { panic!("{waiting:?}") };
    assert_eq!(h.owner, "dead-host pid 1 run gone");
    assert!(m.lock_holder().await.unwrap().is_none(), "released at the end of the run");

    // A live row is never taken over; `unlock` (force_unlock) removes it, naming its owner.
    plant("busy-host pid 2 run live", 60_000_000).await;
    let third = Migrator::from_dir(runner(2).await.unwrap(), dir.path()).unwrap();
    let waiter = {
        let (db, path) = (runner(2).await.unwrap(), dir.path().to_path_buf());
        tokio::spawn(async move { Migrator::from_dir(db, &path).unwrap().down(Target::Steps(1)).await })
    };
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert!(!waiter.is_finished(), "took a live lock");
    assert_eq!(third.lock_holder().await.unwrap().unwrap().owner, "busy-host pid 2 run live");
    assert_eq!(third.force_unlock().await.unwrap().unwrap().owner, "busy-host pid 2 run live");
    assert_eq!(waiter.await.unwrap().unwrap().entries.len(), 1);
    site.admin.raw_execute(&site.drop, []).await.unwrap();
}

macro_rules! on {
    ($($name:ident: $scenario:ident => $site:ident),+ $(,)?) => {$(
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            if let Some(site) = $site().await {
                $scenario(site).await
            }
        }
    )+};
}

on!(
    eight_runners_over_three_galera_nodes: eight_runners_apply_each_migration_once => galera,
    eight_runners_through_pgbouncer: eight_runners_apply_each_migration_once => pgbouncer,
    dead_runner_s_lease_on_galera: a_dead_runner_s_lock_is_taken_over_after_its_lease => galera,
    dead_runner_s_lease_through_pgbouncer: a_dead_runner_s_lock_is_taken_over_after_its_lease => pgbouncer,
);
