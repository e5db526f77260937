//! Allocations per decoded row: reads 1,000 rows into structs `PROBE_N` times (default 20), through
//! the toolkit or through the raw driver, so that a heap profiler can compare the two.
//!
//! ```text
//! cargo build --release -p orm-tests --example decode_probe
//! valgrind --tool=dhat target/release/examples/decode_probe sqlite orm
//! valgrind --tool=dhat target/release/examples/decode_probe sqlite raw
//! TEST_MONGODB_URL=mongodb://... valgrind --tool=dhat target/release/examples/decode_probe mongodb orm
//! ```
//!
//! Setup (creating and filling the table) allocates the same on both sides; the difference of the
//! two totals divided by `PROBE_N * 1000` is the toolkit's extra allocations per row.
#![allow(missing_docs)]

use orm_core::{Database, Model};
use serde::{Deserialize, Serialize};
use sqlx::Row;

#[derive(Model, Debug, Clone, Serialize, Deserialize)]
#[orm(table = "items")]
struct Item {
    #[orm(primary_key)]
    #[serde(rename = "_id")]
    id: i64,
    n: i64,
    #[orm(length = 40)]
    label: String,
    weight: f64,
}

fn rounds() -> usize {
    std::env::var("PROBE_N").ok().and_then(|v| v.parse().ok()).unwrap_or(20)
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (backend, side) = (args.get(1).map(String::as_str).unwrap_or("sqlite"), args.get(2).map(String::as_str).unwrap_or("orm"));
    let url = match backend {
        "sqlite" => "sqlite:file:decode_probe?mode=memory&cache=shared".to_string(),
        "mongodb" => std::env::var("TEST_MONGODB_URL").expect("TEST_MONGODB_URL"),
        other => panic!("unknown backend {other}: sqlite or mongodb"),
    };
    let db = Database::connect(&url).await.unwrap();
    db.drop_table::<Item>().await.ok();
    db.create_table::<Item>().await.unwrap();
    let items: Vec<Item> = (0..1000).map(|i| Item { id: i + 1, n: i, label: format!("item {i}"), weight: 0.5 }).collect();
    db.insert_many(&items).await.unwrap();
    let mut rows = 0;
    match (backend, side) {
        ("sqlite", "orm") => {
            for _ in 0..rounds() {
                rows += Item::find().limit(1000).all(&db).await.unwrap().len();
            }
        }
        ("sqlite", _) => {
            let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
            for _ in 0..rounds() {
                let found = sqlx::query("SELECT id, n, label, weight FROM items LIMIT 1000").fetch_all(&pool).await.unwrap();
                let decoded: Vec<Item> =
                    found.iter().map(|r| Item { id: r.get(0), n: r.get(1), label: r.get(2), weight: r.get(3) }).collect();
                rows += decoded.len();
            }
        }
        (_, "orm") => {
            for _ in 0..rounds() {
                rows += Item::find().limit(1000).all(&db).await.unwrap().len();
            }
        }
        _ => {
            use futures_util::TryStreamExt;
            let client = mongodb::Client::with_uri_str(&url).await.unwrap();
            let coll = client.default_database().unwrap_or_else(|| client.database("test")).collection::<Item>("items");
            for _ in 0..rounds() {
                let found: Vec<Item> = coll.find(mongodb::bson::doc! {}).limit(1000).await.unwrap().try_collect().await.unwrap();
                rows += found.len();
            }
        }
    }
    println!("{backend} {side}: {rows} rows decoded");
}
