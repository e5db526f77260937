//! ObjectId keys, embedded documents and arrays: natural on MongoDB, and working on SQL too
//! (ObjectIds as 24-character hex strings, embedded values as JSON).

use orm_core::bson::oid::ObjectId;
use orm_core::{BackendKind, Database, Json, Model};
use orm_tests::{backend_tests, mongodb_tests};
use orm_tests::models::{Address, Customer, Ticket};

backend_tests!(object_id_keys_and_embedded_values_round_trip, auto_keys_are_generated_at_insert);
mongodb_tests!(mongodb_stores_them_natively);

fn customer(name: &str) -> Customer {
    Customer {
        id: ObjectId::new(),
        name: name.into(),
        address: Json(Address { street: "1 Main St".into(), city: "Springfield".into(), zip: None, geo: vec![1.5, -2.25] }),
        tags: Json(vec!["vip".into(), "ünïcode".into()]),
        previous: None,
        referrer: None,
    }
}

async fn object_id_keys_and_embedded_values_round_trip(db: Database) {
    db.create_table::<Customer>().await.unwrap();
    let a = db.insert(&customer("a")).await.unwrap();
    let mut b = customer("b");
    b.referrer = Some(a.id);
    b.previous = Some(Json(vec![a.address.0.clone(), Address { zip: Some("12345".into()), ..a.address.0.clone() }]));
    b.tags = Json(vec![]);
    let b = db.insert(&b).await.unwrap();
    assert_eq!(Customer::find_by_pk(a.id).get(&db).await.unwrap(), a);
    assert_eq!(Customer::find_by_pk(b.id).get(&db).await.unwrap(), b);
    assert_eq!(Customer::find().filter(Customer::REFERRER.eq(a.id)).get(&db).await.unwrap(), b);
    assert_eq!(Customer::find().filter(Customer::ID.is_in([a.id, b.id])).count(&db).await.unwrap(), 2);
    assert!(Customer::find_by_pk(ObjectId::new()).one(&db).await.unwrap().is_none());
    let mut moved = a.clone();
    moved.address.city = "Shelbyville".into();
    moved.tags.push("moved".into());
    db.update(&moved).await.unwrap();
    assert_eq!(Customer::find_by_pk(a.id).get(&db).await.unwrap(), moved);
    assert!(db.insert(&Customer { name: "dup".into(), ..moved.clone() }).await.unwrap_err().is_unique_violation());
    db.delete(&moved).await.unwrap();
    assert_eq!(Customer::find().count(&db).await.unwrap(), 1);
}

/// On MongoDB, ObjectIds, embedded documents and arrays are stored as themselves, so other
/// MongoDB tools (and queries on nested fields) see ordinary documents.
async fn mongodb_stores_them_natively(db: Database) {
    assert_eq!(db.backend(), BackendKind::MongoDb);
    db.create_table::<Customer>().await.unwrap();
    let c = db.insert(&customer("native")).await.unwrap();
    let reply = db
        .run_command(orm_core::bson::doc! { "find": "customers", "filter": { "address.city": "Springfield", "tags": "vip" } })
        .await
        .unwrap();
    let docs = reply.get_document("cursor").unwrap().get_array("firstBatch").unwrap();
    assert_eq!(docs.len(), 1);
    let doc = docs[0].as_document().unwrap();
    assert_eq!(doc.get_object_id("_id").unwrap(), c.id);
    assert_eq!(doc.get_document("address").unwrap().get_str("street").unwrap(), "1 Main St");
    assert_eq!(doc.get_array("tags").unwrap().len(), 2);
    assert!(doc.get("referrer").unwrap().as_null().is_some());
}

async fn auto_keys_are_generated_at_insert(db: Database) {
    db.create_table::<Ticket>().await.unwrap();
    let draft = Ticket { id: ObjectId::new(), token: uuid::Uuid::nil(), title: "first".into() };
    let a = db.insert(&draft).await.unwrap();
    let b = db.insert(&draft).await.unwrap();
    assert_ne!(a.id, draft.id, "the key is generated, not taken from the model");
    assert_ne!(a.id, b.id);
    assert_ne!(a.token, uuid::Uuid::nil());
    assert_ne!(a.token, b.token);
    assert_eq!(Ticket::find_by_pk(a.id).get(&db).await.unwrap(), a);
    assert_eq!(db.insert_many(&vec![draft.clone(); 10]).await.unwrap(), 10);
    let ids: Vec<(ObjectId,)> = Ticket::find().select((Ticket::ID,)).all(&db).await.unwrap();
    let mut distinct: Vec<ObjectId> = ids.into_iter().map(|(id,)| id).collect();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), 12);
    // Upserting by the key keeps it; updating keeps it too.
    let renamed = Ticket { title: "renamed".into(), ..a.clone() };
    assert_eq!(db.upsert(&renamed).await.unwrap(), renamed);
    db.update(&Ticket { title: "again".into(), ..a.clone() }).await.unwrap();
    assert_eq!(Ticket::find_by_pk(a.id).get(&db).await.unwrap().title, "again");
}
