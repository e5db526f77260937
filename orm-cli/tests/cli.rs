//! The `orm` binary, run as a process: migrations end to end, concurrent runners, errors.

use orm_tests::Backend;
use std::path::Path;
use std::process::{Command, Output};

fn orm(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_orm"))
        .args(args)
        .current_dir(cwd)
        .env_remove("DATABASE_URL")
        .output()
        .expect("run orm")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A copy of the repository's example migrations.
fn example_migrations() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrations");
    std::fs::create_dir(dir.path().join("migrations")).unwrap();
    for entry in std::fs::read_dir(src).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, dir.path().join("migrations").join(path.file_name().unwrap())).unwrap();
    }
    dir
}

#[test]
fn new_writes_a_template_that_parses() {
    let dir = tempfile::tempdir().unwrap();
    let out = orm(&["migrate", "new", "add_widgets"], dir.path());
    assert!(out.status.success(), "{}", text(&out.stderr));
    let created: Vec<_> = std::fs::read_dir(dir.path().join("migrations")).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(created.len(), 1);
    let name = created[0].file_name().unwrap().to_str().unwrap().to_string();
    assert!(name.ends_with("_add_widgets.toml") && name.len() == "20240101000000_add_widgets.toml".len(), "{name}");
    orm_core::migrate::load_dir(&dir.path().join("migrations")).unwrap();
    let bad = orm(&["migrate", "new", "AddWidgets"], dir.path());
    assert_eq!(bad.status.code(), Some(1));
    assert!(text(&bad.stderr).contains("snake_case"));
}

#[test]
fn the_default_database_is_stated_and_used() {
    let dir = example_migrations();
    let up = orm(&["migrate", "up"], dir.path());
    assert!(up.status.success(), "{}", text(&up.stderr));
    assert!(text(&up.stderr).contains("using the embedded default sqlite:orm.db"), "{}", text(&up.stderr));
    assert_eq!(text(&up.stdout).lines().filter(|l| l.starts_with("applied ")).count(), 3, "{}", text(&up.stdout));
    assert!(dir.path().join("orm.db").exists());
    let status = orm(&["migrate", "status", "--format", "json"], dir.path());
    let json: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    let states: Vec<&str> = json["migrations"].as_array().unwrap().iter().map(|m| m["state"].as_str().unwrap()).collect();
    assert_eq!(states, ["applied", "applied", "applied"]);
    assert!(json["migrations"].as_array().unwrap().iter().all(|m| m["duration_ms"].is_u64()), "{json}");
    let status = orm(&["migrate", "status"], dir.path());
    assert!(text(&status.stdout).lines().all(|l| l.contains(" ms")), "how long each took: {}", text(&status.stdout));
    let down = orm(&["--format", "json", "migrate", "down", "--steps", "2"], dir.path());
    let json: serde_json::Value = serde_json::from_slice(&down.stdout).unwrap();
    assert_eq!(json["migrations"].as_array().unwrap().len(), 2);
    let dry = orm(&["migrate", "up", "--dry-run"], dir.path());
    assert!(text(&dry.stdout).contains("CREATE TABLE \"posts\""), "{}", text(&dry.stdout));
    let redo = orm(&["migrate", "redo"], dir.path());
    assert!(redo.status.success(), "{}", text(&redo.stderr));
    let reset = orm(&["migrate", "reset"], dir.path());
    assert_eq!(text(&reset.stdout).lines().count(), 1, "only the first migration was applied: {}", text(&reset.stdout));
}

#[test]
fn malformed_files_and_unreachable_servers_fail_with_one_line() {
    let dir = example_migrations();
    std::fs::write(dir.path().join("migrations/20250101000000_broken.toml"), "down = []\n[[up]]\nop = \"explode\"\n").unwrap();
    let out = orm(&["migrate", "up", "--database-url", "sqlite::memory:"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("20250101000000_broken.toml:3") && err.contains("unknown variant `explode`"), "{err}");

    let out = orm(&["migrate", "status", "--database-url", "postgres://postgres@127.0.0.1:1/nowhere"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("error: connecting to the database from --database-url"), "{err}");
    // Refused at once, with the system's word, not after the pool's timeout.
    assert!(err.contains("Connection refused") && !err.contains("pool timed out"), "{err}");
}

/// A server's error is said once: its message and code, without the driver's repeats or
/// PostgreSQL's C source line.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_errors_are_said_once() {
    let dir = example_migrations();
    for (url, says) in [
        (format!("{}_no_such_db", orm_tests::postgres_url()), "(code 3D000)"),
        (format!("{}_no_such_db", orm_tests::mysql_url()), "(error 1049, SQLSTATE 42000)"),
    ] {
        let out = orm(&["migrate", "status", "--database-url", &url], dir.path());
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(says) && !err.contains(" at line "), "{err}");
        assert_eq!(err.matches("does not exist").count() + err.matches("Unknown database").count(), 1, "said once: {err}");
    }
}

