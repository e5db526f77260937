//! Migrations on every backend: up, down, status, failures half-way, edited files, concurrent
//! runners, out-of-order files, dry runs.

use orm_core::migrate::{MigrationState, Migrator, Target};
use orm_core::{BackendKind, Database, Error, Model};
use orm_tests::backend_tests;
use std::path::Path;

backend_tests!(
    up_down_up_round_trip,
    status_reports_every_state,
    failure_half_way_leaves_the_documented_state,
    edited_applied_file_is_refused,
    concurrent_runners_apply_each_migration_once,
    out_of_order_is_refused_unless_allowed,
    dry_run_changes_nothing,
    introspected_schema_is_what_the_files_describe
);

const CREATE_USERS: &str = r#"
[[up]]
op = "create_table"
table = "users"
columns = [
  { name = "id", type = "i64", primary_key = true, auto_increment = true },
  { name = "email", type = "string", length = 255, unique = true },
  { name = "age", type = "i32", nullable = true },
  { name = "active", type = "bool", default = true },
]

[[up]]
op = "create_index"
table = "users"
name = "users_age_idx"
columns = ["age"]

[[down]]
op = "drop_table"
table = "users"
"#;

const POSTS: &str = r#"
[[up]]
op = "create_table"
table = "posts"
columns = [
  { name = "id", type = "i64", primary_key = true, auto_increment = true },
  { name = "user_id", type = "i64" },
  { name = "title", type = "string", length = 200 },
]

[[up]]
op = "add_foreign_key"
table = "posts"
name = "posts_user_fk"
columns = ["user_id"]
references_table = "users"
references_columns = ["id"]
on_delete = "cascade"

[[up]]
op = "add_column"
table = "users"
column = { name = "bio", type = "text", nullable = true }

[[down]]
op = "drop_column"
table = "users"
column = "bio"

[[down]]
op = "drop_foreign_key"
table = "posts"
name = "posts_user_fk"

[[down]]
op = "drop_table"
table = "posts"
"#;

const RESHAPE: &str = r#"
[[up]]
op = "rename_column"
table = "users"
from = "bio"
to = "about"

[[up]]
op = "alter_column"
table = "users"
column = "age"
type = "i64"
nullable = false
default = 0

[[down]]
op = "alter_column"
table = "users"
column = "age"
type = "i32"
nullable = true
drop_default = true

[[down]]
op = "rename_column"
table = "users"
from = "about"
to = "bio"
"#;

/// The users table after all three migrations.
#[derive(Model, Debug, Clone, PartialEq)]
#[orm(table = "users")]
struct UserV3 {
    #[orm(primary_key, auto_increment)]
    id: i64,
    #[orm(unique, length = 255)]
    email: String,
    age: i64,
    active: bool,
    #[orm(type = "text")]
    about: Option<String>,
}

/// The users table after the first migration.
#[derive(Model, Debug, Clone, PartialEq)]
#[orm(table = "users")]
struct UserV1 {
    #[orm(primary_key, auto_increment)]
    id: i64,
    #[orm(unique, length = 255)]
    email: String,
    age: Option<i32>,
    active: bool,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[orm(table = "posts")]
struct Post {
    #[orm(primary_key, auto_increment)]
    id: i64,
    user_id: i64,
    #[orm(length = 200)]
    title: String,
}

fn write(dir: &Path, file: &str, content: &str) {
    std::fs::write(dir.join(file), content).unwrap();
}

fn three_migrations() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "20240101000000_create_users.toml", CREATE_USERS);
    write(dir.path(), "20240102000000_posts.toml", POSTS);
    write(dir.path(), "20240103000000_reshape_users.toml", RESHAPE);
    dir
}

async fn tables(db: &Database) -> Vec<&'static str> {
    let mut out = Vec::new();
    for t in ["users", "posts", "_orm_migrations"] {
        if db.table_exists(t).await.unwrap() {
            out.push(t);
        }
    }
    out
}

