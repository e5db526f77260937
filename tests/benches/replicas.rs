//! Read replicas: what routing costs a read in client CPU (a database with a replica against a
//! direct connection to that replica), and read throughput from several tasks with one primary and
//! one replica against the primary alone.
//!
//! `cargo bench -p orm-tests --bench replicas` with `TEST_PG_PRIMARY_URL` and `TEST_PG_REPLICA_URL`
//! (the servers `scripts/test.sh` starts; skipped without them). Results: `BENCHMARKS.md`.
#![allow(missing_docs)]

use criterion::measurement::Measurement;
use criterion::{criterion_group, criterion_main, Criterion};
use orm_core::{ConnectOptions, Database, Model};
use orm_tests::process_cpu::ProcessCpu;
use std::time::{Duration, Instant};

#[derive(Model, Debug, Clone, PartialEq)]
#[orm(table = "bench_replica_items")]
struct Item {
    #[orm(primary_key)]
    id: i64,
    #[orm(length = 40)]
    label: String,
    weight: f64,
}

const ROWS: i64 = 1000;
/// Reads per throughput iteration, spread over [`TASKS`] tasks.
const READS: i64 = 400;
const TASKS: i64 = 8;

struct Setup {
    direct: Database,
    routed: Database,
    primary: Database,
}

/// The table seeded on the primary and replayed by the replica; `None` without the servers.
fn setup(rt: &tokio::runtime::Runtime) -> Option<Setup> {
    let (Ok(primary_url), Ok(replica_url)) = (std::env::var("TEST_PG_PRIMARY_URL"), std::env::var("TEST_PG_REPLICA_URL")) else {
        eprintln!("replicas: TEST_PG_PRIMARY_URL / TEST_PG_REPLICA_URL unset, skipped");
        return None;
    };
    rt.block_on(async {
        let primary = Database::connect(&primary_url).await.expect("connect to the primary");
        primary.drop_table::<Item>().await.ok();
        primary.create_table::<Item>().await.unwrap();
        let rows: Vec<Item> = (0..ROWS).map(|id| Item { id, label: format!("item {id}"), weight: id as f64 / 3.0 }).collect();
        primary.insert_many(&rows).await.unwrap();
        let routed = Database::connect_with(&primary_url, ConnectOptions::new().replicas([replica_url.clone()])).await.unwrap();
        let direct = Database::connect(&replica_url).await.unwrap();
        // Wait for the replica to have the rows, then let the routed handle settle on it.
        let deadline = Instant::now() + Duration::from_secs(30);
        while Item::find().count(&direct).await.unwrap_or(0) < ROWS as u64 {
            assert!(Instant::now() < deadline, "the replica never replayed the seed rows");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Item::find_by_pk(1).one(&routed).await.unwrap();
        Some(Setup { direct, routed, primary })
    })
}

fn routing_cpu<M: Measurement<Value = Duration> + 'static>(c: &mut Criterion<M>) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let Some(s) = setup(&rt) else { return };
    let mut g = c.benchmark_group("replica_routing_cpu");
    g.sample_size(30).measurement_time(Duration::from_secs(4)).warm_up_time(Duration::from_secs(1));
    g.bench_function("select_pk/direct", |b| b.to_async(&rt).iter(|| async { Item::find_by_pk(500).one(&s.direct).await.unwrap() }));
    g.bench_function("select_pk/routed", |b| b.to_async(&rt).iter(|| async { Item::find_by_pk(500).one(&s.routed).await.unwrap() }));
    g.finish();
    assert!(s.routed.replica_status()[0].in_rotation, "the benchmark measured reads that did not go to the replica");
}

/// `READS` key lookups from `TASKS` tasks on `db`.
async fn read_mix(db: &Database) {
    let tasks: Vec<_> = (0..TASKS)
        .map(|t| {
            let db = db.clone();
            tokio::spawn(async move {
                for i in 0..READS / TASKS {
                    Item::find_by_pk((t * 97 + i * 13) % ROWS).one(&db).await.unwrap();
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
}

fn throughput(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let Some(s) = setup(&rt) else { return };
    let mut g = c.benchmark_group("replica_throughput");
    g.sample_size(20).measurement_time(Duration::from_secs(6)).warm_up_time(Duration::from_secs(1));
    g.throughput(criterion::Throughput::Elements(READS as u64));
    g.bench_function("primary_alone", |b| b.to_async(&rt).iter(|| read_mix(&s.primary)));
    g.bench_function("primary_and_replica", |b| b.to_async(&rt).iter(|| read_mix(&s.routed)));
    g.finish();
}

criterion_group!(benches, throughput);
criterion_group! {
    name = client_cpu;
    config = Criterion::default().with_measurement(ProcessCpu);
    targets = routing_cpu
}
criterion_main!(benches, client_cpu);
