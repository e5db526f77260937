//! The migration file format's one definition: the TOML shape of every operation ([`OpToml`]),
//! read into [`Operation`]s with their checks and written back from them, so a written file always
//! reads back to the same operations (`write_file` is tested on generated operation lists).

use crate::schema::{Check, Column, ColumnChange, ColumnType, DefaultValue, ForeignKey, Index, Operation, RawSql, ReferentialAction, Table};
use serde::{Deserialize, Serialize};

fn is_false(b: &bool) -> bool {
    !*b
}

/// A whole file as read: the operations with their spans (for line numbers).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FileToml {
    pub(super) up: Vec<toml::Spanned<OpToml>>,
    pub(super) down: Vec<toml::Spanned<OpToml>>,
}

/// One operation as the file spells it: the one definition both reading and writing go through.
#[derive(Deserialize, Serialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub(super) enum OpToml {
    CreateTable {
        table: String,
        columns: Vec<ColumnToml>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        primary_key: Vec<String>,
    },
    DropTable {
        table: String,
    },
    RenameTable {
        from: String,
        to: String,
    },
    AddColumn {
        table: String,
        column: ColumnToml,
    },
    DropColumn {
        table: String,
        column: String,
    },
    RenameColumn {
        table: String,
        from: String,
        to: String,
    },
    AlterColumn {
        table: String,
        column: String,
        #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
        ty: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        length: Option<u32>,
        #[serde(skip_serializing_if = "Option::is_none")]
        precision: Option<u32>,
        #[serde(skip_serializing_if = "Option::is_none")]
        scale: Option<u32>,
        #[serde(skip_serializing_if = "Option::is_none")]
        nullable: Option<bool>,
        #[serde(skip_serializing_if = "Option::is_none")]
        default: Option<toml::Value>,
        #[serde(default, skip_serializing_if = "is_false")]
        drop_default: bool,
        /// The column's validation rules after the change (`[]`: none).
        #[serde(skip_serializing_if = "Option::is_none")]
        validate: Option<Vec<CheckToml>>,
    },
    CreateIndex {
        table: String,
        name: String,
        columns: Vec<String>,
        #[serde(default, skip_serializing_if = "is_false")]
        unique: bool,
    },
    DropIndex {
        table: String,
        name: String,
    },
    AddForeignKey {
        table: String,
        name: String,
        columns: Vec<String>,
        references_table: String,
        references_columns: Vec<String>,
        #[serde(default)]
        on_delete: ActionToml,
        #[serde(default)]
        on_update: ActionToml,
    },
    DropForeignKey {
        table: String,
        name: String,
    },
    Sql {
        #[serde(skip_serializing_if = "Option::is_none")]
        sql: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        postgres: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        mysql: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        sqlite: Option<String>,
    },
    Mongo {
        command: toml::Table,
    },
}

/// A referential action as the file spells it: the names `ReferentialAction::as_str` gives, read
/// back with `ReferentialAction::from_name` (one list of names, in `orm-schema`).
#[derive(Default, Clone, Copy, PartialEq)]
pub(super) struct ActionToml(ReferentialAction);

impl Serialize for ActionToml {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.0.as_str())
    }
}

impl<'de> Deserialize<'de> for ActionToml {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        const NAMES: &[&str] = &["no_action", "restrict", "cascade", "set_null", "set_default"];
        let name = String::deserialize(d)?;
        ReferentialAction::from_name(&name).map(ActionToml).ok_or_else(|| serde::de::Error::unknown_variant(&name, NAMES))
    }
}

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ColumnToml {
    name: String,
    #[serde(rename = "type")]
    ty: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    length: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    precision: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    scale: Option<u32>,
    #[serde(default, skip_serializing_if = "is_false")]
    nullable: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    primary_key: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    auto_increment: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    auto: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    unique: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    default: Option<toml::Value>,
    /// Validation rules (`validate(..)` on the model's field).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    validate: Vec<CheckToml>,
}