#[test]
fn sql_prints_every_dialect_without_a_database() {
    let dir = example_migrations();
    for (dialect, needle) in [("postgres", "GENERATED BY DEFAULT AS IDENTITY"), ("mysql", "AUTO_INCREMENT"), ("sqlite", "AUTOINCREMENT"), ("mongodb", "$jsonSchema")] {
        let out = orm(&["migrate", "sql", "--dialect", dialect], dir.path());
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert!(text(&out.stdout).contains(needle), "{dialect}: {}", text(&out.stdout));
    }
    let down = orm(&["migrate", "sql", "--down", "--dialect", "mysql"], dir.path());
    assert!(text(&down.stdout).starts_with("-- 20240103000000_users_bio (down)"), "{}", text(&down.stdout));
    let json = orm(&["--format", "json", "migrate", "sql", "--dialect", "postgres"], dir.path());
    let json: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(json["migrations"].as_array().unwrap().len(), 3, "{json}");
    assert!(json["migrations"][0]["statements"][0].as_str().unwrap().starts_with("CREATE TABLE"), "{json}");
    let completions = orm(&["completions", "bash"], dir.path());
    assert!(text(&completions.stdout).contains("migrate"));
}

/// Eight `orm migrate up` processes started together apply each migration exactly once.
async fn eight_processes(db: orm_core::Database) {
    let dir = example_migrations();
    let url = db.url().to_string();
    let applied = orm_tests::race_migrate_up(env!("CARGO_BIN_EXE_orm"), dir.path(), std::slice::from_ref(&url));
    assert_eq!(applied, ["20240101000000_create_users", "20240102000000_create_posts", "20240103000000_users_bio"]);
    let status = orm(&["migrate", "status", "--database-url", &url], dir.path());
    assert_eq!(text(&status.stdout).lines().filter(|l| l.contains(" applied ")).count(), 3, "{}", text(&status.stdout));
}

