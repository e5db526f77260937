//! Transactions on every backend: commit, rollback, drop, the closure helper, savepoints, atomic
//! bulk inserts, and concurrent increments that lose nothing.

use orm_core::{BackendKind, Database, Error, Model};
use orm_tests::backend_tests;
use orm_tests::models::{Item, User};

backend_tests!(
    commit_persists_and_rollback_discards,
    dropping_an_unfinished_transaction_rolls_back,
    closure_commits_on_ok_and_rolls_back_on_err,
    nested_transactions_are_savepoints,
    failed_bulk_insert_in_a_transaction_leaves_nothing,
    concurrent_transactions_keep_a_counter_exact,
    a_write_right_after_a_dropped_transaction_succeeds,
    transaction_once_moves_its_state_and_returns_the_app_s_error
);
// The same scenarios on a node of the Galera cluster and through PgBouncer.
orm_tests::cluster_tests!(
    commit_persists_and_rollback_discards,
    dropping_an_unfinished_transaction_rolls_back,
    closure_commits_on_ok_and_rolls_back_on_err,
    nested_transactions_are_savepoints,
    failed_bulk_insert_in_a_transaction_leaves_nothing,
    concurrent_transactions_keep_a_counter_exact
);

async fn commit_persists_and_rollback_discards(db: Database) {
    db.create_table::<User>().await.unwrap();
    let tx = db.begin().await.unwrap();
    let a = tx.insert(&User::new("a@example.com", "A")).await.unwrap();
    assert_eq!(User::find_by_pk(a.id).get(&tx).await.unwrap(), a, "a transaction reads its own writes");
    User::update_many().set(User::NAME, "A2").filter(User::ID.eq(a.id)).exec(&tx).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(User::find_by_pk(a.id).get(&db).await.unwrap().name, "A2");

    let tx = db.begin().await.unwrap();
    tx.insert(&User::new("b@example.com", "B")).await.unwrap();
    tx.delete(&a).await.unwrap();
    assert_eq!(User::find().count(&tx).await.unwrap(), 1);
    tx.rollback().await.unwrap();
    let names: Vec<(String,)> = User::find().select((User::NAME,)).all(&db).await.unwrap();
    assert_eq!(names, [("A2".to_string(),)]);
}

async fn dropping_an_unfinished_transaction_rolls_back(db: Database) {
    db.create_table::<User>().await.unwrap();
    {
        let tx = db.begin().await.unwrap();
        tx.insert(&User::new("gone@example.com", "Gone")).await.unwrap();
    }
    assert_eq!(User::find().count(&db).await.unwrap(), 0);
}

async fn closure_commits_on_ok_and_rolls_back_on_err(db: Database) {
    db.create_table::<User>().await.unwrap();
    let id = db
        .transaction(|tx| async move {
            let u = tx.insert(&User::new("ok@example.com", "Ok")).await?;
            Ok::<_, Error>(u.id)
        })
        .await
        .unwrap();
    assert!(User::find_by_pk(id).one(&db).await.unwrap().is_some());
    let err = db
        .transaction(|tx| async move {
            tx.insert(&User::new("err@example.com", "Err")).await?;
            // The second insert breaks the unique email: everything the closure did goes.
            tx.insert(&User::new("ok@example.com", "Dup")).await?;
            Ok::<_, Error>(())
        })
        .await
        .unwrap_err();
    assert!(err.is_unique_violation(), "{err}");
    assert!(!User::find().filter(User::EMAIL.eq("err@example.com")).exists(&db).await.unwrap());
}

