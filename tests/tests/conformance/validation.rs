//! Validation declared on the model, and lifecycle hooks.

use orm_core::{BackendKind, Database, Error, Hooks, Model};
use orm_tests::{backend_tests, mongodb_tests};

backend_tests!(validation_lists_every_failing_field, update_many_checks_the_values_it_sets, hooks_run_around_writes);
mongodb_tests!(mongodb_validator_enforces_the_rules_too, a_collection_migrations_made_enforces_the_rules_too);

fn no_admins(name: &str) -> Result<(), String> {
    if name.eq_ignore_ascii_case("admin") { Err("`admin` is reserved".into()) } else { Ok(()) }
}

#[derive(Model, Debug, Clone, PartialEq)]
struct Member {
    #[orm(primary_key, auto_increment)]
    id: i64,
    #[orm(length = 200, validate(length(min = 2, max = 80), custom = "no_admins"))]
    name: String,
    #[orm(validate(email))]
    email: String,
    #[orm(validate(range(min = 0, max = 150)))]
    age: Option<i32>,
    #[orm(validate(regex = "^[A-Z]{2}$"))]
    country: String,
}

fn member() -> Member {
    Member { id: 0, name: "Ada".into(), email: "ada@example.com".into(), age: Some(36), country: "GB".into() }
}

async fn validation_lists_every_failing_field(db: Database) {
    db.create_table::<Member>().await.unwrap();
    let ok = db.insert(&member()).await.unwrap();
    let bad = Member { name: "A".into(), email: "nope".into(), age: Some(-1), country: "gbr".into(), ..member() };
    match db.insert(&bad).await.unwrap_err() {
        Error::Validation { model, errors } => {
            assert_eq!(model, "Member");
            let fields: Vec<(&str, &str)> = errors.iter().map(|e| (e.field.as_str(), e.rule)).collect();
            assert_eq!(fields, [("name", "length"), ("email", "email"), ("age", "range"), ("country", "regex")]);
        }
        other => panic!("expected a validation error, got {other}"),
    }
    let reserved = db.update(&Member { name: "admin".into(), ..ok.clone() }).await.unwrap_err();
    assert!(matches!(&reserved, Error::Validation { errors, .. } if errors[0].rule == "custom"), "{reserved}");
    assert!(db.insert_many(&[member(), Member { age: Some(200), ..member() }]).await.is_err());
    assert_eq!(Member::find().count(&db).await.unwrap(), 1, "nothing invalid was written");
    assert!(db.upsert(&Member { country: "x".into(), ..ok }).await.is_err());
}

#[derive(Model, Debug, Clone, PartialEq)]
#[orm(hooks)]
struct Slug {
    #[orm(primary_key, auto_increment)]
    id: i64,
    #[orm(length = 100)]
    text: String,
    edits: i32,
    locked: bool,
}

impl Hooks for Slug {
    fn before_insert(&mut self) -> orm_core::Result<()> {
        self.text = self.text.trim().to_lowercase().replace(' ', "-");
        Ok(())
    }
    fn before_update(&mut self) -> orm_core::Result<()> {
        self.edits += 1;
        Ok(())
    }
    fn before_delete(&self) -> orm_core::Result<()> {
        if self.locked {
            return Err(Error::InvalidQuery { model: "Slug", message: "locked".into() });
        }
        Ok(())
    }
}

async fn hooks_run_around_writes(db: Database) {
    db.create_table::<Slug>().await.unwrap();
    let s = db.insert(&Slug { id: 0, text: "  Hello World ".into(), edits: 0, locked: true }).await.unwrap();
    assert_eq!(s.text, "hello-world");
    db.update(&s).await.unwrap();
    assert_eq!(Slug::find_by_pk(s.id).get(&db).await.unwrap().edits, 1);
    assert!(db.delete(&s).await.is_err(), "before_delete refused");
    db.delete(&Slug { locked: false, ..s }).await.unwrap();
    assert_eq!(Slug::find().count(&db).await.unwrap(), 0);
}

/// On MongoDB the rules are in the collection's `$jsonSchema` too, so writes from other clients
/// are held to them.
async fn mongodb_validator_enforces_the_rules_too(db: Database) {
    assert_eq!(db.backend(), BackendKind::MongoDb);
    db.create_table::<Member>().await.unwrap();
    let raw = orm_core::bson::doc! {
        "insert": "members",
        "documents": [{ "_id": 1_i64, "name": "A", "email": "x@y.z", "age": 3, "country": "GB" }],
    };
    let reply = db.run_command(raw).await.unwrap();
    assert!(reply.get_array("writeErrors").is_ok_and(|e| !e.is_empty()), "name too short: {reply}");
}

/// A migration generated from the model carries its validation rules, so the collection it makes
/// refuses what `create_table`'s refuses, and the migrations and the model agree (`migrate check`).
async fn a_collection_migrations_made_enforces_the_rules_too(db: Database) {
    use orm_core::migrate::{Migrator, Target};
    use orm_core::schema::{diff, Schema};
    let mut models = Schema::new();
    models.tables.insert("members".into(), Member::schema().clone());
    let generated = diff(&Schema::new(), &models, &Default::default());
    let dir = tempfile::tempdir().unwrap();
    let text = orm_core::migrate::write_file("members", &generated.up, &generated.down);
    assert!(text.contains("validate = [{ min_length = 2 }, { max_length = 80 }]"), "{text}");
    std::fs::write(dir.path().join("20240101000000_members.toml"), &text).unwrap();
    Migrator::from_dir(db.clone(), dir.path()).unwrap().up(Target::All).await.unwrap();
    let replayed = orm_core::migrate::replay(&orm_core::migrate::load_dir(dir.path()).unwrap()).unwrap();
    assert!(diff(&replayed, &models, &Default::default()).is_empty(), "the migrations hold the model's rules");
    let raw = orm_core::bson::doc! {
        "insert": "members",
        "documents": [{ "_id": 1_i64, "name": "A", "email": "x@y.z", "age": 3, "country": "GB" }],
    };
    let reply = db.run_command(raw).await.unwrap();
    assert!(reply.get_array("writeErrors").is_ok_and(|e| !e.is_empty()), "name too short: {reply}");
}

/// `update_many` checks each value it sets against the column's rules: nothing is written when one
/// fails (a `range(min = 0)` age was set to -90 on every SQL backend before).
async fn update_many_checks_the_values_it_sets(db: Database) {
    db.create_table::<Member>().await.unwrap();
    let ada = db.insert(&member()).await.unwrap();
    let err = Member::update_many().set(Member::AGE, Some(-90)).set(Member::COUNTRY, "gbr").filter(Member::ID.eq(ada.id)).exec(&db).await.unwrap_err();
    match err {
        Error::Validation { model, errors } => {
            assert_eq!(model, "Member");
            let fields: Vec<(&str, &str)> = errors.iter().map(|e| (e.field.as_str(), e.rule)).collect();
            assert_eq!(fields, [("age", "range"), ("country", "regex")]);
        }
        other => panic!("{other}"),
    }
    assert_eq!(Member::find_by_pk(ada.id).get(&db).await.unwrap(), ada, "nothing written");
    // A later `set` of a column replaces an earlier one; NULL passes the rules.
    assert_eq!(Member::update_many().set(Member::AGE, Some(-90)).set(Member::AGE, None).exec(&db).await.unwrap(), 1);
    assert_eq!(Member::find_by_pk(ada.id).get(&db).await.unwrap().age, None);
}