/// One validation rule as a file spells it: an inline table of one key, `{ min_length = 2 }`,
/// `{ max_length = 80 }`, `{ min = 0.0 }`, `{ max = 150.0 }`, `{ regex = "^[A-Z]{2}$" }` or
/// `{ email = true }`. Migrations carry them so a MongoDB validator written by migrations holds
/// the rules `create_table` writes, and `orm migrate check` compares them.
#[derive(Deserialize, Serialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct CheckToml {
    #[serde(skip_serializing_if = "Option::is_none")]
    min_length: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_length: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    min: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    regex: Option<String>,
    #[serde(default, skip_serializing_if = "is_false")]
    email: bool,
}

impl CheckToml {
    fn from_check(check: &Check) -> CheckToml {
        let none = CheckToml::default();
        match check {
            Check::MinLength(n) => CheckToml { min_length: Some(*n), ..none },
            Check::MaxLength(n) => CheckToml { max_length: Some(*n), ..none },
            Check::Min(v) => CheckToml { min: Some(*v), ..none },
            Check::Max(v) => CheckToml { max: Some(*v), ..none },
            Check::Pattern(p) => CheckToml { regex: Some(p.clone()), ..none },
            Check::Email => CheckToml { email: true, ..none },
            // `Check` is non-exhaustive across crates; a new rule gets its spelling here.
            other => unreachable!("no file spelling for the rule {other:?}"),
        }
    }

    fn into_check(self) -> std::result::Result<Check, String> {
        let CheckToml { min_length, max_length, min, max, regex, email } = self;
        let found: Vec<Check> = [
            min_length.map(Check::MinLength),
            max_length.map(Check::MaxLength),
            min.map(Check::Min),
            max.map(Check::Max),
            regex.map(Check::Pattern),
            email.then_some(Check::Email),
        ]
        .into_iter()
        .flatten()
        .collect();
        match <[Check; 1]>::try_from(found) {
            Ok([check]) => Ok(check),
            Err(_) => Err("a `validate` rule is a table of one key: min_length, max_length, min, max, regex or email".into()),
        }
    }
}

/// The rules of a `validate = [..]` list.
fn checks(list: Vec<CheckToml>, what: &str) -> std::result::Result<Vec<Check>, String> {
    list.into_iter().map(|c| c.into_check().map_err(|e| format!("{what}: {e}"))).collect()
}

/// The text of a `default = ...` value.
fn default_text(v: &toml::Value) -> std::result::Result<String, String> {
    Ok(match v {
        toml::Value::String(s) => s.clone(),
        toml::Value::Integer(i) => i.to_string(),
        toml::Value::Float(f) => f.to_string(),
        toml::Value::Boolean(b) => b.to_string(),
        other => return Err(format!("a default must be a string, number or boolean, not {}", other.type_str())),
    })
}

impl ColumnToml {
    fn into_column(self) -> std::result::Result<(Column, bool), String> {
        let ty = ColumnType::from_name(&self.ty, self.length, self.precision, self.scale)
            .map_err(|e| format!("column `{}`: {e}", self.name))?;
        if self.auto_increment && !ty.is_integer() {
            return Err(format!("column `{}`: `auto_increment` needs an integer type, not `{}`", self.name, self.ty));
        }
        if self.auto && !matches!(ty, ColumnType::ObjectId | ColumnType::Uuid) {
            return Err(format!("column `{}`: `auto` generates object_id and uuid values only", self.name));
        }
        let mut column = Column::new(self.name.clone(), ty);
        column.checks = checks(self.validate, &format!("column `{}`", self.name))?;
        column.nullable = self.nullable;
        column.auto_increment = self.auto_increment;
        column.generated = self.auto;
        column.unique = self.unique;
        if let Some(v) = &self.default {
            let text = default_text(v).map_err(|e| format!("column `{}`: {e}", self.name))?;
            column.default = Some(DefaultValue::parse_for(&ty, &text).map_err(|e| format!("column `{}`: {e}", self.name))?);
        }
        Ok((column, self.primary_key))
    }
}

