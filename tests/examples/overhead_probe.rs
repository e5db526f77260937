//! Where the toolkit's per-query time goes on SQLite in memory: the same point lookup through the
//! query builder, through the toolkit's raw-SQL path, and through sqlx directly.
//!
//! `cargo run --release -p orm-tests --example overhead_probe`
//!
//! The three paths run in alternating rounds and each reports its fastest round, so drift in the
//! machine's load hits all of them alike.
#![allow(missing_docs)]

use orm_core::{Database, Model, Value};
use sqlx::Row;
use std::time::{Duration, Instant};

#[derive(Model, Debug, Clone)]
#[orm(table = "items")]
struct Item {
    #[orm(primary_key, auto_increment)]
    id: i64,
    n: i64,
    #[orm(length = 40)]
    label: String,
    weight: f64,
}

const ROUNDS: u32 = 5;

/// Lookups per path; `PROBE_N` overrides it (a small count keeps a `valgrind --tool=callgrind` run short).
fn lookups() -> u32 {
    std::env::var("PROBE_N").ok().and_then(|v| v.parse().ok()).unwrap_or(5000)
}

/// The mean time of one call over `n` calls.
async fn per_call<F: std::future::Future<Output = ()>>(n: u32, mut f: impl FnMut() -> F) -> Duration {
    let start = Instant::now();
    for _ in 0..n {
        f().await;
    }
    start.elapsed() / n
}

#[tokio::main]
async fn main() {
    let n = (lookups() / ROUNDS).max(1);
    for url in ["sqlite::memory:", "sqlite:file:probe?mode=memory&cache=shared"] {
        let db = Database::connect(url).await.unwrap();
        db.create_table::<Item>().await.unwrap();
        let items: Vec<Item> = (0..1000).map(|i| Item { id: 0, n: i, label: format!("{i}"), weight: 0.5 }).collect();
        db.insert_many(&items).await.unwrap();
        let pool = sqlx::sqlite::SqlitePoolOptions::new().connect(url).await.unwrap();
        let shared = url.contains("cache=shared");
        let mut best = [Duration::MAX; 3];
        for _ in 0..ROUNDS {
            let builder = per_call(n, || async {
                Item::find_by_pk(500).one(&db).await.unwrap();
            })
            .await;
            let raw_path = per_call(n, || async {
                let _: Vec<(i64, i64, String, f64)> =
                    db.raw_query("SELECT id, n, label, weight FROM items WHERE id = ?", [Value::I64(Some(500))]).await.unwrap();
            })
            .await;
            // A private memory database is not visible to sqlx's own pool.
            let sqlx = if shared {
                per_call(n, || async {
                    let r = sqlx::query("SELECT id, n, label, weight FROM items WHERE id = ?").bind(500i64).fetch_optional(&pool).await.unwrap();
                    let _ = r.map(|r| (r.get::<i64, _>(0), r.get::<String, _>(2)));
                })
                .await
            } else {
                Duration::MAX
            };
            for (b, t) in best.iter_mut().zip([builder, raw_path, sqlx]) {
                *b = (*b).min(t);
            }
        }
        let [builder, raw_path, sqlx] = best;
        if shared {
            println!("{url}: builder {builder:?}, toolkit raw SQL {raw_path:?}, sqlx {sqlx:?}");
        } else {
            println!("{url}: builder {builder:?}, toolkit raw SQL {raw_path:?}");
        }
    }
}