async fn nested_transactions_are_savepoints(db: Database) {
    db.create_table::<User>().await.unwrap();
    let outer = db.begin().await.unwrap();
    outer.insert(&User::new("outer@example.com", "Outer")).await.unwrap();
    if db.backend() == BackendKind::MongoDb {
        // MongoDB has no savepoints: a clear typed error instead of silently flat work.
        let err = outer.begin().await.unwrap_err();
        assert!(matches!(err, Error::Unsupported { operation: "nested transactions", .. }), "{err}");
        outer.commit().await.unwrap();
        return;
    }
    let inner = outer.begin().await.unwrap();
    inner.insert(&User::new("undone@example.com", "Undone")).await.unwrap();
    inner.rollback().await.unwrap();
    let kept = outer.begin().await.unwrap();
    kept.insert(&User::new("kept@example.com", "Kept")).await.unwrap();
    kept.commit().await.unwrap();
    {
        let dropped = outer.begin().await.unwrap();
        dropped.insert(&User::new("dropped@example.com", "Dropped")).await.unwrap();
    }
    let late = outer.begin().await.unwrap();
    outer.commit().await.unwrap();
    // A nested handle outliving its outer transaction refuses work with a typed error.
    let err = late.insert(&User::new("late@example.com", "Late")).await.unwrap_err();
    assert!(matches!(err, Error::TransactionClosed), "{err}");
    assert!(matches!(late.commit().await.unwrap_err(), Error::TransactionClosed));
    let mut names: Vec<String> = User::find().all(&db).await.unwrap().into_iter().map(|u| u.name).collect();
    names.sort();
    assert_eq!(names, ["Kept", "Outer"]);
}

async fn failed_bulk_insert_in_a_transaction_leaves_nothing(db: Database) {
    db.create_table::<Item>().await.unwrap();
    db.raw_or_unique_index().await;
    let tx = db.begin().await.unwrap();
    tx.insert(&Item { id: 0, n: -1, label: "before".into(), weight: 0.0 }).await.unwrap();
    let mut rows: Vec<Item> = (0..30_000).map(|i| Item { id: 0, n: i, label: format!("{i}"), weight: 1.0 }).collect();
    rows[29_999].n = 5; // a duplicate in the last chunk
    assert!(tx.insert_many(&rows).await.unwrap_err().is_unique_violation());
    if db.backend() == BackendKind::MongoDb {
        // A documented difference: MongoDB aborts the whole transaction on a failed write (it has
        // no savepoints), so the transaction is over and nothing of it remains.
        let err = tx.insert(&Item { id: 0, n: -2, label: "after".into(), weight: 0.0 }).await.unwrap_err();
        assert!(err.is_transient(), "{err}");
        drop(tx);
        assert_eq!(Item::find().count(&db).await.unwrap(), 0);
        return;
    }
    // The transaction goes on without any of the bulk rows (they were under a savepoint).
    tx.insert(&Item { id: 0, n: -2, label: "after".into(), weight: 0.0 }).await.unwrap();
    tx.commit().await.unwrap();
    let labels: Vec<(String,)> = Item::find().select((Item::LABEL,)).order_by_asc(Item::N).all(&db).await.unwrap();
    assert_eq!(labels, [("after".to_string(),), ("before".to_string(),)]);
}

/// `Item::n` unique, so a duplicate fails the bulk insert.
trait UniqueN {
    async fn raw_or_unique_index(&self);
}

impl UniqueN for Database {
    async fn raw_or_unique_index(&self) {
        match self.backend() {
            BackendKind::MongoDb => {
                let cmd = orm_core::bson::doc! { "createIndexes": "items", "indexes": [{ "key": { "n": 1 }, "name": "items_n_key", "unique": true }] };
                self.run_command(cmd).await.unwrap();
            }
            _ => {
                self.raw_execute("CREATE UNIQUE INDEX items_n_key ON items (n)", []).await.unwrap();
            }
        }
    }
}

