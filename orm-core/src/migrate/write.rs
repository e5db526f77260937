//! Writing operations back as a migration file (what `orm migrate generate` and `baseline` produce).

use crate::schema::{Column, ColumnType, DefaultValue, Operation};

fn s(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}

fn list(items: &[String]) -> String {
    format!("[{}]", items.iter().map(|i| s(i)).collect::<Vec<_>>().join(", "))
}

fn type_fields(ty: ColumnType) -> String {
    let mut out = format!("type = {}", s(ty.name()));
    match ty {
        ColumnType::String { length: Some(n) } => out.push_str(&format!(", length = {n}")),
        ColumnType::Decimal { precision, scale } => {
            if let Some(p) = precision {
                out.push_str(&format!(", precision = {p}"));
            }
            if let Some(sc) = scale {
                out.push_str(&format!(", scale = {sc}"));
            }
        }
        _ => {}
    }
    out
}

fn default_value(d: &DefaultValue) -> String {
    match d {
        DefaultValue::Bool(b) => b.to_string(),
        DefaultValue::Int(i) => i.to_string(),
        DefaultValue::Float(f) => toml::Value::Float(*f).to_string(),
        DefaultValue::String(text) => s(text),
        DefaultValue::CurrentTimestamp => s("now"),
        _ => s(""),
    }
}

fn column(c: &Column, primary_key: bool) -> String {
    let mut out = format!("{{ name = {}, {}", s(&c.name), type_fields(c.ty));
    for (on, key) in [
        (c.nullable, "nullable"),
        (primary_key, "primary_key"),
        (c.auto_increment, "auto_increment"),
        (c.generated, "auto"),
        (c.unique, "unique"),
    ] {
        if on {
            out.push_str(&format!(", {key} = true"));
        }
    }
    if let Some(d) = &c.default {
        out.push_str(&format!(", default = {}", default_value(d)));
    }
    out.push_str(" }");
    out
}

fn operation(section: &str, op: &Operation) -> String {
    let mut out = format!("[[{section}]]\nop = {}\n", s(op.name()));
    let mut kv = |k: &str, v: String| out.push_str(&format!("{k} = {v}\n"));
    match op {
        Operation::CreateTable(t) => {
            kv("table", s(&t.name));
            let single = t.primary_key.len() == 1;
            let cols: Vec<String> = t.columns.iter().map(|c| format!("  {},", column(c, single && t.is_primary_key(&c.name)))).collect();
            kv("columns", format!("[\n{}\n]", cols.join("\n")));
            if t.primary_key.len() > 1 {
                kv("primary_key", list(&t.primary_key));
            }
        }
        Operation::DropTable { table } => kv("table", s(table)),
        Operation::RenameTable { from, to } | Operation::RenameColumn { from, to, .. } => {
            if let Operation::RenameColumn { table, .. } = op {
                kv("table", s(table));
            }
            kv("from", s(from));
            kv("to", s(to));
        }
        Operation::AddColumn { table, column: c } => {
            kv("table", s(table));
            kv("column", column(c, false));
        }
        Operation::DropColumn { table, column } => {
            kv("table", s(table));
            kv("column", s(column));
        }
        Operation::AlterColumn { table, column, change } => {
            kv("table", s(table));
            kv("column", s(column));
            if let Some(ty) = change.ty {
                for part in type_fields(ty).split(", ") {
                    let (k, v) = part.split_once(" = ").expect("key = value");
                    kv(k, v.to_string());
                }
            }
            if let Some(n) = change.nullable {
                kv("nullable", n.to_string());
            }
            match &change.default {
                Some(Some(d)) => kv("default", default_value(d)),
                Some(None) => kv("drop_default", "true".into()),
                None => {}
            }
        }
        Operation::CreateIndex { table, index } => {
            kv("table", s(table));
            kv("name", s(&index.name));
            kv("columns", list(&index.columns));
            if index.unique {
                kv("unique", "true".into());
            }
        }
        Operation::DropIndex { table, name } | Operation::DropForeignKey { table, name } => {
            kv("table", s(table));
            kv("name", s(name));
        }
        Operation::AddForeignKey { table, foreign_key: fk } => {
            kv("table", s(table));
            kv("name", s(&fk.name));
            kv("columns", list(&fk.columns));
            kv("references_table", s(&fk.references_table));
            kv("references_columns", list(&fk.references_columns));
            kv("on_delete", s(fk.on_delete.as_str()));
            kv("on_update", s(fk.on_update.as_str()));
        }
        Operation::Sql(raw) => {
            for (k, v) in [("sql", &raw.all), ("postgres", &raw.postgres), ("mysql", &raw.mysql), ("sqlite", &raw.sqlite)] {
                if let Some(v) = v {
                    kv(k, s(v));
                }
            }
        }
        Operation::Mongo { command } => {
            let value: toml::Value = serde_json::from_str::<serde_json::Value>(command)
                .ok()
                .and_then(|j| toml::Value::try_from(j).ok())
                .unwrap_or_else(|| toml::Value::Table(Default::default()));
            kv("command", value.to_string());
        }
        _ => {}
    }
    out
}

/// A migration file holding `up` and `down`, with a comment heading it.
///
/// ```
/// use orm_core::schema::{Column, ColumnType, Operation, Table};
/// let up = [Operation::CreateTable(Table::new("t").column(Column::new("id", ColumnType::I64).auto_increment()).primary_key(["id"]))];
/// let down = [Operation::DropTable { table: "t".into() }];
/// let text = orm_core::migrate::write_file("made by hand", &up, &down);
/// let parsed = orm_core::migrate::parse_file("20240101000000_t.toml".as_ref(), &text).unwrap();
/// assert_eq!(parsed.up[0].op, up[0]);
/// assert_eq!(parsed.down[0].op, down[0]);
/// ```
pub fn write_file(comment: &str, up: &[Operation], down: &[Operation]) -> String {
    let mut out = String::new();
    for line in comment.lines() {
        out.push_str(&format!("# {line}\n"));
    }
    let sections = [("up", up), ("down", down)];
    for (section, ops) in sections {
        if ops.is_empty() {
            out.push_str(&format!("\n{section} = []\n"));
        }
    }
    for (section, ops) in sections {
        for op in ops {
            out.push('\n');
            out.push_str(&operation(section, op));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{ColumnChange, ForeignKey, Index, RawSql, ReferentialAction, Table};

    #[test]
    fn every_operation_survives_a_round_trip() {
        let users = Table::new("users")
            .column(Column::new("id", ColumnType::I64).auto_increment())
            .column(Column::new("email", ColumnType::String { length: Some(255) }).unique())
            .column(Column::new("price", ColumnType::Decimal { precision: Some(10), scale: Some(2) }).default(DefaultValue::String("1.50".into())))
            .column(Column::new("at", ColumnType::Timestamp).default(DefaultValue::CurrentTimestamp))
            .column(Column::new("weird \"name\"", ColumnType::Bool).nullable().default(DefaultValue::Bool(true)))
            .primary_key(["id"]);
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
                change: ColumnChange { ty: Some(ColumnType::I16), nullable: Some(false), default: Some(Some(DefaultValue::Int(-3))) },
            },
            Operation::AlterColumn { table: "users".into(), column: "y".into(), change: ColumnChange { default: Some(None), ..Default::default() } },
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
}
