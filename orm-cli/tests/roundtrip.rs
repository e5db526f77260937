//! Schema code generation both ways, on every backend: models -> generated migration -> applied ->
//! introspected -> generated models -> a generated migration that is empty; and a 20+ table schema
//! introspected back as its migrations describe it.

use orm_core::migrate::{self, Migrator, Target};
use orm_core::schema::{Column, ColumnType, DefaultValue, ForeignKey, Index, Operation, ReferentialAction, Schema, Table};
use orm_core::{BackendKind, Database};
use orm_tests::Backend;
use std::path::Path;

const MODELS: &str = r#"
use orm_core::Model;

#[derive(Model, Debug, Clone)]
#[orm(table = "users")]
pub struct User {
    #[orm(primary_key, auto_increment)]
    pub id: i64,
    #[orm(unique, length = 255)]
    pub email: String,
    #[orm(column = "display_name", length = 80)]
    pub name: String,
    pub age: Option<i32>,
    #[orm(default = "true")]
    pub active: bool,
    #[orm(index)]
    pub created_at: chrono::DateTime<chrono::Utc>,
    #[orm(skip)]
    pub cache: Option<String>,
}

#[derive(Model, Debug, Clone)]
#[orm(index(name = "posts_user_title_idx", columns = ["user_id", "title"]))]
#[orm(foreign_key(name = "posts_user_fk", columns = ["user_id"], references = "users", references_columns = ["id"], on_delete = "cascade"))]
pub struct Post {
    #[orm(primary_key, auto_increment)]
    pub id: i64,
    pub user_id: i64,
    #[orm(length = 200)]
    pub title: String,
    #[orm(type = "text")]
    pub body: Option<String>,
    pub score: f64,
    pub small: i16,
    #[orm(precision = 12, scale = 2)]
    pub price: Option<rust_decimal::Decimal>,
    pub day: Option<chrono::NaiveDate>,
    pub clock: Option<chrono::NaiveTime>,
    pub token: uuid::Uuid,
    pub doc: Option<serde_json::Value>,
    pub blob: Option<Vec<u8>>,
}

#[derive(Model, Debug, Clone)]
#[orm(primary_key(columns = ["post_id", "tag"]))]
#[orm(foreign_key(columns = ["post_id"], references = "posts", references_columns = ["id"]))]
pub struct PostTag {
    pub post_id: i64,
    #[orm(length = 40)]
    pub tag: String,
}
"#;

fn write_models(dir: &Path, source: &str) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("models.rs"), source).unwrap();
}

fn write_migration(dir: &Path, version: &str, name: &str, diff: &orm_core::schema::Diff) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join(format!("{version}_{name}.toml")), migrate::write_file("generated", &diff.up, &diff.down)).unwrap();
}

