//! Operations -> MongoDB commands.
//!
//! | operation | MongoDB |
//! |---|---|
//! | create_table | `create` with a `$jsonSchema` validator built from the columns, then `createIndexes` |
//! | drop_table | `drop`, and the collection's auto-increment counter is deleted |
//! | rename_table | `renameCollection`, and the counter moves with it |
//! | add_column | `updateMany` setting the default (or null) where the field is missing, then `collMod` of the validator |
//! | drop_column | `collMod` of the validator, then `updateMany` with `$unset` |
//! | rename_column | `collMod`, then `updateMany` with `$rename` |
//! | alter_column | `collMod`; a type change converts stored values with `$convert`; NOT NULL with a default fills the nulls |
//! | create_index / drop_index | `createIndexes` / `dropIndexes` (unique indexes over nullable fields are partial) |
//! | add_foreign_key / drop_foreign_key | recorded in the schema, skipped with a notice: MongoDB has no foreign keys |
//! | sql | skipped with a notice |
//! | mongo | the command, run on the database |

use super::{bson_type, field_key, index_document, index_documents, json_schema, value_to_bson, COUNTERS};
use crate::schema::{ColumnType, DefaultValue, IdentKind, Operation, Schema, Table};
use crate::value::Value;
use bson::{doc, Bson, Document};

/// One thing to do on MongoDB.
#[derive(Debug, Clone, PartialEq)]
pub enum MongoStep {
    /// A command run on the migrated database.
    Command(Document),
    /// A command run on the `admin` database (`renameCollection`).
    AdminCommand(Document),
    /// Moves a collection's auto-increment counter to its new name.
    MoveCounter {
        /// The old collection name.
        from: String,
        /// The new collection name.
        to: String,
    },
    /// Counts the stored values of `field` that `$convert` cannot turn into `to`, and refuses the
    /// operation (changing nothing) when there are any: a failed `updateMany` would leave the
    /// collection with both types.
    CheckConvertible {
        /// The collection.
        collection: String,
        /// The field's key.
        field: String,
        /// The `$convert` target type.
        to: String,
    },
    /// Nothing to do here, and why.
    Notice(String),
}

fn coll_mod(table: &Table) -> MongoStep {
    let mut command = doc! { "collMod": &table.name };
    command.extend(doc! { "validator": json_schema(table) });
    MongoStep::Command(command)
}

fn update_many(collection: &str, filter: Document, update: impl Into<Bson>) -> MongoStep {
    // Reshaping stored documents is the migration's job: the validator (old or new) must not veto it.
    MongoStep::Command(doc! {
        "update": collection,
        "updates": [ { "q": filter, "u": update.into(), "multi": true } ],
        "bypassDocumentValidation": true,
    })
}

fn default_bson(ty: ColumnType, d: &DefaultValue) -> Bson {
    match d {
        DefaultValue::Bool(b) => Bson::Boolean(*b),
        DefaultValue::Int(i) => match ty {
            ColumnType::I16 | ColumnType::I32 => Bson::Int32(*i as i32),
            ColumnType::F32 | ColumnType::F64 => Bson::Double(*i as f64),
            _ => Bson::Int64(*i),
        },
        DefaultValue::Float(f) => Bson::Double(*f),
        DefaultValue::String(s) => match ty {
            ColumnType::Decimal { .. } => s.parse::<rust_decimal::Decimal>().map(|d| value_to_bson(&Value::Decimal(Some(d)))).unwrap_or(Bson::String(s.clone())),
            _ => Bson::String(s.clone()),
        },
        DefaultValue::CurrentTimestamp => Bson::DateTime(bson::DateTime::now()),
        _ => Bson::Null,
    }
}

