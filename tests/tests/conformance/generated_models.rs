//! The models `orm generate models` writes (committed in `tests/tests/generated/`, kept current by
//! a golden test in orm-cli) compile, and do CRUD on every backend over the example migrations.

#[allow(missing_docs, unused_imports)]
#[path = "../generated/mod.rs"]
mod generated;

use generated::{Event, EventMeta, EventMetaGeo, Post, PostTag, Profile, Tag, User};
use orm_core::migrate::{Migrator, Target};
use orm_core::{BackendKind, Database, LoadRelated, Model};
use orm_tests::backend_tests;

backend_tests!(generated_models_do_crud, generated_nested_documents_round_trip, generated_relations_navigate_both_ways);

async fn generated_models_do_crud(db: Database) {
    let migrations = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrations");
    Migrator::from_dir(db.clone(), &migrations).unwrap().up(Target::All).await.unwrap();
    let user = db
        .insert(&User {
            id: 0,
            email: "gen@example.com".into(),
            display_name: "Generated".into(),
            age: Some(3),
            active: true,
            created_at: "2024-01-01T00:00:00Z".parse().unwrap(),
            bio: None,
        })
        .await
        .unwrap();
    let post = db.insert(&Post { id: 0, user_id: user.id, title: "hello".into(), body: Some("text".into()) }).await.unwrap();
    assert_eq!(Post::find().filter(Post::USER_ID.eq(user.id)).all(&db).await.unwrap(), vec![post.clone()]);
    let mut renamed = user.clone();
    renamed.display_name = "Renamed".into();
    db.update(&renamed).await.unwrap();
    assert_eq!(User::find_by_pk(user.id).get(&db).await.unwrap(), renamed);
    assert!(db.insert(&User { id: 0, ..renamed.clone() }).await.unwrap_err().is_unique_violation());
    db.delete(&renamed).await.unwrap();
    if db.backend() != BackendKind::MongoDb {
        assert_eq!(Post::find().count(&db).await.unwrap(), 0, "ON DELETE CASCADE from the migration");
    }
}

/// The model generated from sampled MongoDB documents keeps its embedded documents as nested
/// structs: native on MongoDB, JSON on SQL.
async fn generated_nested_documents_round_trip(db: Database) {
    db.create_table::<Event>().await.unwrap();
    let meta = EventMeta { ip: "::1".into(), user_agent: None, geo: EventMetaGeo { lat: 52.5, lng: 13.4 } };
    let event = Event {
        id: orm_core::bson::oid::ObjectId::new(),
        kind: "signup".into(),
        meta: Some(orm_core::Json(meta)),
        n: Some(serde_json::json!([1, "two"])),
    };
    assert_eq!(db.insert(&event).await.unwrap(), event);
    assert_eq!(Event::find_by_pk(event.id).get(&db).await.unwrap(), event);
    let bare = Event { id: orm_core::bson::oid::ObjectId::new(), kind: "login".into(), meta: None, n: None };
    db.insert(&bare).await.unwrap();
    assert_eq!(Event::find().filter(Event::META.is_null()).all(&db).await.unwrap(), vec![bare]);
}

/// The relations generated from foreign keys navigate both ways: `belongs_to` on the key field,
/// `has_many` / `has_one` (a unique key) on the other side, `many_to_many` through a join table.
async fn generated_relations_navigate_both_ways(db: Database) {
    let migrations = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrations");
    Migrator::from_dir(db.clone(), &migrations).unwrap().up(Target::All).await.unwrap();
    db.create_table::<Profile>().await.unwrap();
    db.create_table::<Tag>().await.unwrap();
    db.create_table::<PostTag>().await.unwrap();
    let user = User {
        id: 0,
        email: "rel@example.com".into(),
        display_name: "Related".into(),
        age: None,
        active: true,
        created_at: "2024-01-01T00:00:00Z".parse().unwrap(),
        bio: None,
    };
    let user = db.insert(&user).await.unwrap();
    let post = db.insert(&Post { id: 0, user_id: user.id, title: "tagged".into(), body: None }).await.unwrap();
    let profile = db.insert(&Profile { id: 0, user_id: user.id, bio: Some("hello".into()) }).await.unwrap();
    let rust = db.insert(&Tag { id: 0, name: "rust".into() }).await.unwrap();
    let sql = db.insert(&Tag { id: 0, name: "sql".into() }).await.unwrap();
    for tag in [&rust, &sql] {
        db.insert(&PostTag { post_id: post.id, tag_id: tag.id }).await.unwrap();
    }
    assert_eq!(post.load(Post::user, &db).await.unwrap(), Some(user.clone()));
    assert_eq!(user.load(User::posts, &db).await.unwrap(), vec![post.clone()]);
    assert_eq!(user.load(User::profile, &db).await.unwrap(), Some(profile.clone()));
    assert_eq!(profile.load(Profile::user, &db).await.unwrap(), Some(user.clone()));
    let mut names: Vec<String> = post.load(Post::tags, &db).await.unwrap().into_iter().map(|t| t.name).collect();
    names.sort();
    assert_eq!(names, ["rust", "sql"]);
    assert_eq!(sql.load(Tag::posts, &db).await.unwrap(), vec![post.clone()]);
    assert_eq!(post.load(Post::post_tags, &db).await.unwrap().len(), 2);
    let loaded = User::find().with(User::posts).with(User::profile).all(&db).await.unwrap();
    assert_eq!(loaded.len(), 1);
    assert_eq!(loaded[0].get(User::posts).len(), 1);
    assert!(loaded[0].get(User::profile).is_some());
}