async fn models_to_database_to_models(db: Database) {
    let work = tempfile::tempdir().unwrap();
    let (src, migrations, generated) = (work.path().join("src"), work.path().join("migrations"), work.path().join("generated"));
    write_models(&src, MODELS);
    let models = orm_cli::scan::scan(&src).unwrap();
    let first = orm_core::schema::diff(&Schema::new(), &models.schema, &models.renames);
    write_migration(&migrations, "20240101000000", "init", &first);
    Migrator::from_dir(db.clone(), &migrations).unwrap().up(Target::All).await.unwrap();

    let live = db.introspect().await.unwrap();
    for (file, source) in orm_cli::codegen::model_files(&live) {
        std::fs::create_dir_all(&generated).unwrap();
        std::fs::write(generated.join(file), source).unwrap();
    }
    let regenerated = orm_cli::scan::scan(&generated).unwrap();
    let replayed = migrate::replay(&migrate::load_dir(&migrations).unwrap()).unwrap();
    let backend = db.backend();
    let again = orm_core::schema::diff(
        &orm_core::introspect::comparable(backend, &replayed),
        &orm_core::introspect::comparable(backend, &regenerated.schema),
        &Default::default(),
    );
    assert!(again.is_empty(), "{backend:?}: regenerated models differ: {:#?}", again.up);

    // Evolve the models: a declared rename, a new column, a dropped one; the generated migration
    // holds exactly that, applies, and reverts.
    let evolved = MODELS
        .replace("#[orm(column = \"display_name\", length = 80)]", "#[orm(column = \"full_name\", renamed_from = \"display_name\", length = 80)]")
        .replace("    pub age: Option<i32>,\n", "    pub nickname: Option<String>,\n");
    write_models(&src, &evolved);
    let models = orm_cli::scan::scan(&src).unwrap();
    let step = orm_core::schema::diff(&replayed, &models.schema, &models.renames);
    let kinds: Vec<&str> = step.up.iter().map(Operation::name).collect();
    assert_eq!(kinds, ["rename_column", "add_column", "drop_column"], "{:#?}", step.up);
    assert!(step.warnings.iter().any(|w| w.contains("dropping column `users.age`")), "{:?}", step.warnings);
    write_migration(&migrations, "20240102000000", "evolve", &step);
    let m = Migrator::from_dir(db.clone(), &migrations).unwrap();
    m.up(Target::All).await.unwrap();
    let after = migrate::replay(&migrate::load_dir(&migrations).unwrap()).unwrap();
    assert!(orm_core::schema::diff(&after, &models.schema, &models.renames).is_empty(), "nothing left to generate");
    let live = db.introspect().await.unwrap();
    let drift = orm_core::schema::diff(
        &orm_core::introspect::comparable(backend, &after),
        &orm_core::introspect::comparable(backend, &live),
        &Default::default(),
    );
    assert!(drift.is_empty(), "{backend:?}: {:#?}", drift.up);
    m.down(Target::Steps(1)).await.unwrap();
    let back = db.introspect().await.unwrap();
    assert!(back.tables["users"].column_named("age").is_some() && back.tables["users"].column_named("display_name").is_some());
}

/// A hand-made schema of 24 tables: every column type, composite keys, self-references.
fn big_schema() -> Vec<Operation> {
    let mut ops = Vec::new();
    let types = [
        ColumnType::Bool,
        ColumnType::I16,
        ColumnType::I32,
        ColumnType::I64,
        ColumnType::F32,
        ColumnType::F64,
        ColumnType::Decimal { precision: Some(18), scale: Some(4) },
        ColumnType::String { length: Some(120) },
        ColumnType::Text,
        ColumnType::Bytes,
        ColumnType::Date,
        ColumnType::Time,
        ColumnType::DateTime,
        ColumnType::Timestamp,
        ColumnType::Uuid,
        ColumnType::Json,
        ColumnType::ObjectId,
    ];
    for i in 0..24 {
        let name = format!("t{i:02}");
        let composite = i % 4 == 3;
        let mut t = Table::new(name.clone());
        if composite {
            t = t.column(Column::new("a", ColumnType::I32)).column(Column::new("b", ColumnType::String { length: Some(30) })).primary_key(["a", "b"]);
        } else {
            t = t.column(Column::new("id", ColumnType::I64).auto_increment()).primary_key(["id"]);
        }
        for (j, ty) in types.iter().enumerate().filter(|(j, _)| (j + i) % 3 != 0) {
            let mut c = Column::new(format!("c{j}"), *ty);
            c.nullable = j % 2 == 0;
            if *ty == ColumnType::I32 && !c.nullable {
                c.default = Some(DefaultValue::Int(5));
            }
            t.columns.push(c);
        }
        if !composite {
            t.columns.push(Column::new("parent_id", ColumnType::I64).nullable());
            t.columns.push(Column::new("code", ColumnType::String { length: Some(40) }).unique());
        }
        ops.push(Operation::CreateTable(t));
        if !composite {
            ops.push(Operation::CreateIndex { table: name.clone(), index: Index::new(format!("{name}_parent_code_idx"), ["parent_id", "code"]) });
            ops.push(Operation::AddForeignKey {
                table: name.clone(),
                foreign_key: ForeignKey {
                    name: format!("{name}_parent_fk"),
                    columns: vec!["parent_id".into()],
                    references_table: name.clone(),
                    references_columns: vec!["id".into()],
                    on_delete: ReferentialAction::SetNull,
                    on_update: ReferentialAction::NoAction,
                },
            });
        }
    }
    ops
}

