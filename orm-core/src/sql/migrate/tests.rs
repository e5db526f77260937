use super::*;
use crate::schema::{ColumnChange, ColumnType, DefaultValue, ForeignKey, Index, ReferentialAction};

fn schema() -> Schema {
    let mut s = Schema::new();
    s.apply(&Operation::CreateTable(
        Table::new("users")
            .column(Column::new("id", ColumnType::I64).auto_increment())
            .column(Column::new("email", ColumnType::String { length: Some(255) }).unique())
            .column(Column::new("age", ColumnType::I32).nullable())
            .primary_key(["id"]),
    ))
    .unwrap();
    s.apply(&Operation::CreateIndex { table: "users".into(), index: Index::new("users_age_idx", ["age"]) }).unwrap();
    s.apply(&Operation::CreateTable(
        Table::new("posts")
            .column(Column::new("id", ColumnType::I64).auto_increment())
            .column(Column::new("user_id", ColumnType::I64))
            .primary_key(["id"]),
    ))
    .unwrap();
    s
}

fn sql(op: Operation, d: Dialect) -> Vec<String> {
    render_sql(&op, &schema(), d).unwrap().statements
}

#[test]
fn alter_column_per_dialect() {
    let op = || Operation::AlterColumn {
        table: "users".into(),
        column: "age".into(),
        change: ColumnChange { ty: Some(ColumnType::I64), nullable: Some(false), default: Some(Some(DefaultValue::Int(0))), checks: None },
    };
    assert_eq!(
        sql(op(), Dialect::Postgres),
        [
            r#"UPDATE "users" SET "age" = 0 WHERE "age" IS NULL"#,
            r#"ALTER TABLE "users" ALTER COLUMN "age" TYPE bigint USING CAST("age" AS bigint)"#,
            r#"ALTER TABLE "users" ALTER COLUMN "age" SET NOT NULL, ALTER COLUMN "age" SET DEFAULT 0"#
        ]
    );
    assert_eq!(
        sql(op(), Dialect::MySql),
        ["UPDATE `users` SET `age` = 0 WHERE `age` IS NULL", "ALTER TABLE `users` MODIFY COLUMN `age` bigint NOT NULL DEFAULT 0"]
    );
    let sqlite = sql(op(), Dialect::Sqlite);
    assert_eq!(sqlite[0], r#"UPDATE "users" SET "age" = 0 WHERE "age" IS NULL"#);
    let sqlite = &sqlite[1..];
    assert!(sqlite[0].starts_with(r#"CREATE TABLE "__orm_rebuild_users" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT"#), "{}", sqlite[0]);
    assert!(sqlite[0].contains(r#""age" bigint NOT NULL DEFAULT 0"#), "{}", sqlite[0]);
    assert_eq!(sqlite[1], r#"INSERT INTO "__orm_rebuild_users" ("id", "email", "age") SELECT "id", "email", "age" FROM "users""#);
    assert_eq!(sqlite[2], r#"DROP TABLE "users""#);
    assert_eq!(sqlite[3], r#"ALTER TABLE "__orm_rebuild_users" RENAME TO "users""#);
    assert_eq!(sqlite[4], r#"CREATE INDEX "users_age_idx" ON "users" ("age")"#);
    let drop_default = Operation::AlterColumn {
        table: "users".into(),
        column: "age".into(),
        change: ColumnChange { default: Some(None), ..Default::default() },
    };
    assert_eq!(sql(drop_default, Dialect::Postgres), [r#"ALTER TABLE "users" ALTER COLUMN "age" DROP DEFAULT"#]);
}

#[test]
fn foreign_keys() {
    let fk = ForeignKey {
        name: "posts_user_fk".into(),
        columns: vec!["user_id".into()],
        references_table: "users".into(),
        references_columns: vec!["id".into()],
        on_delete: ReferentialAction::Cascade,
        on_update: ReferentialAction::NoAction,
    };
    let op = || Operation::AddForeignKey { table: "posts".into(), foreign_key: fk.clone() };
    assert_eq!(
        sql(op(), Dialect::Postgres),
        [r#"ALTER TABLE "posts" ADD CONSTRAINT "posts_user_fk" FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON DELETE CASCADE ON UPDATE NO ACTION"#]
    );
    let sqlite = sql(op(), Dialect::Sqlite);
    assert!(sqlite[0].contains(r#"FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON DELETE CASCADE"#), "{}", sqlite[0]);
    let mut with_fk = schema();
    with_fk.apply(&op()).unwrap();
    let drop = Operation::DropForeignKey { table: "posts".into(), name: "posts_user_fk".into() };
    assert_eq!(render_sql(&drop, &with_fk, Dialect::MySql).unwrap().statements, ["ALTER TABLE `posts` DROP FOREIGN KEY `posts_user_fk`"]);
}

#[test]
fn columns_and_tables() {
    let add = Operation::AddColumn { table: "users".into(), column: Column::new("bio", ColumnType::Text).nullable() };
    assert_eq!(sql(add, Dialect::Sqlite), [r#"ALTER TABLE "users" ADD COLUMN "bio" text NULL"#]);
    let add_required = Operation::AddColumn { table: "users".into(), column: Column::new("rank", ColumnType::I32) };
    assert_eq!(sql(add_required, Dialect::Sqlite).len(), 5, "rebuild");
    let drop = || Operation::DropColumn { table: "users".into(), column: "age".into() };
    assert_eq!(sql(drop(), Dialect::MySql), ["ALTER TABLE `users` DROP COLUMN `age`"]);
    let sqlite = sql(drop(), Dialect::Sqlite);
    assert_eq!(sqlite.len(), 4, "rebuild without the dropped column's index: {sqlite:?}");
    let rename = Operation::RenameTable { from: "users".into(), to: "people".into() };
    assert_eq!(sql(rename, Dialect::MySql), ["RENAME TABLE `users` TO `people`"]);
    let bad = Operation::DropColumn { table: "users".into(), column: "nope".into() };
    assert!(render_sql(&bad, &schema(), Dialect::Postgres).unwrap_err().contains("does not exist"));
}

#[test]
fn raw_operations() {
    let raw = crate::schema::RawSql { all: Some("SELECT 1".into()), sqlite: Some("SELECT 2".into()), ..Default::default() };
    assert_eq!(sql(Operation::Sql(raw.clone()), Dialect::Sqlite), ["SELECT 2"]);
    assert_eq!(sql(Operation::Sql(raw), Dialect::MySql), ["SELECT 1"]);
    let only_pg = crate::schema::RawSql { postgres: Some("SELECT 1".into()), ..Default::default() };
    let plan = render_sql(&Operation::Sql(only_pg), &schema(), Dialect::MySql).unwrap();
    assert!(plan.statements.is_empty() && plan.notice.is_some());
    let plan = render_sql(&Operation::Mongo { command: "{}".into() }, &schema(), Dialect::MySql).unwrap();
    assert!(plan.notice.unwrap().contains("skipped"));
}