/// Renders `op`, which acts on the schema `before`, for the database named `database`.
pub fn render_mongo(op: &Operation, before: &Schema, database: &str) -> Result<Vec<MongoStep>, String> {
    // Only the touched tables: cloning the whole schema per operation made long runs quadratic.
    let after = before.touched_after(op)?;
    Ok(match op {
        Operation::CreateTable(table) => {
            let mut create = doc! { "create": &table.name };
            create.extend(doc! { "validator": json_schema(table) });
            let mut steps = vec![MongoStep::Command(create)];
            let indexes = index_documents(table);
            if !indexes.is_empty() {
                steps.push(MongoStep::Command(doc! { "createIndexes": &table.name, "indexes": indexes }));
            }
            steps
        }
        Operation::DropTable { table } => vec![
            MongoStep::Command(doc! { "drop": table }),
            MongoStep::Command(doc! { "delete": COUNTERS, "deletes": [ { "q": { "_id": table }, "limit": 1 } ] }),
        ],
        Operation::RenameTable { from, to } => vec![
            MongoStep::AdminCommand(doc! { "renameCollection": format!("{database}.{from}"), "to": format!("{database}.{to}") }),
            MongoStep::MoveCounter { from: from.clone(), to: to.clone() },
        ],
        Operation::AddColumn { table, column } => {
            let t = after.table(table)?;
            let key = field_key(t, &column.name);
            let value = column.default.as_ref().map(|d| default_bson(column.ty, d)).unwrap_or(Bson::Null);
            vec![update_many(table, doc! { key: { "$exists": false } }, doc! { "$set": { key: value } }), coll_mod(t)]
        }
        Operation::DropColumn { table, column } => {
            let t = before.table(table)?;
            let key = field_key(t, column);
            vec![coll_mod(after.table(table)?), update_many(table, doc! {}, doc! { "$unset": { key: "" } })]
        }
        Operation::RenameColumn { table, from, to } => {
            let (old_key, new_key) = (field_key(before.table(table)?, from), field_key(after.table(table)?, to));
            let mut steps = vec![coll_mod(after.table(table)?)];
            if old_key != new_key {
                steps.push(update_many(table, doc! { old_key: { "$exists": true } }, doc! { "$rename": { old_key: new_key } }));
            }
            steps
        }
        Operation::AlterColumn { table, column, change } => {
            let t = after.table(table)?;
            let c = t.column_named(column).ok_or("altered column vanished")?;
            let key = field_key(t, column);
            let mut steps = Vec::new();
            if change.ty.is_some()
                && let Some(to) = bson_type(c.ty)
                && !matches!(c.ty, ColumnType::Uuid | ColumnType::Bytes | ColumnType::ObjectId)
            {
                steps.push(MongoStep::CheckConvertible { collection: table.clone(), field: key.to_string(), to: to.to_string() });
                let convert = doc! { "$convert": { "input": format!("${key}"), "to": to, "onNull": Bson::Null } };
                steps.push(update_many(table, doc! { key: { "$ne": Bson::Null } }, vec![doc! { "$set": { key: convert } }]));
            }
            if change.nullable == Some(false)
                && let Some(d) = &c.default
            {
                steps.push(update_many(table, doc! { key: Bson::Null }, doc! { "$set": { key: default_bson(c.ty, d) } }));
            }
            steps.push(coll_mod(t));
            steps
        }
        Operation::CreateIndex { table, index } => {
            let t = after.table(table)?;
            vec![MongoStep::Command(doc! {
                "createIndexes": table,
                "indexes": [ index_document(t, &index.name, &index.columns, index.unique) ],
            })]
        }
        Operation::DropIndex { table, name } => vec![MongoStep::Command(doc! { "dropIndexes": table, "index": name })],
        Operation::AddForeignKey { foreign_key, .. } => vec![MongoStep::Notice(format!(
            "foreign key `{}` recorded: MongoDB has no foreign keys; the toolkit applies its on_delete to deletes of models that declare it",
            foreign_key.name
        ))],
        Operation::DropForeignKey { name, .. } => {
            vec![MongoStep::Notice(format!("foreign key `{name}` dropped from the schema (MongoDB never enforced it)"))]
        }
        Operation::Sql(_) => vec![MongoStep::Notice("`sql` operation skipped on MongoDB".into())],
        Operation::Mongo { command } => {
            let json: serde_json::Value = serde_json::from_str(command).map_err(|e| format!("`mongo` command is not JSON: {e}"))?;
            let Ok(Bson::Document(doc)) = Bson::try_from(json) else {
                return Err("`mongo` command must be a document".into());
            };
            vec![MongoStep::Command(doc)]
        }
        other => return Err(format!("`{}` is not supported on MongoDB", other.name())),
    })
}