/// `orm schema diagram` of a live database migrated with the example migrations: the tables,
/// the `posts.user_id -> users.id` edge (on MongoDB, from the migrations), in every format.
async fn diagram_of_the_live_database(db: orm_core::Database) {
    let dir = example_migrations();
    let url = db.url().to_string();
    let up = orm(&["migrate", "up", "--database-url", &url], dir.path());
    assert!(up.status.success(), "{}", text(&up.stderr));
    let diagram = |format: &str| {
        let out = orm(&["schema", "diagram", "--format", format, "--database-url", &url], dir.path());
        assert!(out.status.success(), "{format}: {}", text(&out.stderr));
        text(&out.stdout)
    };
    let json: serde_json::Value = serde_json::from_str(&diagram("json")).unwrap();
    let tables: Vec<&str> = json["tables"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(tables, ["posts", "users"], "the toolkit's own tables are left out");
    let edges = json["edges"].as_array().unwrap();
    assert_eq!(edges.len(), 1, "{json}");
    assert_eq!((edges[0]["from"].as_str(), edges[0]["to"].as_str(), edges[0]["on_delete"].as_str()), (Some("posts"), Some("users"), Some("cascade")));
    let users = &json["tables"][1]["columns"];
    let email = users.as_array().unwrap().iter().find(|c| c["name"] == "email").unwrap();
    assert_eq!((email["unique"].as_bool(), email["nullable"].as_bool()), (Some(true), Some(false)), "{users}");
    assert!(diagram("mermaid").contains("users ||--o{ posts : \"user_id\""));
    assert!(diagram("dot").contains("\"posts\":c1 -> \"users\":c0"));
    let svg = diagram("svg");
    assert!(svg.contains(r#"data-table="posts""#) && svg.contains(r#"data-from="posts" data-to="users""#));
    let file = dir.path().join("schema.mmd");
    let out = orm(&["schema", "diagram", "--out", file.to_str().unwrap(), "--database-url", &url], dir.path());
    assert!(text(&out.stdout).contains("2 tables, 1 foreign keys"), "{}", text(&out.stdout));
    assert!(std::fs::read_to_string(&file).unwrap().starts_with("erDiagram"), "the extension chose Mermaid");
    let wrong = orm(&["migrate", "status", "--format", "svg", "--database-url", &url], dir.path());
    assert!(!wrong.status.success() && text(&wrong.stderr).contains("--format svg is for `orm schema diagram`"), "{}", text(&wrong.stderr));
}

macro_rules! on {
    ($scenario:ident: $($name:ident => $backend:expr),+) => {$(
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            orm_tests::run($backend, $scenario).await
        }
    )+};
}

on!(eight_processes:
    eight_processes_postgres => Backend::Postgres,
    eight_processes_mysql => Backend::MySql,
    eight_processes_sqlite_file => Backend::SqliteFile,
    eight_processes_mongodb => Backend::MongoDb
);

on!(diagram_of_the_live_database:
    diagram_of_the_live_database_postgres => Backend::Postgres,
    diagram_of_the_live_database_mysql => Backend::MySql,
    diagram_of_the_live_database_sqlite_file => Backend::SqliteFile,
    diagram_of_the_live_database_mongodb => Backend::MongoDb
);

/// `orm schema diagram --models src/` draws the models without a database: `belongs_to` as an
/// edge, `many_to_many` through its join table.
#[test]
fn diagram_of_the_models() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("src")).unwrap();
    std::fs::write(dir.path().join("src/models.rs"), DIAGRAM_MODELS).unwrap();
    let out = orm(&["schema", "diagram", "--models", "src", "--format", "mermaid"], dir.path());
    assert!(out.status.success(), "{}", text(&out.stderr));
    let mermaid = text(&out.stdout);
    for line in ["authors ||--o{ books : \"author_id\"", "books ||--o{ book_genres : \"book_id\"", "books }o..o{ genres : \"through book_genres\""] {
        assert!(mermaid.contains(line), "{line} in {mermaid}");
    }
    assert!(!dir.path().join("orm.db").exists(), "drawing the models opens no database");
}

const DIAGRAM_MODELS: &str = r#"
use orm_core::Model;

#[derive(Model, Debug, Clone)]
pub struct Author {
    #[orm(primary_key, auto_increment)]
    pub id: i64,
    pub name: String,
}

#[derive(Model, Debug, Clone)]
pub struct Book {
    #[orm(primary_key, auto_increment)]
    pub id: i64,
    #[orm(belongs_to = Author, on_delete = "cascade")]
    pub author_id: i64,
    pub title: String,
}

#[derive(Model, Debug, Clone)]
pub struct Genre {
    #[orm(primary_key, auto_increment)]
    pub id: i64,
    pub label: String,
}

#[derive(Model, Debug, Clone)]
pub struct BookGenre {
    #[orm(primary_key, belongs_to = Book)]
    pub book_id: i64,
    #[orm(primary_key, belongs_to = Genre)]
    pub genre_id: i64,
}
"#;

const APP_MODELS: &str = r#"
use orm_core::Model;

#[derive(Model, Debug, Clone)]
pub struct Author {
    #[orm(primary_key, auto_increment)]
    pub id: i64,
    #[orm(unique, length = 120)]
    pub name: String,
}
"#;