/// Eight tasks each add 1 ten times, every time in its own transaction: the counter ends at 80.
/// Isolation is each backend's default (see `Transaction`); the increment computes from the stored
/// value, and MongoDB's write conflicts are retried by `Database::transaction`.
async fn concurrent_transactions_keep_a_counter_exact(db: Database) {
    db.create_table::<Item>().await.unwrap();
    let counter = db.insert(&Item { id: 0, n: 0, label: "counter".into(), weight: 0.0 }).await.unwrap();
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let db = db.clone();
            tokio::spawn(async move {
                for _ in 0..10 {
                    db.transaction(|tx| async move {
                        Item::update_many().set_expr(Item::N, Item::N.add(1)).filter(Item::ID.eq(counter.id)).exec(&tx).await?;
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
    assert_eq!(Item::find_by_pk(counter.id).get(&db).await.unwrap().n, 80);
}

/// A MongoDB deployment without transactions (a standalone server) refuses to start one with a
/// typed error instead of running the work without atomicity. The test command starts such a
/// server and names it in `TEST_MONGODB_STANDALONE_URL`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn standalone_mongodb_refuses_transactions() {
    let Ok(url) = std::env::var("TEST_MONGODB_STANDALONE_URL") else {
        assert!(std::env::var("CI").is_err(), "CI=true needs TEST_MONGODB_STANDALONE_URL (scripts/test.sh starts one)");
        eprintln!("skipping: no TEST_MONGODB_STANDALONE_URL");
        return;
    };
    let db = Database::connect(&url).await.unwrap();
    let err = db.begin().await.unwrap_err();
    assert!(matches!(err, Error::Unsupported { operation: "transactions", .. }), "{err}");
    let err = db.transaction(|_tx| async move { Ok::<_, Error>(()) }).await.unwrap_err();
    assert!(matches!(err, Error::Unsupported { .. }), "{err}");
    // Everything else works; insert_many stays all-or-nothing by compensating.
    db.create_table::<Item>().await.unwrap();
    db.raw_or_unique_index().await;
    let rows = vec![
        Item { id: 0, n: 1, label: "a".into(), weight: 0.0 },
        Item { id: 0, n: 1, label: "dup".into(), weight: 0.0 },
    ];
    assert!(db.insert_many(&rows).await.unwrap_err().is_unique_violation());
    assert_eq!(Item::find().count(&db).await.unwrap(), 0);
    db.run_command(orm_core::bson::doc! { "dropDatabase": 1 }).await.unwrap();
}

/// Two transactions that lock two rows in opposite orders deadlock; the server aborts one, and
/// `db.transaction` runs it again, so both land.
async fn deadlocks_are_retried(db: Database) {
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::sync::Arc;
    #[derive(Model, Debug, Clone, PartialEq)]
    #[orm(table = "deadlock_rows")]
    struct Row {
        #[orm(primary_key)]
        id: i64,
        n: i64,
    }
    db.create_table::<Row>().await.unwrap();
    db.insert_many(&[Row { id: 1, n: 0 }, Row { id: 2, n: 0 }]).await.unwrap();
    let barrier = Arc::new(tokio::sync::Barrier::new(2));
    let tries = Arc::new(AtomicU32::new(0));
    let run = |first: i64, second: i64| {
        let (db, barrier, tries) = (db.clone(), barrier.clone(), tries.clone());
        tokio::spawn(async move {
            let attempt = Arc::new(AtomicU32::new(0));
            db.transaction(|tx| {
                let (barrier, tries, attempt) = (barrier.clone(), tries.clone(), attempt.clone());
                async move {
                    tries.fetch_add(1, Ordering::SeqCst);
                    let bump = |id: i64| Row::update_many().set_expr(Row::N, Row::N.add(1)).filter(Row::ID.eq(id));
                    bump(first).exec(&tx).await?;
                    // Only the first try waits for the other transaction to hold its row.
                    if attempt.fetch_add(1, Ordering::SeqCst) == 0 {
                        let _ = tokio::time::timeout(std::time::Duration::from_secs(5), barrier.wait()).await;
                    }
                    bump(second).exec(&tx).await?;
                    Ok::<_, Error>(())
                }
            })
            .await
        })
    };
    let (a, b) = (run(1, 2), run(2, 1));
    a.await.unwrap().unwrap();
    b.await.unwrap().unwrap();
    let rows = Row::find().order_by_asc(Row::ID).all(&db).await.unwrap();
    assert_eq!(rows.iter().map(|r| r.n).collect::<Vec<_>>(), [2, 2], "both transactions landed whole");
    assert!(tries.load(Ordering::SeqCst) >= 3, "the deadlocked one ran again");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deadlocks_are_retried_postgres() {
    orm_tests::run(orm_tests::Backend::Postgres, deadlocks_are_retried).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deadlocks_are_retried_mysql() {
    orm_tests::run(orm_tests::Backend::MySql, deadlocks_are_retried).await
}

/// On a Galera cluster, transactions on different nodes that change the same row conflict at
/// certification (error 1213, "deadlock"); `db.transaction` retries them, so a counter that eight
/// tasks spread over the three nodes increment ends exact.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn galera_certification_conflicts_are_retried() {
    orm_tests::run(orm_tests::Backend::Galera, |db: Database| async move {
        db.create_table::<Item>().await.unwrap();
        let counter = db.insert(&Item { id: 0, n: 0, label: "counter".into(), weight: 0.0 }).await.unwrap();
        // The same database on every node: the other nodes apply its CREATE DATABASE (replicated
        // in total order) shortly after the first one returns.
        let name = db.url().rsplit('/').next().unwrap().to_string();
        let mut nodes = Vec::new();
        for url in orm_tests::galera_urls() {
            let url = format!("{}/{name}", url.rsplit_once('/').unwrap().0);
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
            nodes.push(loop {
                match Database::connect(&url).await {
                    Ok(node) => break node,
                    Err(e) if std::time::Instant::now() < deadline => eprintln!("{url}: {e}; retrying"),
                    Err(e) => panic!("{url}: {e}"),
                }
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            });
        }
        let tasks: Vec<_> = (0..8)
            .map(|i| {
                let db = nodes[i % nodes.len()].clone();
                tokio::spawn(async move {
                    for _ in 0..10 {
                        db.transaction(|tx| async move {
                            // Nodes apply each other's increments only through certification: a
                            // conflict fails the later commit, which is run again.
                            Item::update_many().set_expr(Item::N, Item::N.add(1)).filter(Item::ID.eq(counter.id)).exec(&tx).await?;
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
        for node in &nodes {
            // On one connection: the read waits until the node has applied every committed write.
            let tx = node.begin().await.unwrap();
            tx.raw_execute("SET SESSION wsrep_sync_wait = 15", []).await.unwrap();
            assert_eq!(Item::find_by_pk(counter.id).get(&tx).await.unwrap().n, 80, "{}", node.url());
            tx.rollback().await.unwrap();
            node.close().await;
        }
    })
    .await
}

/// A transaction that wrote a row and was dropped unfinished, then at once a write of the same row
/// outside it: the write succeeds and stays (on MongoDB the abort used to run in the background
/// and the write met a write conflict about three times in four).
async fn a_write_right_after_a_dropped_transaction_succeeds(db: Database) {
    db.create_table::<Item>().await.unwrap();
    let mut row = db.insert(&Item { id: 0, n: 0, label: "row".into(), weight: 0.0 }).await.unwrap();
    for i in 1..=20 {
        let tx = db.begin().await.unwrap();
        tx.update(&Item { n: -i, ..row.clone() }).await.unwrap();
        drop(tx);
        // Outside a transaction, then in a new one.
        row.n = i;
        db.update(&row).await.unwrap_or_else(|e| panic!("write {i} after a dropped transaction: {e}"));
        assert_eq!(Item::find_by_pk(row.id).get(&db).await.unwrap().n, i);
        let tx = db.begin().await.unwrap();
        tx.update(&Item { n: -i, ..row.clone() }).await.unwrap();
        drop(tx);
        let again = db.begin().await.unwrap();
        again.update(&row).await.unwrap_or_else(|e| panic!("write {i} in a transaction after a dropped one: {e}"));
        again.commit().await.unwrap();
    }
}

/// The application's own error type, converting from the toolkit's.
#[derive(Debug)]
enum AppError {
    Db(Error),
    Refused(usize),
}

impl From<Error> for AppError {
    fn from(e: Error) -> Self {
        AppError::Db(e)
    }
}

/// `transaction_once` takes an `FnOnce`: the rows move into it; `Ok` commits, the application's
/// own error rolls back and comes back as it was.
async fn transaction_once_moves_its_state_and_returns_the_app_s_error(db: Database) {
    db.create_table::<User>().await.unwrap();
    let rows = vec![User::new("a@example.com", "A"), User::new("b@example.com", "B")];
    let n = db
        .transaction_once(|tx| async move {
            tx.insert_many(&rows).await?;
            Ok::<_, AppError>(rows.len())
        })
        .await
        .unwrap();
    assert_eq!(n, 2);
    let more = vec![User::new("c@example.com", "C")];
    let refused = db
        .transaction_once(|tx| async move {
            tx.insert_many(&more).await?;
            Err::<(), _>(AppError::Refused(more.len()))
        })
        .await
        .unwrap_err();
    assert!(matches!(refused, AppError::Refused(1)), "{refused:?}");
    assert_eq!(User::find().count(&db).await.unwrap(), 2, "the refused transaction rolled back");
    let duplicate = vec![User::new("a@example.com", "again")];
    let failed = db.transaction_once(|tx| async move { tx.insert_many(&duplicate).await.map_err(AppError::from) }).await.unwrap_err();
    assert!(matches!(&failed, AppError::Db(e) if e.is_unique_violation()), "{failed:?}");
}
