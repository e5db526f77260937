use super::*;

#[test]
fn every_operation_survives_a_round_trip() {
    let users = Table::new("users")
        .column(Column::new("id", ColumnType::I64).auto_increment())
        .column(Column::new("email", ColumnType::String { length: Some(255) }).unique())
        .column(Column::new("price", ColumnType::Decimal { precision: Some(10), scale: Some(2) }).default(DefaultValue::String("1.50".into())))
        .column(Column::new("at", ColumnType::Timestamp).default(DefaultValue::CurrentTimestamp))
        .column(Column::new("weird \"name\"", ColumnType::Bool).nullable().default(DefaultValue::Bool(true)))
        .primary_key(["id"]);
    let mut users = users;
    users.columns[1].checks = vec![Check::MinLength(3), Check::MaxLength(80), Check::Email, Check::Pattern("^[a-z\"']+@".into())];
    users.columns[2].checks = vec![Check::Min(0.0), Check::Max(1e6)];
    let pair = Table::new("pair").column(Column::new("a", ColumnType::I32)).column(Column::new("b", ColumnType::Uuid).generated()).primary_key(["a", "b"]);
    let up = vec![
        Operation::CreateTable(users),
        Operation::CreateTable(pair),
        Operation::RenameTable { from: "a".into(), to: "b".into() },
        Operation::AddColumn { table: "users".into(), column: Column::new("n", ColumnType::F64).default(DefaultValue::Float(0.5)) },
        Operation::DropColumn { table: "users".into(), column: "n".into() },
        Operation::RenameColumn { table: "users".into(), from: "x".into(), to: "y".into() },
        Operation::AlterColumn {
            table: "users".into(),
            column: "y".into(),
            change: ColumnChange { ty: Some(ColumnType::I16), nullable: Some(false), default: Some(Some(DefaultValue::Int(-3))), checks: None },
        },
        Operation::AlterColumn { table: "users".into(), column: "y".into(), change: ColumnChange { default: Some(None), ..Default::default() } },
        Operation::AlterColumn { table: "users".into(), column: "y".into(), change: ColumnChange { checks: Some(vec![Check::Max(9.5)]), ..Default::default() } },
        Operation::AlterColumn { table: "users".into(), column: "y".into(), change: ColumnChange { checks: Some(Vec::new()), ..Default::default() } },
        Operation::CreateIndex { table: "users".into(), index: Index::new("i", ["a", "b"]).unique() },
        Operation::DropIndex { table: "users".into(), name: "i".into() },
        Operation::AddForeignKey {
            table: "pair".into(),
            foreign_key: ForeignKey {
                name: "fk".into(),
                columns: vec!["a".into()],
                references_table: "users".into(),
                references_columns: vec!["id".into()],
                on_delete: ReferentialAction::SetNull,
                on_update: ReferentialAction::Cascade,
            },
        },
        Operation::DropForeignKey { table: "pair".into(), name: "fk".into() },
        Operation::Sql(RawSql { all: Some("SELECT 'x'".into()), sqlite: Some("SELECT 1".into()), ..Default::default() }),
        Operation::Mongo { command: r#"{"collMod":"users","validationLevel":"moderate"}"#.into() },
    ];
    let text = write_file("generated", &up, &[]);
    let parsed = crate::migrate::parse_file("20240101000000_x.toml".as_ref(), &text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    let ops: Vec<Operation> = parsed.up.into_iter().map(|s| s.op).collect();
    assert_eq!(ops, up, "{text}");
    assert!(parsed.down.is_empty());
}

#[test]
fn the_written_layout_reads_well() {
    let users = Table::new("users")
        .column(Column::new("id", ColumnType::I64).auto_increment())
        .column(Column::new("email", ColumnType::String { length: Some(255) }).unique())
        .primary_key(["id"]);
    let up = [
        Operation::CreateTable(users),
        Operation::CreateIndex { table: "users".into(), index: Index::new("users_email_idx", ["email"]) },
        Operation::Mongo { command: r#"{"update":"users","updates":[{"q":{},"u":{"$set":{"a":1}}}]}"#.into() },
    ];
    let text = write_file("a comment", &up, &[Operation::DropTable { table: "users".into() }]);
    assert_eq!(
        text,
        r#"# a comment

[[up]]
op = "create_table"
table = "users"
columns = [
  { name = "id", type = "i64", primary_key = true, auto_increment = true },
  { name = "email", type = "string", length = 255, unique = true },
]

[[up]]
op = "create_index"
table = "users"
name = "users_email_idx"
columns = ["email"]

[[up]]
op = "mongo"
command = { update = "users", updates = [{ q = {}, u = { "$set" = { a = 1 } } }] }

[[down]]
op = "drop_table"
table = "users"
"#
    );
}

mod generated {
    //! Write then read, over generated operation lists: the file format has one definition, so
    //! whatever the writer emits the reader reads back to the same operations.

    use super::*;
    use proptest::collection::vec;
    use proptest::prelude::*;

    fn name() -> impl Strategy<Value = String> {
        "[a-zA-Z0-9_ \"'`;$.\\\\é-]{1,12}"
    }

    /// A column type with a default it can hold (or none).
    fn typed() -> impl Strategy<Value = (ColumnType, Option<DefaultValue>)> {
        prop_oneof![
            any::<Option<bool>>().prop_map(|d| (ColumnType::Bool, d.map(DefaultValue::Bool))),
            any::<Option<i16>>().prop_map(|d| (ColumnType::I16, d.map(|v| DefaultValue::Int(v.into())))),
            any::<Option<i64>>().prop_map(|d| (ColumnType::I64, d.map(DefaultValue::Int))),
            proptest::option::of(-1e9f64..1e9).prop_map(|d| (ColumnType::F64, d.map(DefaultValue::Float))),
            (proptest::option::of(1u32..1000), proptest::option::of("[ -~]{0,8}"))
                .prop_map(|(length, d)| (ColumnType::String { length }, d.map(DefaultValue::String))),
            (proptest::option::of((1u32..38).prop_flat_map(|p| (Just(p), 0..=p))), proptest::option::of("-?[0-9]{1,6}\\.[0-9]{1,3}"))
                .prop_map(|(ps, d)| (ColumnType::Decimal { precision: ps.map(|p| p.0), scale: ps.map(|p| p.1) }, d.map(DefaultValue::String))),
            any::<bool>().prop_map(|now| (ColumnType::Timestamp, now.then_some(DefaultValue::CurrentTimestamp))),
            Just((ColumnType::Uuid, None)),
            Just((ColumnType::Json, None)),
            Just((ColumnType::Text, None)),
        ]
    }

    fn column() -> impl Strategy<Value = Column> {
        (name(), typed(), any::<bool>(), any::<bool>()).prop_map(|(n, (ty, default), nullable, unique)| {
            let mut c = Column::new(n, ty);
            c.nullable = nullable;
            c.unique = unique;
            c.default = default;
            c
        })
    }

    fn action() -> impl Strategy<Value = ReferentialAction> {
        prop_oneof![
            Just(ReferentialAction::NoAction),
            Just(ReferentialAction::Restrict),
            Just(ReferentialAction::Cascade),
            Just(ReferentialAction::SetNull),
            Just(ReferentialAction::SetDefault),
        ]
    }

    fn operation() -> impl Strategy<Value = Operation> {
        prop_oneof![
            (name(), vec(column(), 1..4), 0usize..3).prop_map(|(t, mut cols, keys)| {
                // Distinct names; `keys` of them form the primary key (one: on the column).
                for (i, c) in cols.iter_mut().enumerate() {
                    c.name = format!("{}{i}", c.name);
                }
                let key: Vec<String> = cols.iter().take(keys).map(|c| c.name.clone()).collect();
                let mut table = Table::new(t);
                table.columns = cols;
                table.primary_key = key;
                Operation::CreateTable(table)
            }),
            name().prop_map(|table| Operation::DropTable { table }),
            (name(), name()).prop_map(|(from, to)| Operation::RenameTable { from, to }),
            (name(), column()).prop_map(|(table, column)| Operation::AddColumn { table, column }),
            (name(), name()).prop_map(|(table, column)| Operation::DropColumn { table, column }),
            (name(), name(), name()).prop_map(|(table, from, to)| Operation::RenameColumn { table, from, to }),
            (name(), name(), typed(), proptest::option::of(any::<bool>()), 0u8..3).prop_map(|(table, column, (ty, d), nullable, mode)| {
                let change = match mode {
                    0 => ColumnChange { ty: Some(ty), nullable, default: d.map(Some), checks: None },
                    1 => ColumnChange { ty: None, nullable, default: Some(None), checks: None },
                    _ => ColumnChange { ty: Some(ty), nullable: None, default: None, checks: None },
                };
                Operation::AlterColumn { table, column, change }
            }),
            (name(), name(), vec(name(), 1..3), any::<bool>())
                .prop_map(|(table, n, columns, unique)| Operation::CreateIndex { table, index: Index { name: n, columns, unique } }),
            (name(), name()).prop_map(|(table, name)| Operation::DropIndex { table, name }),
            (name(), name(), vec((name(), name()), 1..3), name(), action(), action()).prop_map(|(table, n, pairs, target, d, u)| {
                let (columns, references_columns) = pairs.into_iter().unzip();
                Operation::AddForeignKey {
                    table,
                    foreign_key: ForeignKey { name: n, columns, references_table: target, references_columns, on_delete: d, on_update: u },
                }
            }),
            (name(), name()).prop_map(|(table, name)| Operation::DropForeignKey { table, name }),
            (proptest::option::of("[ -~\n]{1,20}"), proptest::option::of("[ -~]{1,20}"))
                .prop_filter("an sql operation has a text", |(a, b)| a.is_some() || b.is_some())
                .prop_map(|(all, sqlite)| Operation::Sql(RawSql { all, sqlite, ..Default::default() })),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

        #[test]
        fn a_written_file_reads_back_to_its_operations(up in vec(operation(), 0..6), down in vec(operation(), 0..4)) {
            let text = write_file("generated", &up, &down);
            let parsed = crate::migrate::parse_file("20240101000000_x.toml".as_ref(), &text);
            prop_assert!(parsed.is_ok(), "{}\n{text}", parsed.unwrap_err());
            let parsed = parsed.unwrap();
            prop_assert_eq!(parsed.up.into_iter().map(|s| s.op).collect::<Vec<_>>(), up, "{}", text);
            prop_assert_eq!(parsed.down.into_iter().map(|s| s.op).collect::<Vec<_>>(), down, "{}", text);
        }
    }
}

#[test]
fn a_validate_rule_is_one_key() {
    let text = "down = []\n[[up]]\nop = \"alter_column\"\ntable = \"t\"\ncolumn = \"c\"\nvalidate = [{ min = 1.0, max = 2.0 }]\n";
    let err = crate::migrate::parse_file("20240101000000_t.toml".as_ref(), text).unwrap_err().to_string();
    assert!(err.contains("a `validate` rule is a table of one key"), "{err}");
    let text = "down = []\n[[up]]\nop = \"alter_column\"\ntable = \"t\"\ncolumn = \"c\"\nvalidate = [{ min = 1.0 }, { email = true }]\n";
    let file = crate::migrate::parse_file("20240101000000_t.toml".as_ref(), text).unwrap();
    let Operation::AlterColumn { change, .. } = &file.up[0].op else { panic!() };
    assert_eq!(change.checks, Some(vec![Check::Min(1.0), Check::Email]));
}
