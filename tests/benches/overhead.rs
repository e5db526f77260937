//! The toolkit's cost over the raw drivers, each workload written twice: through the toolkit and as
//! hand-written sqlx (`query_as`, `QueryBuilder::push_values`) or mongodb-driver code (serde structs).
//!
//! `cargo bench -p orm-tests` (servers from `TEST_POSTGRES_URL` and `TEST_MONGODB_URL`, as the tests).
//! `BENCH_ROWS` scales the bulk workloads (default 10,000). Results and ratios: `BENCHMARKS.md`.
#![allow(missing_docs)]

use criterion::measurement::Measurement;
use criterion::{criterion_group, criterion_main, Criterion};
use orm_tests::process_cpu::ProcessCpu;
use orm_core::{Database, Model};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use std::time::Duration;

#[derive(Model, Debug, Clone, PartialEq, Serialize, Deserialize)]
#[orm(table = "items", has_many(Part, foreign_key = "item_id"))]
struct Item {
    #[orm(primary_key, auto_increment)]
    #[serde(rename = "_id")]
    id: i64,
    #[orm(index)]
    n: i64,
    #[orm(length = 40)]
    label: String,
    weight: f64,
}

#[derive(Model, Debug, Clone, PartialEq, Serialize, Deserialize)]
#[orm(table = "parts")]
struct Part {
    #[orm(primary_key, auto_increment)]
    #[serde(rename = "_id")]
    id: i64,
    #[orm(belongs_to = Item, index)]
    item_id: i64,
    #[orm(length = 40)]
    name: String,
}

fn rows() -> usize {
    std::env::var("BENCH_ROWS").ok().and_then(|v| v.parse().ok()).unwrap_or(10_000)
}

fn item(i: usize) -> Item {
    Item { id: 0, n: i as i64, label: format!("item {i}"), weight: i as f64 / 4.0 }
}

/// A fresh database with `rows()` items and two parts for each of the first 1,000.
async fn seeded(url: &str) -> Database {
    let db = Database::connect(url).await.expect("connect");
    db.drop_table::<Part>().await.ok();
    db.drop_table::<Item>().await.ok();
    db.create_table::<Item>().await.unwrap();
    db.create_table::<Part>().await.unwrap();
    let items: Vec<Item> = (0..rows()).map(item).collect();
    db.insert_many(&items).await.unwrap();
    let parts: Vec<Part> = (1..=1000i64).flat_map(|i| (0..2).map(move |j| Part { id: 0, item_id: i, name: format!("part {j}") })).collect();
    db.insert_many(&parts).await.unwrap();
    db
}

