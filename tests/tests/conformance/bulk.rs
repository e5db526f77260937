//! Bulk inserts past the bind-parameter limit, atomically.

use orm_core::{Database, Model};
use orm_tests::backend_tests;
use orm_tests::models::Item;

backend_tests!(bulk_insert_crosses_the_parameter_limit, failed_bulk_insert_leaves_nothing);

fn items(n: i64) -> Vec<Item> {
    (0..n).map(|i| Item { id: 0, n: i, label: format!("item {i} ✓"), weight: i as f64 / 4.0 }).collect()
}

async fn bulk_insert_crosses_the_parameter_limit(db: Database) {
    db.create_table::<Item>().await.unwrap();
    // 50,000 rows x 3 bound columns = 150,000 parameters: more than any backend takes at once.
    let rows = items(50_000);
    assert_eq!(db.insert_many(&rows).await.unwrap(), 50_000);
    assert_eq!(Item::find().count(&db).await.unwrap(), 50_000);
    let last = Item::find().order_by_desc(Item::N).one(&db).await.unwrap().unwrap();
    assert_eq!((last.n, last.label.as_str(), last.weight), (49_999, "item 49999 ✓", 49_999.0 / 4.0));
    assert_eq!(Item::find().filter(Item::WEIGHT.gte(12_000.0)).count(&db).await.unwrap(), 2_000);
    assert_eq!(db.insert_many::<Item>(&[]).await.unwrap(), 0);
}

async fn failed_bulk_insert_leaves_nothing(db: Database) {
    db.create_table::<Item>().await.unwrap();
    let mut rows = items(40_000);
    // The last row breaks the label's length limit, in the last chunk.
    rows[39_999].label = "x".repeat(41);
    let err = db.insert_many(&rows).await;
    match db.dialect() {
        // SQLite does not enforce varchar lengths; break a rule it does enforce instead.
        Some(orm_core::Dialect::Sqlite) => {
            assert!(err.is_ok());
            assert_eq!(Item::delete_many().exec(&db).await.unwrap(), 40_000);
            db.raw_execute("CREATE UNIQUE INDEX items_n_unique ON items (n)", []).await.unwrap();
            rows[39_999].n = 0;
            assert!(db.insert_many(&rows).await.unwrap_err().is_unique_violation());
        }
        // PostgreSQL and MySQL refuse the long label; MongoDB's validator (maxLength) does too.
        _ => {
            assert!(err.is_err(), "an over-long label is refused");
        }
    }
    assert_eq!(Item::find().count(&db).await.unwrap(), 0, "no chunk of the failed insert remains");
}
