//! The query cache's speed: a cached key lookup and a cached 20-row query against the same queries
//! uncached, on PostgreSQL and MongoDB, and what the cache adds to a write (its invalidation).
//!
//! `cargo bench -p orm-tests --bench cache` (servers from `TEST_POSTGRES_URL`, `TEST_MONGODB_URL`
//! and `TEST_REDIS_URL`, as the tests). Results: `BENCHMARKS.md`.
#![allow(missing_docs)]

use criterion::{criterion_group, criterion_main, Criterion};
use orm_core::{Cache, Database, Model};
use std::time::Duration;

#[derive(Model, Debug, Clone, PartialEq)]
#[orm(table = "cached_items")]
struct Item {
    #[orm(primary_key, auto_increment)]
    id: i64,
    #[orm(index)]
    n: i64,
    #[orm(length = 40)]
    label: String,
    weight: f64,
}

fn item(i: i64) -> Item {
    Item { id: 0, n: i, label: format!("item {i}"), weight: i as f64 / 4.0 }
}

async fn seeded(url: &str) -> Database {
    let db = Database::connect(url).await.expect("connect");
    db.drop_table::<Item>().await.ok();
    db.create_table::<Item>().await.unwrap();
    db.insert_many(&(0..1000).map(item).collect::<Vec<_>>()).await.unwrap();
    db
}

fn group(c: &mut Criterion, name: &str, url: Option<String>) {
    let Some(url) = url else {
        eprintln!("{name}: no server URL, skipped");
        return;
    };
    let rt = tokio::runtime::Runtime::new().unwrap();
    let plain = rt.block_on(seeded(&url));
    let redis = std::env::var("TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379/0".into());
    let cache = Cache::new(&redis).unwrap().namespace(format!("orm_bench_{name}")).timeout(Duration::from_secs(1));
    rt.block_on(cache.flush()).expect("Redis for the cache benchmarks");
    let cached = plain.with_cache(cache);
    let mut g = c.benchmark_group(name);
    g.sample_size(30).measurement_time(Duration::from_secs(3)).warm_up_time(Duration::from_secs(1));
    g.bench_function("select_pk/uncached", |b| b.to_async(&rt).iter(|| async { Item::find_by_pk(500).one(&plain).await.unwrap() }));
    g.bench_function("select_pk/cached", |b| b.to_async(&rt).iter(|| async { Item::find_by_pk(500).cached().one(&cached).await.unwrap() }));
    let page = || Item::find().filter(Item::N.gte(100)).order_by_asc(Item::N).limit(20);
    g.bench_function("filtered_20/uncached", |b| b.to_async(&rt).iter(|| async { page().all(&plain).await.unwrap() }));
    g.bench_function("filtered_20/cached", |b| b.to_async(&rt).iter(|| async { page().cached().all(&cached).await.unwrap() }));
    g.bench_function("insert_one/uncached", |b| b.to_async(&rt).iter(|| async { plain.insert(&item(7)).await.unwrap() }));
    g.bench_function("insert_one/cached", |b| b.to_async(&rt).iter(|| async { cached.insert(&item(7)).await.unwrap() }));
    g.finish();
    assert_eq!(cached.cache_stats().unwrap().errors, 0, "the cache benchmarks measured a failing Redis");
}

fn postgres(c: &mut Criterion) {
    group(c, "cache_postgres", Some(std::env::var("TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())));
}

fn mongodb(c: &mut Criterion) {
    group(c, "cache_mongodb", std::env::var("TEST_MONGODB_URL").ok());
}

criterion_group!(benches, postgres, mongodb);
criterion_main!(benches);
