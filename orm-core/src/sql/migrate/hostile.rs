//! Hostile names in every identifier position of every operation, on every dialect: each must stay
//! one identifier (the SQL outside quotes and literals never holds a piece of it), for a fixed set
//! of attacks and for generated names.

use super::*;
use crate::schema::{ColumnChange, DefaultValue, ForeignKey, Index, ReferentialAction, RawSql};
use proptest::prelude::*;

/// What a statement says outside quoted identifiers and string literals, and the identifiers it
/// names (unescaped), the way `dialect`'s server reads it.
fn split(sql: &str, dialect: Dialect) -> (String, Vec<String>) {
    let ident_quote = if dialect == Dialect::MySql { '`' } else { '"' };
    let (mut bare, mut idents) = (String::new(), Vec::new());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        let string_quote = c == '\'' || (c == '"' && dialect == Dialect::MySql);
        if c == ident_quote || string_quote {
            // PostgreSQL's E'...' and every MySQL string take backslash escapes.
            let backslash = string_quote && (dialect == Dialect::MySql || bare.ends_with('E'));
            let mut text = String::new();
            loop {
                match chars.next() {
                    None => panic!("unterminated quote in {sql}"),
                    Some('\\') if backslash => text.extend(chars.next()),
                    Some(q) if q == c => {
                        if chars.peek() == Some(&c) {
                            chars.next();
                            text.push(c);
                        } else {
                            break;
                        }
                    }
                    Some(other) => text.push(other),
                }
            }
            if c == ident_quote {
                idents.push(text);
            }
            bare.push(' ');
        } else {
            bare.push(c);
        }
    }
    (bare, idents)
}

/// Operations that put `n`-derived names in every identifier position, replayed in order.
fn every_position(n: &str) -> Vec<Operation> {
    let (t1, t2, t3) = (format!("{n}t1"), format!("{n}t2"), format!("{n}t3"));
    let col = |s: &str| format!("{n}{s}");
    vec![
        Operation::CreateTable(
            Table::new(t1.clone())
                .column(Column::new(col("id"), ColumnType::I64).auto_increment())
                .column(Column::new(col("u"), ColumnType::String { length: Some(50) }).unique())
                .column(Column::new(col("s"), ColumnType::Text).nullable().default(DefaultValue::String(format!("{n}'\\"))))
                .primary_key([col("id")]),
        ),
        Operation::CreateTable(
            Table::new(t2.clone())
                .column(Column::new(col("a"), ColumnType::I64))
                .column(Column::new(col("b"), ColumnType::I64))
                .primary_key([col("a"), col("b")]),
        ),
        Operation::CreateIndex { table: t1.clone(), index: Index::new(col("ix"), [col("u"), col("s")]).unique() },
        Operation::AddColumn { table: t1.clone(), column: Column::new(col("n"), ColumnType::I32).nullable() },
        Operation::AddColumn { table: t1.clone(), column: Column::new(col("r"), ColumnType::I32) },
        Operation::RenameColumn { table: t1.clone(), from: col("n"), to: col("m") },
        Operation::AlterColumn {
            table: t1.clone(),
            column: col("m"),
            change: ColumnChange { ty: Some(ColumnType::I64), nullable: Some(false), default: Some(Some(DefaultValue::Int(1))), checks: None },
        },
        Operation::AlterColumn { table: t1.clone(), column: col("m"), change: ColumnChange { default: Some(None), ..Default::default() } },
        Operation::AddForeignKey {
            table: t2.clone(),
            foreign_key: ForeignKey {
                name: col("fk"),
                columns: vec![col("a")],
                references_table: t1.clone(),
                references_columns: vec![col("id")],
                on_delete: ReferentialAction::Cascade,
                on_update: ReferentialAction::NoAction,
            },
        },
        Operation::DropForeignKey { table: t2.clone(), name: col("fk") },
        Operation::DropIndex { table: t1.clone(), name: col("ix") },
        Operation::DropColumn { table: t1.clone(), column: col("m") },
        Operation::RenameTable { from: t2.clone(), to: t3.clone() },
        Operation::DropTable { table: t3 },
        Operation::Sql(RawSql::default()),
    ]
}

/// Renders `every_position(name)` on `dialect`; checks every statement keeps each name whole.
fn check_name(name: &str, dialect: Dialect) -> Result<(), String> {
    let mut schema = Schema::new();
    let mut seen = std::collections::BTreeSet::new();
    for op in every_position(name) {
        for sql in render_sql(&op, &schema, dialect)?.statements {
            let (bare, idents) = split(&sql, dialect);
            if bare.contains(';') || bare.to_lowercase().contains("victim") || bare.contains("--") {
                return Err(format!("{dialect:?}: a piece of {name:?} escaped its quotes in {sql}\n  outside quotes: {bare}"));
            }
            seen.extend(idents);
        }
        schema.apply(&op)?;
    }
    for (kind, ident) in every_position(name).iter().flat_map(|op| op.identifiers()).map(|(k, i)| (k, i.to_string())) {
        if !seen.contains(&ident) {
            return Err(format!("{dialect:?}: the {} {ident:?} never appears as one identifier", kind.as_str()));
        }
    }
    Ok(())
}

const DIALECTS: [Dialect; 3] = [Dialect::Postgres, Dialect::MySql, Dialect::Sqlite];

#[test]
fn hostile_names_stay_identifiers() {
    let attacks = [
        r#"i" ON "t" ("c"); DROP TABLE victim; --"#.to_string(),
        "i` ON `t` (`c`); DROP TABLE victim; --".to_string(),
        format!("{}integer); DROP TABLE victim; --", "\"".repeat(33)),
        format!("{}bigint); DROP TABLE victim; --", "`".repeat(33)),
        r#"a"b`c'd\"; DROP TABLE victim; --"#.to_string(),
        "x FOREIGN KEY (\"; DROP TABLE victim; --".to_string(),
        "CONSTRAINT \"victim\"".to_string(),
    ];
    for name in &attacks {
        for d in DIALECTS {
            check_name(name, d).unwrap();
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn generated_names_stay_identifiers(name in "[a-z\"`'\\\\;()\\-, .\\[\\]$éß\u{1F600}\t\n]{1,24}") {
        for d in DIALECTS {
            prop_assert!(check_name(&name, d).is_ok(), "{}", check_name(&name, d).unwrap_err());
        }
    }
}
