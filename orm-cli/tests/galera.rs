//! `orm migrate` on a three-node MariaDB Galera cluster (`TEST_GALERA_URLS`, started by the test
//! command): runners spread over the nodes apply every migration exactly once, and a lock left by a
//! runner that died is taken over once its lease runs out.

use orm_core::migrate::{write_file, Migrator, Progress, Target};
use orm_core::schema::{Column, ColumnType, Operation, Table};
use orm_core::Database;
use std::path::Path;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A fresh database on the cluster, and its URL on each node.
async fn fresh_database() -> Option<(Database, Vec<String>, String)> {
    let urls = orm_tests::galera_urls();
    if urls.is_empty() {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "TEST_GALERA_URLS unset under CI=true (bash scripts/test.sh starts a cluster)");
        eprintln!("skipping: no Galera cluster (TEST_GALERA_URLS)");
        return None;
    }
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    let name = format!("orm_g_{}_{nanos}", std::process::id());
    let admin = Database::connect(&urls[0]).await.expect("connect to the first node");
    admin.raw_execute(&format!("CREATE DATABASE `{name}`"), []).await.unwrap();
    let on_node = |url: &String| format!("{}/{name}", url.rsplit_once('/').unwrap().0);
    Some((admin, urls.iter().map(on_node).collect(), name))
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_runners_over_three_nodes_apply_each_migration_once() {
    let Some((admin, urls, name)) = fresh_database().await else { return };
    let dir = tempfile::tempdir().unwrap();
    twenty_migrations(&dir.path().join("migrations"));
    let children: Vec<_> = (0..8)
        .map(|i| {
            Command::new(env!("CARGO_BIN_EXE_orm"))
                .args(["migrate", "up", "--database-url", &urls[i % urls.len()]])
                .current_dir(dir.path())
                .env_remove("DATABASE_URL")
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
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
    let expected: Vec<String> = (1..=20).map(|i| format!("202401010000{i:02}_t{i:02}")).collect();
    assert_eq!(applied, expected, "every migration applied exactly once over all runners");
    // The same history on every node.
    let mut histories = Vec::new();
    for url in &urls {
        let db = Database::connect(url).await.unwrap();
        db.raw_execute("SET SESSION wsrep_sync_wait = 15", []).await.unwrap();
        let rows: Vec<(i64, String)> = db.raw_query("SELECT version, checksum FROM _orm_migrations ORDER BY version", []).await.unwrap();
        assert_eq!(rows.len(), 20, "{url}");
        histories.push(rows);
        db.close().await;
    }
    assert!(histories.windows(2).all(|w| w[0] == w[1]), "the nodes' histories differ");
    admin.raw_execute(&format!("DROP DATABASE `{name}`"), []).await.unwrap();
}

/// A lock row left by a runner that died (its lease about to run out) is taken over once it has;
/// a live one is waited for, and `unlock` removes it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_runner_s_lock_is_taken_over_after_its_lease() {
    let Some((admin, urls, name)) = fresh_database().await else { return };
    let dir = tempfile::tempdir().unwrap();
    twenty_migrations(dir.path());
    let node = |i: usize| Database::connect(&urls[i]);
    let first = node(0).await.unwrap();
    // A dead runner's row, written on the first node, expiring in 1.5 s.
    first
        .raw_execute(
            "CREATE TABLE IF NOT EXISTS `_orm_migrations_lock` (`id` VARCHAR(16) NOT NULL PRIMARY KEY, `owner` VARCHAR(255) NOT NULL, \
             `acquired_at` DATETIME(6) NOT NULL, `expires_at` DATETIME(6) NOT NULL) ENGINE=InnoDB",
            [],
        )
        .await
        .unwrap();
    first
        .raw_execute("INSERT INTO `_orm_migrations_lock` VALUES ('lock', 'dead-host pid 1 run gone', NOW(6), NOW(6) + INTERVAL 1500000 MICROSECOND)", [])
        .await
        .unwrap();
    // A runner on another node waits for it, told who holds it, then takes it over.
    let seen = Arc::new(Mutex::new(Vec::new()));
    let m = {
        let seen = seen.clone();
        Migrator::from_dir(node(1).await.unwrap(), dir.path()).unwrap().on_progress(move |p| seen.lock().unwrap().push(p.clone()))
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
    first
        .raw_execute("INSERT INTO `_orm_migrations_lock` VALUES ('lock', 'busy-host pid 2 run live', NOW(6), NOW(6) + INTERVAL 60 SECOND)", [])
        .await
        .unwrap();
    let third = Migrator::from_dir(node(2).await.unwrap(), dir.path()).unwrap();
    let waiter = {
        let (db, path) = (node(2).await.unwrap(), dir.path().to_path_buf());
        tokio::spawn(async move { Migrator::from_dir(db, &path).unwrap().down(Target::Steps(1)).await })
    };
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert!(!waiter.is_finished(), "took a live lock");
    assert_eq!(third.lock_holder().await.unwrap().unwrap().owner, "busy-host pid 2 run live");
    assert_eq!(third.force_unlock().await.unwrap().unwrap().owner, "busy-host pid 2 run live");
    assert_eq!(waiter.await.unwrap().unwrap().entries.len(), 1);
    admin.raw_execute(&format!("DROP DATABASE `{name}`"), []).await.unwrap();
}
