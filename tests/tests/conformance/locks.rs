//! Row locks: `for_update()` keeps a read-modify-write exact under concurrent transactions on every
//! backend; `nowait()` and `skip_locked()` where the server has them, refused where it has not.

use orm_core::{BackendKind, Database, Error, Model};
use orm_tests::backend_tests;
use orm_tests::models::Item;

backend_tests!(locked_read_modify_write_loses_nothing, nowait_and_skip_locked);

/// Eight tasks each take 1 from a balance five times, reading it with `for_update()` and writing
/// back what they read minus one: no decrement is lost.
async fn locked_read_modify_write_loses_nothing(db: Database) {
    db.create_table::<Item>().await.unwrap();
    let account = db.insert(&Item { id: 0, n: 100, label: "account".into(), weight: 0.0 }).await.unwrap();
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let db = db.clone();
            tokio::spawn(async move {
                for _ in 0..5 {
                    db.transaction(|tx| async move {
                        let mut row = Item::find_by_pk(account.id).for_update().get(&tx).await?;
                        row.n -= 1;
                        tx.update(&row).await?;
                        Ok::<_, Error>(())
                    })
                    .await
                    .unwrap();
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(Item::find_by_pk(account.id).get(&db).await.unwrap().n, 60);
}

/// A row locked by one transaction: another's `skip_locked()` read leaves it out and its
/// `nowait()` read fails at once (PostgreSQL, MariaDB); SQLite and MongoDB refuse `skip_locked`.
async fn nowait_and_skip_locked(db: Database) {
    db.create_table::<Item>().await.unwrap();
    let mut ids = Vec::new();
    for n in 0..3 {
        ids.push(db.insert(&Item { id: 0, n, label: format!("job {n}"), weight: 0.0 }).await.unwrap().id);
    }
    if matches!(db.backend(), BackendKind::Sqlite | BackendKind::MongoDb) {
        let tx = db.begin().await.unwrap();
        let refused = Item::find().skip_locked().all(&tx).await.unwrap_err();
        assert!(matches!(refused, Error::Unsupported { operation: "skip_locked", .. }), "{refused}");
        tx.rollback().await.unwrap();
        return;
    }
    let first = db.begin().await.unwrap();
    let taken = Item::find_by_pk(ids[0]).for_update().get(&first).await.unwrap();
    let second = db.begin().await.unwrap();
    let free: Vec<i64> = Item::find().for_update().skip_locked().order_by_asc(Item::ID).all(&second).await.unwrap().into_iter().map(|i| i.id).collect();
    assert_eq!(free, ids[1..], "the locked row is skipped");
    let started = std::time::Instant::now();
    assert!(Item::find_by_pk(taken.id).for_share().nowait().one(&second).await.is_err(), "a locked row read with nowait");
    assert!(started.elapsed() < std::time::Duration::from_secs(5), "nowait waited {:?}", started.elapsed());
    second.rollback().await.unwrap();
    first.commit().await.unwrap();
}
