//! The Redis query cache on every backend: cached queries are served from Redis, every kind of write
//! invalidates what it changed (and only that, for key lookups), transactions invalidate when they
//! commit, no reader sees data older than a write that has returned, and a Redis that stops
//! answering or restarts costs nothing but speed.

use orm_core::{Database, Model, Transaction};
use orm_tests::{backend_tests, test_cache};
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::Arc;

backend_tests!(
    cached_queries_are_served_and_invalidated,
    transactions_invalidate_when_they_commit,
    no_reader_sees_a_write_older_than_its_return,
    a_cached_model_is_cached_by_default
);

#[derive(Model, Debug, Clone, PartialEq)]
#[orm(table = "cache_items")]
struct Item {
    #[orm(primary_key)]
    id: i64,
    #[orm(length = 40)]
    name: String,
    qty: i32,
}

/// A model cached by default.
#[derive(Model, Debug, Clone, PartialEq)]
#[orm(table = "cache_settings", cache(ttl = "30s"))]
struct Setting {
    #[orm(primary_key, length = 40)]
    key: String,
    #[orm(length = 200)]
    value: String,
}

fn item(id: i64, name: &str, qty: i32) -> Item {
    Item { id, name: name.into(), qty }
}

/// The rows of the filtered query, through the cache.
async fn positive(db: &Database) -> Vec<Item> {
    Item::find().filter(Item::QTY.gt(0)).order_by_asc(Item::ID).cached().all(db).await.unwrap()
}

/// Runs `read` and says whether it went to the database.
async fn queried<T, F: std::future::Future<Output = T>>(db: &Database, read: F) -> (T, bool) {
    let before = db.queries_issued();
    let out = read.await;
    (out, db.queries_issued() != before)
}

async fn cached_queries_are_served_and_invalidated(db: Database) {
    let Some(cache) = test_cache("crud").await else { return };
    db.create_table::<Item>().await.unwrap();
    db.insert_many(&[item(1, "a", 1), item(2, "b", 2), item(3, "c", 0)]).await.unwrap();
    let db = db.scoped().with_cache(cache);

    // Served from Redis the second time: no statement reaches the database.
    let (rows, went) = queried(&db, positive(&db)).await;
    assert!(went);
    assert_eq!(rows.iter().map(|i| i.id).collect::<Vec<_>>(), [1, 2]);
    let (again, went) = queried(&db, positive(&db)).await;
    assert!(!went, "a cached query is served from Redis");
    assert_eq!(again, rows);
    let (one, _) = queried(&db, Item::find_by_pk(1).cached().one(&db)).await;
    let (one_again, went) = queried(&db, Item::find_by_pk(1).cached().one(&db)).await;
    let (one, one_again) = (one.unwrap(), one_again.unwrap());
    assert!(!went && one == one_again && one.is_some());
    let (none, _) = queried(&db, Item::find_by_pk(9).cached().one(&db)).await;
    assert!(none.unwrap().is_none());

    // Counts and existence checks are cached too.
    let count = |db: Database| async move { Item::find().filter(Item::QTY.gt(0)).cached().count(&db).await.unwrap() };
    assert_eq!(count(db.clone()).await, 2);
    let (n, went) = queried(&db, count(db.clone())).await;
    assert_eq!((n, went), (2, false));
    let (any, _) = queried(&db, Item::find().filter(Item::QTY.gt(1)).cached().exists(&db)).await;
    let (again, went) = queried(&db, Item::find().filter(Item::QTY.gt(1)).cached().exists(&db)).await;
    assert!(any.unwrap() && again.unwrap() && !went);

    // A write to another row leaves a key lookup cached; the filtered query is invalidated.
    let mut b = Item::find_by_pk(2).one(&db).await.unwrap().unwrap();
    b.qty = 20;
    db.update(&b).await.unwrap();
    let (_, went) = queried(&db, Item::find_by_pk(1).cached().one(&db)).await;
    assert!(!went, "updating row 2 keeps row 1's lookup");
    assert_eq!(positive(&db).await[1].qty, 20);

    // Every kind of write: the cached answers follow the database at once.
    let expect = |db: Database| async move {
        let fresh = Item::find().filter(Item::QTY.gt(0)).order_by_asc(Item::ID).no_cache().all(&db).await.unwrap();
        assert_eq!(positive(&db).await, fresh);
        assert_eq!(Item::find().filter(Item::QTY.gt(0)).cached().count(&db).await.unwrap(), fresh.len() as u64);
        for id in 1..=10 {
            let uncached = Item::find_by_pk(id).no_cache().one(&db).await.unwrap();
            assert_eq!(Item::find_by_pk(id).cached().one(&db).await.unwrap(), uncached, "row {id}");
        }
    };
    expect(db.clone()).await;
    db.insert(&item(9, "i", 9)).await.unwrap();
    expect(db.clone()).await;
    db.upsert(&item(9, "i2", 90)).await.unwrap();
    expect(db.clone()).await;
    db.insert_many(&[item(4, "d", 4), item(5, "e", 5)]).await.unwrap();
    expect(db.clone()).await;
    Item::update_many().set(Item::QTY, 7).filter(Item::ID.eq(1)).exec(&db).await.unwrap();
    expect(db.clone()).await;
    db.delete(&item(4, "d", 4)).await.unwrap();
    expect(db.clone()).await;
    db.delete_by_key::<Item>(5).await.unwrap();
    expect(db.clone()).await;
    Item::delete_many().filter(Item::QTY.eq(0)).exec(&db).await.unwrap();
    expect(db.clone()).await;
    if db.backend() == orm_core::BackendKind::MongoDb {
        db.run_command(orm_core::bson::doc! { "update": "cache_items", "updates": [{ "q": { "_id": 1_i64 }, "u": { "$set": { "qty": 70 } } }] })
            .await
            .unwrap();
    } else {
        db.raw_execute("UPDATE cache_items SET qty = 70 WHERE id = 1", []).await.unwrap();
    }
    expect(db.clone()).await;
    assert_eq!(Item::find_by_pk(1).cached().one(&db).await.unwrap().unwrap().qty, 70);

    let stats = db.cache_stats().unwrap();
    assert!(stats.hits > 0 && stats.misses > 0 && stats.invalidations > 0, "{stats:?}");
    assert_eq!((stats.errors, stats.bypassed), (0, 0), "{stats:?}");
}

