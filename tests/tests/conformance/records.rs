//! Rows of tables known only at run time (what `orm studio` reads and writes): keyset pages,
//! counts, and one-row writes by key through `insert_record` / `update_record` / `delete_record`,
//! with the same outcomes on every backend: validation rules, `created_at` stamps, unique keys,
//! and the foreign keys' `on_delete` actions (the database's on SQL, the toolkit's on MongoDB,
//! from the schema passed in: no model of these tables exists).

use orm_core::migrate::{self, Migrator, Target};
use orm_core::query::{Browse, CmpOp, Cond};
use orm_core::schema::Check;
use orm_core::{Database, Error, Order, Value};
use orm_tests::backend_tests;

backend_tests!(run_time_tables_are_read_and_written);

const TABLES: &str = r#"
[[up]]
op = "create_table"
table = "rec_owners"
columns = [
  { name = "id", type = "i64", primary_key = true, auto_increment = true },
  { name = "email", type = "string", length = 100, unique = true },
  { name = "age", type = "i32", nullable = true, validate = [{ min = 0.0 }] },
  { name = "created_at", type = "timestamp", nullable = true },
]

[[up]]
op = "create_table"
table = "rec_pets"
columns = [
  { name = "id", type = "i64", primary_key = true, auto_increment = true },
  { name = "owner_id", type = "i64" },
]

[[up]]
op = "add_foreign_key"
table = "rec_pets"
name = "rec_pets_owner_id_fkey"
columns = ["owner_id"]
references_table = "rec_owners"
references_columns = ["id"]
on_delete = "cascade"

[[up]]
op = "create_table"
table = "rec_licences"
columns = [
  { name = "id", type = "i64", primary_key = true, auto_increment = true },
  { name = "owner_id", type = "i64" },
]

[[up]]
op = "add_foreign_key"
table = "rec_licences"
name = "rec_licences_owner_id_fkey"
columns = ["owner_id"]
references_table = "rec_owners"
references_columns = ["id"]
on_delete = "restrict"

[[down]]
op = "drop_table"
table = "rec_licences"

[[down]]
op = "drop_table"
table = "rec_pets"

[[down]]
op = "drop_table"
table = "rec_owners"
"#;

fn text(s: &str) -> Value {
    Value::String(Some(s.into()))
}

fn key(n: i64) -> Vec<Value> {
    vec![Value::I64(Some(n))]
}

async fn run_time_tables_are_read_and_written(db: Database) {
    let file = migrate::parse_file("20240101000000_records.toml".as_ref(), TABLES).unwrap();
    Migrator::new(db.clone(), vec![file.clone()]).up(Target::All).await.unwrap();
    // The schema the migrations declare: the rules and foreign keys a live MongoDB cannot tell.
    let schema = migrate::replay(&[file]).unwrap();
    let owners = &schema.tables["rec_owners"];
    assert_eq!(owners.column_named("age").unwrap().checks, [Check::Min(0.0)]);

    for i in 1..=25 {
        db.insert_record(owners, vec![("email".into(), text(&format!("o{i:02}@x.org"))), ("age".into(), Value::I32(Some(i)))]).await.unwrap();
    }
    // created_at was stamped; a rule and a unique key refuse, typed.
    let first = db.browse(owners, &Browse::new(10)).await.unwrap();
    assert_eq!(first.len(), 10);
    assert_eq!(first[0][0], Value::I64(Some(1)));
    assert!(matches!(first[0][3], Value::Timestamp(Some(_))), "{:?}", first[0]);
    let refused = db.insert_record(owners, vec![("email".into(), text("neg@x.org")), ("age".into(), Value::I32(Some(-1)))]).await.unwrap_err();
    assert!(matches!(&refused, Error::Validation { errors, .. } if errors[0].field == "age"), "{refused}");
    let twice = db.insert_record(owners, vec![("email".into(), text("o01@x.org"))]).await.unwrap_err();
    assert!(matches!(twice, Error::UniqueViolation { .. }), "{twice}");

    // Keyset pages continue after a key; another sort pages by offset; counts and filters.
    let second = db.browse(owners, &Browse::new(10).after(key(10))).await.unwrap();
    assert_eq!(second[0][0], Value::I64(Some(11)));
    let by_email = db.browse(owners, &Browse::new(3).sort("email", Order::Desc).offset(1)).await.unwrap();
    assert_eq!(by_email[0][1], text("o24@x.org"));
    let older = Cond::Compare { column: "age".into(), op: CmpOp::Gt, value: Value::I32(Some(20)) };
    assert_eq!(db.count_rows(owners, Some(&older)).await.unwrap(), 5);
    assert_eq!(db.browse(owners, &Browse::new(50).filter(older)).await.unwrap().len(), 5);

    // An update by key checks rules and reports a missing row.
    db.update_record(owners, key(2), vec![("age".into(), Value::I32(Some(99)))]).await.unwrap();
    let bad = db.update_record(owners, key(2), vec![("age".into(), Value::I32(Some(-5)))]).await.unwrap_err();
    assert!(matches!(bad, Error::Validation { .. }), "{bad}");
    let gone = db.update_record(owners, key(999), vec![("age".into(), Value::I32(Some(1)))]).await.unwrap_err();
    assert!(matches!(gone, Error::NotFound { .. }), "{gone}");

    // Deletes apply the foreign keys' actions: cascade takes the pets, restrict refuses.
    let (pets, licences) = (&schema.tables["rec_pets"], &schema.tables["rec_licences"]);
    for owner in [1, 1, 3] {
        db.insert_record(pets, vec![("owner_id".into(), Value::I64(Some(owner)))]).await.unwrap();
    }
    db.insert_record(licences, vec![("owner_id".into(), Value::I64(Some(3)))]).await.unwrap();
    db.delete_record(&schema, "rec_owners", key(1)).await.unwrap();
    assert_eq!(db.count_rows(pets, None).await.unwrap(), 1, "owner 1's pets went with it");
    let restricted = db.delete_record(&schema, "rec_owners", key(3)).await.unwrap_err();
    assert!(matches!(restricted, Error::ForeignKeyViolation { .. }), "{restricted}");
    assert_eq!(db.count_rows(owners, None).await.unwrap(), 24);
    let missing = db.delete_record(&schema, "rec_owners", key(1)).await.unwrap_err();
    assert!(matches!(missing, Error::NotFound { .. }), "{missing}");
}
