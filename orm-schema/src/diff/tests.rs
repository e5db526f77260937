use super::*;
use crate::{DefaultValue, ForeignKey, ReferentialAction};

fn users() -> Table {
    Table::new("users")
        .column(Column::new("id", ColumnType::I64).auto_increment())
        .column(Column::new("email", ColumnType::String { length: Some(255) }).unique())
        .column(Column::new("age", ColumnType::I32).nullable())
        .primary_key(["id"])
}

fn posts() -> Table {
    Table::new("posts")
        .column(Column::new("id", ColumnType::I64).auto_increment())
        .column(Column::new("user_id", ColumnType::I64))
        .primary_key(["id"])
        .index(Index::new("posts_user_id_idx", ["user_id"]))
        .foreign_key(ForeignKey {
            name: "posts_user_fk".into(),
            columns: vec!["user_id".into()],
            references_table: "users".into(),
            references_columns: vec!["id".into()],
            on_delete: ReferentialAction::Cascade,
            on_update: ReferentialAction::NoAction,
        })
}

fn schema(tables: impl IntoIterator<Item = Table>) -> Schema {
    Schema { tables: tables.into_iter().map(|t| (t.name.clone(), t)).collect() }
}

fn names(ops: &[Operation]) -> Vec<&'static str> {
    ops.iter().map(Operation::name).collect()
}

/// Applying `up` to `from` gives `to` and `down` brings it back (in normalised form).
fn round_trip(from: &Schema, to: &Schema, renames: &Renames) -> Diff {
    let d = diff(from, to, renames);
    let mut s = from.normalised();
    for op in &d.up {
        s.apply(op).unwrap_or_else(|e| panic!("{e}: {op:?}"));
    }
    assert_eq!(s.normalised(), to.normalised());
    for op in &d.down {
        s.apply(op).unwrap_or_else(|e| panic!("{e}: {op:?}"));
    }
    assert_eq!(s.normalised(), from.normalised());
    d
}

#[test]
fn no_change_no_operation() {
    let s = schema([users(), posts()]);
    assert!(diff(&s, &s, &Renames::default()).is_empty());
}

#[test]
fn new_tables_come_before_their_indexes_and_foreign_keys() {
    let d = round_trip(&Schema::new(), &schema([users(), posts()]), &Renames::default());
    assert_eq!(names(&d.up), ["create_table", "create_table", "create_index", "create_index", "add_foreign_key"]);
    assert_eq!(names(&d.down), ["drop_foreign_key", "drop_table", "drop_table"], "a dropped table takes its indexes");
    assert!(d.warnings.is_empty(), "creating is not destructive: {:?}", d.warnings);
}

#[test]
fn dropped_column_comes_back_whole() {
    let before = schema([users()]);
    let mut t = users();
    t.columns.retain(|c| c.name != "age");
    let d = round_trip(&before, &schema([t]), &Renames::default());
    assert_eq!(d.up, [Operation::DropColumn { table: "users".into(), column: "age".into() }]);
    assert_eq!(d.down, [Operation::AddColumn { table: "users".into(), column: Column::new("age", ColumnType::I32).nullable() }]);
    assert!(d.warnings[0].contains("dropping column `users.age`"));
}

#[test]
fn type_nullability_and_default_changes() {
    let before = schema([users()]);
    let mut t = users();
    t.columns[2] = Column::new("age", ColumnType::I16).default(DefaultValue::Int(0));
    let d = round_trip(&before, &schema([t]), &Renames::default());
    assert_eq!(
        d.up,
        [Operation::AlterColumn {
            table: "users".into(),
            column: "age".into(),
            change: ColumnChange { ty: Some(ColumnType::I16), nullable: Some(false), default: Some(Some(DefaultValue::Int(0))), checks: None },
        }]
    );
    assert!(d.warnings[0].contains("narrowing `users.age`"), "{:?}", d.warnings);
    assert_eq!(
        d.down,
        [Operation::AlterColumn {
            table: "users".into(),
            column: "age".into(),
            change: ColumnChange { ty: Some(ColumnType::I32), nullable: Some(true), default: Some(None), checks: None },
        }]
    );
}

#[test]
fn renames_only_when_declared() {
    let before = schema([users()]);
    let mut t = users();
    t.name = "people".into();
    t.columns[2].name = "years".into();
    // Undeclared: a drop and a create.
    let d = diff(&before, &schema([t.clone()]), &Renames::default());
    assert_eq!(names(&d.up), ["create_table", "drop_table", "create_index"]);
    // Declared: renames, and their exact inverse.
    let mut renames = Renames::default();
    renames.tables.insert("people".into(), "users".into());
    renames.columns.insert(("people".into(), "years".into()), "age".into());
    let d = round_trip(&before, &schema([t]), &renames);
    assert_eq!(d.up[0], Operation::RenameTable { from: "users".into(), to: "people".into() });
    assert!(d.up.contains(&Operation::RenameColumn { table: "people".into(), from: "age".into(), to: "years".into() }));
    assert!(!d.up.iter().any(|op| matches!(op, Operation::DropColumn { .. } | Operation::DropTable { .. })), "{:?}", d.up);
    assert!(d.warnings.is_empty(), "{:?}", d.warnings);
}

#[test]
fn unique_flags_and_indexes_are_one_thing() {
    let a = schema([users()]);
    let mut b = a.clone();
    b.tables.get_mut("users").unwrap().columns[1].unique = false;
    b.tables.get_mut("users").unwrap().indexes.push(Index::new("users_email_key", ["email"]).unique());
    assert!(diff(&a, &b, &Renames::default()).is_empty());
    let mut c = a.clone();
    c.tables.get_mut("users").unwrap().columns[1].unique = false;
    let d = round_trip(&a, &c, &Renames::default());
    assert_eq!(d.up, [Operation::DropIndex { table: "users".into(), name: "users_email_key".into() }]);
}

#[test]
fn changed_foreign_key_is_dropped_then_added() {
    let a = schema([users(), posts()]);
    let mut b = a.clone();
    b.tables.get_mut("posts").unwrap().foreign_keys[0].on_delete = ReferentialAction::SetNull;
    let d = round_trip(&a, &b, &Renames::default());
    assert_eq!(names(&d.up), ["drop_foreign_key", "add_foreign_key"]);
}

#[test]
fn validation_rules_are_compared() {
    let mut old = Schema::new();
    old.tables.insert("users".into(), Table::new("users").column(Column::new("id", ColumnType::I64)).column(Column::new("age", ColumnType::I32)).primary_key(["id"]));
    let mut new = old.clone();
    new.tables.get_mut("users").unwrap().columns[1].checks = vec![crate::Check::Min(0.0)];
    let d = diff(&old, &new, &Default::default());
    let change = |checks: Vec<crate::Check>| ColumnChange { checks: Some(checks), ..Default::default() };
    let alter = |checks| Operation::AlterColumn { table: "users".into(), column: "age".into(), change: change(checks) };
    assert_eq!(d.up, [alter(vec![crate::Check::Min(0.0)])]);
    assert_eq!(d.down, [alter(Vec::new())]);
    assert!(change(vec![]).checks_only());
}
