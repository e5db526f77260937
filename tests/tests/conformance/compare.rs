//! The benchmarks' side-by-side workloads (`orm_tests::compare`) do the same work through the
//! toolkit, SeaORM and hand-written sqlx on every SQL backend (and Diesel on SQLite): each reports the rows it read,
//! wrote or updated, and the toolkit reads back what the others wrote.

use orm_core::Model;
use orm_tests::compare::{toolkit, Contender, Dialect, Side, Workload, USERS};
use orm_tests::{run_at, Backend};

async fn same_work(backend: Backend) {
    run_at(backend, "", |db, url| async move {
        let dialect = Dialect::of(&url);
        // A private in-memory database exists per connection: each contender seeds its own.
        let private = url.contains(":memory:");
        let mut contenders: Vec<(Side, Contender)> = Vec::new();
        for side in Side::on(dialect) {
            let contender = Contender::connect(side, &url).await;
            if private || contenders.is_empty() {
                contender.seed(dialect).await;
            }
            contenders.push((side, contender));
        }
        let mut serial = 0;
        for workload in Workload::ALL {
            for (side, contender) in &contenders {
                serial += 1;
                let rows = contender.run(workload, contender.batch(workload, serial), serial).await;
                assert_eq!(rows, workload.expected_rows(), "{side:?} on {workload:?}");
            }
        }
        if !private {
            // Every contender's writes, read through the toolkit: 1 + 10,000 + 10 users each.
            let written = toolkit::User::find().filter(toolkit::User::ID.gt(USERS)).all(&db).await.unwrap();
            assert_eq!(written.len(), contenders.len() * 10_011);
            assert!(written.iter().all(|u| u.age == 99 && u.email.starts_with('z') && u.created_at == orm_tests::compare::created_at()));
            contenders[0].1.reset_writes(dialect).await;
            assert_eq!(toolkit::User::find().count(&db).await.unwrap(), USERS as u64);
        }
        for (_, contender) in contenders {
            contender.close().await;
        }
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres() {
    same_work(Backend::Postgres).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mysql() {
    same_work(Backend::MySql).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_file() {
    same_work(Backend::SqliteFile).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_memory() {
    same_work(Backend::SqliteMemory).await
}