/// "Change a model -> `orm migrate generate` -> `orm migrate up`", and `check` along the way.
#[test]
fn generate_up_and_check_follow_the_models() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("src")).unwrap();
    std::fs::write(dir.path().join("src/models.rs"), APP_MODELS).unwrap();
    let check = orm(&["migrate", "check"], dir.path());
    assert_eq!(check.status.code(), Some(1), "no migrations yet: {}", text(&check.stdout));
    assert!(text(&check.stdout).contains("create table authors"), "{}", text(&check.stdout));

    let generated = orm(&["migrate", "generate", "create_authors"], dir.path());
    assert!(generated.status.success(), "{}", text(&generated.stderr));
    assert!(text(&generated.stdout).starts_with("created migrations/"), "{}", text(&generated.stdout));
    assert!(orm(&["migrate", "up"], dir.path()).status.success());
    let check = orm(&["migrate", "check", "--database-url", "sqlite:orm.db"], dir.path());
    assert!(check.status.success(), "{}{}", text(&check.stdout), text(&check.stderr));

    // Change the model: a new column, a dropped unique.
    let changed = APP_MODELS.replace("#[orm(unique, length = 120)]", "#[orm(length = 120)]").replace(
        "    pub name: String,\n",
        "    pub name: String,\n    pub bio: Option<String>,\n",
    );
    std::fs::write(dir.path().join("src/models.rs"), changed).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1100)); // a new second, a new version
    let generated = orm(&["migrate", "generate", "authors_bio"], dir.path());
    assert!(generated.status.success(), "{}", text(&generated.stderr));
    let report = text(&generated.stdout);
    assert!(report.contains("add column authors.bio") && report.contains("drop index authors_name_key"), "{report}");
    assert!(orm(&["migrate", "up"], dir.path()).status.success());
    let nothing = orm(&["migrate", "generate", "again"], dir.path());
    assert_eq!(text(&nothing.stdout).trim(), "nothing to do: the models and the migrations agree");
    assert_eq!(std::fs::read_dir(dir.path().join("migrations")).unwrap().count(), 2);

    // Drift: a change made outside the migrations is caught by `check` with a database.
    let db = dir.path().join("orm.db");
    let url = format!("sqlite:{}", db.display());
    let drift = orm(&["migrate", "check", "--database-url", &url], dir.path());
    assert!(drift.status.success(), "{}", text(&drift.stdout));
    std::process::Command::new(env!("CARGO_BIN_EXE_orm")).args(["db", "ping", "--database-url", &url]).output().unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let db = orm_core::Database::connect(&url).await.unwrap();
        db.raw_execute("CREATE TABLE stray (id INTEGER PRIMARY KEY)", []).await.unwrap();
        db.close().await;
    });
    let drift = orm(&["migrate", "check", "--database-url", &url], dir.path());
    assert_eq!(drift.status.code(), Some(1));
    assert!(text(&drift.stdout).contains("drifts from the applied migrations: create table stray"), "{}", text(&drift.stdout));
}

/// "Existing database -> `orm generate models`" and `orm migrate baseline`.
#[test]
fn an_existing_database_gets_models_and_a_baseline() {
    let dir = example_migrations();
    let url = format!("sqlite:{}", dir.path().join("legacy.db").display());
    assert!(orm(&["migrate", "up", "--database-url", &url], dir.path()).status.success());
    // Forget the migrations: the database is now "existing".
    std::fs::remove_dir_all(dir.path().join("migrations")).unwrap();
    let conn = tokio::runtime::Runtime::new().unwrap();
    conn.block_on(async {
        let db = orm_core::Database::connect(&url).await.unwrap();
        db.raw_execute("DROP TABLE _orm_migrations", []).await.unwrap();
        db.close().await;
    });
    let out = orm(&["generate", "models", "--out", "src/models", "--database-url", &url, "--exclude", "posts"], dir.path());
    assert!(out.status.success(), "{}", text(&out.stderr));
    let files: Vec<String> = std::fs::read_dir(dir.path().join("src/models")).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert!(files.contains(&"users.rs".to_string()) && files.contains(&"mod.rs".to_string()) && !files.contains(&"posts.rs".to_string()), "{files:?}");
    assert!(std::fs::read_to_string(dir.path().join("src/models/users.rs")).unwrap().contains("pub struct User {"));

    let baseline = orm(&["migrate", "baseline", "--database-url", &url], dir.path());
    assert!(baseline.status.success(), "{}", text(&baseline.stderr));
    let status = orm(&["migrate", "status", "--database-url", &url], dir.path());
    assert!(text(&status.stdout).contains("_baseline") && text(&status.stdout).contains(" applied "), "{}", text(&status.stdout));
    // The generated models (users only) and the baseline (users and posts) disagree on posts only.
    let check = orm(&["migrate", "check", "--models", "src", "--database-url", &url], dir.path());
    assert_eq!(check.status.code(), Some(1));
    assert!(text(&check.stdout).contains("drop table posts"), "{}", text(&check.stdout));
}