async fn up_down_up_round_trip(db: Database) {
    let dir = three_migrations();
    let m = Migrator::from_dir(db.clone(), dir.path()).unwrap();
    let report = m.up(Target::All).await.unwrap();
    assert_eq!(report.entries.len(), 3);
    assert_eq!(tables(&db).await, ["users", "posts", "_orm_migrations"]);

    // The schema is what the files describe: the final model round-trips, constraints hold.
    let u = db.insert(&UserV3 { id: 0, email: "a@example.com".into(), age: 40, active: true, about: Some("hi".into()) }).await.unwrap();
    assert_eq!(UserV3::find_by_pk(u.id).get(&db).await.unwrap(), u);
    assert!(db.insert(&UserV3 { id: 0, ..u.clone() }).await.unwrap_err().is_unique_violation());
    let p = db.insert(&Post { id: 0, user_id: u.id, title: "x".repeat(200) }).await.unwrap();
    if db.backend() != BackendKind::Sqlite {
        // SQLite does not enforce lengths (see the README's backend differences).
        assert!(db.insert(&Post { id: 0, user_id: u.id, title: "x".repeat(201) }).await.is_err(), "length 200 holds");
    }
    if db.backend() != BackendKind::MongoDb {
        // Foreign keys hold (MongoDB has none: documented).
        assert!(db.insert(&Post { id: 0, user_id: 999, title: "orphan".into() }).await.unwrap_err().is_foreign_key_violation());
        db.delete(&u).await.unwrap();
        assert!(Post::find_by_pk(p.id).one(&db).await.unwrap().is_none(), "ON DELETE CASCADE");
    }

    // Down all: nothing left but the history.
    let report = m.down(Target::All).await.unwrap();
    assert_eq!(report.entries.iter().map(|e| e.version).collect::<Vec<_>>(), [20240103000000, 20240102000000, 20240101000000]);
    assert_eq!(tables(&db).await, ["_orm_migrations"]);
    assert!(m.status().await.unwrap().iter().all(|e| e.state == MigrationState::Pending));

    // Up one step: the first shape exactly.
    m.up(Target::Steps(1)).await.unwrap();
    let v1 = db.insert(&UserV1 { id: 0, email: "b@example.com".into(), age: None, active: false }).await.unwrap();
    assert_eq!(UserV1::find().all(&db).await.unwrap(), vec![v1]);
    // Up the rest, down one, up again: the same final shape, data kept through the rebuilds.
    m.up(Target::All).await.unwrap();
    m.down(Target::Steps(1)).await.unwrap();
    m.up(Target::All).await.unwrap();
    let all = UserV3::find().all(&db).await.unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!((all[0].email.as_str(), all[0].age, all[0].about.as_deref()), ("b@example.com", 0, None));
    let redo = m.redo().await.unwrap();
    assert_eq!(redo.entries.len(), 2);
    m.reset().await.unwrap();
    assert_eq!(tables(&db).await, ["_orm_migrations"]);
}

async fn status_reports_every_state(db: Database) {
    let dir = three_migrations();
    let m = Migrator::from_dir(db.clone(), dir.path()).unwrap();
    m.up(Target::Version(20240102000000)).await.unwrap();
    let status = m.status().await.unwrap();
    assert!(matches!(status[0].state, MigrationState::Applied { .. }));
    assert!(matches!(status[1].state, MigrationState::Applied { .. }));
    assert_eq!(status[2].state, MigrationState::Pending);
    std::fs::remove_file(dir.path().join("20240102000000_posts.toml")).unwrap();
    write(dir.path(), "20240101000000_create_users.toml", &format!("{CREATE_USERS}\n# edited\n"));
    let status = Migrator::from_dir(db.clone(), dir.path()).unwrap().status().await.unwrap();
    let states: Vec<_> = status.iter().map(|e| (e.version, e.state.clone())).collect();
    assert_eq!(
        states,
        [
            (20240101000000, MigrationState::Changed),
            (20240102000000, MigrationState::Missing),
            (20240103000000, MigrationState::Pending),
        ]
    );
}

async fn failure_half_way_leaves_the_documented_state(db: Database) {
    let dir = tempfile::tempdir().unwrap();
    let broken = format!(
        "{CREATE_USERS}\n[[up]]\nop = \"sql\"\nsql = \"THIS IS NOT SQL\"\n\n[[up]]\nop = \"mongo\"\ncommand = {{ noSuchCommand = 1 }}\n"
    );
    write(dir.path(), "20240101000000_create_users.toml", &broken);
    let m = Migrator::from_dir(db.clone(), dir.path()).unwrap();
    let err = m.up(Target::All).await.unwrap_err();
    let Error::MigrationStep { file, line, operation: "sql" | "mongo", .. } = &err else { panic!("{err:?}") };
    assert!(file.ends_with("20240101000000_create_users.toml") && *line > 1, "the error names the file and line: {err}");
    match db.backend() {
        BackendKind::Postgres | BackendKind::Sqlite => {
            // One transaction: nothing happened, nothing recorded.
            assert_eq!(tables(&db).await, ["_orm_migrations"]);
            assert_eq!(m.status().await.unwrap()[0].state, MigrationState::Pending);
        }
        _ => {
            // Step by step: the table exists, the history is dirty at the failing step.
            assert!(db.table_exists("users").await.unwrap());
            let status = m.status().await.unwrap();
            let MigrationState::Dirty { direction, steps_done, error } = &status[0].state else {
                panic!("expected dirty, got {:?}", status[0].state)
            };
            assert_eq!(direction, "up");
            assert!(*steps_done >= 1);
            assert!(error.as_deref().unwrap_or_default().contains("failed"), "{error:?}");
            let refused = m.up(Target::All).await.unwrap_err();
            assert!(matches!(&refused, Error::Dirty { version: 20240101000000, direction, .. } if direction == "up"), "{refused:?}");
            assert!(refused.to_string().contains("orm migrate resolve 20240101000000"), "{refused}");
            // Manual fix: undo the partial steps, then record that the migration did not happen.
            db.raw_or_command_drop("users").await;
            m.resolve(20240101000000, true).await.unwrap();
        }
    }
    // With the file fixed, it applies.
    write(dir.path(), "20240101000000_create_users.toml", CREATE_USERS);
    Migrator::from_dir(db.clone(), dir.path()).unwrap().up(Target::All).await.unwrap();
    assert!(db.table_exists("users").await.unwrap());
}

