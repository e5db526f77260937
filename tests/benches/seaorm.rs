//! The toolkit, SeaORM 2.0 and hand-written sqlx side by side: the eight workloads of
//! `orm_tests::compare` on SQLite (in memory and in a file), PostgreSQL and MariaDB, each workload
//! run by the three contenders one after the other (the order rotating from workload to workload),
//! in wall time and (groups ending in `_cpu`) in
//! this process's CPU time, which leaves out what the database server spends.
//!
//! `cargo bench -p orm-tests --bench seaorm` (servers from `TEST_POSTGRES_URL` and `TEST_MYSQL_URL`);
//! `python3 scripts/bench_table.py` prints the ratios. Instruction counts (callgrind) come from the
//! `instructions` example through `python3 scripts/bench_instructions.py`.
#![allow(missing_docs)]

use criterion::measurement::Measurement;
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use orm_tests::compare::{Contender, Dialect, Side, Workload};
use orm_tests::process_cpu::ProcessCpu;
use orm_tests::{mysql_url, postgres_url};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Batch serials: every run writes emails no earlier run used.
static SERIAL: AtomicU64 = AtomicU64::new(1);

fn next_serial() -> u64 {
    SERIAL.fetch_add(1, Ordering::Relaxed)
}

fn compare<M: Measurement + 'static>(c: &mut Criterion<M>, group: &str, url: &str) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dialect = Dialect::of(url);
    // A private in-memory SQLite database exists per connection: each contender seeds its own.
    let private = url.contains(":memory:");
    let contenders: Vec<(Side, Contender)> = rt.block_on(async {
        let mut out: Vec<(Side, Contender)> = Vec::new();
        for side in Side::on(dialect) {
            let contender = Contender::connect(side, url).await;
            if private || out.is_empty() {
                contender.seed(dialect).await;
            }
            out.push((side, contender));
        }
        out
    });
    let mut g = c.benchmark_group(group);
    for (i, workload) in Workload::ALL.into_iter().enumerate() {
        let long = workload == Workload::BulkInsert;
        g.sample_size(if long { 10 } else { 30 })
            .measurement_time(Duration::from_secs(if long { 6 } else { 2 }))
            .warm_up_time(Duration::from_millis(500));
        let size = if long { BatchSize::PerIteration } else { BatchSize::SmallInput };
        // Each side takes each place in the order as often: whoever runs first after the previous
        // workload meets the server (and the machine) in whatever state that left.
        let mut order: Vec<&(Side, Contender)> = contenders.iter().collect();
        let sides = order.len();
        order.rotate_left(i % sides);
        for (side, contender) in order {
            g.bench_function(format!("{}/{}", workload.name(), side.name()), |b| {
                b.to_async(&rt).iter_batched(
                    || {
                        let serial = next_serial();
                        (contender.batch(workload, serial), serial)
                    },
                    |(batch, serial)| contender.run(workload, batch, serial),
                    size,
                )
            });
        }
        if workload.writes() > 0 {
            rt.block_on(async {
                for (_, contender) in contenders.iter().take(if private { contenders.len() } else { 1 }) {
                    contender.reset_writes(dialect).await;
                }
            });
        }
    }
    g.finish();
}

fn sqlite_url(dir: &tempfile::TempDir) -> String {
    format!("sqlite://{}?mode=rwc", dir.path().join("bench.db").display())
}

fn wall(c: &mut Criterion) {
    compare(c, "seaorm_sqlite_memory", "sqlite::memory:");
    let dir = tempfile::tempdir().unwrap();
    compare(c, "seaorm_sqlite_file", &sqlite_url(&dir));
    compare(c, "seaorm_postgres", &postgres_url());
    compare(c, "seaorm_mysql", &mysql_url());
}

fn client_cpu(c: &mut Criterion<ProcessCpu>) {
    compare(c, "seaorm_postgres_cpu", &postgres_url());
    compare(c, "seaorm_mysql_cpu", &mysql_url());
}

criterion_group!(benches, wall);
criterion_group! {
    name = cpu;
    config = Criterion::default().with_measurement(ProcessCpu);
    targets = client_cpu
}
criterion_main!(benches, cpu);
