//! Applying 200 small migrations to an empty database: the toolkit's runner (`Migrator::up`, with
//! its history table, lock and checksums) against hand-written sqlx code that runs the same SQL and
//! records each version in the same history table, one transaction per migration, as `sqlx migrate`
//! does.
//!
//! `cargo bench -p orm-tests --bench migrations`. Each iteration starts from a fresh SQLite
//! database (created untimed). Results: `BENCHMARKS.md`.
#![allow(missing_docs)]

use criterion::{criterion_group, criterion_main, Criterion};
use orm_core::migrate::{parse_file, plan_offline, MigrationFile, Migrator, Target};
use orm_core::{Database, Dialect};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use sqlx::{AssertSqlSafe, SqlitePool};
use std::path::Path;
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

/// A fresh database: in memory (one connection, so the pool keeps the one database) or a new file.
fn options(file: Option<&Path>) -> (String, SqliteConnectOptions) {
    match file {
        None => ("sqlite::memory:".to_string(), SqliteConnectOptions::new().in_memory(true)),
        Some(p) => {
            let _ = std::fs::remove_file(p);
            (format!("sqlite://{}?mode=rwc", p.display()), SqliteConnectOptions::new().filename(p).create_if_missing(true))
        }
    }
}

async fn raw_pool(opts: SqliteConnectOptions) -> SqlitePool {
    let pool = SqlitePoolOptions::new().max_connections(1).connect_with(opts).await.unwrap();
    // The history table exists before the timed part: the raw side is spared creating it.
    sqlx::query(
        "CREATE TABLE \"_orm_migrations\" (\"version\" INTEGER PRIMARY KEY, \"name\" TEXT NOT NULL, \"checksum\" TEXT NOT NULL, \"applied_at\" TEXT NOT NULL, \"execution_ms\" INTEGER NOT NULL, \"dirty\" BOOLEAN NOT NULL, \"direction\" TEXT NOT NULL, \"steps_done\" INTEGER NOT NULL, \"error\" TEXT)",
    )
    .execute(&pool)
    .await
    .unwrap();
    pool
}

async fn raw_apply(pool: &SqlitePool, files: &[MigrationFile], plan: &[(i64, Vec<String>)]) {
    for (f, (_, statements)) in files.iter().zip(plan) {
        let start = Instant::now();
        let mut tx = pool.begin().await.unwrap();
        for sql in statements {
            sqlx::raw_sql(AssertSqlSafe(sql.as_str())).execute(&mut *tx).await.unwrap();
        }
        sqlx::query(
            "INSERT INTO \"_orm_migrations\" (\"version\", \"name\", \"checksum\", \"applied_at\", \"execution_ms\", \"dirty\", \"direction\", \"steps_done\", \"error\") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(f.version)
        .bind(&f.name)
        .bind(&f.checksum)
        .bind(chrono::Utc::now())
        .bind(start.elapsed().as_millis() as i64)
        .bind(false)
        .bind("up")
        .bind(f.up.len() as i32)
        .bind(None::<String>)
        .execute(&mut *tx)
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }
}

fn bench(c: &mut Criterion, group: &str, file: Option<&Path>) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let files = files();
    let plan = plan_offline(&files, Some(Dialect::Sqlite), false, "").unwrap();
    let mut g = c.benchmark_group(group);
    g.sample_size(10).measurement_time(Duration::from_secs(5)).warm_up_time(Duration::from_millis(500));
    g.bench_function("apply_200/orm", |b| {
        b.to_async(&rt).iter_custom(|iters| {
            let files = files.clone();
            async move {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let (url, _) = options(file);
                    let db = Database::connect(&url).await.unwrap();
                    let migrator = Migrator::new(db, files.clone());
                    let start = Instant::now();
                    let report = migrator.up(Target::All).await.unwrap();
                    total += start.elapsed();
                    assert_eq!(report.entries.len(), MIGRATIONS);
                }
                total
            }
        })
    });
    g.bench_function("apply_200/raw", |b| {
        b.to_async(&rt).iter_custom(|iters| {
            let (files, plan) = (&files, &plan);
            async move {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let (_, opts) = options(file);
                    let pool = raw_pool(opts).await;
                    let start = Instant::now();
                    raw_apply(&pool, files, plan).await;
                    total += start.elapsed();
                    pool.close().await;
                }
                total
            }
        })
    });
    g.finish();
}

fn sqlite_memory(c: &mut Criterion) {
    bench(c, "migrations_sqlite_memory", None);
}

fn sqlite_file(c: &mut Criterion) {
    let path = std::env::temp_dir().join(format!("orm_bench_migrations_{}.db", std::process::id()));
    bench(c, "migrations_sqlite_file", Some(&path));
    let _ = std::fs::remove_file(&path);
}

criterion_group!(benches, sqlite_memory, sqlite_file);
criterion_main!(benches);
