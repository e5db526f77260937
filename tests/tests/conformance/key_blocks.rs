//! MongoDB's auto-increment keys come in blocks (hi/lo): one `findAndModify` on `__orm_counters`
//! reserves 100 keys for a handle's single inserts. Keys stay unique across handles, and a block
//! made stale by a reset counter is given up on the first duplicate key.

use orm_core::bson::doc;
use orm_core::{Database, Model};
use orm_tests::models::Item;
use orm_tests::{run_at, Backend};

fn item(n: i64) -> Item {
    Item { id: 0, n, label: format!("i{n}"), weight: 0.0 }
}

async fn counter(db: &Database) -> i64 {
    let found = db.run_command(doc! { "find": "__orm_counters", "filter": { "_id": "items" } }).await.unwrap();
    let batch = found.get_document("cursor").unwrap().get_array("firstBatch").unwrap();
    batch.first().and_then(|d| d.as_document()).map_or(0, |d| d.get_i64("seq").or_else(|_| d.get_i32("seq").map(i64::from)).unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mongodb() {
    run_at(Backend::MongoDb, "", |a, url| async move {
        a.create_table::<Item>().await.unwrap();
        // 150 single inserts: keys 1..=150 in order, from two reserved blocks.
        let mut keys = Vec::new();
        for n in 0..150 {
            keys.push(a.insert(&item(n)).await.unwrap().id);
        }
        assert_eq!(keys, (1..=150).collect::<Vec<i64>>());
        assert_eq!(counter(&a).await, 200, "two blocks of 100");
        // Another handle reserves its own block after them; a bulk insert reserves exactly its rows.
        let b = Database::connect(&url).await.unwrap();
        assert_eq!(b.insert(&item(150)).await.unwrap().id, 201);
        assert_eq!(b.insert_many(vec![item(151), item(152)]).await.unwrap(), 2);
        assert_eq!(counter(&a).await, 302);
        assert_eq!(a.insert(&item(153)).await.unwrap().id, 151, "a's block goes on");
        // The collection made again elsewhere: the counter starts over, a's block (152..=200) is
        // stale. b's fresh keys reach 152; a's next insert collides there, gives its block up and
        // takes a key from the counter.
        b.drop_table::<Item>().await.unwrap();
        b.create_table::<Item>().await.unwrap();
        let c = Database::connect(&url).await.unwrap();
        for n in 0..152 {
            c.insert(&item(n)).await.unwrap();
        }
        let taken = a.insert(&item(999)).await.unwrap();
        assert_eq!(taken.id, 201, "after c's two blocks");
        let mut ids: Vec<i64> = Item::find().all(&a).await.unwrap().into_iter().map(|i| i.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), 153, "every key unique");
        b.close().await;
        c.close().await;
    })
    .await
}