async fn big_schema_introspects_as_described(db: Database) {
    let dir = tempfile::tempdir().unwrap();
    let up = big_schema();
    let down: Vec<Operation> = (0..24).rev().map(|i| Operation::DropTable { table: format!("t{i:02}") }).collect();
    std::fs::write(dir.path().join("20240101000000_big.toml"), migrate::write_file("24 tables", &up, &down)).unwrap();
    let m = Migrator::from_dir(db.clone(), dir.path()).unwrap();
    m.up(Target::All).await.unwrap();
    let described = migrate::replay(m.files()).unwrap();
    let live = db.introspect().await.unwrap();
    assert_eq!(live.tables.len(), 24);
    let backend = db.backend();
    let d = orm_core::schema::diff(
        &orm_core::introspect::comparable(backend, &described),
        &orm_core::introspect::comparable(backend, &live),
        &Default::default(),
    );
    assert!(d.is_empty(), "{backend:?}: {:#?}", d.up);
    // And the generated models of it read back as the same schema.
    let models_dir = dir.path().join("gen");
    std::fs::create_dir(&models_dir).unwrap();
    for (file, source) in orm_cli::codegen::model_files(&live) {
        std::fs::write(models_dir.join(file), source).unwrap();
    }
    let models = orm_cli::scan::scan(&models_dir).unwrap();
    let d = orm_core::schema::diff(
        &orm_core::introspect::comparable(backend, &live),
        &orm_core::introspect::comparable(backend, &models.schema),
        &Default::default(),
    );
    assert!(d.is_empty(), "{backend:?}: {:#?}", d.up);
    m.down(Target::All).await.unwrap();
    assert!(db.introspect().await.unwrap().tables.is_empty());
    let _ = BackendKind::Postgres;
}

macro_rules! every_backend {
    ($($scenario:ident),+) => {$(
        mod $scenario {
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() { orm_tests::run(Backend::Postgres, super::$scenario).await }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn mysql() { orm_tests::run(Backend::MySql, super::$scenario).await }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite_file() { orm_tests::run(Backend::SqliteFile, super::$scenario).await }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite_memory() { orm_tests::run(Backend::SqliteMemory, super::$scenario).await }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn mongodb() { orm_tests::run(Backend::MongoDb, super::$scenario).await }
        }
    )+};
}

every_backend!(models_to_database_to_models, big_schema_introspects_as_described);

/// The models `orm generate models` writes for the example migrations are committed in
/// `tests/tests/generated/`, where the conformance suite compiles them and runs CRUD on them.
/// `UPDATE_GOLDEN=1` rewrites them.
#[test]
fn generated_models_match_the_golden_files() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let files = migrate::load_dir(&root.join("migrations")).unwrap();
    let mut schema = orm_core::introspect::comparable(BackendKind::Postgres, &migrate::replay(&files).unwrap());
    // And a collection sampled from MongoDB documents, with an embedded document in an embedded one.
    let mut meta = Column::new("meta", ColumnType::Json).nullable();
    let mut geo = Column::new("geo", ColumnType::Json);
    geo.fields = vec![Column::new("lat", ColumnType::F64), Column::new("lng", ColumnType::F64)];
    meta.fields = vec![Column::new("ip", ColumnType::String { length: None }), Column::new("user-agent", ColumnType::String { length: None }).nullable(), geo];
    let mut n = Column::new("n", ColumnType::Json).nullable();
    n.comment = Some("the sampled documents hold different types here: it is read as JSON".into());
    let events = Table::new("events")
        .column(Column::new("id", ColumnType::ObjectId))
        .column(Column::new("kind", ColumnType::String { length: None }))
        .column(meta)
        .column(n)
        .primary_key(["id"]);
    schema.tables.insert("events".into(), events);
    // Relations both ways: a one-to-one (a unique key), and a join table of two keys only.
    let key = |table: &str, column: &str, target: &str| ForeignKey {
        name: format!("{table}_{column}_fkey"),
        columns: vec![column.into()],
        references_table: target.into(),
        references_columns: vec!["id".into()],
        on_delete: ReferentialAction::Cascade,
        on_update: ReferentialAction::NoAction,
    };
    let mut profiles = Table::new("profiles")
        .column(Column::new("id", ColumnType::I64).auto_increment())
        .column(Column::new("user_id", ColumnType::I64).unique())
        .column(Column::new("bio", ColumnType::Text).nullable())
        .primary_key(["id"]);
    profiles.foreign_keys.push(key("profiles", "user_id", "users"));
    let tags = Table::new("tags")
        .column(Column::new("id", ColumnType::I64).auto_increment())
        .column(Column::new("name", ColumnType::String { length: Some(40) }).unique())
        .primary_key(["id"]);
    let mut post_tags = Table::new("post_tags")
        .column(Column::new("post_id", ColumnType::I64))
        .column(Column::new("tag_id", ColumnType::I64))
        .primary_key(["post_id", "tag_id"]);
    post_tags.foreign_keys.extend([key("post_tags", "post_id", "posts"), key("post_tags", "tag_id", "tags")]);
    for t in [profiles, tags, post_tags] {
        schema.tables.insert(t.name.clone(), t);
    }
    let golden = root.join("tests/tests/generated");
    for (file, source) in orm_cli::codegen::model_files(&schema) {
        let path = golden.join(&file);
        if std::env::var("UPDATE_GOLDEN").is_ok() {
            std::fs::write(&path, &source).unwrap();
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert_eq!(committed, source, "{} is stale: run with UPDATE_GOLDEN=1", path.display());
    }
}

