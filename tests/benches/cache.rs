//! The query cache's speed: a cached key lookup and a cached 20-row query against the same queries
//! uncached, on PostgreSQL and MongoDB, and what the cache adds to a write (its invalidation).
//!
//! `cargo bench -p orm-tests --bench cache` (servers from `TEST_POSTGRES_URL`, `TEST_MONGODB_URL`
//! and `TEST_REDIS_URL`, as the tests). Results: `BENCHMARKS.md`.
#![allow(missing_docs)]

use criterion::measurement::Measurement;
use criterion::{criterion_group, criterion_main, Criterion};
use orm_core::{Cache, Database, Model};
use orm_tests::process_cpu::ProcessCpu;
use orm_tests::redis_url;
use serde::{Deserialize, Serialize};
use std::time::Duration;

#[derive(Model, Debug, Clone, PartialEq, Serialize, Deserialize)]
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
    let cache = Cache::new(&redis_url()).unwrap().namespace(format!("orm_bench_{name}")).timeout(Duration::from_secs(1));
    rt.block_on(cache.flush()).expect("Redis for the cache benchmarks");
    let cached = plain.with_cache(cache);
    let mut g = c.benchmark_group(name);
    g.sample_size(30).measurement_time(Duration::from_secs(3)).warm_up_time(Duration::from_secs(1));
    g.bench_function("select_pk/uncached", |b| b.to_async(&rt).iter(|| async { Item::find_by_pk(500).one(&plain).await.unwrap() }));
    g.bench_function("select_pk/cached", |b| b.to_async(&rt).iter(|| async { Item::find_by_pk(500).cached().one(&cached).await.unwrap() }));
    let page = || Item::find().filter(Item::N.gte(100)).order_by_asc(Item::N).limit(20);
    g.bench_function("filtered_20/uncached", |b| b.to_async(&rt).iter(|| async { page().all(&plain).await.unwrap() }));
    g.bench_function("filtered_20/cached", |b| b.to_async(&rt).iter(|| async { page().cached().all(&cached).await.unwrap() }));
    // Inserts grow the table, and a server may slow down as it grows: each iteration inserts
    // through both handles and times one, so both sides see the same table sizes.
    let interleaved = |timed: &Database, other: &Database, iters: u64| {
        let (timed, other) = (timed.clone(), other.clone());
        async move {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let start = std::time::Instant::now();
                timed.insert(&item(7)).await.unwrap();
                total += start.elapsed();
                other.insert(&item(7)).await.unwrap();
            }
            total
        }
    };
    g.bench_function("insert_one/uncached", |b| b.to_async(&rt).iter_custom(|iters| interleaved(&plain, &cached, iters)));
    g.bench_function("insert_one/cached", |b| b.to_async(&rt).iter_custom(|iters| interleaved(&cached, &plain, iters)));
    g.finish();
    assert_eq!(cached.cache_stats().unwrap().errors, 0, "the cache benchmarks measured a failing Redis");
}

fn postgres(c: &mut Criterion) {
    group(c, "cache_postgres", Some(std::env::var("TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())));
}

fn mongodb(c: &mut Criterion) {
    group(c, "cache_mongodb", std::env::var("TEST_MONGODB_URL").ok());
}

/// A cache hit in this process's CPU time (`/orm`) against what a hand-written cache costs the
/// client: one `GET` with the `redis` crate and a `serde_json` decode of the row (`/raw`).
/// A cached database holding key 500, and a plain `redis` connection with the same row stored as
/// JSON under the returned key (what a hand-written cache would do).
fn hit_setup(rt: &tokio::runtime::Runtime, namespace: &str) -> (Database, redis::aio::MultiplexedConnection, String) {
    let url = std::env::var("TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let plain = rt.block_on(seeded(&url));
    let cache = Cache::new(&redis_url()).unwrap().namespace(namespace).timeout(Duration::from_secs(1));
    rt.block_on(cache.flush()).expect("Redis for the cache benchmarks");
    let cached = plain.with_cache(cache);
    let row = rt.block_on(Item::find_by_pk(500).cached().one(&cached)).unwrap().unwrap();
    let client = redis::Client::open(redis_url()).unwrap();
    let mut conn = rt.block_on(client.get_multiplexed_async_connection()).unwrap();
    let key = format!("{namespace}:raw:item:500");
    rt.block_on(redis::cmd("SET").arg(&key).arg(serde_json::to_vec(&row).unwrap()).query_async::<()>(&mut conn)).unwrap();
    (cached, conn, key)
}

/// A hand-written cache's read: one `GET` and a `serde_json` decode.
async fn raw_get(mut conn: redis::aio::MultiplexedConnection, key: &str) -> Item {
    let bytes: Vec<u8> = redis::cmd("GET").arg(key).query_async(&mut conn).await.unwrap();
    serde_json::from_slice::<Item>(&bytes).unwrap()
}

fn hit_cpu<M: Measurement<Value = Duration> + 'static>(c: &mut Criterion<M>) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (cached, conn, key) = hit_setup(&rt, "orm_bench_cpu");
    let mut g = c.benchmark_group("cache_hit_cpu");
    g.sample_size(30).measurement_time(Duration::from_secs(3)).warm_up_time(Duration::from_secs(1));
    g.bench_function("select_pk/orm", |b| b.to_async(&rt).iter(|| async { Item::find_by_pk(500).cached().one(&cached).await.unwrap() }));
    g.bench_function("select_pk/raw", |b| b.to_async(&rt).iter(|| raw_get(conn.clone(), &key)));
    g.finish();
}

/// Wall time of one Redis round trip three ways: a hand-written `GET` + decode, a cache hit, and
/// a write's invalidation (the generation bump a write sends after it commits).
fn round_trips(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (cached, conn, key) = hit_setup(&rt, "orm_bench_trip");
    let cache = cached.cache().unwrap().clone();
    let mut g = c.benchmark_group("cache_round_trip");
    g.sample_size(30).measurement_time(Duration::from_secs(3)).warm_up_time(Duration::from_secs(1));
    g.bench_function("raw_get", |b| b.to_async(&rt).iter(|| raw_get(conn.clone(), &key)));
    g.bench_function("hit", |b| b.to_async(&rt).iter(|| async { Item::find_by_pk(500).cached().one(&cached).await.unwrap() }));
    g.bench_function("invalidation", |b| b.to_async(&rt).iter(|| async { cache.flush_table("cached_items").await.unwrap() }));
    g.finish();
}

criterion_group!(benches, postgres, mongodb, round_trips);
criterion_group! {
    name = client_cpu;
    config = Criterion::default().with_measurement(ProcessCpu);
    targets = hit_cpu
}
criterion_main!(benches, client_cpu);
