//! Migration files: `migrations/<version>_<name>.toml`, with `up` and `down` lists of operations.

use crate::error::{Error, Result};
use crate::schema::{
    Column, ColumnChange, ColumnType, DefaultValue, ForeignKey, Index, Operation, RawSql, ReferentialAction, Table,
};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// One operation of a migration, with the line it starts on.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// The operation.
    pub op: Operation,
    /// Its line in the file (1-based).
    pub line: usize,
}

/// A parsed migration file.
#[derive(Debug, Clone, PartialEq)]
pub struct MigrationFile {
    /// The 14-digit UTC timestamp of the file name (`YYYYMMDDHHMMSS`).
    pub version: i64,
    /// The snake_case name after the version.
    pub name: String,
    /// Where it was read from.
    pub path: PathBuf,
    /// SHA-256 of the content with line endings normalised to `\n`, hex.
    pub checksum: String,
    /// What `up` does, in order.
    pub up: Vec<Step>,
    /// What `down` does, in order.
    pub down: Vec<Step>,
}

/// SHA-256 of `content` with `\r\n` normalised to `\n`, as lowercase hex: a CRLF checkout of the
/// same file has the same checksum.
///
/// ```
/// use orm_core::migrate::checksum;
/// assert_eq!(checksum("a\r\nb\n"), checksum("a\nb\n"));
/// assert_ne!(checksum("a\nb\n"), checksum("a\nc\n"));
/// ```
pub fn checksum(content: &str) -> String {
    use sha2::Digest;
    let normalised = content.replace("\r\n", "\n");
    sha2::Sha256::digest(normalised.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// Splits a file name `20240102030405_create_users.toml` into its version and name.
pub fn parse_file_name(file_name: &str) -> Option<(i64, String)> {
    let stem = file_name.strip_suffix(".toml")?;
    let (version, name) = stem.split_once('_')?;
    let valid_name = !name.is_empty()
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !name.starts_with('_');
    if version.len() != 14 || !version.chars().all(|c| c.is_ascii_digit()) || !valid_name {
        return None;
    }
    Some((version.parse().ok()?, name.to_string()))
}

/// Reads every `*.toml` migration in `dir`, ordered by version. Other files (a `.gitkeep`, a
/// README) are ignored; a `.toml` whose name is not `<14-digit version>_<snake_case name>.toml`, or
/// two files with one version, are errors.
pub fn load_dir(dir: &Path) -> Result<Vec<MigrationFile>> {
    let entries = std::fs::read_dir(dir).map_err(|e| Error::MigrationFile {
        file: dir.display().to_string(),
        line: None,
        message: format!("cannot read the migrations directory: {e}"),
    })?;
    let mut files = Vec::new();
    for entry in entries {
        let path = entry
            .map_err(|e| Error::MigrationFile { file: dir.display().to_string(), line: None, message: e.to_string() })?
            .path();
        if path.extension().and_then(|e| e.to_str()) != Some("toml") {
            continue;
        }
        files.push(parse_file(&path, &read_migration(&path)?)?);
    }
    files.sort_by_key(|f| f.version);
    for pair in files.windows(2) {
        if pair[0].version == pair[1].version {
            return Err(Error::MigrationFile {
                file: pair[1].path.display().to_string(),
                line: None,
                message: format!("version {} is also used by {}", pair[1].version, pair[0].path.display()),
            });
        }
    }
    Ok(files)
}

/// The largest migration file read: far above any hand-written or generated one, and a bound on
/// what a wrong path (a device, a huge dump) can make the runner hold in memory.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// Reads a migration file: a regular file (a symbolic link is followed to one) of at most
/// [`MAX_FILE_BYTES`]; a FIFO, a device or a directory named `*.toml` is an error, never a read
/// that blocks or fills memory.
fn read_migration(path: &Path) -> Result<String> {
    use std::io::Read;
    let err = |message: String| Error::MigrationFile { file: path.display().to_string(), line: None, message };
    let meta = std::fs::metadata(path).map_err(|e| err(format!("cannot read: {e}")))?;
    if !meta.is_file() {
        return Err(err("not a regular file (a FIFO, a device or a directory): a migration must be a plain file".into()));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(err(format!("{} bytes: larger than the {MAX_FILE_BYTES}-byte limit for a migration file", meta.len())));
    }
    let file = std::fs::File::open(path).map_err(|e| err(format!("cannot read: {e}")))?;
    let mut content = String::new();
    // The bound holds even if the file grows between the check and the read.
    file.take(MAX_FILE_BYTES + 1).read_to_string(&mut content).map_err(|e| err(format!("cannot read: {e}")))?;
    if content.len() as u64 > MAX_FILE_BYTES {
        return Err(err(format!("larger than the {MAX_FILE_BYTES}-byte limit for a migration file")));
    }
    Ok(content)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileToml {
    up: Vec<toml::Spanned<OpToml>>,
    down: Vec<toml::Spanned<OpToml>>,
}

#[derive(Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
enum OpToml {
    CreateTable {
        table: String,
        columns: Vec<ColumnToml>,
        #[serde(default)]
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
        #[serde(rename = "type")]
        ty: Option<String>,
        length: Option<u32>,
        precision: Option<u32>,
        scale: Option<u32>,
        nullable: Option<bool>,
        default: Option<toml::Value>,
        #[serde(default)]
        drop_default: bool,
    },
    CreateIndex {
        table: String,
        name: String,
        columns: Vec<String>,
        #[serde(default)]
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
        sql: Option<String>,
        postgres: Option<String>,
        mysql: Option<String>,
        sqlite: Option<String>,
    },
    Mongo {
        command: toml::Table,
    },
}

#[derive(Deserialize, Default, Clone, Copy)]
#[serde(rename_all = "snake_case")]
enum ActionToml {
    #[default]
    NoAction,
    Restrict,
    Cascade,
    SetNull,
    SetDefault,
}

impl From<ActionToml> for ReferentialAction {
    fn from(a: ActionToml) -> Self {
        match a {
            ActionToml::NoAction => ReferentialAction::NoAction,
            ActionToml::Restrict => ReferentialAction::Restrict,
            ActionToml::Cascade => ReferentialAction::Cascade,
            ActionToml::SetNull => ReferentialAction::SetNull,
            ActionToml::SetDefault => ReferentialAction::SetDefault,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ColumnToml {
    name: String,
    #[serde(rename = "type")]
    ty: String,
    length: Option<u32>,
    precision: Option<u32>,
    scale: Option<u32>,
    #[serde(default)]
    nullable: bool,
    #[serde(default)]
    primary_key: bool,
    #[serde(default)]
    auto_increment: bool,
    #[serde(default)]
    auto: bool,
    #[serde(default)]
    unique: bool,
    default: Option<toml::Value>,
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

fn convert(op: OpToml) -> std::result::Result<Operation, String> {
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
        OpToml::AlterColumn { table, column, ty, length, precision, scale, nullable, default, drop_default } => {
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
            if ty.is_none() && nullable.is_none() && default.is_none() {
                return Err(format!("alter_column `{table}.{column}` changes nothing: give `type`, `nullable`, `default` or `drop_default`"));
            }
            Operation::AlterColumn { table, column, change: ColumnChange { ty, nullable, default } }
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
                    on_delete: on_delete.into(),
                    on_update: on_update.into(),
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

/// The 1-based line of byte offsets in one text, found by binary search over its line starts (a
/// scan from the top for each operation made files with thousands of operations quadratic).
struct Lines(Vec<usize>);

impl Lines {
    fn new(content: &str) -> Lines {
        Lines(content.match_indices('\n').map(|(i, _)| i).collect())
    }

    fn of(&self, offset: usize) -> usize {
        self.0.partition_point(|&nl| nl < offset) + 1
    }
}

/// Parses one migration file's content; `path` names it in errors and gives its version and name.
pub fn parse_file(path: &Path, content: &str) -> Result<MigrationFile> {
    let file = path.display().to_string();
    let err = |line: Option<usize>, message: String| Error::MigrationFile { file: file.clone(), line, message };
    let file_name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    let (version, name) = parse_file_name(file_name).ok_or_else(|| {
        err(None, "a migration file is named `<YYYYMMDDHHMMSS>_<snake_case_name>.toml`".to_string())
    })?;
    let lines = Lines::new(content);
    let parsed: FileToml = toml::from_str(content).map_err(|e| {
        let line = e.span().map(|s| lines.of(s.start));
        err(line, e.message().trim().to_string())
    })?;
    let steps = |list: Vec<toml::Spanned<OpToml>>| -> Result<Vec<Step>> {
        list.into_iter()
            .map(|spanned| {
                let line = lines.of(spanned.span().start);
                convert(spanned.into_inner()).map(|op| Step { op, line }).map_err(|m| err(Some(line), m))
            })
            .collect()
    };
    let up = steps(parsed.up)?;
    let down = steps(parsed.down)?;
    Ok(MigrationFile { version, name, path: path.to_path_buf(), checksum: checksum(content), up, down })
}

/// The text `orm migrate new` writes: both sections, empty, with a commented example.
pub fn template(name: &str) -> String {
    format!(
        r#"# Migration `{name}`: `up` applies it, `down` reverts it exactly.
# Replace the empty lists with [[up]] and [[down]] tables, for example:
#
# [[up]]
# op = "create_table"
# table = "users"
# columns = [
#   {{ name = "id", type = "i64", primary_key = true, auto_increment = true }},
#   {{ name = "email", type = "string", length = 255, unique = true }},
# ]
#
# [[down]]
# op = "drop_table"
# table = "users"
up = []
down = []
"#
    )
}

#[cfg(test)]
mod tests;
