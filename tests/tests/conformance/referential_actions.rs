//! `belongs_to`'s `on_delete` actions have the same outcome on every backend: SQL databases enforce
//! their foreign keys, the toolkit applies them on MongoDB (in the delete's transaction) through
//! `delete`, `delete_by_key` and `delete_many`; a soft delete cascades to soft-deleting models.

use orm_core::{Database, Model};
use orm_tests::backend_tests;

backend_tests!(deletes_apply_each_referential_action, soft_deletes_cascade_to_soft_deleting_models);

#[derive(Model, Debug, Clone, PartialEq)]
#[orm(table = "ra_owners")]
struct Owner {
    #[orm(primary_key)]
    id: i64,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[orm(table = "ra_pets")]
struct Pet {
    #[orm(primary_key)]
    id: i64,
    #[orm(belongs_to = Owner, on_delete = "cascade", index)]
    owner_id: i64,
}

/// Two levels of cascade: a toy goes with its pet, which goes with its owner.
#[derive(Model, Debug, Clone, PartialEq)]
#[orm(table = "ra_toys")]
struct Toy {
    #[orm(primary_key)]
    id: i64,
    #[orm(belongs_to = Pet, on_delete = "cascade", index)]
    pet_id: i64,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[orm(table = "ra_badges")]
struct Badge {
    #[orm(primary_key)]
    id: i64,
    #[orm(belongs_to = Owner, on_delete = "set_null", index)]
    owner_id: Option<i64>,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[orm(table = "ra_licences")]
struct Licence {
    #[orm(primary_key)]
    id: i64,
    #[orm(belongs_to = Owner, on_delete = "restrict", index)]
    owner_id: i64,
}

async fn deletes_apply_each_referential_action(db: Database) {
    db.create_table::<Owner>().await.unwrap();
    db.create_table::<Pet>().await.unwrap();
    db.create_table::<Toy>().await.unwrap();
    db.create_table::<Badge>().await.unwrap();
    db.create_table::<Licence>().await.unwrap();
    for id in 1..=4 {
        db.insert(&Owner { id }).await.unwrap();
    }
    // Owner 1: two pets with a toy each, a badge. Owner 2: a licence. Owner 3: a pet and a badge.
    for (id, owner_id) in [(1, 1), (2, 1), (3, 3)] {
        db.insert(&Pet { id, owner_id }).await.unwrap();
        db.insert(&Toy { id, pet_id: id }).await.unwrap();
    }
    for (id, owner_id) in [(1, 1), (2, 3)] {
        db.insert(&Badge { id, owner_id: Some(owner_id) }).await.unwrap();
    }
    db.insert(&Licence { id: 1, owner_id: 2 }).await.unwrap();

    // delete: cascade two levels down, set_null beside it.
    db.delete(&Owner { id: 1 }).await.unwrap();
    let pets: Vec<i64> = Pet::find().order_by_asc(Pet::ID).all(&db).await.unwrap().into_iter().map(|p| p.id).collect();
    assert_eq!(pets, [3], "owner 1's pets went with it");
    let toys: Vec<i64> = Toy::find().order_by_asc(Toy::ID).all(&db).await.unwrap().into_iter().map(|t| t.id).collect();
    assert_eq!(toys, [3], "and their toys");
    assert_eq!(Badge::find_by_pk(1).get(&db).await.unwrap().owner_id, None, "set_null");
    assert_eq!(Badge::find_by_pk(2).get(&db).await.unwrap().owner_id, Some(3), "another owner's badge untouched");

    // restrict: refused through every path while the licence points at owner 2; nothing changes.
    assert!(db.delete(&Owner { id: 2 }).await.unwrap_err().is_foreign_key_violation());
    assert!(db.delete_by_key::<Owner>(2).await.unwrap_err().is_foreign_key_violation());
    let many = Owner::delete_many().filter(Owner::ID.is_in([2, 3])).exec(&db).await.unwrap_err();
    assert!(many.is_foreign_key_violation(), "{many}");
    assert_eq!(Owner::find().count(&db).await.unwrap(), 3, "a refused delete_many deletes none");
    assert_eq!(Pet::find().count(&db).await.unwrap(), 1, "nor cascades");

    // Once the licence is gone, delete_by_key and delete_many go through, with their actions.
    db.delete(&Licence { id: 1, owner_id: 2 }).await.unwrap();
    db.delete_by_key::<Owner>(2).await.unwrap();
    assert_eq!(Owner::delete_many().filter(Owner::ID.gte(3)).exec(&db).await.unwrap(), 2);
    assert_eq!((Pet::find().count(&db).await.unwrap(), Toy::find().count(&db).await.unwrap()), (0, 0));
    assert_eq!(Badge::find_by_pk(2).get(&db).await.unwrap().owner_id, None);
}

#[derive(Model, Debug, Clone, PartialEq)]
#[orm(table = "sd_owners")]
struct SoftOwner {
    #[orm(primary_key)]
    id: i64,
    #[orm(soft_delete)]
    deleted_at: Option<chrono::DateTime<chrono::Utc>>,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[orm(table = "sd_pets")]
struct SoftPet {
    #[orm(primary_key)]
    id: i64,
    #[orm(belongs_to = SoftOwner, on_delete = "cascade", index)]
    owner_id: i64,
    #[orm(soft_delete)]
    deleted_at: Option<chrono::DateTime<chrono::Utc>>,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[orm(table = "sd_toys")]
struct SoftToy {
    #[orm(primary_key)]
    id: i64,
    #[orm(belongs_to = SoftPet, on_delete = "cascade", index)]
    pet_id: i64,
    #[orm(soft_delete)]
    deleted_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// A model without soft deletes keeps its rows: its parent still exists, only marked.
#[derive(Model, Debug, Clone, PartialEq)]
#[orm(table = "sd_notes")]
struct SoftNote {
    #[orm(primary_key)]
    id: i64,
    #[orm(belongs_to = SoftOwner, on_delete = "cascade", index)]
    owner_id: i64,
}

async fn soft_deletes_cascade_to_soft_deleting_models(db: Database) {
    db.create_table::<SoftOwner>().await.unwrap();
    db.create_table::<SoftPet>().await.unwrap();
    db.create_table::<SoftToy>().await.unwrap();
    db.create_table::<SoftNote>().await.unwrap();
    for id in 1..=3 {
        db.insert(&SoftOwner { id, deleted_at: None }).await.unwrap();
        db.insert(&SoftPet { id, owner_id: id, deleted_at: None }).await.unwrap();
        db.insert(&SoftToy { id, pet_id: id, deleted_at: None }).await.unwrap();
        db.insert(&SoftNote { id, owner_id: id }).await.unwrap();
    }
    db.delete(&SoftOwner { id: 1, deleted_at: None }).await.unwrap();
    let pets: Vec<i64> = SoftPet::find().order_by_asc(SoftPet::ID).all(&db).await.unwrap().into_iter().map(|p| p.id).collect();
    let toys: Vec<i64> = SoftToy::find().order_by_asc(SoftToy::ID).all(&db).await.unwrap().into_iter().map(|t| t.id).collect();
    assert_eq!((pets, toys), (vec![2, 3], vec![2, 3]), "owner 1's pet and its toy are soft-deleted with it");
    assert_eq!(SoftPet::find().with_deleted().count(&db).await.unwrap(), 3, "marked, not removed");
    assert!(SoftToy::find_by_pk(1).with_deleted().get(&db).await.unwrap().deleted_at.is_some());
    assert_eq!(SoftNote::find().count(&db).await.unwrap(), 3, "a model without soft deletes keeps its rows");
    // delete_many soft-deletes and cascades the same way.
    assert_eq!(SoftOwner::delete_many().filter(SoftOwner::ID.gte(2)).exec(&db).await.unwrap(), 2);
    assert_eq!((SoftPet::find().count(&db).await.unwrap(), SoftToy::find().count(&db).await.unwrap()), (0, 0));
}