async fn transactions_invalidate_when_they_commit(db: Database) {
    if db.backend() == orm_core::BackendKind::MongoDb && db.begin().await.is_err() {
        return;
    }
    let Some(cache) = test_cache("tx").await else { return };
    db.create_table::<Item>().await.unwrap();
    db.insert(&item(1, "a", 1)).await.unwrap();
    let db = db.scoped().with_cache(cache);
    let key_lookup = |db: Database| async move { Item::find_by_pk(1).cached().one(&db).await.unwrap().unwrap().qty };
    assert_eq!(key_lookup(db.clone()).await, 1);

    // Rolled back: nothing was invalidated, the entry is still served.
    let tx: Transaction = db.begin().await.unwrap();
    tx.update(&item(1, "a", 2)).await.unwrap();
    // Reads in the transaction see its own writes (they bypass the cache).
    assert_eq!(Item::find_by_pk(1).cached().one(&tx).await.unwrap().unwrap().qty, 2);
    tx.rollback().await.unwrap();
    let (qty, went) = queried(&db, key_lookup(db.clone())).await;
    assert_eq!((qty, went), (1, false), "a rollback invalidates nothing");

    // Committed: invalidated when the commit returns.
    let tx = db.begin().await.unwrap();
    tx.update(&item(1, "a", 3)).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(key_lookup(db.clone()).await, 3);

    // The closure form too.
    db.transaction(|tx| async move { tx.update(&item(1, "a", 4)).await }).await.unwrap();
    assert_eq!(key_lookup(db.clone()).await, 4);
}

async fn a_cached_model_is_cached_by_default(db: Database) {
    let Some(cache) = test_cache("model").await else { return };
    db.create_table::<Setting>().await.unwrap();
    db.insert(&Setting { key: "theme".into(), value: "dark".into() }).await.unwrap();
    let db = db.scoped().with_cache(cache);
    let read = |db: Database| async move { Setting::find_by_pk("theme".to_string()).one(&db).await.unwrap().unwrap().value };
    assert_eq!(read(db.clone()).await, "dark");
    let (value, went) = queried(&db, read(db.clone())).await;
    assert_eq!((value.as_str(), went), ("dark", false), "`#[orm(cache)]` caches without asking");
    let (_, went) = queried(&db, Setting::find().no_cache().all(&db)).await;
    assert!(went, "`no_cache()` reads the database");
    db.update(&Setting { key: "theme".into(), value: "light".into() }).await.unwrap();
    assert_eq!(read(db.clone()).await, "light");
}

