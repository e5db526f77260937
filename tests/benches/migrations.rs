//! Applying 200 small migrations to an empty database: the toolkit's runner (`Migrator::up`, with
//! its history table, lock and checksums) against hand-written code on the raw driver that runs the
//! same statements and records each version in the same history table, as `sqlx migrate` does: one
//! transaction per migration where DDL is transactional (SQLite, PostgreSQL); elsewhere (MySQL,
//! MongoDB) a dirty history row first, the statements, then the row marked clean.
//!
//! `cargo bench -p orm-tests --bench migrations`. Each iteration starts from an empty database
//! (emptied untimed; the raw side's history table is also created untimed). PostgreSQL and MySQL
//! come from `TEST_POSTGRES_URL` / `TEST_MYSQL_URL` (the tests' defaults otherwise); MongoDB runs
//! only with `TEST_MONGODB_URL`. Results: `BENCHMARKS.md`.
#![allow(missing_docs)]

use criterion::{criterion_group, criterion_main, Criterion};
use orm_core::migrate::{parse_file, plan_offline, render_mongo, HistoryRow, MigrationFile, MongoStep, Migrator, Target};
use orm_core::schema::Schema;
use orm_core::{Database, Dialect, Model};
use sqlx::AssertSqlSafe;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const MIGRATIONS: usize = 200;
/// Migration `i`: one table with an index, reverted by dropping it.
fn files() -> Vec<MigrationFile> {
    (0..MIGRATIONS)
        .map(|i| {
            let content = format!(
                r#"[[up]]
op = "create_table"
table = "t{i}"
columns = [
  {{ name = "id", type = "i64", primary_key = true, auto_increment = true }},
  {{ name = "name", type = "string", length = 40 }},
  {{ name = "n", type = "i32", nullable = true }},
]

[[up]]
op = "create_index"
table = "t{i}"
name = "t{i}_n_idx"
columns = ["n"]

[[down]]
op = "drop_table"
table = "t{i}"
"#
            );
            let path = format!("migrations/{}_create_t{i}.toml", 20240101000000i64 + i as i64);
            parse_file(Path::new(&path), &content).expect("benchmark migration parses")
        })
        .collect()
}

/// Where the migrations go: each kind knows how to empty its database before an iteration.
#[derive(Clone)]
enum Store {
    SqliteMemory,
    SqliteFile(PathBuf),
    Server(String),
    Mongo(String),
}

impl Store {
    /// Empties the database (untimed) and returns the URL to connect to.
    async fn fresh(&self) -> String {
        match self {
            Store::SqliteMemory => "sqlite::memory:".into(),
            Store::SqliteFile(p) => {
                let _ = std::fs::remove_file(p);
                format!("sqlite://{}?mode=rwc", p.display())
            }
            Store::Server(url) => {
                let db = Database::connect(url).await.expect("connect");
                let q = if db.dialect() == Some(Dialect::MySql) { '`' } else { '"' };
                let tables: Vec<String> =
                    (0..MIGRATIONS).map(|i| format!("t{i}")).chain(["_orm_migrations".into()]).map(|t| format!("{q}{t}{q}")).collect();
                db.raw_execute(&format!("DROP TABLE IF EXISTS {}", tables.join(", ")), []).await.unwrap();
                db.close().await;
                url.clone()
            }
            Store::Mongo(url) => {
                mongo_database(url).await.drop().await.unwrap();
                url.clone()
            }
        }
    }
}

async fn mongo_database(url: &str) -> mongodb::Database {
    let client = mongodb::Client::with_uri_str(url).await.unwrap();
    client.default_database().unwrap_or_else(|| client.database("test"))
}

/// The history collection, created for the raw side (untimed).
async fn history_ready(url: &str) {
    let db = Database::connect(url).await.unwrap();
    db.create_table::<HistoryRow>().await.unwrap();
    db.close().await;
}

/// Times `work` from an empty database, `iters` times.
async fn timed<F, Fut>(store: &Store, iters: u64, mut work: F) -> Duration
where
    F: FnMut(String) -> Fut,
    Fut: Future<Output = Duration>,
{
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        let url = store.fresh().await;
        total += work(url).await;
    }
    total
}

/// The history row hand-written code records for migration `f`.
fn history(f: &MigrationFile, started: Instant, dirty: bool) -> HistoryRow {
    HistoryRow {
        version: f.version,
        name: f.name.clone(),
        checksum: f.checksum.clone(),
        applied_at: chrono::Utc::now(),
        execution_ms: started.elapsed().as_millis() as i64,
        dirty,
        direction: "up".into(),
        steps_done: if dirty { 0 } else { f.up.len() as i32 },
        error: None,
    }
}