/// Names read from a live database (`generate models`, `baseline`) are data, never code: hostile
/// table, column, index and foreign key names come out as string literals and quoted identifiers.
#[test]
fn hostile_names_from_a_live_database_stay_names() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}?mode=rwc", dir.path().join("live.db").display());
    let hostile = r#"x"; DROP TABLE victim; --"#;
    let q = |n: &str| format!("\"{}\"", n.replace('"', "\"\""));
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let db = orm_core::Database::connect(&url).await.unwrap();
        db.raw_execute("CREATE TABLE victim (id INTEGER PRIMARY KEY)", []).await.unwrap();
        let (t, c, r) = (format!("{hostile}t"), format!("{hostile}c"), format!("{hostile}r"));
        db.raw_execute(&format!("CREATE TABLE {} ({} INTEGER PRIMARY KEY, v TEXT)", q(&t), q(&c)), []).await.unwrap();
        db.raw_execute(&format!("CREATE INDEX {} ON {} (v)", q(&format!("{hostile}ix")), q(&t)), []).await.unwrap();
        db.raw_execute(
            &format!("CREATE TABLE {} (id INTEGER PRIMARY KEY, ref BIGINT NOT NULL, CONSTRAINT {} FOREIGN KEY (ref) REFERENCES {} ({}))", q(&r), q(&format!("{hostile}fk")), q(&t), q(&c)),
            [],
        )
        .await
        .unwrap();
        db.close().await;
    });
    let out = orm(&["generate", "models", "--out", "src/models", "--database-url", &url], dir.path());
    assert!(out.status.success(), "{}", text(&out.stderr));
    for entry in std::fs::read_dir(dir.path().join("src/models")).unwrap() {
        let path = entry.unwrap().path();
        let source = std::fs::read_to_string(&path).unwrap();
        assert!(source.contains("DROP TABLE victim") || path.ends_with("mod.rs") || path.ends_with("victim.rs"), "{}", path.display());
    }
    let baseline = orm(&["migrate", "baseline", "--database-url", &url], dir.path());
    assert!(baseline.status.success(), "{}", text(&baseline.stderr));
    // The baseline, applied to a fresh database that has a victim, recreates the hostile objects
    // by name and leaves the victim alone, on every SQL dialect's rendering.
    for dialect in ["postgres", "mysql", "sqlite"] {
        let sql = orm(&["migrate", "sql", "--dialect", dialect], dir.path());
        assert!(sql.status.success(), "{}", text(&sql.stderr));
    }
    let fresh = format!("sqlite:{}?mode=rwc", dir.path().join("fresh.db").display());
    rt.block_on(async {
        let db = orm_core::Database::connect(&fresh).await.unwrap();
        db.raw_execute("CREATE TABLE keep_me (id INTEGER PRIMARY KEY)", []).await.unwrap();
        db.close().await;
    });
    let files: Vec<_> = std::fs::read_dir(dir.path().join("migrations")).unwrap().map(|e| e.unwrap().path()).collect();
    let content = std::fs::read_to_string(&files[0]).unwrap().replace("\"victim\"", "\"victim_copy\"");
    std::fs::write(&files[0], content).unwrap();
    let up = orm(&["migrate", "up", "--database-url", &fresh], dir.path());
    assert!(up.status.success(), "{}", text(&up.stderr));
    rt.block_on(async {
        let db = orm_core::Database::connect(&fresh).await.unwrap();
        let live = db.introspect().await.unwrap();
        assert!(live.tables.contains_key("keep_me"));
        let r = live.table(&format!("{hostile}r")).unwrap();
        assert_eq!(r.foreign_keys[0].name, format!("{hostile}fk"));
        assert_eq!(live.table(&format!("{hostile}t")).unwrap().indexes[0].name, format!("{hostile}ix"));
        db.close().await;
    });
}

