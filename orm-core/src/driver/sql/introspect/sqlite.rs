//! SQLite: `sqlite_master` and the table-valued pragmas.

use super::{action, parse_default};
use crate::driver::sql::SqlDriver;
use crate::error::Result;
use crate::schema::{Column, ColumnType, ForeignKey, Index, Table};
use crate::value::Value;

/// A neutral type from a declared type (the names the toolkit's DDL uses map back exactly).
fn column_type(declared: &str) -> ColumnType {
    let d = declared.to_ascii_lowercase();
    let (base, n) = match d.split_once('(') {
        Some((b, rest)) => (b.trim().to_string(), rest.trim_end_matches(')').split(',').next().and_then(|n| n.trim().parse::<u32>().ok())),
        None => (d.trim().to_string(), None),
    };
    match base.as_str() {
        "boolean" | "bool" => ColumnType::Bool,
        "smallint" => ColumnType::I16,
        "integer" | "int" => ColumnType::I32,
        "bigint" => ColumnType::I64,
        "real" | "float" => ColumnType::F32,
        "double" | "double precision" => ColumnType::F64,
        "decimal_text" | "decimal" | "numeric" => ColumnType::Decimal { precision: None, scale: None },
        "varchar" | "character varying" => ColumnType::String { length: n },
        "char" if n == Some(24) => ColumnType::ObjectId,
        "char" => ColumnType::String { length: n },
        "blob" => ColumnType::Bytes,
        "date_text" | "date" => ColumnType::Date,
        "time_text" | "time" => ColumnType::Time,
        "datetime_text" | "datetime" => ColumnType::DateTime,
        "timestamp_text" | "timestamp" | "timestamp_with_timezone_text" => ColumnType::Timestamp,
        "uuid_blob" | "uuid_text" | "uuid" => ColumnType::Uuid,
        "json_text" | "jsonb_text" | "json" => ColumnType::Json,
        _ => ColumnType::Text,
    }
}

/// `pragma_foreign_key_list`: id, seq, table, from, to, on_update, on_delete.
type ForeignKeyRow = (i64, i64, String, String, Option<String>, String, String);

fn name(v: &str) -> Value {
    Value::String(Some(v.to_string()))
}

