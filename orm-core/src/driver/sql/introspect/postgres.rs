//! PostgreSQL: `information_schema` and the `pg_catalog` for indexes and foreign keys.

use super::{action, parse_default};
use crate::driver::sql::SqlDriver;
use crate::error::Result;
use crate::schema::{Column, ColumnType, ForeignKey, Index, Table};
use std::collections::BTreeMap;

const SEP: char = '\u{1f}';

fn column_type(data_type: &str, length: Option<i64>, precision: Option<i64>, scale: Option<i64>) -> ColumnType {
    let len = length.and_then(|l| u32::try_from(l).ok());
    match data_type {
        "boolean" => ColumnType::Bool,
        "smallint" => ColumnType::I16,
        "integer" => ColumnType::I32,
        "bigint" => ColumnType::I64,
        "real" => ColumnType::F32,
        "double precision" => ColumnType::F64,
        "numeric" => ColumnType::Decimal {
            precision: precision.and_then(|p| u32::try_from(p).ok()),
            scale: precision.and(scale).and_then(|s| u32::try_from(s).ok()),
        },
        "character varying" => ColumnType::String { length: len },
        "character" if len == Some(24) => ColumnType::ObjectId,
        "character" => ColumnType::String { length: len },
        "bytea" => ColumnType::Bytes,
        "date" => ColumnType::Date,
        "time without time zone" => ColumnType::Time,
        "timestamp without time zone" => ColumnType::DateTime,
        "timestamp with time zone" => ColumnType::Timestamp,
        "uuid" => ColumnType::Uuid,
        "json" | "jsonb" => ColumnType::Json,
        _ => ColumnType::Text,
    }
}

/// table, name, referenced table, columns, referenced columns, on delete, on update.
type ForeignKeyRow = (String, String, String, String, String, String, String);

type ColumnRow = (String, String, String, Option<i64>, Option<i64>, Option<i64>, bool, Option<String>, bool);

pub(super) async fn tables(db: &SqlDriver) -> Result<Vec<Table>> {
    let columns: Vec<ColumnRow> = db
        .query(
            "SELECT c.table_name::text, c.column_name::text, c.data_type::text, c.character_maximum_length::int8, \
             c.numeric_precision::int8, c.numeric_scale::int8, (c.is_nullable = 'YES'), c.column_default::text, \
             (c.is_identity = 'YES') \
             FROM information_schema.columns c \
             JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name \
             WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE' \
             ORDER BY c.table_name, c.ordinal_position",
            [],
        )
        .await?;
    let mut tables: BTreeMap<String, Table> = BTreeMap::new();
    for (table, name, data_type, length, precision, scale, nullable, default, identity) in columns {
        let ty = column_type(&data_type, length, precision, scale);
        let fallback = ty == ColumnType::Text && data_type != "text";
        let serial = default.as_deref().is_some_and(|d| d.starts_with("nextval("));
        let mut column = Column::new(name, ty);
        if fallback {
            column.comment = Some(format!("PostgreSQL type `{data_type}` has no neutral equivalent: it is read as text"));
        }
        column.nullable = nullable;
        column.auto_increment = identity || serial;
        if !column.auto_increment {
            column.default = default.as_deref().and_then(|d| parse_default(&ty, d));
        }
        tables.entry(table.clone()).or_insert_with(|| Table::new(table)).columns.push(column);
    }

    let constraints: Vec<(String, String, String, String)> = db
        .query(
            "SELECT tc.table_name::text, tc.constraint_name::text, tc.constraint_type::text, kcu.column_name::text \
             FROM information_schema.table_constraints tc \
             JOIN information_schema.key_column_usage kcu ON kcu.constraint_name = tc.constraint_name \
               AND kcu.table_schema = tc.table_schema AND kcu.table_name = tc.table_name \
             WHERE tc.table_schema = current_schema() AND tc.constraint_type IN ('PRIMARY KEY', 'UNIQUE') \
             ORDER BY tc.table_name, tc.constraint_name, kcu.ordinal_position",
            [],
        )
        .await?;
    let mut uniques: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for (table, constraint, kind, column) in constraints {
        let Some(t) = tables.get_mut(&table) else { continue };
        if kind == "PRIMARY KEY" {
            t.primary_key.push(column);
        } else {
            uniques.entry((table, constraint)).or_default().push(column);
        }
    }
    for ((table, constraint), columns) in uniques {
        let Some(t) = tables.get_mut(&table) else { continue };
        match columns.as_slice() {
            [single] => {
                if let Some(c) = t.columns.iter_mut().find(|c| &c.name == single) {
                    c.unique = true;
                }
            }
            _ => t.indexes.push(Index { name: constraint, columns, unique: true }),
        }
    }

    let indexes: Vec<(String, String, bool, String)> = db
        .query(
            "SELECT t.relname::text, i.relname::text, ix.indisunique, \
               (SELECT string_agg(a.attname::text, chr(31) ORDER BY k.ord) \
                  FROM unnest(ix.indkey::int2[]) WITH ORDINALITY k(num, ord) \
                  JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.num) \
             FROM pg_index ix \
             JOIN pg_class t ON t.oid = ix.indrelid \
             JOIN pg_class i ON i.oid = ix.indexrelid \
             JOIN pg_namespace n ON n.oid = t.relnamespace \
             WHERE n.nspname = current_schema() AND NOT ix.indisprimary \
               AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = ix.indexrelid AND c.contype IN ('u', 'p')) \
             ORDER BY t.relname, i.relname",
            [],
        )
        .await?;
    for (table, name, unique, columns) in indexes {
        if let Some(t) = tables.get_mut(&table) {
            t.indexes.push(Index { name, columns: columns.split(SEP).map(str::to_string).collect(), unique });
        }
    }

    let fks: Vec<ForeignKeyRow> = db
        .query(
            "SELECT cl.relname::text, c.conname::text, ft.relname::text, \
               (SELECT string_agg(a.attname::text, chr(31) ORDER BY k.ord) FROM unnest(c.conkey) WITH ORDINALITY k(num, ord) \
                  JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.num), \
               (SELECT string_agg(a.attname::text, chr(31) ORDER BY k.ord) FROM unnest(c.confkey) WITH ORDINALITY k(num, ord) \
                  JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.num), \
               c.confdeltype::text, c.confupdtype::text \
             FROM pg_constraint c \
             JOIN pg_class cl ON cl.oid = c.conrelid \
             JOIN pg_class ft ON ft.oid = c.confrelid \
             JOIN pg_namespace n ON n.oid = cl.relnamespace \
             WHERE c.contype = 'f' AND n.nspname = current_schema() \
             ORDER BY cl.relname, c.conname",
            [],
        )
        .await?;
    for (table, name, references_table, columns, references_columns, on_delete, on_update) in fks {
        if let Some(t) = tables.get_mut(&table) {
            t.foreign_keys.push(ForeignKey {
                name,
                columns: columns.split(SEP).map(str::to_string).collect(),
                references_table,
                references_columns: references_columns.split(SEP).map(str::to_string).collect(),
                on_delete: action(&on_delete),
                on_update: action(&on_update),
            });
        }
    }
    Ok(tables.into_values().collect())
}