/// Writers and readers on separate handles and separate caches (as separate processes would be):
/// after a write returns, no cached read anywhere may return an older value.
async fn no_reader_sees_a_write_older_than_its_return(db: Database) {
    if test_cache("race").await.is_none() {
        return;
    }
    db.create_table::<Item>().await.unwrap();
    db.insert(&item(1, "hot", 0)).await.unwrap();
    // Each "process" gets a cache object of its own (its own connection, its own loaders) on the
    // same namespace.
    let namespace = format!("orm_t_race_{}", uuid::Uuid::new_v4().simple());
    let mut caches: Vec<Database> = (0..3)
        .map(|_| {
            let cache = orm_core::Cache::new(&orm_tests::redis_url()).unwrap().namespace(namespace.clone()).timeout(std::time::Duration::from_secs(2));
            db.with_cache(cache)
        })
        .collect();
    let committed = Arc::new(AtomicI32::new(0));
    let rounds = 40;
    let writer = {
        let db = caches.remove(0);
        let committed = committed.clone();
        tokio::spawn(async move {
            for v in 1..=rounds {
                if v % 2 == 0 {
                    db.update(&item(1, "hot", v)).await.unwrap();
                } else {
                    Item::update_many().set(Item::QTY, v).filter(Item::ID.eq(1)).exec(&db).await.unwrap();
                }
                committed.store(v, Ordering::SeqCst);
            }
        })
    };
    let mut readers = Vec::new();
    for db in caches {
        let committed = committed.clone();
        readers.push(tokio::spawn(async move {
            let mut reads = 0;
            loop {
                let floor = committed.load(Ordering::SeqCst);
                let by_key = Item::find_by_pk(1).cached().one(&db).await.unwrap().unwrap().qty;
                let filtered = Item::find().filter(Item::NAME.eq("hot")).cached().one(&db).await.unwrap().unwrap().qty;
                assert!(by_key >= floor && filtered >= floor, "a stale read: {by_key} / {filtered} after {floor} was written");
                reads += 1;
                if floor == rounds {
                    return reads;
                }
            }
        }));
    }
    writer.await.unwrap();
    for r in readers {
        assert!(r.await.unwrap() > 0);
    }
}

/// Many readers missing the same entry at once: one of them loads it, the others wait and read
/// what it stored (a hot key does not send every reader to the database).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_misses_load_once() {
    let Some(cache) = test_cache("stampede").await else { return };
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("s.db").display());
    let db = Database::connect(&url).await.unwrap();
    db.create_table::<Item>().await.unwrap();
    db.insert(&item(1, "hot", 5)).await.unwrap();
    let db = db.scoped().with_cache(cache);
    let readers: Vec<_> = (0..16)
        .map(|_| {
            let db = db.clone();
            tokio::spawn(async move { Item::find().filter(Item::NAME.eq("hot")).cached().all(&db).await.unwrap() })
        })
        .collect();
    for r in readers {
        assert_eq!(r.await.unwrap().len(), 1);
    }
    // One load, or two when a reader saw the miss just before the first load stored its rows and
    // asked for the loader's turn just after it was handed back; never one per reader.
    assert!(db.queries_issued() <= 2, "{} loads for 16 concurrent readers", db.queries_issued());
    assert!(db.cache_stats().unwrap().hits >= 14, "{:?}", db.cache_stats());
}

/// A throwaway `redis-server` (no persistence) on `port`, or a free port; `None` (a failure under
/// `CI=true`) when there is no `redis-server` binary.
fn start_redis(port: Option<u16>) -> Option<(std::process::Child, u16)> {
    let Some(binary) = std::env::var_os("ORM_TEST_REDIS_SERVER").or_else(|| {
        let found = std::path::Path::new("/usr/bin/redis-server");
        found.exists().then(|| found.into())
    }) else {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "no redis-server under CI=true (ORM_TEST_REDIS_SERVER)");
        eprintln!("skipping: no redis-server");
        return None;
    };
    let port = port.unwrap_or_else(|| std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port());
    let child = std::process::Command::new(binary)
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("start redis-server");
    Some((child, port))
}