/// Each migration is reported as it starts and when it is done, also in a run that fails later;
/// `--format json` lists the ones done beside the error.
#[test]
fn a_failing_run_reports_what_it_applied() {
    let dir = example_migrations();
    std::fs::write(
        dir.path().join("migrations/20250101000000_broken.toml"),
        "down = []\n[[up]]\nop = \"sql\"\nsql = \"THIS IS NOT SQL\"\n",
    )
    .unwrap();
    let url = format!("sqlite:{}", dir.path().join("a.db").display());
    let out = orm(&["migrate", "up", "--database-url", &url], dir.path());
    assert_eq!(out.status.code(), Some(1));
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(stdout.lines().filter(|l| l.starts_with("applied ")).count(), 3, "{stdout}");
    assert!(stderr.contains("applying 20240101000000_create_users ...") && stderr.contains("applying 20250101000000_broken ..."), "{stderr}");
    assert!(stderr.contains("20250101000000_broken.toml:2"), "{stderr}");

    let url = format!("sqlite:{}", dir.path().join("b.db").display());
    let out = orm(&["--format", "json", "migrate", "up", "--database-url", &url], dir.path());
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["migrations"].as_array().unwrap().len(), 3, "{json}");
    assert!(json["error"].as_str().unwrap().contains("THIS IS NOT SQL"), "{json}");
}

/// Migrations created in one second get distinct versions, and every later command works.
#[test]
fn new_migrations_in_one_second_never_collide() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["first", "second", "third"] {
        let out = orm(&["migrate", "new", name], dir.path());
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
    let files = orm_core::migrate::load_dir(&dir.path().join("migrations")).unwrap();
    let names: Vec<&str> = files.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["first", "second", "third"]);
    let status = orm(&["migrate", "status"], dir.path());
    assert!(status.status.success(), "{}", text(&status.stderr));
}

/// `migrate check` where there are no sources says what it looked for and how to point it elsewhere.
#[test]
fn check_without_sources_says_where_it_looked() {
    let dir = example_migrations();
    let out = orm(&["migrate", "check"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("looked for the models' sources") && err.contains("--models"), "{err}");
}

/// Commands that only read or plan write nothing: no SQLite file, no history table; a missing
/// migrations directory is named before any database is touched.
#[test]
fn reading_and_planning_write_nothing() {
    let dir = example_migrations();
    let status = orm(&["migrate", "status"], dir.path());
    assert!(status.status.success(), "{}", text(&status.stderr));
    assert_eq!(text(&status.stdout).lines().filter(|l| l.contains("pending")).count(), 3, "{}", text(&status.stdout));
    let dry = orm(&["migrate", "up", "--dry-run"], dir.path());
    assert!(dry.status.success() && text(&dry.stdout).contains("CREATE TABLE"), "{}", text(&dry.stderr));
    assert!(!dir.path().join("orm.db").exists(), "a read-only command created the SQLite file");

    let empty = tempfile::tempdir().unwrap();
    let up = orm(&["migrate", "up"], empty.path());
    assert_eq!(up.status.code(), Some(1));
    assert!(text(&up.stderr).contains("no migrations directory at migrations"), "{}", text(&up.stderr));
    assert!(!empty.path().join("orm.db").exists(), "a failing command created the SQLite file");
}

/// On a terminal the migration under way is a line redrawn in place (a spinner, its name, the time
/// so far), cleared when it ends; piped, the same run prints one plain line per start.
#[test]
fn a_terminal_sees_the_running_migration_with_its_elapsed_time() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("migrations")).unwrap();
    let slow = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 500000) SELECT count(*) FROM c";
    std::fs::write(dir.path().join("migrations/20250101000000_slow.toml"), format!("down = []\n[[up]]\nop = \"sql\"\nsql = \"{slow}\"\n")).unwrap();
    let url = format!("sqlite:{}", dir.path().join("t.db").display());
    // `script` gives the command a pseudo-terminal and copies what it shows.
    let command = format!("{} migrate up --database-url {url}", env!("CARGO_BIN_EXE_orm"));
    let shown = Command::new("script").args(["-qec", &command, "/dev/null"]).current_dir(dir.path()).env_remove("DATABASE_URL").output().expect("run script");
    let screen = text(&shown.stdout);
    assert!(shown.status.success(), "{screen}");
    assert!(screen.contains("\r\x1b[K⠙ applying 20250101000000_slow 0."), "{screen:?}");
    assert!(screen.contains("\r\x1b[Kapplied 20250101000000_slow ("), "{screen:?}");
    assert!(!screen.contains("applying 20250101000000_slow ..."), "{screen:?}");
    let url = format!("sqlite:{}", dir.path().join("piped.db").display());
    let piped = orm(&["migrate", "up", "--database-url", &url], dir.path());
    let stderr = text(&piped.stderr);
    assert!(stderr.contains("applying 20250101000000_slow ...") && !stderr.contains('\x1b'), "{stderr}");
}