pub(super) fn convert(op: OpToml) -> std::result::Result<Operation, String> {
    Ok(match op {
        OpToml::CreateTable { table, columns, primary_key } => {
            if columns.is_empty() {
                return Err(format!("create_table `{table}` has no columns"));
            }
            let mut t = Table::new(table.clone());
            let mut column_keys = Vec::new();
            for c in columns {
                let (column, pk) = c.into_column()?;
                if pk {
                    column_keys.push(column.name.clone());
                }
                t.columns.push(column);
            }
            t.primary_key = match (column_keys.is_empty(), primary_key.is_empty()) {
                (false, false) => {
                    return Err(format!(
                        "create_table `{table}` declares its primary key twice: on columns and in `primary_key = [...]`"
                    ));
                }
                (false, true) => column_keys,
                (true, _) => primary_key,
            };
            Operation::CreateTable(t)
        }
        OpToml::DropTable { table } => Operation::DropTable { table },
        OpToml::RenameTable { from, to } => Operation::RenameTable { from, to },
        OpToml::AddColumn { table, column } => {
            let (column, pk) = column.into_column()?;
            if pk {
                return Err(format!("add_column `{table}.{}`: a primary key cannot be added to an existing table", column.name));
            }
            Operation::AddColumn { table, column }
        }
        OpToml::DropColumn { table, column } => Operation::DropColumn { table, column },
        OpToml::RenameColumn { table, from, to } => Operation::RenameColumn { table, from, to },
        OpToml::AlterColumn { table, column, ty, length, precision, scale, nullable, default, drop_default, validate } => {
            let ty = match ty {
                Some(name) => Some(ColumnType::from_name(&name, length, precision, scale).map_err(|e| format!("alter_column `{table}.{column}`: {e}"))?),
                None if length.is_some() || precision.is_some() || scale.is_some() => {
                    return Err(format!("alter_column `{table}.{column}`: give `type` with `length`, `precision` or `scale`"));
                }
                None => None,
            };
            let default = match (default, drop_default) {
                (Some(_), true) => return Err(format!("alter_column `{table}.{column}`: `default` and `drop_default` exclude each other")),
                (None, true) => Some(None),
                (None, false) => None,
                (Some(v), false) => {
                    let Some(t) = ty else {
                        return Err(format!("alter_column `{table}.{column}`: a new `default` needs the column's `type` too"));
                    };
                    let text = default_text(&v)?;
                    Some(Some(DefaultValue::parse_for(&t, &text).map_err(|e| format!("alter_column `{table}.{column}`: {e}"))?))
                }
            };
            let checks = match validate {
                Some(list) => Some(checks(list, &format!("alter_column `{table}.{column}`"))?),
                None => None,
            };
            if ty.is_none() && nullable.is_none() && default.is_none() && checks.is_none() {
                return Err(format!(
                    "alter_column `{table}.{column}` changes nothing: give `type`, `nullable`, `default`, `drop_default` or `validate`"
                ));
            }
            Operation::AlterColumn { table, column, change: ColumnChange { ty, nullable, default, checks } }
        }
        OpToml::CreateIndex { table, name, columns, unique } => {
            if columns.is_empty() {
                return Err(format!("create_index `{name}` needs at least one column"));
            }
            Operation::CreateIndex { table, index: Index { name, columns, unique } }
        }
        OpToml::DropIndex { table, name } => Operation::DropIndex { table, name },
        OpToml::AddForeignKey { table, name, columns, references_table, references_columns, on_delete, on_update } => {
            if columns.is_empty() || columns.len() != references_columns.len() {
                return Err(format!("add_foreign_key `{name}`: `columns` and `references_columns` must be non-empty and of equal length"));
            }
            Operation::AddForeignKey {
                table,
                foreign_key: ForeignKey {
                    name,
                    columns,
                    references_table,
                    references_columns,
                    on_delete: on_delete.0,
                    on_update: on_update.0,
                },
            }
        }
        OpToml::DropForeignKey { table, name } => Operation::DropForeignKey { table, name },
        OpToml::Sql { sql, postgres, mysql, sqlite } => {
            if sql.is_none() && postgres.is_none() && mysql.is_none() && sqlite.is_none() {
                return Err("an `sql` operation needs `sql = \"...\"` or one of `postgres`, `mysql`, `sqlite`".into());
            }
            for (key, text) in [("sql", &sql), ("postgres", &postgres), ("mysql", &mysql), ("sqlite", &sqlite)] {
                if text.as_deref().is_some_and(|t| t.contains('\0')) {
                    return Err(format!("`{key}` contains a NUL character, which no SQL database accepts in statement text"));
                }
            }
            Operation::Sql(RawSql { all: sql, postgres, mysql, sqlite })
        }
        OpToml::Mongo { command } => {
            if command.is_empty() {
                return Err("a `mongo` operation needs a non-empty `command = { ... }`".into());
            }
            let json = serde_json::to_string(&command).map_err(|e| e.to_string())?;
            Operation::Mongo { command: json }
        }
    })
}


