//! `is_in` / `not_in` with lists of any size: 100,000 values on every SQL backend, through select,
//! count, update and delete (one bound array on PostgreSQL, JSON expanded by the server on SQLite
//! and MySQL, `$in` on MongoDB).

use orm_core::{BackendKind, Database, Model};
use orm_tests::backend_tests;
use orm_tests::models::Item;

backend_tests!(lists_of_any_size);

async fn lists_of_any_size(db: Database) {
    db.create_table::<Item>().await.unwrap();
    let items: Vec<Item> = (1..=2_000).map(|i| Item { id: 0, n: i, label: format!("l{i}"), weight: 0.0 }).collect();
    db.insert_many(&items).await.unwrap();
    // 100,000 numbers, of which the even ones up to 2,000 exist. MongoDB has no parameter limit to
    // prove; its test server (secantusdb) checks `$in` value by value in Python, so it gets 1,000
    // (the counts below hold for any size from 1,000).
    let size: i64 = if db.backend() == BackendKind::MongoDb { 1_000 } else { 100_000 };
    let wanted: Vec<i64> = (1..=size).map(|i| i * 2).collect();
    assert_eq!(Item::find().filter(Item::N.is_in(wanted.clone())).count(&db).await.unwrap(), 1_000);
    assert_eq!(Item::find().filter(Item::N.not_in(wanted.clone())).count(&db).await.unwrap(), 1_000);
    let rows = Item::find().filter(Item::N.is_in(wanted.clone())).order_by_asc(Item::N).limit(3).all(&db).await.unwrap();
    assert_eq!(rows.iter().map(|r| r.n).collect::<Vec<_>>(), [2, 4, 6]);
    // Text keys too (past MySQL's 65,535 parameters).
    let labels: Vec<String> = (1..=size.min(70_000)).map(|i| format!("l{}", i * 3)).collect();
    assert_eq!(Item::find().filter(Item::LABEL.is_in(labels)).count(&db).await.unwrap(), 666);
    // Writes through the same lists.
    let updated = Item::update_many().set(Item::WEIGHT, 1.5).filter(Item::N.is_in(wanted.clone())).exec(&db).await.unwrap();
    assert_eq!(updated, 1_000);
    let deleted = Item::delete_many().filter(Item::N.not_in(wanted)).exec(&db).await.unwrap();
    assert_eq!(deleted, 1_000);
    assert_eq!(Item::find().filter(Item::WEIGHT.eq(1.5)).count(&db).await.unwrap(), 1_000);
}
