//! Statements whose text is kept from their first call (a model's insert, update and delete by key,
//! and its selects, per shape): every later call binds its own values, composite keys and
//! soft-deleted rows included, and queries that differ in more than their values get their own text.

use orm_core::{Database, Model};
use orm_tests::backend_tests;
use orm_tests::models::{Item, PostTag};

backend_tests!(repeated_point_operations_bind_each_calls_values, composite_keys_and_soft_deletes_in_kept_lookups, selects_of_one_shape_bind_each_calls_values, updates_and_deletes_of_one_shape_bind_each_calls_values);

fn item(n: i64) -> Item {
    Item { id: 0, n, label: format!("p{n} ✓"), weight: n as f64 / 8.0 }
}

async fn repeated_point_operations_bind_each_calls_values(db: Database) {
    db.create_table::<Item>().await.unwrap();
    let mut stored = Vec::new();
    for n in 0..30 {
        let row = db.insert(&item(n)).await.unwrap();
        assert_eq!((row.n, row.label.as_str()), (n, format!("p{n} ✓").as_str()), "insert returns its own row");
        stored.push(row);
    }
    for row in &stored {
        assert_eq!(Item::find_by_pk(row.id).one(&db).await.unwrap().as_ref(), Some(row), "lookup of {}", row.id);
        assert_eq!(&Item::find_by_pk(row.id).get(&db).await.unwrap(), row);
    }
    for row in &stored {
        let changed = Item { n: row.n + 100, label: format!("q{}", row.n), weight: -row.weight, ..row.clone() };
        assert_eq!(db.update(&changed).await.unwrap(), changed, "update returns the row it wrote");
    }
    for row in &stored {
        let read = Item::find_by_pk(row.id).get(&db).await.unwrap();
        assert_eq!((read.n, read.label), (row.n + 100, format!("q{}", row.n)), "only row {} changed", row.id);
    }
    for row in stored.iter().step_by(2) {
        db.delete(row).await.unwrap();
    }
    for (i, row) in stored.iter().enumerate() {
        assert_eq!(Item::find_by_pk(row.id).one(&db).await.unwrap().is_some(), i % 2 == 1, "row {} after deletes", row.id);
    }
    assert!(db.delete(&stored[0]).await.unwrap_err().is_not_found(), "a deleted row is not found again");
    // A lookup narrowed further, sorted or paged is not the kept key lookup.
    let odd = &stored[1];
    assert_eq!(Item::find_by_pk(odd.id).filter(Item::N.eq(-1)).one(&db).await.unwrap(), None);
    assert_eq!(Item::find_by_pk(odd.id).filter(Item::N.eq(odd.n + 100)).all(&db).await.unwrap().len(), 1);
    assert_eq!(Item::find_by_pk(odd.id).offset(1).all(&db).await.unwrap(), []);
    assert_eq!(Item::find_by_pk(odd.id).order_by_desc(Item::N).all(&db).await.unwrap().len(), 1);
    assert_eq!(Item::find_by_pk(odd.id).count(&db).await.unwrap(), 1);
}

#[derive(Model, Debug, Clone, PartialEq)]
#[orm(table = "point_notes")]
struct Note {
    #[orm(primary_key, auto_increment)]
    id: i64,
    #[orm(length = 40)]
    text: String,
    #[orm(soft_delete)]
    deleted_at: Option<chrono::DateTime<chrono::Utc>>,
}