/// Waits until the Redis on `port` answers a PING.
async fn redis_answers(port: u16) {
    let client = redis::Client::open(format!("redis://127.0.0.1:{port}/0")).unwrap();
    for _ in 0..200 {
        if let Ok(mut c) = client.get_multiplexed_async_connection().await
            && redis::cmd("PING").query_async::<String>(&mut c).await.is_ok()
        {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("redis-server on port {port} did not answer");
}

/// A cache on the throwaway Redis at `port`.
fn cache_on(port: u16, namespace: &str) -> orm_core::Cache {
    orm_core::Cache::new(&format!("redis://127.0.0.1:{port}/0")).unwrap().namespace(namespace).timeout(std::time::Duration::from_millis(200))
}

/// A Redis that stops answering (paused, as a hung server or a partition would look): queries and
/// writes go on against the database; when it answers again, nothing cached before the writes it
/// missed is served.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_redis_costs_speed_not_correctness() {
    let Some((mut redis, port)) = start_redis(None) else { return };
    redis_answers(port).await;
    let cache = cache_on(port, "stall");
    let db = Database::connect("sqlite::memory:").await.unwrap().with_cache(cache);
    db.create_table::<Item>().await.unwrap();
    db.insert(&item(1, "a", 1)).await.unwrap();
    assert_eq!(Item::find_by_pk(1).cached().one(&db).await.unwrap().unwrap().qty, 1);
    assert_eq!(Item::find_by_pk(1).cached().one(&db).await.unwrap().unwrap().qty, 1);
    assert_eq!(db.cache_stats().unwrap().hits, 1);

    let pid = redis.id().to_string();
    let signal = |sig: &str| assert!(std::process::Command::new("kill").args([sig, &pid]).status().unwrap().success());
    signal("-STOP");
    // Redis holds the old entry and generations, but cannot be told about this write.
    db.update(&item(1, "a", 2)).await.unwrap();
    assert_eq!(Item::find_by_pk(1).cached().one(&db).await.unwrap().unwrap().qty, 2, "reads go to the database");
    let stats = db.cache_stats().unwrap();
    assert!(stats.errors > 0 && stats.bypassed > 0, "{stats:?}");
    signal("-CONT");
    // Back: the write it missed must not let the old entry be served.
    for _ in 0..3 {
        assert_eq!(Item::find_by_pk(1).cached().one(&db).await.unwrap().unwrap().qty, 2);
    }
    let stats = db.cache_stats().unwrap();
    assert!(stats.hits >= 2, "the cache is used again once it answers: {stats:?}");
    redis.kill().unwrap();
    redis.wait().unwrap();
}

/// A Redis killed and started again, empty (as the cache's Redis should run, without persistence):
/// while it is gone queries and writes go on against the database; once it is back, every process
/// reconnects by itself and uses the cache again, and none is served what it cached before the
/// write made while Redis was down.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_redis_serves_nothing_stale() {
    let Some((mut redis, port)) = start_redis(None) else { return };
    redis_answers(port).await;
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("restart.db").display());
    // Two processes' handles on one database, each with its own connection to the cache.
    let writer = Database::connect(&url).await.unwrap().with_cache(cache_on(port, "restart"));
    let reader = Database::connect(&url).await.unwrap().with_cache(cache_on(port, "restart"));
    writer.create_table::<Item>().await.unwrap();
    writer.insert(&item(1, "a", 1)).await.unwrap();
    for db in [&writer, &reader] {
        for _ in 0..2 {
            assert_eq!(Item::find_by_pk(1).cached().one(db).await.unwrap().unwrap().qty, 1);
        }
    }
    // The reader found the writer's entry.
    assert_eq!((writer.cache_stats().unwrap().hits, reader.cache_stats().unwrap().hits), (1, 2));

    redis.kill().unwrap();
    redis.wait().unwrap();
    writer.update(&item(1, "a", 2)).await.unwrap();
    for db in [&writer, &reader] {
        assert_eq!(Item::find_by_pk(1).cached().one(db).await.unwrap().unwrap().qty, 2, "reads go to the database");
        let stats = db.cache_stats().unwrap();
        assert!(stats.errors > 0 && stats.bypassed > 0, "{stats:?}");
    }

    let (mut redis, _) = start_redis(Some(port)).expect("redis-server started before");
    redis_answers(port).await;
    // The reconnect is retried at most a second after a failed attempt.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    for db in [&writer, &reader] {
        let hits = db.cache_stats().unwrap().hits;
        for _ in 0..3 {
            assert_eq!(Item::find_by_pk(1).cached().one(db).await.unwrap().unwrap().qty, 2);
        }
        let stats = db.cache_stats().unwrap();
        assert!(stats.hits > hits, "the cache is used again after the restart: {stats:?}");
    }
    writer.update(&item(1, "a", 3)).await.unwrap();
    assert_eq!(Item::find_by_pk(1).cached().one(&reader).await.unwrap().unwrap().qty, 3, "invalidation works again");
    redis.kill().unwrap();
    redis.wait().unwrap();
}
