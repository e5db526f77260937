//! The migration engine under attack, on every backend: hostile names reach the server as names,
//! names the server cannot hold and bad plans are refused before anything runs, `down` must undo
//! `up`, values a type change would lose are counted first, and the lock holds for a whole run.

use orm_core::migrate::{write_file, Migrator, Progress, Target};
use orm_core::schema::{Column, ColumnChange, ColumnType, ForeignKey, Index, Operation, ReferentialAction, Table};
use orm_core::{BackendKind, Database, Error, Model};
use orm_tests::backend_tests;
use std::path::Path;
use std::sync::{Arc, Mutex};

backend_tests!(
    hostile_names_reach_the_server_as_names,
    names_the_server_cannot_hold_are_refused_before_anything_runs,
    a_bad_plan_anywhere_changes_nothing,
    down_must_undo_up,
    down_reverts_in_applied_order,
    type_changes_refuse_values_they_would_lose,
    up_and_down_racing_keep_the_history_whole,
    a_waiting_runner_says_who_holds_the_lock,
    targets_name_a_migration
);

fn write(dir: &Path, file: &str, content: &str) {
    std::fs::write(dir.join(file), content).unwrap();
}

/// A migration file from operations, through the engine's own writer (what `generate` and
/// `baseline` write).
fn migration(dir: &Path, version: u64, name: &str, up: &[Operation], down: &[Operation]) {
    write(dir, &format!("{version}_{name}.toml"), &write_file("test", up, down));
}

fn victim() -> Operation {
    Operation::CreateTable(Table::new("victim").column(Column::new("id", ColumnType::I64)).primary_key(["id"]))
}

async fn table_names(db: &Database) -> Vec<String> {
    db.introspect().await.unwrap().tables.keys().cloned().collect()
}

/// Names that break out of naive quoting, within every backend's length rules.
fn attacks() -> Vec<String> {
    vec![
        r#"i" ON "t" ("c"); DROP TABLE victim; --"#.into(),
        "i` ON `t` (`c`); DROP TABLE victim; --".into(),
        format!("{}integer); DROP TABLE victim; --", "\"".repeat(12)),
        r#"a"b`c'd\"; DROP TABLE victim; --"#.into(),
    ]
}

async fn hostile_names_reach_the_server_as_names(db: Database) {
    let dir = tempfile::tempdir().unwrap();
    migration(dir.path(), 20240101000000, "victim", &[victim()], &[Operation::DropTable { table: "victim".into() }]);
    for (i, n) in attacks().iter().enumerate() {
        let (t, r) = (format!("{n}t"), format!("{n}r"));
        let col = |s: &str| format!("{n}{s}");
        let up = vec![
            Operation::CreateTable(
                Table::new(t.clone())
                    .column(Column::new(col("id"), ColumnType::I64))
                    .column(Column::new(col("v"), ColumnType::String { length: Some(20) }).nullable())
                    .primary_key([col("id")]),
            ),
            Operation::CreateTable(Table::new(r.clone()).column(Column::new(col("ref"), ColumnType::I64)).primary_key([col("ref")])),
            Operation::CreateIndex { table: t.clone(), index: Index::new(col("ix"), [col("v")]) },
            Operation::AddColumn { table: t.clone(), column: Column::new(col("n"), ColumnType::I32).nullable() },
            Operation::AlterColumn { table: t.clone(), column: col("n"), change: ColumnChange { ty: Some(ColumnType::I64), ..Default::default() } },
            Operation::RenameColumn { table: t.clone(), from: col("n"), to: col("m") },
            Operation::AddForeignKey {
                table: r.clone(),
                foreign_key: ForeignKey {
                    name: col("fk"),
                    columns: vec![col("ref")],
                    references_table: t.clone(),
                    references_columns: vec![col("id")],
                    on_delete: ReferentialAction::Cascade,
                    on_update: ReferentialAction::NoAction,
                },
            },
        ];
        let down = vec![
            Operation::DropForeignKey { table: r.clone(), name: col("fk") },
            Operation::RenameColumn { table: t.clone(), from: col("m"), to: col("n") },
            Operation::AlterColumn { table: t.clone(), column: col("n"), change: ColumnChange { ty: Some(ColumnType::I32), ..Default::default() } },
            Operation::DropColumn { table: t.clone(), column: col("n") },
            Operation::DropIndex { table: t.clone(), name: col("ix") },
            Operation::DropTable { table: r.clone() },
            Operation::DropTable { table: t.clone() },
        ];
        migration(dir.path(), 20240102000000 + i as u64, &format!("hostile_{i}"), &up, &down);
    }
    let m = Migrator::from_dir(db.clone(), dir.path()).unwrap();
    m.up(Target::All).await.unwrap();
    let live = db.introspect().await.unwrap();
    assert!(live.tables.contains_key("victim"), "victim survived up");
    for n in attacks() {
        let t = live.table(&format!("{n}t")).unwrap_or_else(|e| panic!("{e}; live tables: {:?}", live.tables.keys()));
        let names: Vec<&str> = t.columns.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, [format!("{n}id"), format!("{n}v"), format!("{n}m")], "the columns carry the hostile names exactly");
        assert_eq!(t.indexes.iter().map(|i| i.name.clone()).collect::<Vec<_>>(), [format!("{n}ix")]);
        if db.backend() != BackendKind::MongoDb {
            let r = live.table(&format!("{n}r")).unwrap();
            assert_eq!(r.foreign_keys.iter().map(|f| f.name.clone()).collect::<Vec<_>>(), [format!("{n}fk")]);
        }
    }
    m.down(Target::Version(20240101000000)).await.unwrap();
    assert_eq!(table_names(&db).await.into_iter().filter(|t| !t.starts_with("_orm")).collect::<Vec<_>>(), ["victim"]);
    m.down(Target::All).await.unwrap();
}

