//! TLS to servers that offer it, with a certificate for 127.0.0.1 signed by a throwaway CA the test
//! command makes: PostgreSQL (`sslmode`), MariaDB (`ssl-mode`) and MongoDB (`tls=true`), through the `orm`
//! binary and through `orm-core` (the session is encrypted, as the server says).

use orm_core::Database;
use std::process::{Command, Output};

fn orm(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_orm")).args(args).env_remove("DATABASE_URL").output().expect("run orm")
}

fn ping(url: &str) -> Output {
    orm(&["db", "ping", "--database-url", url])
}

/// `name` from the environment; `None` (a failure under `CI=true`) when unset.
fn env(name: &str) -> Option<String> {
    let value = std::env::var(name).ok();
    if value.is_none() {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "{name} unset under CI=true (bash scripts/test.sh sets it)");
        eprintln!("skipping: {name} unset");
    }
    value
}

fn with(url: &str, params: &str) -> String {
    format!("{url}{}{params}", if url.contains('?') { '&' } else { '?' })
}

fn assert_ok(out: &Output, what: &str) {
    assert!(out.status.success(), "{what}: {}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_over_tls() {
    let (Some(url), Some(ca)) = (env("TEST_PG_PRIMARY_URL"), env("ORM_TEST_PG_TLS_CA")) else { return };
    assert_ok(&ping(&with(&url, "sslmode=require")), "sslmode=require");
    let verified = with(&url, &format!("sslmode=verify-full&sslrootcert={ca}"));
    assert_ok(&ping(&verified), "sslmode=verify-full with the CA");
    let db = Database::connect(&verified).await.unwrap();
    let ssl: Vec<(bool,)> = db.raw_query("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", []).await.unwrap();
    assert!(ssl[0].0, "the session is not encrypted");
    // A certificate no trusted authority signed is refused when the identity must be checked.
    let refused = ping(&with(&url, "sslmode=verify-full"));
    assert!(!refused.status.success(), "a certificate of an unknown CA passed verify-full");
    let err = String::from_utf8_lossy(&refused.stderr).to_lowercase();
    assert!(err.contains("certificate") || err.contains("tls"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mariadb_over_tls() {
    let (Some(url), Some(ca)) = (env("TEST_MARIADB_PRIMARY_URL"), env("ORM_TEST_MARIADB_TLS_CA")) else { return };
    assert_ok(&ping(&with(&url, "ssl-mode=REQUIRED")), "ssl-mode=REQUIRED");
    let verified = with(&url, &format!("ssl-mode=VERIFY_IDENTITY&ssl-ca={ca}"));
    assert_ok(&ping(&verified), "ssl-mode=VERIFY_IDENTITY with the CA");
    let db = Database::connect(&verified).await.unwrap();
    let cipher: Vec<(String, String)> = db.raw_query("SHOW SESSION STATUS LIKE 'Ssl_cipher'", []).await.unwrap();
    assert!(!cipher[0].1.is_empty(), "the session is not encrypted");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mongodb_over_tls() {
    let (Some(server), Some(ca)) = (env("ORM_TEST_SECANTUSD"), env("ORM_TEST_PG_TLS_CA")) else { return };
    let (cert, key) = (ca.replace("ca.crt", "server.crt"), ca.replace("ca.crt", "server.key"));
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut child = Command::new(server)
        .args(["--host", "127.0.0.1", "--port", &port.to_string(), "--storage-path", ":memory:", "--log-level", "ERROR"])
        .args(["--tls-cert-file", &cert, "--tls-key-file", &key])
        .spawn()
        .expect("start secantusdb with TLS");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(std::time::Instant::now() < deadline, "secantusdb with TLS did not start");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let url = format!("mongodb://127.0.0.1:{port}/test?directConnection=true&tls=true&tlsCAFile={ca}");
    let out = ping(&url);
    let plain = ping(&format!("mongodb://127.0.0.1:{port}/test?directConnection=true&serverSelectionTimeoutMS=2000"));
    child.kill().unwrap();
    child.wait().unwrap();
    assert_ok(&out, "tls=true with the CA");
    assert!(!plain.status.success(), "a plaintext client reached a TLS-only server");
}
