//! MySQL / MariaDB: `information_schema`.

use super::{action, parse_default};
use crate::driver::sql::SqlDriver;
use crate::error::Result;
use crate::schema::{Column, ColumnType, ForeignKey, Index, Table};
use std::collections::{BTreeMap, BTreeSet};

/// A neutral type from `COLUMN_TYPE` (`varchar(255)`, `tinyint(1)`, `decimal(38,18)`, ...).
fn column_type(column_type: &str, json: bool) -> ColumnType {
    let ct = column_type.to_ascii_lowercase();
    let (base, args) = match ct.split_once('(') {
        Some((b, rest)) => (b.trim(), rest.trim_end_matches(|c: char| c == ')' || c.is_alphabetic() || c == ' ').to_string()),
        None => (ct.split_whitespace().next().unwrap_or_default(), String::new()),
    };
    let nums: Vec<u32> = args.split(',').filter_map(|n| n.trim().parse().ok()).collect();
    if json {
        return ColumnType::Json;
    }
    match (base, nums.as_slice()) {
        ("tinyint", [1]) | ("bool" | "boolean", _) => ColumnType::Bool,
        ("smallint", _) => ColumnType::I16,
        ("int" | "integer" | "mediumint", _) => ColumnType::I32,
        ("bigint", _) => ColumnType::I64,
        ("float", _) => ColumnType::F32,
        ("double" | "real", _) => ColumnType::F64,
        ("decimal" | "numeric", [p, s]) => ColumnType::Decimal { precision: Some(*p), scale: Some(*s) },
        ("decimal" | "numeric", _) => ColumnType::Decimal { precision: None, scale: None },
        ("varchar", [n]) => ColumnType::String { length: Some(*n) },
        ("char", [24]) => ColumnType::ObjectId,
        ("char", [n]) => ColumnType::String { length: Some(*n) },
        ("binary", [16]) => ColumnType::Uuid,
        ("blob" | "longblob" | "mediumblob" | "tinyblob" | "varbinary" | "binary", _) => ColumnType::Bytes,
        ("date", _) => ColumnType::Date,
        ("time", _) => ColumnType::Time,
        // The toolkit stores both naive and UTC date-times as DATETIME; UTC instants are the usual case.
        ("datetime" | "timestamp", _) => ColumnType::Timestamp,
        ("json", _) => ColumnType::Json,
        _ => ColumnType::Text,
    }
}

/// table, name, referenced table, column, referenced column, delete rule, update rule.
type ForeignKeyRow = (String, String, String, String, String, String, String);

type ColumnRow = (String, String, String, i64, Option<String>, String);

pub(super) async fn tables(db: &SqlDriver) -> Result<Vec<Table>> {
    let json_columns: BTreeSet<(String, String)> = {
        let checks: Vec<(String, String)> = db
            .query(
                "SELECT TABLE_NAME, CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS \
                 WHERE CONSTRAINT_SCHEMA = DATABASE() AND CHECK_CLAUSE LIKE 'json_valid(%'",
                [],
            )
            .await?;
        checks
            .into_iter()
            .map(|(t, clause)| (t, clause.trim_start_matches("json_valid(").trim_end_matches(')').trim_matches('`').to_string()))
            .collect()
    };
    let columns: Vec<ColumnRow> = db
        .query(
            "SELECT c.TABLE_NAME, c.COLUMN_NAME, c.COLUMN_TYPE, CAST(c.IS_NULLABLE = 'YES' AS SIGNED), c.COLUMN_DEFAULT, c.EXTRA \
             FROM information_schema.COLUMNS c \
             JOIN information_schema.TABLES t ON t.TABLE_SCHEMA = c.TABLE_SCHEMA AND t.TABLE_NAME = c.TABLE_NAME \
             WHERE c.TABLE_SCHEMA = DATABASE() AND t.TABLE_TYPE = 'BASE TABLE' \
             ORDER BY c.TABLE_NAME, c.ORDINAL_POSITION",
            [],
        )
        .await?;
    let mut tables: BTreeMap<String, Table> = BTreeMap::new();
    for (table, name, ctype, nullable, default, extra) in columns {
        let json = json_columns.contains(&(table.clone(), name.clone())) || ctype.eq_ignore_ascii_case("json");
        let ty = column_type(&ctype, json);
        let mut column = Column::new(name, ty);
        if ty == ColumnType::Text && !ctype.to_ascii_lowercase().ends_with("text") {
            column.comment = Some(format!("MySQL type `{ctype}` has no neutral equivalent: it is read as text"));
        }
        column.nullable = nullable == 1;
        column.auto_increment = extra.to_ascii_lowercase().contains("auto_increment");
        column.default = default.as_deref().and_then(|d| parse_default(&ty, d));
        tables.entry(table.clone()).or_insert_with(|| Table::new(table)).columns.push(column);
    }

    let fks: Vec<ForeignKeyRow> = db
        .query(
            "SELECT k.TABLE_NAME, k.CONSTRAINT_NAME, k.REFERENCED_TABLE_NAME, k.COLUMN_NAME, k.REFERENCED_COLUMN_NAME, \
               r.DELETE_RULE, r.UPDATE_RULE \
             FROM information_schema.KEY_COLUMN_USAGE k \
             JOIN information_schema.REFERENTIAL_CONSTRAINTS r ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA \
               AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME AND r.TABLE_NAME = k.TABLE_NAME \
             WHERE k.TABLE_SCHEMA = DATABASE() AND k.REFERENCED_TABLE_NAME IS NOT NULL \
             ORDER BY k.TABLE_NAME, k.CONSTRAINT_NAME, k.ORDINAL_POSITION",
            [],
        )
        .await?;
    for (table, name, references_table, column, references_column, on_delete, on_update) in fks {
        let Some(t) = tables.get_mut(&table) else { continue };
        match t.foreign_keys.iter_mut().find(|fk| fk.name == name) {
            Some(fk) => {
                fk.columns.push(column);
                fk.references_columns.push(references_column);
            }
            None => t.foreign_keys.push(ForeignKey {
                name,
                columns: vec![column],
                references_table,
                references_columns: vec![references_column],
                on_delete: action(&on_delete),
                on_update: action(&on_update),
            }),
        }
    }

    let indexes: Vec<(String, String, i64, String)> = db
        .query(
            "SELECT TABLE_NAME, INDEX_NAME, CAST(NON_UNIQUE AS SIGNED), COLUMN_NAME FROM information_schema.STATISTICS \
             WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX",
            [],
        )
        .await?;
    let mut grouped: BTreeMap<(String, String), (bool, Vec<String>)> = BTreeMap::new();
    for (table, index, non_unique, column) in indexes {
        grouped.entry((table, index)).or_insert((non_unique == 0, Vec::new())).1.push(column);
    }
    for ((table, name), (unique, columns)) in grouped {
        let Some(t) = tables.get_mut(&table) else { continue };
        if name == "PRIMARY" {
            t.primary_key = columns;
        } else if t.foreign_keys.iter().any(|fk| fk.name == name) {
            // MySQL's own index behind a foreign key, not one the schema declared.
        } else if unique && columns.len() == 1 && columns[0] == name {
            // A column-level UNIQUE: MySQL names its index after the column.
            if let Some(c) = t.columns.iter_mut().find(|c| c.name == name) {
                c.unique = true;
            }
        } else {
            t.indexes.push(Index { name, columns, unique });
        }
    }
    Ok(tables.into_values().collect())
}