/// The tokens of SQL text as SQLite reads them: quoted identifiers (`"a""b"`, `` `a` ``, `[a]`)
/// unescaped and marked, words, and single characters; string literals and whitespace dropped.
fn sql_tokens(sql: &str) -> Vec<(bool, String)> {
    let mut out = Vec::new();
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' | '`' | '[' | '\'' => {
                let close = if c == '[' { ']' } else { c };
                let mut text = String::new();
                while let Some(d) = chars.next() {
                    if d == close {
                        if close != ']' && chars.peek() == Some(&close) {
                            chars.next();
                        } else {
                            break;
                        }
                    }
                    text.push(d);
                }
                if c != '\'' {
                    out.push((true, text));
                }
            }
            c if c.is_alphanumeric() || c == '_' => {
                let mut word = c.to_string();
                while let Some(&d) = chars.peek().filter(|d| d.is_alphanumeric() || **d == '_') {
                    word.push(d);
                    chars.next();
                }
                out.push((false, word));
            }
            c if c.is_whitespace() => {}
            c => out.push((false, c.to_string())),
        }
    }
    out
}

/// Names of the `CONSTRAINT "name" FOREIGN KEY ("a", "b")` clauses of a CREATE TABLE, by columns,
/// read token by token (a name may hold quotes, parentheses or the words themselves).
fn foreign_key_names(sql: &str) -> Vec<(String, Vec<String>)> {
    let tokens = sql_tokens(sql);
    let word = |i: usize, w: &str| tokens.get(i).is_some_and(|(quoted, t)| !quoted && t.eq_ignore_ascii_case(w));
    let mut out = Vec::new();
    for i in 0..tokens.len() {
        if !(word(i, "CONSTRAINT") && word(i + 2, "FOREIGN") && word(i + 3, "KEY") && word(i + 4, "(")) {
            continue;
        }
        let name = tokens[i + 1].1.clone();
        let columns = tokens[i + 5..]
            .iter()
            .take_while(|(quoted, t)| *quoted || t != ")")
            .filter(|(quoted, t)| *quoted || t != ",")
            .map(|(_, t)| t.clone())
            .collect();
        out.push((name, columns));
    }
    out
}

pub(super) async fn tables(db: &SqlDriver) -> Result<Vec<Table>> {
    let names: Vec<(String, String)> = db
        .query("SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name", [])
        .await?;
    let mut out = Vec::new();
    for (table_name, sql) in names {
        let mut table = Table::new(table_name.clone());
        let columns: Vec<(String, String, i64, Option<String>, i64)> = db
            .query(r#"SELECT name, type, "notnull", dflt_value, pk FROM pragma_table_info(?) ORDER BY cid"#, [name(&table_name)])
            .await?;
        let mut pk: Vec<(i64, String)> = Vec::new();
        for (col, declared, not_null, default, pk_pos) in columns {
            let ty = column_type(&declared);
            let mut column = Column::new(col.clone(), ty);
            if ty == ColumnType::Text && !declared.to_ascii_lowercase().contains("text") {
                column.comment = Some(format!("SQLite declared type `{declared}` has no neutral equivalent: it is read as text"));
            }
            column.nullable = not_null == 0 && pk_pos == 0;
            column.default = default.as_deref().and_then(|d| parse_default(&ty, d));
            if pk_pos > 0 {
                pk.push((pk_pos, col));
            }
            table.columns.push(column);
        }
        pk.sort();
        table.primary_key = pk.into_iter().map(|(_, c)| c).collect();
        if table.primary_key.len() == 1 && sql.to_ascii_uppercase().contains("AUTOINCREMENT") {
            let key = table.primary_key[0].clone();
            if let Some(c) = table.columns.iter_mut().find(|c| c.name == key) {
                c.auto_increment = true;
                // `integer PRIMARY KEY AUTOINCREMENT` is how every integer key is declared.
                c.ty = ColumnType::I64;
            }
        }

        let indexes: Vec<(String, i64, String)> = db
            .query(r#"SELECT name, "unique", origin FROM pragma_index_list(?) ORDER BY name"#, [name(&table_name)])
            .await?;
        for (index, unique, origin) in indexes {
            let cols: Vec<(String,)> =
                db.query("SELECT name FROM pragma_index_info(?) ORDER BY seqno", [name(&index)]).await?;
            let cols: Vec<String> = cols.into_iter().map(|(c,)| c).collect();
            match origin.as_str() {
                "pk" => {}
                "u" if cols.len() == 1 => {
                    if let Some(c) = table.columns.iter_mut().find(|c| c.name == cols[0]) {
                        c.unique = true;
                    }
                }
                _ => table.indexes.push(Index { name: index, columns: cols, unique: unique == 1 }),
            }
        }

        let fks: Vec<ForeignKeyRow> = db
            .query(
                r#"SELECT id, seq, "table", "from", "to", on_update, on_delete FROM pragma_foreign_key_list(?) ORDER BY id, seq"#,
                [name(&table_name)],
            )
            .await?;
        let names = foreign_key_names(&sql);
        let mut current: Option<(i64, ForeignKey)> = None;
        let mut finished = Vec::new();
        for (id, _seq, target, from, to, on_update, on_delete) in fks {
            match &mut current {
                Some((cid, fk)) if *cid == id => {
                    fk.columns.push(from);
                    fk.references_columns.push(to.unwrap_or_default());
                }
                _ => {
                    finished.extend(current.take().map(|(_, fk)| fk));
                    current = Some((
                        id,
                        ForeignKey {
                            name: String::new(),
                            columns: vec![from],
                            references_table: target,
                            references_columns: vec![to.unwrap_or_default()],
                            on_delete: action(&on_delete),
                            on_update: action(&on_update),
                        },
                    ));
                }
            }
        }
        finished.extend(current.map(|(_, fk)| fk));
        for mut fk in finished {
            fk.name = names
                .iter()
                .find(|(_, cols)| *cols == fk.columns)
                .map(|(n, _)| n.clone())
                .unwrap_or_else(|| format!("{}_{}_fkey", table_name, fk.columns.join("_")));
            table.foreign_keys.push(fk);
        }
        table.foreign_keys.sort_by(|a, b| a.name.cmp(&b.name));
        out.push(table);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::foreign_key_names;

    #[test]
    fn foreign_key_names_survive_hostile_names() {
        let sql = r#"CREATE TABLE "x FOREIGN KEY ("" t" ( "a""b" bigint, c int, CONSTRAINT "fk"" CONSTRAINT ""n"" FOREIGN KEY (" FOREIGN KEY ("a""b", c) REFERENCES "u" ("id"), constraint plain foreign key ([d]) references u (id) )"#;
        assert_eq!(
            foreign_key_names(sql),
            [
                ("fk\" CONSTRAINT \"n\" FOREIGN KEY (".to_string(), vec!["a\"b".to_string(), "c".to_string()]),
                ("plain".to_string(), vec!["d".to_string()]),
            ]
        );
    }
}