async fn names_the_server_cannot_hold_are_refused_before_anything_runs(db: Database) {
    let (bad, rule) = match db.backend() {
        BackendKind::Postgres => ("p".repeat(64), "63 bytes"),
        BackendKind::MySql => ("m".repeat(65), "at most 64"),
        BackendKind::Sqlite => ("sqlite_mine".to_string(), "reserves"),
        _ => ("system.mine".to_string(), "system."),
    };
    for (name, says) in [(bad.as_str(), rule), ("", "empty")] {
        let dir = tempfile::tempdir().unwrap();
        migration(dir.path(), 20240101000000, "victim", &[victim()], &[Operation::DropTable { table: "victim".into() }]);
        let t = Table::new(name).column(Column::new("id", ColumnType::I64)).primary_key(["id"]);
        migration(dir.path(), 20240102000000, "bad", &[Operation::CreateTable(t)], &[Operation::DropTable { table: name.into() }]);
        let err = Migrator::from_dir(db.clone(), dir.path()).unwrap().up(Target::All).await.unwrap_err();
        let text = err.to_string();
        assert!(matches!(err, Error::MigrationFile { line: Some(_), .. }), "{err:?}");
        assert!(text.contains("20240102000000_bad.toml") && text.contains(says), "{text}");
        assert!(!table_names(&db).await.contains(&"victim".to_string()), "nothing ran before the refusal");
    }
    if db.backend() == BackendKind::MongoDb {
        let dir = tempfile::tempdir().unwrap();
        let t = Table::new("ok").column(Column::new("a.b", ColumnType::I64)).primary_key(["a.b"]);
        migration(dir.path(), 20240101000000, "dotted", &[Operation::CreateTable(t)], &[Operation::DropTable { table: "ok".into() }]);
        let err = Migrator::from_dir(db.clone(), dir.path()).unwrap().up(Target::All).await.unwrap_err().to_string();
        assert!(err.contains("field name `a.b`"), "{err}");
    }
}