async fn edited_applied_file_is_refused(db: Database) {
    let dir = three_migrations();
    Migrator::from_dir(db.clone(), dir.path()).unwrap().up(Target::Steps(1)).await.unwrap();
    // A CRLF checkout of the same file is the same migration.
    write(dir.path(), "20240101000000_create_users.toml", &CREATE_USERS.replace('\n', "\r\n"));
    Migrator::from_dir(db.clone(), dir.path()).unwrap().up(Target::Steps(1)).await.unwrap();
    write(dir.path(), "20240101000000_create_users.toml", &CREATE_USERS.replace("255", "256"));
    let err = Migrator::from_dir(db.clone(), dir.path()).unwrap().up(Target::All).await.unwrap_err();
    let Error::ChecksumMismatch { version: 20240101000000, file, recorded, found } = &err else { panic!("{err:?}") };
    assert!(file.ends_with("20240101000000_create_users.toml") && recorded != found, "{err}");
    assert!(!db.table_exists("_nothing_ran").await.unwrap());
    assert_eq!(tables(&db).await, ["users", "posts", "_orm_migrations"], "the refusal came before anything ran");
}

async fn concurrent_runners_apply_each_migration_once(db: Database) {
    let dir = three_migrations();
    let counter = r#"
[[up]]
op = "create_table"
table = "runs"
columns = [{ name = "id", type = "i64", primary_key = true, auto_increment = true }, { name = "n", type = "i32" }]

[[up]]
op = "sql"
sql = "INSERT INTO runs (n) VALUES (1)"

[[up]]
op = "mongo"
command = { insert = "runs", documents = [{ _id = { "$numberLong" = "1" }, n = 1 }] }

[[down]]
op = "drop_table"
table = "runs"
"#;
    write(dir.path(), "20240104000000_count_runs.toml", counter);
    let url = db.url().to_string();
    let shared = db.backend() == BackendKind::Sqlite && url.contains(":memory:");
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let db = if shared { db.clone() } else { Database::connect(&url).await.unwrap() };
        let path = dir.path().to_path_buf();
        tasks.push(tokio::spawn(async move {
            let report = Migrator::from_dir(db.clone(), &path).unwrap().up(Target::All).await.unwrap();
            if !shared {
                db.close().await;
            }
            report
        }));
    }
    let mut applied = Vec::new();
    for t in tasks {
        let report = t.await.unwrap();
        applied.extend(report.entries.into_iter().map(|e| e.version));
    }
    applied.sort_unstable();
    assert_eq!(applied, [20240101000000, 20240102000000, 20240103000000, 20240104000000], "each applied exactly once");
    #[derive(Model, Debug)]
    #[orm(table = "runs")]
    struct Run {
        #[orm(primary_key, auto_increment)]
        id: i64,
        n: i32,
    }
    assert_eq!(Run::find().count(&db).await.unwrap(), 1);
}

async fn out_of_order_is_refused_unless_allowed(db: Database) {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "20240101000000_create_users.toml", CREATE_USERS);
    write(dir.path(), "20240103000000_posts.toml", &POSTS.replace("bio", "motto"));
    Migrator::from_dir(db.clone(), dir.path()).unwrap().up(Target::All).await.unwrap();
    let late = "[[up]]\nop = \"create_index\"\ntable = \"users\"\nname = \"users_active_idx\"\ncolumns = [\"active\"]\n\n[[down]]\nop = \"drop_index\"\ntable = \"users\"\nname = \"users_active_idx\"\n";
    write(dir.path(), "20240102000000_from_a_branch.toml", late);
    let err = Migrator::from_dir(db.clone(), dir.path()).unwrap().up(Target::All).await.unwrap_err();
    assert!(matches!(err, Error::OutOfOrder { version: 20240102000000, newest: 20240103000000, .. }), "{err:?}");
    let report = Migrator::from_dir(db.clone(), dir.path()).unwrap().allow_out_of_order(true).up(Target::All).await.unwrap();
    assert_eq!(report.entries.len(), 1);
}