/// Hand-written sqlx code for one SQL backend: `$transactional` picks `sqlx migrate`'s scheme.
macro_rules! raw_sql_apply {
    ($name:ident, $db:ty, $dialect:expr, $transactional:expr, $insert:expr, $finish:expr) => {
        async fn $name(url: &str, files: &[MigrationFile], plan: &[(i64, Vec<String>)]) -> Duration {
            // One connection: a private in-memory SQLite database lives on it.
            let pool = sqlx::pool::PoolOptions::<$db>::new().max_connections(1).connect(url).await.unwrap();
            for sql in orm_core::sql::ddl::create_table_sql(HistoryRow::schema(), false, $dialect) {
                sqlx::raw_sql(AssertSqlSafe(sql)).execute(&pool).await.unwrap();
            }
            let insert = |row: HistoryRow| {
                sqlx::query($insert)
                    .bind(row.version)
                    .bind(row.name)
                    .bind(row.checksum)
                    .bind(row.applied_at)
                    .bind(row.execution_ms)
                    .bind(row.dirty)
                    .bind(row.direction)
                    .bind(row.steps_done)
                    .bind(row.error)
            };
            let start = Instant::now();
            for (f, (_, statements)) in files.iter().zip(plan) {
                let started = Instant::now();
                if $transactional {
                    let mut tx = pool.begin().await.unwrap();
                    for sql in statements {
                        sqlx::raw_sql(AssertSqlSafe(sql.as_str())).execute(&mut *tx).await.unwrap();
                    }
                    insert(history(f, started, false)).execute(&mut *tx).await.unwrap();
                    tx.commit().await.unwrap();
                } else {
                    insert(history(f, started, true)).execute(&pool).await.unwrap();
                    for sql in statements {
                        sqlx::raw_sql(AssertSqlSafe(sql.as_str())).execute(&pool).await.unwrap();
                    }
                    let done = history(f, started, false);
                    sqlx::query($finish).bind(done.steps_done).bind(done.execution_ms).bind(done.version).execute(&pool).await.unwrap();
                }
            }
            let elapsed = start.elapsed();
            pool.close().await;
            elapsed
        }
    };
}

const COLUMNS: &str = r#""version", "name", "checksum", "applied_at", "execution_ms", "dirty", "direction", "steps_done", "error""#;