/// A type without a neutral equivalent becomes a commented `String` field.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_types_without_an_equivalent_are_explained() {
    orm_tests::run(Backend::Postgres, |db: Database| async move {
        db.raw_execute("CREATE TABLE odd (id serial PRIMARY KEY, addr inet, tags text[] NOT NULL)", []).await.unwrap();
        let schema = db.introspect().await.unwrap();
        let odd = &schema.tables["odd"];
        assert!(odd.columns[0].auto_increment);
        assert_eq!(odd.columns[1].ty, ColumnType::Text);
        let source = orm_cli::codegen::model_file(odd);
        assert!(source.contains("/// PostgreSQL type `inet` has no neutral equivalent: it is read as text."), "{source}");
        assert!(source.contains("pub addr: Option<String>,") && source.contains("pub tags: String,"), "{source}");
        assert!(!source.contains("TODO"));
    })
    .await
}

/// A MongoDB collection without a validator is described from sampled documents.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mongodb_collections_are_sampled() {
    orm_tests::run(Backend::MongoDb, |db: Database| async move {
        let docs = orm_core::bson::doc! {
            "insert": "events",
            "documents": [
                { "kind": "signup", "n": 1, "at": orm_core::bson::DateTime::now(), "meta": { "ip": "::1" }, "tags": ["a"] },
                { "kind": "login", "n": "two", "at": orm_core::bson::DateTime::now() },
                { "kind": "login", "n": 3_i64, "at": orm_core::bson::DateTime::now(), "score": 1.5 },
            ],
        };
        db.run_command(docs).await.unwrap();
        let schema = db.introspect_sampled(100).await.unwrap();
        let events = &schema.tables["events"];
        let col = |n: &str| events.column_named(n).unwrap_or_else(|| panic!("{n}: {events:?}")).clone();
        assert_eq!(events.primary_key, ["id"]);
        assert_eq!(col("id").ty, ColumnType::ObjectId);
        assert_eq!((col("kind").ty, col("kind").nullable), (ColumnType::String { length: None }, false));
        assert_eq!(col("at").ty, ColumnType::Timestamp);
        assert_eq!(col("n").ty, ColumnType::Json, "mixed types");
        assert!(col("n").comment.unwrap().contains("different types"));
        assert_eq!((col("meta").ty, col("meta").nullable), (ColumnType::Json, true));
        assert_eq!(col("meta").fields[0].name, "ip");
        assert_eq!((col("score").ty, col("score").nullable), (ColumnType::F64, true));
        let source = orm_cli::codegen::model_file(events);
        assert!(source.contains("pub struct Event {") && source.contains("pub meta: Option<orm_core::Json<EventMeta>>,"), "{source}");
        assert!(source.contains("pub struct EventMeta {") && source.contains("pub ip: String,"), "{source}");
        // Without sampling, such a collection lists no columns.
        assert!(db.introspect().await.unwrap().tables["events"].columns.is_empty());
    })
    .await
}
