//! `orm studio` on every backend: the HTTP guard (token, loopback `Host`, no SQL endpoint) from a
//! plain socket, then the page in a real headless Chromium (`tests/studio/studio.mjs`, driven by
//! playwright-core): the diagram, paging through 10,000 rows, sorting, a filter, the exact count,
//! a migration's statements; then, with `--write`, an edit refused by a validation rule, an edit
//! saved, a row inserted and deleted. Screenshots go to `target/studio-screenshots/`.

use chrono::{DateTime, Utc};
use orm_core::{Database, Model};
use orm_tests::Backend;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// The example migrations' `users` table.
#[derive(Model, Debug, Clone)]
#[orm(table = "users")]
struct User {
    #[orm(primary_key, auto_increment)]
    id: i64,
    #[orm(length = 255)]
    email: String,
    #[orm(length = 200)]
    display_name: String,
    age: Option<i32>,
    active: bool,
    created_at: DateTime<Utc>,
    #[orm(type = "text")]
    bio: Option<String>,
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A running `orm studio`, stopped when dropped.
struct Studio {
    child: Child,
    url: String,
    port: u16,
}

impl Drop for Studio {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_studio(database_url: &str, migrations: &Path, write: bool) -> Studio {
    let mut child = Command::new(env!("CARGO_BIN_EXE_orm"))
        .args(["studio", "--port", "0", "--format", "json", "--database-url", database_url, "--migrations-dir"])
        .arg(migrations)
        .args(write.then_some("--write"))
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start orm studio");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let started: serde_json::Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("orm studio printed {line:?}: {e}"));
    Studio { url: started["url"].as_str().unwrap().to_string(), port: started["port"].as_u64().unwrap() as u16, child }
}

/// One HTTP/1.1 request on a plain socket; the status code and the body.
fn http(port: u16, method: &str, target: &str, host: &str, headers: &[(&str, &str)]) -> (u16, String) {
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    let mut request = format!("{method} {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nContent-Length: 0\r\n");
    for (k, v) in headers {
        request.push_str(&format!("{k}: {v}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = response.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
    (status, body)
}

/// What a request without the token, from another `Host`, or after SQL gets.
fn the_guard_holds(studio: &Studio) {
    let token = studio.url.split("token=").nth(1).unwrap();
    let host = format!("127.0.0.1:{}", studio.port);
    let with_token = [("x-studio-token", token)];
    assert_eq!(http(studio.port, "GET", "/", &host, &[]).0, 401, "the page without the token");
    assert_eq!(http(studio.port, "GET", "/api/overview", &host, &[("x-studio-token", "0123456789abcdef0123456789abcdef")]).0, 401);
    assert_eq!(http(studio.port, "GET", "/api/overview", "studio.example.com", &with_token).0, 421, "a rebinding Host");
    let (ok, overview) = http(studio.port, "GET", "/api/overview", &host, &with_token);
    assert_eq!(ok, 200, "{overview}");
    // No SQL endpoint; no writes without --write.
    for (method, path) in [("POST", "/api/sql"), ("GET", "/api/query?sql=SELECT%201"), ("POST", "/api/tables/users/rows"), ("DELETE", "/api/tables/users/rows")] {
        let (status, _) = http(studio.port, method, path, &host, &with_token);
        assert!(status == 404 || status == 405, "{method} {path} answered {status}");
    }
    let injected = "/api/tables/users/rows?filter=%5B%7B%22column%22%3A%22id%3B%20DROP%20TABLE%20users%22%2C%22op%22%3A%22eq%22%2C%22value%22%3A%221%22%7D%5D";
    let (status, body) = http(studio.port, "GET", injected, &host, &with_token);
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("has no column `id; DROP TABLE users`"), "{body}");
    // Bound to loopback only: the machine's other addresses refuse.
    let listening = std::fs::read_to_string("/proc/net/tcp").unwrap_or_default();
    let port = format!(":{:04X}", studio.port);
    let local: Vec<&str> = listening.lines().filter_map(|l| l.split_whitespace().nth(1)).filter(|a| a.ends_with(&port)).collect();
    assert!(!local.is_empty(), "the studio's port {} is in /proc/net/tcp", studio.port);
    assert!(local.iter().all(|a| a.starts_with("0100007F:")), "listens on 127.0.0.1 only: {local:?}");
    let v6 = std::fs::read_to_string("/proc/net/tcp6").unwrap_or_default();
    assert!(!v6.lines().filter_map(|l| l.split_whitespace().nth(1)).any(|a| a.ends_with(&port)), "no IPv6 socket on the port");
}

/// Runs the browser script against the studio; its screenshots are named after `label`.
fn browse_in_chromium(studio: &Studio, label: &str, mode: &str) {
    let dir = workspace().join("orm-cli/tests/studio");
    let ci = std::env::var("CI").is_ok_and(|v| v == "true");
    if !dir.join("node_modules/playwright-core").exists() {
        assert!(!ci, "playwright-core is not installed in {} (scripts/test.sh runs npm ci there)", dir.display());
        eprintln!("skipping the browser half: no playwright-core (run `npm ci` in {})", dir.display());
        return;
    }
    let shots = workspace().join("target/studio-screenshots");
    let out = Command::new("node").arg(dir.join("studio.mjs")).arg(&studio.url).arg(&shots).arg(label).arg(mode).output().expect("run node");
    assert!(
        out.status.success(),
        "the browser test failed on {label}:\n{}\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
}

async fn studio_scenario(db: Database, label: &str) {
    let dir = tempfile::tempdir().unwrap();
    // The example migrations, and one giving `users.age` validation rules.
    let migrations = dir.path().join("migrations");
    std::fs::create_dir(&migrations).unwrap();
    for entry in std::fs::read_dir(workspace().join("migrations")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, migrations.join(path.file_name().unwrap())).unwrap();
    }
    std::fs::write(migrations.join("20240104000000_users_age_rules.toml"), AGE_RULES).unwrap();
    std::fs::write(migrations.join("20240105000000_events.toml"), EVENTS).unwrap();
    let url = db.url().to_string();
    let up = Command::new(env!("CARGO_BIN_EXE_orm")).args(["migrate", "up", "--database-url", &url, "--migrations-dir"]).arg(&migrations).current_dir(dir.path()).output().unwrap();
    assert!(up.status.success(), "{}", String::from_utf8_lossy(&up.stderr));
    let now = Utc::now();
    let users: Vec<User> = (1..=10_000)
        .map(|i| User {
            id: 0,
            email: format!("user-{i}@example.com"),
            display_name: format!("User {i}"),
            age: (i % 7 != 0).then_some(18 + i % 60),
            active: i % 3 != 0,
            created_at: now,
            bio: None,
        })
        .collect();
    assert_eq!(db.insert_many(&users).await.unwrap(), 10_000);
    // A nested document (MongoDB) / JSON value (SQL), which the page shows folded.
    let declared = orm_core::migrate::replay(&orm_core::migrate::load_dir(&migrations).unwrap()).unwrap();
    let payload = serde_json::json!({ "kind": "signup", "user": { "id": 7, "tags": ["a", "b"] } });
    db.insert_record(&declared.tables["events"], vec![("payload".into(), orm_core::Value::Json(Some(payload)))]).await.unwrap();
    let studio = start_studio(&url, &migrations, false);
    the_guard_holds(&studio);
    browse_in_chromium(&studio, label, "read");
    drop(studio);
    let studio = start_studio(&url, &migrations, true);
    browse_in_chromium(&studio, &format!("{label}-write"), "write");
    let schema = db.introspect().await.unwrap();
    let edited = db.browse(&schema.tables["users"], &orm_core::query::Browse::new(1)).await.unwrap();
    assert!(edited[0].contains(&orm_core::Value::String(Some("Edited by the studio".into()))), "{:?}", edited[0]);
}

const EVENTS: &str = r#"
[[up]]
op = "create_table"
table = "events"
columns = [
  { name = "id", type = "i64", primary_key = true, auto_increment = true },
  { name = "payload", type = "json", nullable = true },
]

[[down]]
op = "drop_table"
table = "events"
"#;

const AGE_RULES: &str = r#"
[[up]]
op = "alter_column"
table = "users"
column = "age"
validate = [{ min = 0.0 }, { max = 150.0 }]

[[down]]
op = "alter_column"
table = "users"
column = "age"
validate = []
"#;

macro_rules! on {
    ($($name:ident => $backend:expr),+) => {$(
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            orm_tests::run($backend, |db| studio_scenario(db, stringify!($name))).await
        }
    )+};
}

on!(postgres => Backend::Postgres, mysql => Backend::MySql, sqlite => Backend::SqliteFile, mongodb => Backend::MongoDb);