async fn composite_keys_and_soft_deletes_in_kept_lookups(db: Database) {
    db.create_table::<PostTag>().await.unwrap();
    for (post, tag) in [(1, 1), (1, 2), (2, 1), (2, 2)] {
        db.insert(&PostTag { post_id: post, tag_id: tag, position: (post * 10 + tag) as i32 }).await.unwrap();
    }
    for (post, tag) in [(1, 1), (1, 2), (2, 1), (2, 2)] {
        let found = PostTag::find_by_pk((post, tag)).get(&db).await.unwrap();
        assert_eq!(found.position, (post * 10 + tag) as i32, "({post}, {tag})");
        db.update(&PostTag { position: -found.position, ..found }).await.unwrap();
    }
    db.delete(&PostTag { post_id: 2, tag_id: 1, position: 0 }).await.unwrap();
    let mut seen = Vec::new();
    for key in [(1, 1), (1, 2), (2, 1), (2, 2)] {
        seen.push(PostTag::find_by_pk(key).one(&db).await.unwrap().map(|t| t.position));
    }
    assert_eq!(seen, [Some(-11), Some(-12), None, Some(-22)]);

    db.create_table::<Note>().await.unwrap();
    let a = db.insert(&Note { id: 0, text: "a".into(), deleted_at: None }).await.unwrap();
    let b = db.insert(&Note { id: 0, text: "b".into(), deleted_at: None }).await.unwrap();
    assert_eq!(Note::find_by_pk(a.id).get(&db).await.unwrap().text, "a");
    db.delete(&a).await.unwrap();
    assert_eq!(Note::find_by_pk(a.id).one(&db).await.unwrap(), None, "a soft-deleted row is hidden");
    let kept = Note::find_by_pk(a.id).with_deleted().get(&db).await.unwrap();
    assert!(kept.deleted_at.is_some(), "{kept:?}");
    assert_eq!(Note::find_by_pk(b.id).get(&db).await.unwrap().text, "b");
    assert_eq!(Note::find_by_pk(b.id).with_deleted().get(&db).await.unwrap().text, "b");
    assert!(db.update(&Note { text: "a2".into(), ..kept }).await.unwrap_err().is_not_found(), "a deleted row is not updated");
}

/// The same filtered, sorted, paged select with other values each time, checked against the rows
/// worked out here.
async fn selects_of_one_shape_bind_each_calls_values(db: Database) {
    db.create_table::<Item>().await.unwrap();
    let rows: Vec<Item> = (0..60).map(item).collect();
    db.insert_many(&rows).await.unwrap();
    for low in [0, 7, 31, 55] {
        for (limit, offset) in [(5, 0), (5, 5), (50, 3)] {
            let found = Item::find()
                .filter(Item::N.gte(low).and(Item::LABEL.like("p%")).or(Item::N.is_in([low + 100, low + 101])))
                .order_by_desc(Item::N)
                .limit(limit)
                .offset(offset)
                .all(&db)
                .await
                .unwrap();
            let expected: Vec<i64> = (low..60).rev().skip(offset as usize).take(limit as usize).collect();
            assert_eq!(found.iter().map(|i| i.n).collect::<Vec<_>>(), expected, "n >= {low}, limit {limit} offset {offset}");
        }
        let between = Item::find().filter(Item::N.between(low, low + 2)).order_by_asc(Item::N).all(&db).await.unwrap();
        assert_eq!(between.iter().map(|i| i.n).collect::<Vec<_>>(), (low..=(low + 2).min(59)).collect::<Vec<_>>());
        let none = Item::find().filter(Item::N.is_in(Vec::<i64>::new())).all(&db).await.unwrap();
        assert!(none.is_empty());
        let not_low = Item::find().filter(Item::N.eq(low).not()).count(&db).await.unwrap();
        assert_eq!(not_low, 59);
    }
}

/// The same `update_many` and `delete_many` with other values each time.
async fn updates_and_deletes_of_one_shape_bind_each_calls_values(db: Database) {
    db.create_table::<Item>().await.unwrap();
    db.insert_many((0..40).map(item).collect::<Vec<_>>()).await.unwrap();
    for low in [0, 10, 20, 30] {
        let changed = Item::update_many()
            .set(Item::LABEL, format!("band {low}"))
            .set_expr(Item::WEIGHT, Item::WEIGHT.add(f64::from(low)))
            .filter(Item::N.gte(low).and(Item::N.lt(low + 10)))
            .exec(&db)
            .await
            .unwrap();
        assert_eq!(changed, 10, "band {low}");
    }
    for row in Item::find().all(&db).await.unwrap() {
        let low = row.n / 10 * 10;
        assert_eq!((row.label, row.weight), (format!("band {low}"), row.n as f64 / 8.0 + low as f64), "row {}", row.n);
    }
    for n in [3, 17, 29] {
        assert_eq!(Item::delete_many().filter(Item::N.eq(n)).exec(&db).await.unwrap(), 1, "delete {n}");
    }
    let mut left: Vec<i64> = Item::find().all(&db).await.unwrap().into_iter().map(|i| i.n).collect();
    left.sort_unstable();
    assert_eq!(left, (0..40).filter(|n| ![3, 17, 29].contains(n)).collect::<Vec<_>>());
}
