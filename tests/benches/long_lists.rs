//! `is_in` with 100,000 values against the fastest hand-written form: on PostgreSQL one bound array
//! (`= ANY($1)`), on SQLite one bound JSON array expanded by `json_each`. The list matches one row
//! in ten of a 100,000-row table; each side counts the matches.
//!
//! `cargo bench -p orm-tests --bench long_lists` (PostgreSQL from `TEST_POSTGRES_URL`).
#![allow(missing_docs)]

use criterion::{criterion_group, criterion_main, Criterion};
use orm_core::{Database, Model};
use std::time::Duration;

#[derive(Model, Debug, Clone)]
#[orm(table = "ll_items")]
struct Item {
    #[orm(primary_key)]
    id: i64,
    n: i64,
}

const ROWS: i64 = 100_000;

/// 100,000 values, one in ten of them a key in the table.
fn values() -> Vec<i64> {
    (0..ROWS).map(|i| if i % 10 == 0 { i } else { ROWS + i }).collect()
}

async fn seeded(url: &str) -> Database {
    let db = Database::connect(url).await.expect("connect");
    db.drop_table::<Item>().await.ok();
    db.create_table::<Item>().await.unwrap();
    let rows: Vec<Item> = (0..ROWS).map(|id| Item { id, n: id }).collect();
    db.insert_many(&rows).await.unwrap();
    db
}

type Raw<'a> = std::pin::Pin<Box<dyn std::future::Future<Output = i64> + 'a>>;

/// Both sides on one table; `raw` counts with the hand-written statement on a pool of its own.
fn group(c: &mut Criterion, name: &str, rt: &tokio::runtime::Runtime, db: &Database, raw: impl Fn(Vec<i64>) -> Raw<'static>) {
    let list = values();
    let expected = ROWS / 10;
    assert_eq!(rt.block_on(Item::find().filter(Item::ID.is_in(list.clone())).count(db)).unwrap(), expected as u64);
    assert_eq!(rt.block_on(raw(list.clone())), expected);
    let mut g = c.benchmark_group(name);
    g.sample_size(20).measurement_time(Duration::from_secs(8));
    g.bench_function("is_in_100k/orm", |b| b.to_async(rt).iter(|| async { Item::find().filter(Item::ID.is_in(list.clone())).count(db).await.unwrap() }));
    g.bench_function("is_in_100k/raw", |b| b.to_async(rt).iter(|| raw(list.clone())));
    g.finish();
    rt.block_on(db.drop_table::<Item>()).ok();
}

fn postgres(c: &mut Criterion) {
    let url = std::env::var("TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let rt = tokio::runtime::Runtime::new().unwrap();
    let db = rt.block_on(seeded(&url));
    let pool = rt.block_on(sqlx::PgPool::connect(&url)).unwrap();
    group(c, "postgres", &rt, &db, move |list| {
        let pool = pool.clone();
        Box::pin(async move {
            sqlx::query_scalar("SELECT COUNT(*) FROM ll_items WHERE id = ANY($1)").bind(list).fetch_one(&pool).await.unwrap()
        })
    });
}

fn sqlite(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("ll.db").display());
    let rt = tokio::runtime::Runtime::new().unwrap();
    let db = rt.block_on(seeded(&url));
    let pool = rt.block_on(sqlx::SqlitePool::connect(&url)).unwrap();
    group(c, "sqlite_file", &rt, &db, move |list| {
        let pool = pool.clone();
        Box::pin(async move {
            let json = serde_json::to_string(&list).unwrap();
            sqlx::query_scalar("SELECT COUNT(*) FROM ll_items WHERE id IN (SELECT value FROM json_each(?))").bind(json).fetch_one(&pool).await.unwrap()
        })
    });
}

criterion_group!(benches, postgres, sqlite);
criterion_main!(benches);
