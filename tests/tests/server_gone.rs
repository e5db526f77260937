//! A MongoDB server that goes away in the middle of a migration run: the error names the
//! migration and the step that failed, not the lock release that failed after it. The server is a
//! `secantusdb` process of the test's own (`ORM_TEST_SECANTUSD`, set by the test command).

use orm_core::migrate::{write_file, Migrator, Progress, Target};
use orm_core::schema::{Column, ColumnType, Operation, Table};
use orm_core::{Database, Error};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};

/// The test's own server, stopped when dropped (also when the test fails first).
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_server() -> Option<(Server, u16)> {
    let Ok(bin) = std::env::var("ORM_TEST_SECANTUSD") else {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "ORM_TEST_SECANTUSD is unset under CI=true");
        eprintln!("skipping: set ORM_TEST_SECANTUSD to a secantusd-py to run this test");
        return None;
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let server = Server(Command::new(bin)
        .args(["--host", "127.0.0.1", "--port", &port.to_string(), "--storage-path", ":memory:", "--log-level", "WARNING"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start secantusd-py"));
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Some((server, port));
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!("secantusd-py did not start on port {port}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_error_names_the_migration_and_step_when_the_server_goes_away() {
    let Some((server, port)) = start_server() else { return };
    let server = Arc::new(Mutex::new(server));
    let dir = tempfile::tempdir().unwrap();
    for f in 0..2 {
        let mut up = Vec::new();
        let mut down = Vec::new();
        for s in 0..4 {
            let name = format!("t{f}_{s}");
            up.push(Operation::CreateTable(Table::new(name.clone()).column(Column::new("id", ColumnType::I64)).primary_key(["id"])));
            down.insert(0, Operation::DropTable { table: name });
        }
        std::fs::write(dir.path().join(format!("2024010100000{f}_batch{f}.toml")), write_file("test", &up, &down)).unwrap();
    }
    let url = format!("mongodb://127.0.0.1:{port}/gone?directConnection=true&serverSelectionTimeoutMS=1500&connectTimeoutMS=1500");
    let db = Database::connect(&url).await.unwrap();
    let killer = server.clone();
    let m = Migrator::from_dir(db.clone(), dir.path()).unwrap().on_progress(move |p| {
        // The server dies as the second migration starts.
        if let Progress::Started { version: 20240101000001, .. } = p {
            let mut s = killer.lock().unwrap();
            s.0.kill().unwrap();
            s.0.wait().unwrap();
        }
    });
    let err = m.up(Target::All).await.unwrap_err();
    let text = err.to_string();
    // The history write before the first step is what meets the dead server first.
    let Error::MigrationStep { file, operation, .. } = &err else { panic!("{err:?}") };
    assert!(file.ends_with("20240101000001_batch1.toml"), "{text}");
    assert!(["record progress in the history", "create_table"].contains(operation), "{text}");
    assert!(!text.contains("lock"), "{text}");
    assert!(err.is_connection(), "a server that went away is a connection failure: {err:?}");
}