async fn a_bad_plan_anywhere_changes_nothing(db: Database) {
    let dir = tempfile::tempdir().unwrap();
    migration(dir.path(), 20240101000000, "victim", &[victim()], &[Operation::DropTable { table: "victim".into() }]);
    // The third file drops a table nothing created: planning all three finds it first.
    let add = Operation::AddColumn { table: "victim".into(), column: Column::new("n", ColumnType::I32).nullable() };
    migration(dir.path(), 20240102000000, "fine", &[add], &[Operation::DropColumn { table: "victim".into(), column: "n".into() }]);
    write(dir.path(), "20240103000000_wrong.toml", "[[up]]\nop = \"drop_table\"\ntable = \"nowhere\"\n\n[[down]]\nop = \"sql\"\nsql = \"SELECT 1\"\n");
    let m = Migrator::from_dir(db.clone(), dir.path()).unwrap();
    let err = m.up(Target::All).await.unwrap_err().to_string();
    assert!(err.contains("20240103000000_wrong.toml:1:") && err.contains("table `nowhere` does not exist"), "{err}");
    assert!(!table_names(&db).await.contains(&"victim".to_string()));
    // The good part applies on its own.
    assert_eq!(m.up(Target::Steps(2)).await.unwrap().entries.len(), 2);
}

async fn down_must_undo_up(db: Database) {
    let dir = tempfile::tempdir().unwrap();
    migration(dir.path(), 20240101000000, "victim", &[victim()], &[Operation::DropTable { table: "victim".into() }]);
    let add = Operation::AddColumn { table: "victim".into(), column: Column::new("note", ColumnType::Text).nullable() };
    // `down` forgets the column `up` adds.
    migration(dir.path(), 20240102000000, "forgetful", &[add], &[]);
    let err = Migrator::from_dir(db.clone(), dir.path()).unwrap().up(Target::All).await.unwrap_err().to_string();
    assert!(err.contains("20240102000000_forgetful.toml") && err.contains("column `note` is left behind"), "{err}");
    assert!(!table_names(&db).await.contains(&"victim".to_string()), "refused before anything ran");
    let report = Migrator::from_dir(db.clone(), dir.path()).unwrap().allow_irreversible(true).up(Target::All).await.unwrap();
    assert!(report.entries[1].notices.iter().any(|n| n.contains("does not undo")), "{:?}", report.entries[1].notices);
}

async fn down_reverts_in_applied_order(db: Database) {
    let dir = tempfile::tempdir().unwrap();
    let table = |name: &str| {
        let t = Table::new(name).column(Column::new("id", ColumnType::I64)).primary_key(["id"]);
        (vec![Operation::CreateTable(t)], vec![Operation::DropTable { table: name.into() }])
    };
    let (up, down) = table("a");
    migration(dir.path(), 20240101000000, "a", &up, &down);
    let (up, down) = table("c");
    migration(dir.path(), 20240103000000, "c", &up, &down);
    Migrator::from_dir(db.clone(), dir.path()).unwrap().up(Target::All).await.unwrap();
    let (up, down) = table("b");
    migration(dir.path(), 20240102000000, "b", &up, &down);
    let m = Migrator::from_dir(db.clone(), dir.path()).unwrap().allow_out_of_order(true);
    m.up(Target::All).await.unwrap();
    // b was applied last, so it is reverted first, though c has the higher version.
    let report = m.down(Target::Steps(1)).await.unwrap();
    assert_eq!(report.entries[0].version, 20240102000000);
    let report = m.down(Target::All).await.unwrap();
    assert_eq!(report.entries.iter().map(|e| e.version).collect::<Vec<_>>(), [20240103000000, 20240101000000]);
}