raw_sql_apply!(
    raw_sqlite,
    sqlx::Sqlite,
    Dialect::Sqlite,
    true,
    AssertSqlSafe(format!(r#"INSERT INTO "_orm_migrations" ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"#)),
    ""
);
raw_sql_apply!(
    raw_pg,
    sqlx::Postgres,
    Dialect::Postgres,
    true,
    AssertSqlSafe(format!(r#"INSERT INTO "_orm_migrations" ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"#)),
    ""
);
raw_sql_apply!(
    raw_mysql,
    sqlx::MySql,
    Dialect::MySql,
    false,
    AssertSqlSafe(format!("INSERT INTO `_orm_migrations` ({}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", COLUMNS.replace('"', "`"))),
    "UPDATE `_orm_migrations` SET `dirty` = FALSE, `steps_done` = ?, `execution_ms` = ? WHERE `version` = ?"
);

/// Hand-written mongodb-driver code: the same commands, and a dirty history document marked clean.
async fn raw_mongo(url: &str, files: &[MigrationFile], commands: &[Vec<mongodb::bson::Document>]) -> Duration {
    use mongodb::bson::doc;
    let db = mongo_database(url).await;
    let coll = db.collection::<mongodb::bson::Document>("_orm_migrations");
    let start = Instant::now();
    for (f, commands) in files.iter().zip(commands) {
        let started = Instant::now();
        let row = history(f, started, true);
        coll.insert_one(doc! {
            "_id": row.version, "name": row.name, "checksum": row.checksum,
            "applied_at": mongodb::bson::DateTime::from_chrono(row.applied_at), "execution_ms": row.execution_ms,
            "dirty": true, "direction": row.direction, "steps_done": 0, "error": null,
        })
        .await
        .unwrap();
        for command in commands {
            db.run_command(command.clone()).await.unwrap();
        }
        let done = history(f, started, false);
        coll.update_one(
            doc! { "_id": done.version },
            doc! { "$set": { "dirty": false, "steps_done": done.steps_done, "execution_ms": done.execution_ms } },
        )
        .await
        .unwrap();
    }
    start.elapsed()
}

/// The MongoDB commands of every file's `up`, rendered ahead of the timed part.
fn mongo_commands(files: &[MigrationFile], database: &str) -> Vec<Vec<mongodb::bson::Document>> {
    let mut schema = Schema::new();
    files
        .iter()
        .map(|f| {
            let mut commands = Vec::new();
            for step in &f.up {
                for m in render_mongo(&step.op, &schema, database).unwrap() {
                    match m {
                        MongoStep::Command(c) => commands.push(c),
                        other => panic!("unexpected step in the benchmark's migrations: {other:?}"),
                    }
                }
                schema.apply(&step.op).unwrap();
            }
            commands
        })
        .collect()
}

fn bench(c: &mut Criterion, group: &str, store: Store) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let files = files();
    let dialect = match &store {
        Store::SqliteMemory | Store::SqliteFile(_) => Some(Dialect::Sqlite),
        Store::Server(url) if url.starts_with("mysql") || url.starts_with("mariadb") => Some(Dialect::MySql),
        Store::Server(_) => Some(Dialect::Postgres),
        Store::Mongo(_) => None,
    };
    let plan = plan_offline(&files, dialect, false, "").unwrap();
    let commands = match &store {
        Store::Mongo(url) => {
            let name = rt.block_on(mongo_database(url)).name().to_string();
            mongo_commands(&files, &name)
        }
        _ => Vec::new(),
    };
    let mut g = c.benchmark_group(group);
    g.sample_size(10).measurement_time(Duration::from_secs(5)).warm_up_time(Duration::from_millis(500));
    g.bench_function("apply_200/orm", |b| {
        b.to_async(&rt).iter_custom(|iters| {
            let (files, store) = (&files, &store);
            timed(store, iters, move |url| async move {
                let db = Database::connect(&url).await.unwrap();
                let migrator = Migrator::new(db, files.clone());
                let start = Instant::now();
                let report = migrator.up(Target::All).await.unwrap();
                let elapsed = start.elapsed();
                assert_eq!(report.entries.len(), MIGRATIONS);
                elapsed
            })
        })
    });
    g.bench_function("apply_200/raw", |b| {
        b.to_async(&rt).iter_custom(|iters| {
            let (files, plan, commands, store) = (&files, &plan, &commands, &store);
            timed(store, iters, move |url| async move {
                match (store, dialect) {
                    (Store::Mongo(_), _) => {
                        history_ready(&url).await;
                        raw_mongo(&url, files, commands).await
                    }
                    (_, Some(Dialect::MySql)) => raw_mysql(&url, files, plan).await,
                    (_, Some(Dialect::Postgres)) => raw_pg(&url, files, plan).await,
                    _ => raw_sqlite(&url, files, plan).await,
                }
            })
        })
    });
    g.finish();
}

fn sqlite_memory(c: &mut Criterion) {
    bench(c, "migrations_sqlite_memory", Store::SqliteMemory);
}

fn sqlite_file(c: &mut Criterion) {
    let path = std::env::temp_dir().join(format!("orm_bench_migrations_{}.db", std::process::id()));
    bench(c, "migrations_sqlite_file", Store::SqliteFile(path.clone()));
    let _ = std::fs::remove_file(&path);
}

fn postgres(c: &mut Criterion) {
    let url = std::env::var("TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    bench(c, "migrations_postgres", Store::Server(url));
}

fn mysql(c: &mut Criterion) {
    let url = std::env::var("TEST_MYSQL_URL").unwrap_or_else(|_| "mysql://root@127.0.0.1:3306/test".into());
    bench(c, "migrations_mysql", Store::Server(url));
}

fn mongodb(c: &mut Criterion) {
    let Ok(url) = std::env::var("TEST_MONGODB_URL") else {
        eprintln!("no TEST_MONGODB_URL: MongoDB migration benchmarks skipped");
        return;
    };
    bench(c, "migrations_mongodb", Store::Mongo(url));
}

/// One file of `n` operations on one wide table (a column and its index each): planning it must
/// grow linearly with `n` (it grew with its square when every operation copied the table).
fn wide_file(n: usize) -> MigrationFile {
    let mut text = String::from("[[up]]\nop = \"create_table\"\ntable = \"wide\"\ncolumns = [{ name = \"id\", type = \"i64\", primary_key = true }]\n");
    for i in 0..n / 2 {
        text.push_str(&format!(
            "[[up]]\nop = \"add_column\"\ntable = \"wide\"\ncolumn = {{ name = \"c{i}\", type = \"i32\", nullable = true }}\n\
             [[up]]\nop = \"create_index\"\ntable = \"wide\"\nname = \"ix{i}\"\ncolumns = [\"c{i}\"]\n"
        ));
    }
    text.push_str("[[down]]\nop = \"drop_table\"\ntable = \"wide\"\n");
    parse_file(std::path::Path::new("20240101000000_wide.toml"), &text).unwrap()
}

fn planning(c: &mut Criterion) {
    let mut g = c.benchmark_group("planning");
    g.sample_size(10);
    for n in [1_000, 2_000, 4_000, 10_000] {
        let files = vec![wide_file(n)];
        g.bench_function(format!("one_file_{n}_ops/postgres"), |b| {
            b.iter(|| plan_offline(&files, Some(orm_core::Dialect::Postgres), false, "").unwrap())
        });
    }
    g.finish();
}

criterion_group!(benches, planning, sqlite_memory, sqlite_file, postgres, mysql, mongodb);
criterion_main!(benches);