/// Raw sqlx code for one backend: `$db` the sqlx database type, `$ph` renders placeholder `n`.
macro_rules! raw_sql {
    ($module:ident, $db:ty, $ph:expr) => {
        mod $module {
            use super::*;
            type Pool = sqlx::Pool<$db>;
            type DbRow = <$db as sqlx::Database>::Row;

            fn ph(n: usize) -> String {
                ($ph)(n)
            }

            pub fn decode(r: &DbRow) -> Item {
                Item { id: r.get(0), n: r.get(1), label: r.get(2), weight: r.get(3) }
            }

            pub async fn by_pk(pool: &Pool, id: i64) -> Option<Item> {
                let sql = format!("SELECT id, n, label, weight FROM items WHERE id = {}", ph(1));
                sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(pool).await.unwrap().map(|r| decode(&r))
            }

            pub async fn first_1000(pool: &Pool) -> Vec<Item> {
                let rows = sqlx::query("SELECT id, n, label, weight FROM items LIMIT 1000").fetch_all(pool).await.unwrap();
                rows.iter().map(decode).collect()
            }

            pub async fn filtered(pool: &Pool, above: i64) -> Vec<Item> {
                let sql = format!("SELECT id, n, label, weight FROM items WHERE n > {} ORDER BY n LIMIT 50", ph(1));
                let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(above).fetch_all(pool).await.unwrap();
                rows.iter().map(decode).collect()
            }

            pub async fn bulk(pool: &Pool, items: &[Item]) {
                let mut tx = pool.begin().await.unwrap();
                for chunk in items.chunks(10_000) {
                    let mut qb = sqlx::QueryBuilder::<$db>::new("INSERT INTO items (n, label, weight) ");
                    qb.push_values(chunk, |mut b, it| {
                        b.push_bind(it.n).push_bind(it.label.clone()).push_bind(it.weight);
                    });
                    qb.build().execute(&mut *tx).await.unwrap();
                }
                tx.commit().await.unwrap();
            }

            pub async fn update_many(pool: &Pool, below: i64) -> u64 {
                let sql = format!("UPDATE items SET weight = weight + 1 WHERE n < {}", ph(1));
                sqlx::query(sqlx::AssertSqlSafe(sql)).bind(below).execute(pool).await.unwrap().rows_affected()
            }

            pub async fn delete_many(pool: &Pool, label: &str) -> u64 {
                let sql = format!("DELETE FROM items WHERE label = {}", ph(1));
                sqlx::query(sqlx::AssertSqlSafe(sql)).bind(label).execute(pool).await.unwrap().rows_affected()
            }

            /// 1,000 parents and their parts: two queries, grouped by hand.
            pub async fn eager(pool: &Pool) -> Vec<(Item, Vec<(i64, i64, String)>)> {
                let parents: Vec<Item> = sqlx::query("SELECT id, n, label, weight FROM items ORDER BY id LIMIT 1000")
                    .fetch_all(pool)
                    .await
                    .unwrap()
                    .iter()
                    .map(decode)
                    .collect();
                let mut qb = sqlx::QueryBuilder::<$db>::new("SELECT id, item_id, name FROM parts WHERE item_id IN (");
                let mut sep = qb.separated(", ");
                for p in &parents {
                    sep.push_bind(p.id);
                }
                qb.push(")");
                let mut by_parent: std::collections::HashMap<i64, Vec<(i64, i64, String)>> = Default::default();
                for r in qb.build().fetch_all(pool).await.unwrap() {
                    let part: (i64, i64, String) = (r.get(0), r.get(1), r.get(2));
                    by_parent.entry(part.1).or_default().push(part);
                }
                parents.into_iter().map(|p| { let parts = by_parent.remove(&p.id).unwrap_or_default(); (p, parts) }).collect()
            }
        }
    };
}

raw_sql!(raw_sqlite, sqlx::Sqlite, |_n: usize| "?".to_string());
raw_sql!(raw_pg, sqlx::Postgres, |n: usize| format!("${n}"));
raw_sql!(raw_mysql, sqlx::MySql, |_n: usize| "?".to_string());

/// `INSERT ... RETURNING` where the backend has it.
macro_rules! insert_returning {
    ($name:ident, $db:ty, $sql:expr) => {
        async fn $name(pool: &sqlx::Pool<$db>, it: &Item) -> Item {
            let row = sqlx::query($sql).bind(it.n).bind(&it.label).bind(it.weight).fetch_one(pool).await.unwrap();
            Item { id: row.get(0), n: row.get(1), label: row.get(2), weight: row.get(3) }
        }
    };
}
insert_returning!(insert_sqlite, sqlx::Sqlite, "INSERT INTO items (n, label, weight) VALUES (?, ?, ?) RETURNING id, n, label, weight");
insert_returning!(insert_pg, sqlx::Postgres, "INSERT INTO items (n, label, weight) VALUES ($1, $2, $3) RETURNING id, n, label, weight");

/// MySQL has no RETURNING: insert, then read the row back by its generated key, as the toolkit does.
async fn insert_mysql(pool: &sqlx::MySqlPool, it: &Item) -> Item {
    let done = sqlx::query("INSERT INTO items (n, label, weight) VALUES (?, ?, ?)").bind(it.n).bind(&it.label).bind(it.weight).execute(pool).await.unwrap();
    raw_mysql::by_pk(pool, done.last_insert_id() as i64).await.unwrap()
}