async fn type_changes_refuse_values_they_would_lose(db: Database) {
    let dir = tempfile::tempdir().unwrap();
    let t = Table::new("items")
        .column(Column::new("id", ColumnType::I64))
        .column(Column::new("qty", ColumnType::String { length: Some(20) }).nullable())
        .primary_key(["id"]);
    migration(dir.path(), 20240101000000, "items", &[Operation::CreateTable(t)], &[Operation::DropTable { table: "items".into() }]);
    let m = Migrator::from_dir(db.clone(), dir.path()).unwrap();
    m.up(Target::All).await.unwrap();
    #[derive(orm_core::Model, Debug, Clone, PartialEq)]
    #[orm(table = "items")]
    struct Item {
        #[orm(primary_key)]
        id: i64,
        qty: Option<String>,
    }
    let rows: Vec<Item> = (1..=40).map(|i| Item { id: i, qty: Some(i.to_string()) }).chain([Item { id: 41, qty: Some("abc".into()) }]).collect();
    db.insert_many(&rows).await.unwrap();
    let to_int = |ty| Operation::AlterColumn { table: "items".into(), column: "qty".into(), change: ColumnChange { ty: Some(ty), ..Default::default() } };
    migration(dir.path(), 20240102000000, "qty_number", &[to_int(ColumnType::I64)], &[to_int(ColumnType::String { length: Some(20) })]);
    let err = Migrator::from_dir(db.clone(), dir.path()).unwrap().up(Target::All).await.unwrap_err();
    if matches!(db.backend(), BackendKind::Sqlite | BackendKind::MongoDb) {
        // SQLite would keep 'abc' in an integer column; MongoDB would convert 40 documents and stop.
        let Error::MigrationStep { source, .. } = &err else { panic!("{err:?}") };
        assert!(matches!(**source, Error::Unconvertible { count: 1, .. }), "{source:?}");
        assert!(err.to_string().contains("abc"), "{err}");
    }
    // PostgreSQL and MySQL refuse the change themselves, atomically. Nowhere did a value change.
    let mut after = Item::find().order_by_asc(Item::ID).all(&db).await.unwrap();
    after.sort_by_key(|i| i.id);
    assert_eq!(after, rows);
}

async fn up_and_down_racing_keep_the_history_whole(db: Database) {
    let dir = tempfile::tempdir().unwrap();
    for i in 1..=12u64 {
        let name = format!("t{i:02}");
        let t = Table::new(name.clone()).column(Column::new("id", ColumnType::I64)).primary_key(["id"]);
        migration(dir.path(), 20240101000000 + i, &name, &[Operation::CreateTable(t)], &[Operation::DropTable { table: name.clone() }]);
    }
    let url = db.url().to_string();
    let shared = db.backend() == BackendKind::Sqlite && url.contains(":memory:");
    let connect = || async { if shared { db.clone() } else { Database::connect(&url).await.unwrap() } };
    for _trial in 0..3 {
        Migrator::from_dir(db.clone(), dir.path()).unwrap().up(Target::Steps(6)).await.unwrap();
        let (a, b) = (connect().await, connect().await);
        let path = dir.path().to_path_buf();
        let up = tokio::spawn({
            let path = path.clone();
            async move { Migrator::from_dir(a, &path).unwrap().up(Target::All).await }
        });
        let down = tokio::spawn(async move { Migrator::from_dir(b, &path).unwrap().down(Target::All).await });
        up.await.unwrap().unwrap();
        down.await.unwrap().unwrap();
        // Whatever the order, each run saw a whole history: what is applied is a prefix, and the
        // tables are exactly those of the applied migrations.
        let applied: Vec<i64> = Migrator::from_dir(db.clone(), dir.path())
            .unwrap()
            .status()
            .await
            .unwrap()
            .iter()
            .filter(|e| matches!(e.state, orm_core::migrate::MigrationState::Applied { .. }))
            .map(|e| e.version)
            .collect();
        let expected: Vec<i64> = (1..=applied.len() as i64).map(|i| 20240101000000 + i).collect();
        assert_eq!(applied, expected, "a gap in the history");
        let tables: Vec<String> = table_names(&db).await.into_iter().filter(|t| t.starts_with('t')).collect();
        assert_eq!(tables.len(), applied.len(), "{tables:?} against {applied:?}");
        Migrator::from_dir(db.clone(), dir.path()).unwrap().reset().await.unwrap();
    }
}