/// MongoDB: a namespace (`database.collection`) holds at most 255 bytes.
const MONGO_MAX_NAMESPACE_BYTES: usize = 255;

/// Checks one identifier against MongoDB's own rules (`database`: the collection's database).
pub(crate) fn check_name(kind: IdentKind, name: &str, database: &str) -> Result<(), String> {
    match kind {
        IdentKind::Table if name.contains('$') => {
            Err(format!("collection name `{name}` contains `$`, which MongoDB does not allow in collection names"))
        }
        IdentKind::Table if name.starts_with("system.") => {
            Err(format!("collection name `{name}` begins with `system.`, which MongoDB reserves for itself"))
        }
        IdentKind::Table if database.len() + 1 + name.len() > MONGO_MAX_NAMESPACE_BYTES => Err(format!(
            "collection name `{name}` makes the namespace `{database}.{name}` longer than MongoDB's \
             {MONGO_MAX_NAMESPACE_BYTES} bytes"
        )),
        IdentKind::Column if name.contains(['$', '.']) => Err(format!(
            "field name `{name}` contains `$` or `.`: MongoDB reads them as operators and paths (and stores them only \
             with restrictions), not as one plain field"
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Column, ColumnChange};

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
        s
    }

    #[test]
    fn create_table_makes_validator_and_indexes() {
        let t = schema().table("users").unwrap().clone();
        let steps = render_mongo(&Operation::CreateTable(t), &Schema::new(), "app").unwrap();
        let MongoStep::Command(create) = &steps[0] else { panic!() };
        assert_eq!(create.get_str("create").unwrap(), "users");
        assert!(create.get_document("validator").unwrap().contains_key("$jsonSchema"));
        assert_eq!(
            steps[1],
            MongoStep::Command(doc! { "createIndexes": "users", "indexes": [ { "key": { "email": 1 }, "name": "users_email_key", "unique": true } ] })
        );
    }

    #[test]
    fn columns() {
        let add = Operation::AddColumn {
            table: "users".into(),
            column: Column::new("active", ColumnType::Bool).default(DefaultValue::Bool(true)),
        };
        let steps = render_mongo(&add, &schema(), "app").unwrap();
        assert_eq!(
            steps[0],
            update_many("users", doc! { "active": { "$exists": false } }, doc! { "$set": { "active": true } })
        );
        let rename = Operation::RenameColumn { table: "users".into(), from: "age".into(), to: "years".into() };
        let steps = render_mongo(&rename, &schema(), "app").unwrap();
        assert_eq!(steps[1], update_many("users", doc! { "age": { "$exists": true } }, doc! { "$rename": { "age": "years" } }));
        let alter = Operation::AlterColumn {
            table: "users".into(),
            column: "age".into(),
            change: ColumnChange { ty: Some(ColumnType::I64), ..Default::default() },
        };
        let steps = render_mongo(&alter, &schema(), "app").unwrap();
        // The values are checked before they are converted, then the validator follows.
        assert_eq!(steps.len(), 3);
        assert_eq!(steps[0], MongoStep::CheckConvertible { collection: "users".into(), field: "age".into(), to: "long".into() });
        let table = Operation::RenameTable { from: "users".into(), to: "people".into() };
        let steps = render_mongo(&table, &schema(), "app").unwrap();
        assert_eq!(steps[0], MongoStep::AdminCommand(doc! { "renameCollection": "app.users", "to": "app.people" }));
    }
}