macro_rules! sql_benches {
    ($c:expr, $rt:expr, $name:expr, $url:expr, $raw:ident, $insert:ident, $pool:ty) => {{
        let rt: &tokio::runtime::Runtime = $rt;
        let db = rt.block_on(seeded($url));
        let pool: $pool = rt.block_on(<$pool>::connect($url)).expect("raw pool");
        let mut g = $c.benchmark_group($name);
        g.sample_size(20).measurement_time(Duration::from_secs(2)).warm_up_time(Duration::from_millis(500));
        let one = item(7);
        g.bench_function("insert_one/orm", |b| b.to_async(rt).iter(|| async { db.insert(&one).await.unwrap() }));
        g.bench_function("insert_one/raw", |b| b.to_async(rt).iter(|| async { $insert(&pool, &one).await }));
        g.bench_function("select_pk/orm", |b| b.to_async(rt).iter(|| async { Item::find_by_pk(500).one(&db).await.unwrap() }));
        g.bench_function("select_pk/raw", |b| b.to_async(rt).iter(|| async { $raw::by_pk(&pool, 500).await }));
        g.bench_function("select_1000/orm", |b| b.to_async(rt).iter(|| async { Item::find().limit(1000).all(&db).await.unwrap() }));
        g.bench_function("select_1000/raw", |b| b.to_async(rt).iter(|| async { $raw::first_1000(&pool).await }));
        g.bench_function("filtered/orm", |b| {
            b.to_async(rt).iter(|| async { Item::find().filter(Item::N.gt(5000)).order_by_asc(Item::N).limit(50).all(&db).await.unwrap() })
        });
        g.bench_function("filtered/raw", |b| b.to_async(rt).iter(|| async { $raw::filtered(&pool, 5000).await }));
        g.bench_function("update_many/orm", |b| {
            b.to_async(rt).iter(|| async { Item::update_many().set_expr(Item::WEIGHT, Item::WEIGHT.add(1.0)).filter(Item::N.lt(100)).exec(&db).await.unwrap() })
        });
        g.bench_function("update_many/raw", |b| b.to_async(rt).iter(|| async { $raw::update_many(&pool, 100).await }));
        let doomed: Vec<Item> = (0..100).map(|i| Item { label: "doomed".into(), ..item(i) }).collect();
        // Deleting 100 rows: each iteration first inserts them again, untimed.
        g.bench_function("delete_many/orm", |b| {
            b.to_async(rt).iter_custom(|iters| {
                let (db, doomed) = (&db, &doomed);
                async move {
                    let mut total = Duration::ZERO;
                    for _ in 0..iters {
                        db.insert_many(doomed).await.unwrap();
                        let start = std::time::Instant::now();
                        Item::delete_many().filter(Item::LABEL.eq("doomed")).exec(db).await.unwrap();
                        total += start.elapsed();
                    }
                    total
                }
            })
        });
        g.bench_function("delete_many/raw", |b| {
            b.to_async(rt).iter_custom(|iters| {
                let (db, doomed, pool) = (&db, &doomed, &pool);
                async move {
                    let mut total = Duration::ZERO;
                    for _ in 0..iters {
                        db.insert_many(doomed).await.unwrap();
                        let start = std::time::Instant::now();
                        $raw::delete_many(pool, "doomed").await;
                        total += start.elapsed();
                    }
                    total
                }
            })
        });
        g.bench_function("eager_1000/orm", |b| {
            b.to_async(rt).iter(|| async { Item::find().order_by_asc(Item::ID).limit(1000).with(Item::parts).all(&db).await.unwrap() })
        });
        g.bench_function("eager_1000/raw", |b| b.to_async(rt).iter(|| async { $raw::eager(&pool).await }));
        let bulk: Vec<Item> = (0..rows()).map(item).collect();
        g.sample_size(10).measurement_time(Duration::from_secs(5));
        g.bench_function("bulk_insert/orm", |b| b.to_async(rt).iter(|| async { db.insert_many(&bulk).await.unwrap() }));
        g.bench_function("bulk_insert/raw", |b| b.to_async(rt).iter(|| async { $raw::bulk(&pool, &bulk).await }));
        g.finish();
        drop(db);
    }};
}

fn sqlite_memory(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    // Shared between the toolkit's pool and the raw one: a named in-memory database.
    let url = "sqlite:file:orm_bench?mode=memory&cache=shared";
    sql_benches!(c, &rt, "sqlite_memory", url, raw_sqlite, insert_sqlite, sqlx::SqlitePool);
}

fn sqlite_file(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("bench.db").display());
    sql_benches!(c, &rt, "sqlite_file", &url, raw_sqlite, insert_sqlite, sqlx::SqlitePool);
}