async fn a_waiting_runner_says_who_holds_the_lock(db: Database) {
    let dir = tempfile::tempdir().unwrap();
    migration(dir.path(), 20240101000000, "victim", &[victim()], &[Operation::DropTable { table: "victim".into() }]);
    let url = db.url().to_string();
    let shared = db.backend() == BackendKind::Sqlite && url.contains(":memory:");
    if shared {
        // One in-memory database has one runner at a time by construction.
        return;
    }
    // A first runner stops inside its run (its progress callback blocks), holding the lock.
    let holder_db = Database::connect(&url).await.unwrap();
    let (entered_tx, entered_rx) = std::sync::mpsc::channel::<()>();
    let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
    let release_rx = Arc::new(Mutex::new(release_rx));
    let entered_tx = Mutex::new(entered_tx);
    let path = dir.path().to_path_buf();
    let first = tokio::spawn(async move {
        let m = Migrator::from_dir(holder_db, &path).unwrap().lock_lease(std::time::Duration::from_millis(1500)).on_progress(move |p| {
            if let Progress::Started { .. } = p {
                let _ = entered_tx.lock().unwrap().send(());
                // Off the runtime's worker, so the lease's heartbeat goes on meanwhile.
                tokio::task::block_in_place(|| {
                    let _ = release_rx.lock().unwrap().recv_timeout(std::time::Duration::from_secs(20));
                });
            }
        });
        m.up(Target::All).await
    });
    tokio::task::spawn_blocking(move || entered_rx.recv_timeout(std::time::Duration::from_secs(20)).unwrap()).await.unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let second = {
        let seen = seen.clone();
        let db = Database::connect(&url).await.unwrap();
        let path = dir.path().to_path_buf();
        tokio::spawn(async move {
            let m = Migrator::from_dir(db, &path).unwrap().on_progress(move |p| seen.lock().unwrap().push(p.clone()));
            m.up(Target::All).await
        })
    };
    // Twice the MongoDB lease: the first runner's heartbeat keeps it.
    tokio::time::sleep(std::time::Duration::from_millis(3000)).await;
    let waiting = seen.lock().unwrap().clone();
    assert!(matches!(waiting.as_slice(), [Progress::WaitingForLock { .. }]), "{waiting:?}");
    if let Progress::WaitingForLock { holder: Some(h) } = &waiting[0] {
        let expected = match db.backend() {
            BackendKind::Postgres => "PostgreSQL session",
            BackendKind::MySql => "MySQL connection",
            BackendKind::MongoDb => "pid",
            _ => "SQLite",
        };
        assert!(h.owner.contains(expected), "{h}");
    } else if db.backend() != BackendKind::Sqlite {
        panic!("no holder named: {waiting:?}");
    }
    release_tx.send(()).unwrap();
    assert_eq!(first.await.unwrap().unwrap().entries.len(), 1);
    let report = second.await.unwrap().unwrap();
    assert!(report.waited && report.entries.is_empty(), "{report:?}");
}

async fn targets_name_a_migration(db: Database) {
    let dir = tempfile::tempdir().unwrap();
    migration(dir.path(), 20240101000000, "victim", &[victim()], &[Operation::DropTable { table: "victim".into() }]);
    let t = Table::new("other").column(Column::new("id", ColumnType::I64)).primary_key(["id"]);
    migration(dir.path(), 20240103000000, "other", &[Operation::CreateTable(t)], &[Operation::DropTable { table: "other".into() }]);
    let m = Migrator::from_dir(db.clone(), dir.path()).unwrap();
    // Nothing applied: redo has nothing to redo (it must not apply the first migration).
    assert!(matches!(m.redo().await.unwrap_err(), Error::NothingToRedo));
    assert!(!table_names(&db).await.contains(&"victim".to_string()));
    assert!(matches!(m.up(Target::Steps(0)).await.unwrap_err(), Error::ZeroSteps));
    m.up(Target::All).await.unwrap();
    // A version no file has: an error naming the nearest, and nothing reverted.
    let err = m.down(Target::Version(20240102000000)).await.unwrap_err();
    assert!(matches!(&err, Error::UnknownTarget { nearest, .. } if nearest == &[20240101000000, 20240103000000]), "{err:?}");
    assert_eq!(table_names(&db).await.iter().filter(|t| !t.starts_with("_orm")).count(), 2);
}
