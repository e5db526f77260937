//! One workload of `orm_tests::compare`, run a given number of times by one contender on SQLite in
//! memory (or on the database of `url`, seeded afresh), for counting instructions with callgrind:
//!
//! `valgrind --tool=callgrind --callgrind-out-file=/dev/null target/release/examples/instructions <side> <workload> <runs> <prepared> [url]`
//!
//! `side` is `orm`, `seaorm`, `raw` or `diesel` (SQLite only); `workload` one of `Workload::name`. The rows of `prepared`
//! runs (at least `runs`) are built before any runs, so two counts that differ only in `runs` differ
//! by exactly the work of the extra runs: `python3 scripts/bench_instructions.py` takes the
//! difference of two such counts per run.
#![allow(missing_docs)]

use orm_tests::compare::{Contender, Dialect, Side, Workload};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: instructions <orm|seaorm|raw|diesel> <workload> <runs> <prepared> [url]";
    let side = args.first().and_then(|s| Side::parse(s)).expect(usage);
    let workload = args.get(1).and_then(|w| Workload::parse(w)).expect(usage);
    let runs: u64 = args.get(2).and_then(|n| n.parse().ok()).expect(usage);
    let prepared: u64 = args.get(3).and_then(|n| n.parse().ok()).expect(usage);
    assert!(runs <= prepared, "{usage}: runs must not exceed prepared");
    let url = args.get(4).map_or("sqlite::memory:", String::as_str);
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let contender = Contender::connect(side, url).await;
        contender.seed(Dialect::of(url)).await;
        let batches: Vec<_> = (1..=prepared).map(|serial| (contender.batch(workload, serial), serial)).collect();
        for (batch, serial) in batches.into_iter().take(runs as usize) {
            let rows = contender.run(workload, batch, serial).await;
            assert_eq!(rows, workload.expected_rows(), "{side:?} {workload:?}");
        }
    });
}