/// The type fields of a column type: its name, and length, precision and scale where it has them.
fn type_parts(ty: ColumnType) -> (String, Option<u32>, Option<u32>, Option<u32>) {
    match ty {
        ColumnType::String { length } => (ty.name().into(), length, None, None),
        ColumnType::Decimal { precision, scale } => (ty.name().into(), None, precision, scale),
        _ => (ty.name().into(), None, None, None),
    }
}

fn default_toml(d: &DefaultValue) -> toml::Value {
    match d {
        DefaultValue::Bool(b) => toml::Value::Boolean(*b),
        DefaultValue::Int(i) => toml::Value::Integer(*i),
        DefaultValue::Float(f) => toml::Value::Float(*f),
        DefaultValue::String(text) => toml::Value::String(text.clone()),
        DefaultValue::CurrentTimestamp => toml::Value::String("now".into()),
        // `DefaultValue` is non-exhaustive across crates; a new kind gets its spelling here.
        other => unreachable!("no file spelling for the default {other:?}"),
    }
}

impl ColumnToml {
    fn from_column(c: &Column, primary_key: bool) -> ColumnToml {
        let (ty, length, precision, scale) = type_parts(c.ty);
        ColumnToml {
            name: c.name.clone(),
            ty,
            length,
            precision,
            scale,
            nullable: c.nullable,
            primary_key,
            auto_increment: c.auto_increment,
            auto: c.generated,
            unique: c.unique,
            default: c.default.as_ref().map(default_toml),
            validate: c.checks.iter().map(CheckToml::from_check).collect(),
        }
    }
}

