//! Where the toolkit's per-query time goes on SQLite in memory: the same point lookup through the
//! query builder, through the toolkit's raw-SQL path, and through sqlx directly.
//!
//! `cargo run --release -p orm-tests --example overhead_probe`
#![allow(missing_docs)]

use orm_core::{Database, Model, Value};
use sqlx::Row;
use std::time::Instant;

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

/// Lookups per path; `PROBE_N` overrides it (a small count keeps a `valgrind --tool=callgrind` run short).
fn lookups() -> u32 {
    std::env::var("PROBE_N").ok().and_then(|v| v.parse().ok()).unwrap_or(5000)
}

#[tokio::main]
async fn main() {
    let n = lookups();
    for url in ["sqlite::memory:", "sqlite:file:probe?mode=memory&cache=shared"] {
        let db = Database::connect(url).await.unwrap();
        db.create_table::<Item>().await.unwrap();
        let items: Vec<Item> = (0..1000).map(|i| Item { id: 0, n: i, label: format!("{i}"), weight: 0.5 }).collect();
        db.insert_many(&items).await.unwrap();
        let start = Instant::now();
        for _ in 0..n {
            Item::find_by_pk(500).one(&db).await.unwrap();
        }
        let orm = start.elapsed() / n;
        let start = Instant::now();
        for _ in 0..n {
            let _: Vec<(i64, i64, String, f64)> =
                db.raw_query("SELECT id, n, label, weight FROM items WHERE id = ?", [Value::I64(Some(500))]).await.unwrap();
        }
        let raw_path = start.elapsed() / n;
        let pool = sqlx::sqlite::SqlitePoolOptions::new().connect(url).await.unwrap();
        if url.contains("cache=shared") {
            let start = Instant::now();
            for _ in 0..n {
                let r = sqlx::query("SELECT id, n, label, weight FROM items WHERE id = ?").bind(500i64).fetch_optional(&pool).await.unwrap();
                let _ = r.map(|r| (r.get::<i64, _>(0), r.get::<String, _>(2)));
            }
            println!("{url}: builder {orm:?}, toolkit raw SQL {raw_path:?}, sqlx {:?}", start.elapsed() / n);
        } else {
            println!("{url}: builder {orm:?}, toolkit raw SQL {raw_path:?}");
        }
    }
}