fn postgres(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let url = std::env::var("TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    sql_benches!(c, &rt, "postgres", &url, raw_pg, insert_pg, sqlx::PgPool);
    postgres_bulk_paths(c, &rt, &url);
}

/// PostgreSQL's three ways to load rows, hand-written on sqlx, to choose the toolkit's bulk path:
/// a multi-row `VALUES` list, one array per column through `UNNEST`, and `COPY ... FROM STDIN`.
fn postgres_bulk_paths(c: &mut Criterion, rt: &tokio::runtime::Runtime, url: &str) {
    use sqlx::postgres::PgPoolCopyExt;
    let pool = rt.block_on(sqlx::PgPool::connect(url)).expect("raw pool");
    let bulk: Vec<Item> = (0..rows()).map(item).collect();
    let mut g = c.benchmark_group("postgres_bulk_paths");
    g.sample_size(10).measurement_time(Duration::from_secs(5)).warm_up_time(Duration::from_millis(500));
    g.bench_function("values", |b| b.to_async(rt).iter(|| async { raw_pg::bulk(&pool, &bulk).await }));
    g.bench_function("unnest", |b| {
        b.to_async(rt).iter(|| async {
            let (mut n, mut label, mut weight) = (Vec::new(), Vec::new(), Vec::new());
            for it in &bulk {
                n.push(it.n);
                label.push(it.label.clone());
                weight.push(it.weight);
            }
            sqlx::query("INSERT INTO items (n, label, weight) SELECT * FROM UNNEST($1::int8[], $2::text[], $3::float8[])")
                .bind(n)
                .bind(label)
                .bind(weight)
                .execute(&pool)
                .await
                .unwrap()
        })
    });
    g.bench_function("copy_text", |b| {
        b.to_async(rt).iter(|| async {
            // The bench's labels hold no tab, newline or backslash: no escaping needed.
            let mut data = String::with_capacity(bulk.len() * 24);
            for it in &bulk {
                use std::fmt::Write;
                writeln!(data, "{}\t{}\t{}", it.n, it.label, it.weight).unwrap();
            }
            let mut copy = pool.copy_in_raw("COPY items (n, label, weight) FROM STDIN").await.unwrap();
            copy.send(data.into_bytes()).await.unwrap();
            copy.finish().await.unwrap()
        })
    });
    g.finish();
}

fn mysql(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let url = std::env::var("TEST_MYSQL_URL").unwrap_or_else(|_| "mysql://root@127.0.0.1:3306/test".into());
    sql_benches!(c, &rt, "mysql", &url, raw_mysql, insert_mysql, sqlx::MySqlPool);
}

/// Wall time since the first call, as a clock for `iter_custom`.
fn wall_now() -> Duration {
    static BASE: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    BASE.get_or_init(std::time::Instant::now).elapsed()
}

fn mongodb(c: &mut Criterion) {
    mongodb_group(c, "mongodb", wall_now);
}

/// The same workloads in this process's CPU time: the client's cost, without the server's.
fn mongodb_client_cpu(c: &mut Criterion<ProcessCpu>) {
    mongodb_group(c, "mongodb_cpu", orm_tests::process_cpu::now);
}

fn mongodb_group<M: Measurement<Value = Duration> + 'static>(c: &mut Criterion<M>, group: &str, now: fn() -> Duration) {
    let Ok(url) = std::env::var("TEST_MONGODB_URL") else {
        eprintln!("no TEST_MONGODB_URL: MongoDB benchmarks skipped");
        return;
    };
    let rt = tokio::runtime::Runtime::new().unwrap();
    let db = rt.block_on(seeded(&url));
    let client = rt.block_on(mongodb::Client::with_uri_str(&url)).unwrap();
    let name = client.default_database().map(|d| d.name().to_string()).unwrap_or_else(|| "test".into());
    let items = client.database(&name).collection::<Item>("items");
    let parts = client.database(&name).collection::<Part>("parts");
    let mut g = c.benchmark_group(group);
    g.sample_size(20).measurement_time(Duration::from_secs(2)).warm_up_time(Duration::from_millis(500));
    let mut next = 10_000_000i64;
    g.bench_function("insert_one/orm", |b| b.to_async(&rt).iter(|| async { db.insert(&item(7)).await.unwrap() }));
    g.bench_function("insert_one/raw", |b| {
        b.to_async(&rt).iter(|| {
            next += 1;
            let it = Item { id: next, ..item(7) };
            let items = items.clone();
            async move { items.insert_one(&it).await.unwrap() }
        })
    });
    g.bench_function("select_pk/orm", |b| b.to_async(&rt).iter(|| async { Item::find_by_pk(500).one(&db).await.unwrap() }));
    g.bench_function("select_pk/raw", |b| b.to_async(&rt).iter(|| async { items.find_one(mongodb::bson::doc! { "_id": 500_i64 }).await.unwrap() }));
    g.bench_function("select_1000/orm", |b| b.to_async(&rt).iter(|| async { Item::find().limit(1000).all(&db).await.unwrap() }));
    g.bench_function("select_1000/raw", |b| {
        b.to_async(&rt).iter(|| async {
            use futures_util::TryStreamExt;
            items.find(mongodb::bson::doc! {}).limit(1000).await.unwrap().try_collect::<Vec<Item>>().await.unwrap()
        })
    });
    g.bench_function("filtered/orm", |b| {
        b.to_async(&rt).iter(|| async { Item::find().filter(Item::N.gt(5000)).order_by_asc(Item::N).limit(50).all(&db).await.unwrap() })
    });
    g.bench_function("filtered/raw", |b| {
        b.to_async(&rt).iter(|| async {
            use futures_util::TryStreamExt;
            let cursor = items.find(mongodb::bson::doc! { "n": { "$gt": 5000_i64 } }).sort(mongodb::bson::doc! { "n": 1 }).limit(50).await.unwrap();
            cursor.try_collect::<Vec<Item>>().await.unwrap()
        })
    });
    g.bench_function("update_many/orm", |b| {
        b.to_async(&rt).iter(|| async { Item::update_many().set_expr(Item::WEIGHT, Item::WEIGHT.add(1.0)).filter(Item::N.lt(100)).exec(&db).await.unwrap() })
    });
    g.bench_function("update_many/raw", |b| {
        b.to_async(&rt).iter(|| async {
            use mongodb::bson::doc;
            items.update_many(doc! { "n": { "$lt": 100_i64 } }, doc! { "$inc": { "weight": 1.0 } }).await.unwrap().modified_count
        })
    });
    // Deleting 100 documents: each iteration first inserts them again, untimed.
    let doomed: Vec<Item> = (0..100).map(|i| Item { label: "doomed".into(), ..item(i) }).collect();
    for (name, raw) in [("delete_many/orm", false), ("delete_many/raw", true)] {
        g.bench_function(name, |b| {
            b.to_async(&rt).iter_custom(|iters| {
                let (db, doomed, items) = (&db, &doomed, &items);
                async move {
                    let mut total = Duration::ZERO;
                    for _ in 0..iters {
                        db.insert_many(doomed).await.unwrap();
                        let start = now();
                        if raw {
                            items.delete_many(mongodb::bson::doc! { "label": "doomed" }).await.unwrap();
                        } else {
                            Item::delete_many().filter(Item::LABEL.eq("doomed")).exec(db).await.unwrap();
                        }
                        total += now() - start;
                    }
                    total
                }
            })
        });
    }
    g.bench_function("eager_1000/orm", |b| {
        b.to_async(&rt).iter(|| async { Item::find().order_by_asc(Item::ID).limit(1000).with(Item::parts).all(&db).await.unwrap() })
    });
    g.bench_function("eager_1000/raw", |b| {
        b.to_async(&rt).iter(|| async {
            use futures_util::TryStreamExt;
            let parents: Vec<Item> =
                items.find(mongodb::bson::doc! {}).sort(mongodb::bson::doc! { "_id": 1 }).limit(1000).await.unwrap().try_collect().await.unwrap();
            let ids: Vec<i64> = parents.iter().map(|p| p.id).collect();
            let children: Vec<Part> = parts.find(mongodb::bson::doc! { "item_id": { "$in": ids } }).await.unwrap().try_collect().await.unwrap();
            (parents, children)
        })
    });
    // The raw side writes its own `_id`s, as an application without the toolkit's counter would.
    let bulk: Vec<Item> = (0..rows()).map(item).collect();
    g.sample_size(10).measurement_time(Duration::from_secs(5));
    g.bench_function("bulk_insert/orm", |b| b.to_async(&rt).iter(|| async { db.insert_many(&bulk).await.unwrap() }));
    g.bench_function("bulk_insert/raw", |b| {
        b.to_async(&rt).iter(|| {
            let docs: Vec<Item> = bulk
                .iter()
                .map(|it| {
                    next += 1;
                    Item { id: next, ..it.clone() }
                })
                .collect();
            let items = items.clone();
            async move { items.insert_many(&docs).await.unwrap() }
        })
    });
    g.finish();
}

criterion_group!(benches, sqlite_memory, sqlite_file, postgres, mysql, mongodb);
criterion_group! {
    name = client_cpu;
    config = Criterion::default().with_measurement(ProcessCpu);
    targets = mongodb_client_cpu
}
criterion_main!(benches, client_cpu);