impl OpToml {
    /// The file's spelling of `op`.
    pub(super) fn from_operation(op: &Operation) -> OpToml {
        match op {
            Operation::CreateTable(t) => {
                let single = t.primary_key.len() == 1;
                OpToml::CreateTable {
                    table: t.name.clone(),
                    columns: t.columns.iter().map(|c| ColumnToml::from_column(c, single && t.is_primary_key(&c.name))).collect(),
                    primary_key: if single { Vec::new() } else { t.primary_key.clone() },
                }
            }
            Operation::DropTable { table } => OpToml::DropTable { table: table.clone() },
            Operation::RenameTable { from, to } => OpToml::RenameTable { from: from.clone(), to: to.clone() },
            Operation::AddColumn { table, column } => {
                OpToml::AddColumn { table: table.clone(), column: ColumnToml::from_column(column, false) }
            }
            Operation::DropColumn { table, column } => OpToml::DropColumn { table: table.clone(), column: column.clone() },
            Operation::RenameColumn { table, from, to } => {
                OpToml::RenameColumn { table: table.clone(), from: from.clone(), to: to.clone() }
            }
            Operation::AlterColumn { table, column, change } => {
                let (ty, length, precision, scale) = match change.ty.map(type_parts) {
                    Some((ty, l, p, s)) => (Some(ty), l, p, s),
                    None => (None, None, None, None),
                };
                OpToml::AlterColumn {
                    table: table.clone(),
                    column: column.clone(),
                    ty,
                    length,
                    precision,
                    scale,
                    nullable: change.nullable,
                    default: change.default.as_ref().and_then(|d| d.as_ref().map(default_toml)),
                    drop_default: matches!(change.default, Some(None)),
                    validate: change.checks.as_ref().map(|list| list.iter().map(CheckToml::from_check).collect()),
                }
            }
            Operation::CreateIndex { table, index } => OpToml::CreateIndex {
                table: table.clone(),
                name: index.name.clone(),
                columns: index.columns.clone(),
                unique: index.unique,
            },
            Operation::DropIndex { table, name } => OpToml::DropIndex { table: table.clone(), name: name.clone() },
            Operation::AddForeignKey { table, foreign_key: fk } => OpToml::AddForeignKey {
                table: table.clone(),
                name: fk.name.clone(),
                columns: fk.columns.clone(),
                references_table: fk.references_table.clone(),
                references_columns: fk.references_columns.clone(),
                on_delete: ActionToml(fk.on_delete),
                on_update: ActionToml(fk.on_update),
            },
            Operation::DropForeignKey { table, name } => OpToml::DropForeignKey { table: table.clone(), name: name.clone() },
            Operation::Sql(raw) => OpToml::Sql {
                sql: raw.all.clone(),
                postgres: raw.postgres.clone(),
                mysql: raw.mysql.clone(),
                sqlite: raw.sqlite.clone(),
            },
            Operation::Mongo { command } => OpToml::Mongo {
                command: serde_json::from_str::<serde_json::Value>(command)
                    .ok()
                    .and_then(|j| toml::Table::try_from(j).ok())
                    .unwrap_or_default(),
            },
            // `Operation` is non-exhaustive across crates; a new operation gets its spelling here
            // (the round-trip tests cover every one).
            other => unreachable!("no file spelling for `{}`", other.name()),
        }
    }
}

/// `[[section]]` and the operation's keys, one a line, in the order [`OpToml`] declares them;
/// `columns` of a `create_table` one inline table a line.
fn write_operation(out: &mut String, section: &str, op: &Operation) {
    let table = toml::Table::try_from(OpToml::from_operation(op)).expect("an operation is a TOML table");
    out.push_str(&format!("\n[[{section}]]\n"));
    for (key, value) in table {
        match (&*key, value) {
            ("columns", toml::Value::Array(items)) if items.iter().all(toml::Value::is_table) => {
                out.push_str("columns = [\n");
                for item in items {
                    out.push_str(&format!("  {},\n", inline(item)));
                }
                out.push_str("]\n");
            }
            (_, value) => out.push_str(&format!("{} = {}\n", toml_key(&key), inline(value))),
        }
    }
}

/// A value on one line (tables inline).
fn inline(value: toml::Value) -> String {
    match value {
        toml::Value::Table(t) => {
            let pairs: Vec<String> = t.into_iter().map(|(k, v)| format!("{} = {}", toml_key(&k), inline(v))).collect();
            if pairs.is_empty() { "{}".into() } else { format!("{{ {} }}", pairs.join(", ")) }
        }
        toml::Value::Array(items) => format!("[{}]", items.into_iter().map(inline).collect::<Vec<_>>().join(", ")),
        other => other.to_string(),
    }
}

/// A key, bare when TOML allows it, quoted otherwise (a MongoDB command's `$set`).
fn toml_key(key: &str) -> String {
    if !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
        key.to_string()
    } else {
        toml::Value::String(key.to_string()).to_string()
    }
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
            write_operation(&mut out, section, op);
        }
    }
    out
}

#[cfg(test)]
mod tests;
