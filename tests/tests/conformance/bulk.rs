//! Bulk inserts past the bind-parameter limit, atomically.

use orm_core::{Database, Model};
use orm_tests::backend_tests;
use orm_tests::models::{Item, Ticket};

backend_tests!(bulk_insert_crosses_the_parameter_limit, failed_bulk_insert_leaves_nothing, owned_rows_insert_as_borrowed_ones);

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

#[derive(Model, Debug, Clone, PartialEq)]
struct Stamped {
    #[orm(primary_key, auto_increment)]
    id: i64,
    #[orm(length = 40)]
    label: String,
    note: Option<String>,
    #[orm(created_at)]
    created_at: chrono::DateTime<chrono::Utc>,
    #[orm(updated_at)]
    updated_at: chrono::DateTime<chrono::Utc>,
}

/// `insert_many(rows)` moves the rows' values into the statement; what is stored is what
/// `insert_many(&rows)` stores: every column, NULLs, timestamps (one instant for the whole call)
/// and client-generated keys, past the parameter limit too.
async fn owned_rows_insert_as_borrowed_ones(db: Database) {
    db.create_table::<Stamped>().await.unwrap();
    let epoch = chrono::DateTime::<chrono::Utc>::UNIX_EPOCH;
    let rows = |from: i64, n: i64| -> Vec<Stamped> {
        (from..from + n)
            .map(|i| Stamped { id: 0, label: format!("s{i} ✓"), note: (i % 2 == 0).then(|| format!("n{i}")), created_at: epoch, updated_at: epoch })
            .collect()
    };
    let borrowed = rows(0, 20_000);
    assert_eq!(db.insert_many(&borrowed).await.unwrap(), 20_000);
    assert_eq!(db.insert_many(rows(20_000, 20_000)).await.unwrap(), 20_000);
    assert_eq!(db.insert_many([rows(40_000, 1).remove(0)]).await.unwrap(), 1);
    let stored = Stamped::find().order_by_asc(Stamped::ID).all(&db).await.unwrap();
    assert_eq!(stored.len(), 40_001);
    for (i, row) in stored.iter().enumerate() {
        let i = i as i64;
        assert_eq!((row.label.clone(), row.note.clone()), (format!("s{i} ✓"), (i % 2 == 0).then(|| format!("n{i}"))));
        assert!(row.created_at > epoch && row.updated_at == row.created_at, "{row:?}");
    }
    // One instant per call: the first 20,000 rows share theirs, the next 20,000 theirs.
    assert!(stored[..20_000].iter().all(|r| r.created_at == stored[0].created_at));
    assert!(stored[20_000..40_000].iter().all(|r| r.created_at == stored[20_000].created_at));
    // Client-generated keys are fresh per row when the rows are moved too.
    db.create_table::<Ticket>().await.unwrap();
    let draft = Ticket { id: Default::default(), token: uuid::Uuid::nil(), title: "t".into() };
    assert_eq!(db.insert_many(vec![draft.clone(), draft]).await.unwrap(), 2);
    let tickets = Ticket::find().all(&db).await.unwrap();
    assert!(tickets[0].id != tickets[1].id && tickets[0].token != tickets[1].token && !tickets[0].token.is_nil());
}