async fn dry_run_changes_nothing(db: Database) {
    let dir = three_migrations();
    let report = Migrator::from_dir(db.clone(), dir.path()).unwrap().dry_run(true).up(Target::All).await.unwrap();
    assert_eq!(report.entries.len(), 3);
    assert!(report.entries[0].statements[0].to_lowercase().contains("create"), "{:?}", report.entries[0].statements);
    // Nothing written at all, not even the history table; status reads and writes nothing either.
    assert!(tables(&db).await.is_empty(), "{:?}", tables(&db).await);
    let status = Migrator::from_dir(db.clone(), dir.path()).unwrap().status().await.unwrap();
    assert!(status.iter().all(|e| e.state == MigrationState::Pending));
    assert!(tables(&db).await.is_empty());
}

/// Drops a table (or collection) by hand, as an operator fixing a dirty migration would.
trait DropByHand {
    async fn raw_or_command_drop(&self, table: &str);
}

impl DropByHand for Database {
    async fn raw_or_command_drop(&self, table: &str) {
        match self.backend() {
            BackendKind::MongoDb => {
                self.run_command(orm_core::bson::doc! { "drop": table }).await.unwrap();
            }
            _ => {
                self.raw_execute(&format!("DROP TABLE {table}"), []).await.unwrap();
            }
        }
    }
}

const EVERY_TYPE: &str = r#"
[[up]]
op = "create_table"
table = "kinds"
primary_key = ["k1", "k2"]
columns = [
  { name = "k1", type = "i32" },
  { name = "k2", type = "string", length = 20 },
  { name = "b", type = "bool", default = false },
  { name = "small", type = "i16", nullable = true },
  { name = "big", type = "i64", default = 7 },
  { name = "f", type = "f64", nullable = true },
  { name = "price", type = "decimal", precision = 12, scale = 3, nullable = true },
  { name = "label", type = "string", length = 50, default = "none" },
  { name = "body", type = "text", nullable = true },
  { name = "raw", type = "bytes", nullable = true },
  { name = "day", type = "date", nullable = true },
  { name = "at", type = "time", nullable = true },
  { name = "ts", type = "timestamp", nullable = true },
  { name = "token", type = "uuid", unique = true },
  { name = "doc", type = "json", nullable = true },
  { name = "oid", type = "object_id", nullable = true },
  { name = "parent_k1", type = "i32", nullable = true },
  { name = "parent_k2", type = "string", length = 20, nullable = true },
]

[[up]]
op = "create_index"
table = "kinds"
name = "kinds_label_day_idx"
columns = ["label", "day"]

[[up]]
op = "create_index"
table = "kinds"
name = "kinds_big_small_key"
columns = ["big", "small"]
unique = true

[[up]]
op = "add_foreign_key"
table = "kinds"
name = "kinds_parent_fk"
columns = ["parent_k1", "parent_k2"]
references_table = "kinds"
references_columns = ["k1", "k2"]
on_delete = "set_null"

[[down]]
op = "drop_table"
table = "kinds"
"#;

fn normalise(backend: BackendKind, schema: &orm_core::schema::Schema) -> orm_core::schema::Schema {
    orm_core::introspect::comparable(backend, schema)
}

async fn introspected_schema_is_what_the_files_describe(db: Database) {
    let dir = three_migrations();
    write(dir.path(), "20240104000000_every_type.toml", EVERY_TYPE);
    let m = Migrator::from_dir(db.clone(), dir.path()).unwrap();
    m.up(Target::All).await.unwrap();
    let mut described = orm_core::schema::Schema::new();
    for f in m.files() {
        for step in &f.up {
            described.apply(&step.op).unwrap();
        }
    }
    let live = db.introspect().await.unwrap();
    let (expected, actual) = (normalise(db.backend(), &described), normalise(db.backend(), &live));
    assert_eq!(actual.tables.keys().collect::<Vec<_>>(), expected.tables.keys().collect::<Vec<_>>());
    for (name, want) in &expected.tables {
        let got = &actual.tables[name];
        for (w, g) in want.columns.iter().zip(&got.columns) {
            assert_eq!(g, w, "{name}.{}", w.name);
        }
        assert_eq!(got, want, "{name}");
    }
    // Down all leaves nothing but the history, which introspection leaves out.
    m.down(Target::All).await.unwrap();
    assert!(db.introspect().await.unwrap().tables.is_empty());
    // Up again gives the identical schema.
    m.up(Target::All).await.unwrap();
    assert_eq!(normalise(db.backend(), &db.introspect().await.unwrap()), actual);
}
