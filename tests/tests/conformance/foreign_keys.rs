//! Foreign key refusals are `Error::ForeignKeyViolation` on every SQL backend, for every action
//! (SQLite reports `ON DELETE RESTRICT` with its own extended code).

use orm_core::{Database, Model};
use orm_tests::sql_backend_tests;

sql_backend_tests!(every_refusal_is_a_foreign_key_violation);

#[derive(Model, Debug, Clone, PartialEq)]
#[orm(table = "fk_owners")]
struct Owner {
    #[orm(primary_key)]
    id: i64,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[orm(table = "fk_pets")]
struct Pet {
    #[orm(primary_key)]
    id: i64,
    #[orm(belongs_to = Owner, on_delete = "restrict")]
    owner_id: i64,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[orm(table = "fk_toys")]
struct Toy {
    #[orm(primary_key)]
    id: i64,
    #[orm(belongs_to = Owner)]
    owner_id: i64,
}

async fn every_refusal_is_a_foreign_key_violation(db: Database) {
    db.create_table::<Owner>().await.unwrap();
    db.create_table::<Pet>().await.unwrap();
    db.create_table::<Toy>().await.unwrap();
    let owner = db.insert(&Owner { id: 1 }).await.unwrap();
    // A child pointing nowhere.
    let err = db.insert(&Pet { id: 1, owner_id: 99 }).await.unwrap_err();
    assert!(err.is_foreign_key_violation(), "{err:?}");
    db.insert(&Pet { id: 1, owner_id: 1 }).await.unwrap();
    db.insert(&Toy { id: 1, owner_id: 1 }).await.unwrap();
    // Deleting a parent with children: RESTRICT and NO ACTION alike.
    let err = db.delete(&owner).await.unwrap_err();
    assert!(err.is_foreign_key_violation(), "restrict: {err:?}");
    db.delete(&Pet { id: 1, owner_id: 1 }).await.unwrap();
    let err = db.delete(&owner).await.unwrap_err();
    assert!(err.is_foreign_key_violation(), "no action: {err:?}");
}
