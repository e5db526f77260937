//! Columns the toolkit maintains: `created_at`, `updated_at`, and soft deletes.

use chrono::{DateTime, Duration, Utc};
use orm_core::{Database, Error, Model};
use orm_tests::backend_tests;

backend_tests!(timestamps_are_maintained, soft_deletes_hide_rows, new_rows_need_no_placeholders);

#[derive(Model, Debug, Clone, PartialEq, Default)]
struct Article {
    #[orm(primary_key, auto_increment)]
    id: i64,
    #[orm(unique, length = 100)]
    title: String,
    #[orm(created_at)]
    created_at: DateTime<Utc>,
    #[orm(updated_at)]
    updated_at: DateTime<Utc>,
    #[orm(soft_delete)]
    deleted_at: Option<DateTime<Utc>>,
}

fn article(title: &str) -> Article {
    let epoch = DateTime::<Utc>::UNIX_EPOCH;
    Article { id: 0, title: title.into(), created_at: epoch, updated_at: epoch, deleted_at: None }
}

fn recent(t: DateTime<Utc>, since: DateTime<Utc>) -> bool {
    t >= since - Duration::seconds(1) && t <= Utc::now() + Duration::seconds(1)
}

async fn pause() {
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
}

async fn timestamps_are_maintained(db: Database) {
    db.create_table::<Article>().await.unwrap();
    let before = Utc::now();
    let a = db.insert(&article("a")).await.unwrap();
    assert!(recent(a.created_at, before) && recent(a.updated_at, before), "{a:?}");
    pause().await;
    let returned = db.update(&Article { title: "a2".into(), ..a.clone() }).await.unwrap();
    let read = Article::find_by_pk(a.id).get(&db).await.unwrap();
    assert_eq!(returned, read, "update returns the row as stored");
    assert_eq!(read.created_at, a.created_at, "creation time stays");
    assert!(read.updated_at > a.updated_at, "{read:?}");
    pause().await;
    Article::update_many().set(Article::TITLE, "a3").exec(&db).await.unwrap();
    let again = Article::find_by_pk(a.id).get(&db).await.unwrap();
    assert!(again.updated_at > read.updated_at, "update_many bumps updated_at");
    pause().await;
    let upserted = db.upsert_on(&article("a3"), &[&Article::TITLE]).await.unwrap();
    assert_eq!(upserted.id, a.id);
    assert_eq!(upserted.created_at, a.created_at, "an upsert of an existing row keeps its creation time");
    assert!(upserted.updated_at > again.updated_at);
    // An update from a model built with a placeholder creation time keeps the stored one.
    let epoch = DateTime::<Utc>::from_timestamp(0, 0).unwrap();
    let returned = db.update(&Article { title: "a5".into(), created_at: epoch, ..upserted.clone() }).await.unwrap();
    assert_eq!(returned.created_at, a.created_at, "update returns the stored created_at, not the placeholder");
    assert!(returned.updated_at > upserted.updated_at && returned.title == "a5", "{returned:?}");
    assert_eq!(Article::find_by_pk(a.id).get(&db).await.unwrap(), returned, "update keeps created_at");
    // Inside a transaction too, and NotFound for a missing row.
    let tx = db.begin().await.unwrap();
    assert_eq!(tx.update(&Article { title: "a6".into(), ..returned.clone() }).await.unwrap().title, "a6");
    tx.rollback().await.unwrap();
    assert!(db.update(&Article { id: returned.id + 1000, ..returned.clone() }).await.unwrap_err().is_not_found());
}

/// A model deriving `Default` inserts a new row from its own fields alone: the key and the
/// timestamps the toolkit fills are left to `..Default::default()`.
async fn new_rows_need_no_placeholders(db: Database) {
    db.create_table::<Article>().await.unwrap();
    let before = Utc::now();
    let first = db.insert(&Article { title: "first".into(), ..Default::default() }).await.unwrap();
    let second = db.insert(&Article { title: "second".into(), ..Default::default() }).await.unwrap();
    assert!(first.id > 0 && second.id != first.id, "{first:?} {second:?}");
    assert!(recent(first.created_at, before) && recent(first.updated_at, before), "{first:?}");
    assert_eq!(Article::find_by_pk(second.id).get(&db).await.unwrap(), second);
}

async fn soft_deletes_hide_rows(db: Database) {
    db.create_table::<Article>().await.unwrap();
    let a = db.insert(&article("a")).await.unwrap();
    let b = db.insert(&article("b")).await.unwrap();
    db.insert(&article("c")).await.unwrap();
    db.delete(&a).await.unwrap();
    assert_eq!(Article::find().count(&db).await.unwrap(), 2, "hidden from queries");
    assert!(Article::find_by_pk(a.id).one(&db).await.unwrap().is_none());
    let kept = Article::find_by_pk(a.id).with_deleted().get(&db).await.unwrap();
    assert!(kept.deleted_at.is_some(), "the row stays, marked");
    assert!(matches!(db.delete(&a).await.unwrap_err(), Error::NotFound { .. }), "already deleted");
    assert!(db.update(&kept).await.unwrap_err().is_not_found(), "deleted rows are not updated");
    assert_eq!(Article::update_many().set(Article::TITLE, "x").filter(Article::ID.eq(a.id)).exec(&db).await.unwrap(), 0);
    assert_eq!(Article::delete_many().filter(Article::TITLE.eq("b")).exec(&db).await.unwrap(), 1);
    assert_eq!(Article::find().count(&db).await.unwrap(), 1);
    assert_eq!(Article::find().with_deleted().count(&db).await.unwrap(), 3);
    db.force_delete(&b).await.unwrap();
    assert_eq!(Article::find().with_deleted().count(&db).await.unwrap(), 2);
    assert_eq!(Article::delete_many().force().exec(&db).await.unwrap(), 2);
    assert_eq!(Article::find().with_deleted().count(&db).await.unwrap(), 0);
}
