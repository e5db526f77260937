//! Schema operations (what a migration's `up` and `down` lists hold) and [`Schema`], the state they
//! act on: replaying operations over an empty schema gives the schema they describe.

use crate::{Column, ColumnType, DefaultValue, ForeignKey, Index, Table};
use std::collections::BTreeMap;

/// The changes of an `alter_column`; `None` leaves that part alone.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ColumnChange {
    /// A new type.
    pub ty: Option<ColumnType>,
    /// A new nullability.
    pub nullable: Option<bool>,
    /// A new default: `Some(None)` drops the default.
    pub default: Option<Option<DefaultValue>>,
    /// New validation rules (`validate(..)`), replacing the old ones: written into MongoDB's
    /// collection validator, checked by the toolkit on every backend; no SQL DDL.
    pub checks: Option<Vec<crate::Check>>,
}

impl ColumnChange {
    /// Applies the change to `column`.
    ///
    /// ```
    /// use orm_schema::{Column, ColumnChange, ColumnType};
    /// let mut c = Column::new("n", ColumnType::I32);
    /// ColumnChange { ty: Some(ColumnType::I64), nullable: Some(true), ..Default::default() }.apply_to(&mut c);
    /// assert_eq!((c.ty, c.nullable), (ColumnType::I64, true));
    /// ```
    pub fn apply_to(&self, column: &mut Column) {
        if let Some(ty) = self.ty {
            column.ty = ty;
        }
        if let Some(nullable) = self.nullable {
            column.nullable = nullable;
        }
        if let Some(default) = &self.default {
            column.default = default.clone();
        }
        if let Some(checks) = &self.checks {
            column.checks = checks.clone();
        }
    }

    /// Whether the change touches only validation rules (nothing any SQL database stores).
    pub fn checks_only(&self) -> bool {
        self.checks.is_some() && self.ty.is_none() && self.nullable.is_none() && self.default.is_none()
    }
}

/// Raw SQL: one text for every dialect, or one per dialect.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RawSql {
    /// For every SQL dialect (used where no dialect-specific text is given).
    pub all: Option<String>,
    /// For PostgreSQL.
    pub postgres: Option<String>,
    /// For MySQL and MariaDB.
    pub mysql: Option<String>,
    /// For SQLite.
    pub sqlite: Option<String>,
}

/// One schema operation.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Operation {
    /// Create a table (columns and primary key; indexes and foreign keys come as their own operations).
    CreateTable(Table),
    /// Drop a table.
    DropTable {
        /// The table.
        table: String,
    },
    /// Rename a table.
    RenameTable {
        /// Old name.
        from: String,
        /// New name.
        to: String,
    },
    /// Add a column.
    AddColumn {
        /// The table.
        table: String,
        /// The new column.
        column: Column,
    },
    /// Drop a column.
    DropColumn {
        /// The table.
        table: String,
        /// The column.
        column: String,
    },
    /// Rename a column.
    RenameColumn {
        /// The table.
        table: String,
        /// Old name.
        from: String,
        /// New name.
        to: String,
    },
    /// Change a column's type, nullability or default.
    AlterColumn {
        /// The table.
        table: String,
        /// The column.
        column: String,
        /// What changes.
        change: ColumnChange,
    },
    /// Create an index.
    CreateIndex {
        /// The table.
        table: String,
        /// The index.
        index: Index,
    },
    /// Drop an index.
    DropIndex {
        /// The table.
        table: String,
        /// The index's name.
        name: String,
    },
    /// Add a foreign key.
    AddForeignKey {
        /// The referencing table.
        table: String,
        /// The foreign key.
        foreign_key: ForeignKey,
    },
    /// Drop a foreign key.
    DropForeignKey {
        /// The referencing table.
        table: String,
        /// The foreign key's name.
        name: String,
    },
    /// Raw SQL (skipped on MongoDB).
    Sql(RawSql),
    /// A raw MongoDB database command, as extended JSON text (skipped on SQL).
    Mongo {
        /// The command document.
        command: String,
    },
}

impl Operation {
    /// The operation's name as migration files spell it.
    pub fn name(&self) -> &'static str {
        match self {
            Operation::CreateTable(_) => "create_table",
            Operation::DropTable { .. } => "drop_table",
            Operation::RenameTable { .. } => "rename_table",
            Operation::AddColumn { .. } => "add_column",
            Operation::DropColumn { .. } => "drop_column",
            Operation::RenameColumn { .. } => "rename_column",
            Operation::AlterColumn { .. } => "alter_column",
            Operation::CreateIndex { .. } => "create_index",
            Operation::DropIndex { .. } => "drop_index",
            Operation::AddForeignKey { .. } => "add_foreign_key",
            Operation::DropForeignKey { .. } => "drop_foreign_key",
            Operation::Sql(_) => "sql",
            Operation::Mongo { .. } => "mongo",
        }
    }

    /// The tables the operation reads or changes (for a foreign key, the referenced table too).
    ///
    /// ```
    /// use orm_schema::Operation;
    /// let op = Operation::RenameTable { from: "a".into(), to: "b".into() };
    /// assert_eq!(op.tables(), ["a", "b"]);
    /// ```
    pub fn tables(&self) -> Vec<&str> {
        match self {
            Operation::CreateTable(t) => vec![&t.name],
            Operation::RenameTable { from, to } => vec![from, to],
            Operation::AddForeignKey { table, foreign_key } => vec![table, &foreign_key.references_table],
            Operation::DropTable { table }
            | Operation::AddColumn { table, .. }
            | Operation::DropColumn { table, .. }
            | Operation::RenameColumn { table, .. }
            | Operation::AlterColumn { table, .. }
            | Operation::CreateIndex { table, .. }
            | Operation::DropIndex { table, .. }
            | Operation::DropForeignKey { table, .. } => vec![table],
            Operation::Sql(_) | Operation::Mongo { .. } => Vec::new(),
        }
    }

    /// Every identifier the operation writes into the database, with what it names: tables,
    /// columns (also those of primary keys, indexes and foreign keys), index and constraint names.
    ///
    /// ```
    /// use orm_schema::{IdentKind, Operation};
    /// let op = Operation::RenameColumn { table: "t".into(), from: "a".into(), to: "b".into() };
    /// assert_eq!(op.identifiers(), [(IdentKind::Table, "t"), (IdentKind::Column, "a"), (IdentKind::Column, "b")]);
    /// ```
    pub fn identifiers(&self) -> Vec<(IdentKind, &str)> {
        use IdentKind::*;
        let mut out: Vec<(IdentKind, &str)> = Vec::new();
        match self {
            Operation::CreateTable(t) => {
                out.push((Table, &t.name));
                out.extend(t.columns.iter().map(|c| (Column, c.name.as_str())));
                for ix in &t.indexes {
                    out.push((Index, &ix.name));
                    out.extend(ix.columns.iter().map(|c| (Column, c.as_str())));
                }
                for fk in &t.foreign_keys {
                    out.push((ForeignKey, &fk.name));
                    out.push((Table, &fk.references_table));
                    out.extend(fk.columns.iter().chain(&fk.references_columns).map(|c| (Column, c.as_str())));
                }
            }
            Operation::DropTable { table } => out.push((Table, table)),
            Operation::RenameTable { from, to } => out.extend([(Table, from.as_str()), (Table, to.as_str())]),
            Operation::AddColumn { table, column } => out.extend([(Table, table.as_str()), (Column, column.name.as_str())]),
            Operation::DropColumn { table, column } | Operation::AlterColumn { table, column, .. } => {
                out.extend([(Table, table.as_str()), (Column, column.as_str())])
            }
            Operation::RenameColumn { table, from, to } => {
                out.extend([(Table, table.as_str()), (Column, from.as_str()), (Column, to.as_str())])
            }
            Operation::CreateIndex { table, index } => {
                out.extend([(Table, table.as_str()), (Index, index.name.as_str())]);
                out.extend(index.columns.iter().map(|c| (Column, c.as_str())));
            }
            Operation::DropIndex { table, name } => out.extend([(Table, table.as_str()), (Index, name.as_str())]),
            Operation::AddForeignKey { table, foreign_key: fk } => {
                out.extend([(Table, table.as_str()), (ForeignKey, fk.name.as_str()), (Table, fk.references_table.as_str())]);
                out.extend(fk.columns.iter().chain(&fk.references_columns).map(|c| (Column, c.as_str())));
            }
            Operation::DropForeignKey { table, name } => out.extend([(Table, table.as_str()), (ForeignKey, name.as_str())]),
            Operation::Sql(_) | Operation::Mongo { .. } => {}
        }
        out
    }
}

/// What an identifier of an operation names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdentKind {
    /// A table (a collection on MongoDB).
    Table,
    /// A column (a field on MongoDB).
    Column,
    /// An index.
    Index,
    /// A foreign key constraint.
    ForeignKey,
}

impl IdentKind {
    /// The kind as error messages say it.
    pub fn as_str(self) -> &'static str {
        match self {
            IdentKind::Table => "table",
            IdentKind::Column => "column",
            IdentKind::Index => "index",
            IdentKind::ForeignKey => "foreign key",
        }
    }
}

/// A whole database schema: its tables by name.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Schema {
    /// Tables by name.
    pub tables: BTreeMap<String, Table>,
}

impl Schema {
    /// An empty schema.
    pub fn new() -> Schema {
        Schema::default()
    }

    /// The table a foreign key leads to when a model can navigate it: one column, referencing the
    /// whole primary key of a table of this schema.
    pub fn navigable_key(&self, fk: &ForeignKey) -> Option<&Table> {
        let target = self.tables.get(&fk.references_table)?;
        (fk.columns.len() == 1 && target.primary_key == fk.references_columns).then_some(target)
    }

    /// The two foreign keys of a join table: a table of exactly two columns, each a navigable
    /// foreign key ([`navigable_key`](Schema::navigable_key)) of its own. Such a table is a
    /// many-to-many relation between the two tables it references.
    ///
    /// ```
    /// use orm_schema::{Column, ColumnType, ReferentialAction, Schema, Table};
    /// let mut s = Schema::new();
    /// for name in ["posts", "tags"] {
    ///     s.tables.insert(name.into(), Table::new(name).column(Column::new("id", ColumnType::I64)).primary_key(["id"]));
    /// }
    /// let mut join = Table::new("post_tags").column(Column::new("post_id", ColumnType::I64)).column(Column::new("tag_id", ColumnType::I64));
    /// join.add_belongs_to("post_id", "posts", vec!["id".into()], ReferentialAction::Cascade, ReferentialAction::NoAction);
    /// join.add_belongs_to("tag_id", "tags", vec!["id".into()], ReferentialAction::Cascade, ReferentialAction::NoAction);
    /// let [a, b] = s.join_keys(&join).unwrap();
    /// assert_eq!((a.references_table.as_str(), b.references_table.as_str()), ("posts", "tags"));
    /// assert!(s.join_keys(&s.tables["posts"]).is_none());
    /// ```
    pub fn join_keys<'t>(&self, table: &'t Table) -> Option<[&'t ForeignKey; 2]> {
        let keys: Vec<&ForeignKey> = table.foreign_keys.iter().filter(|fk| self.navigable_key(fk).is_some()).collect();
        let [a, b] = keys.as_slice() else { return None };
        let covered = table.columns.iter().all(|c| a.columns[0] == c.name || b.columns[0] == c.name);
        (table.columns.len() == 2 && a.columns != b.columns && covered).then_some([*a, *b])
    }

    /// The table named `name`.
    pub fn table(&self, name: &str) -> Result<&Table, String> {
        self.tables.get(name).ok_or_else(|| format!("table `{name}` does not exist"))
    }

    /// The tables `op` touches ([`Operation::tables`]) as they are after it, checked as
    /// [`Schema::apply`] checks it, without copying the tables it leaves alone.
    ///
    /// ```
    /// use orm_schema::{Column, ColumnType, Operation, Schema, Table};
    /// let mut s = Schema::new();
    /// for name in ["a", "b"] {
    ///     s.apply(&Operation::CreateTable(Table::new(name).column(Column::new("id", ColumnType::I64)))).unwrap();
    /// }
    /// let add = Operation::AddColumn { table: "a".into(), column: Column::new("n", ColumnType::I32).nullable() };
    /// let after = s.touched_after(&add).unwrap();
    /// assert_eq!(after.tables.len(), 1);
    /// assert_eq!(after.table("a").unwrap().columns.len(), 2);
    /// assert!(s.touched_after(&Operation::DropTable { table: "nope".into() }).is_err());
    /// ```
    pub fn touched_after(&self, op: &Operation) -> Result<Schema, String> {
        let tables = op.tables().into_iter().filter_map(|name| self.tables.get_key_value(name));
        let mut touched = Schema { tables: tables.map(|(k, v)| (k.clone(), v.clone())).collect() };
        touched.apply(op)?;
        Ok(touched)
    }

    fn table_mut(&mut self, name: &str) -> Result<&mut Table, String> {
        self.tables.get_mut(name).ok_or_else(|| format!("table `{name}` does not exist"))
    }

    /// Applies `op`, checking that it makes sense (the table exists, the column does not yet, ...).
    /// Raw `sql` and `mongo` operations change nothing the schema model knows of.
    ///
    /// ```
    /// use orm_schema::{Column, ColumnType, Operation, Schema, Table};
    /// let mut s = Schema::new();
    /// s.apply(&Operation::CreateTable(Table::new("t").column(Column::new("id", ColumnType::I64)).primary_key(["id"]))).unwrap();
    /// s.apply(&Operation::AddColumn { table: "t".into(), column: Column::new("n", ColumnType::I32).nullable() }).unwrap();
    /// assert_eq!(s.table("t").unwrap().columns.len(), 2);
    /// assert!(s.apply(&Operation::DropColumn { table: "t".into(), column: "nope".into() }).is_err());
    /// ```
    pub fn apply(&mut self, op: &Operation) -> Result<(), String> {
        match op {
            Operation::CreateTable(table) => {
                if self.tables.contains_key(&table.name) {
                    return Err(format!("table `{}` already exists", table.name));
                }
                for pk in &table.primary_key {
                    if table.column_named(pk).is_none() {
                        return Err(format!("primary key column `{pk}` is not a column of `{}`", table.name));
                    }
                }
                self.tables.insert(table.name.clone(), table.clone());
            }
            Operation::DropTable { table } => {
                self.table(table)?;
                self.tables.remove(table);
            }
            Operation::RenameTable { from, to } => {
                if self.tables.contains_key(to) {
                    return Err(format!("table `{to}` already exists"));
                }
                let mut t = self.tables.remove(from).ok_or_else(|| format!("table `{from}` does not exist"))?;
                t.name = to.clone();
                self.tables.insert(to.clone(), t);
                for other in self.tables.values_mut() {
                    for fk in &mut other.foreign_keys {
                        if &fk.references_table == from {
                            fk.references_table = to.clone();
                        }
                    }
                }
            }
            Operation::AddColumn { table, column } => {
                let t = self.table_mut(table)?;
                if t.column_named(&column.name).is_some() {
                    return Err(format!("column `{table}.{}` already exists", column.name));
                }
                t.columns.push(column.clone());
            }
            Operation::DropColumn { table, column } => {
                let t = self.table_mut(table)?;
                let i = column_index(t, column)?;
                if t.is_primary_key(column) {
                    return Err(format!("column `{table}.{column}` is part of the primary key"));
                }
                t.columns.remove(i);
                t.indexes.retain(|ix| !ix.columns.contains(column));
                t.foreign_keys.retain(|fk| !fk.columns.contains(column));
            }
            Operation::RenameColumn { table, from, to } => {
                let t = self.table_mut(table)?;
                if t.column_named(to).is_some() {
                    return Err(format!("column `{table}.{to}` already exists"));
                }
                let i = column_index(t, from)?;
                t.columns[i].name = to.clone();
                let rename = |c: &mut String| {
                    if c == from {
                        *c = to.clone();
                    }
                };
                t.primary_key.iter_mut().for_each(rename);
                t.indexes.iter_mut().flat_map(|ix| ix.columns.iter_mut()).for_each(rename);
                t.foreign_keys.iter_mut().flat_map(|fk| fk.columns.iter_mut()).for_each(rename);
                let table_name = table.clone();
                for other in self.tables.values_mut() {
                    for fk in other.foreign_keys.iter_mut().filter(|fk| fk.references_table == table_name) {
                        fk.references_columns.iter_mut().for_each(rename);
                    }
                }
            }
            Operation::AlterColumn { table, column, change } => {
                let t = self.table_mut(table)?;
                let i = column_index(t, column)?;
                change.apply_to(&mut t.columns[i]);
            }
            Operation::CreateIndex { table, index } => {
                let t = self.table_mut(table)?;
                if t.indexes.iter().any(|ix| ix.name == index.name) {
                    return Err(format!("index `{}` already exists on `{table}`", index.name));
                }
                for c in &index.columns {
                    column_index(t, c)?;
                }
                t.indexes.push(index.clone());
            }
            Operation::DropIndex { table, name } => {
                let t = self.table_mut(table)?;
                let before = t.indexes.len();
                t.indexes.retain(|ix| &ix.name != name);
                if t.indexes.len() == before {
                    return Err(format!("index `{name}` does not exist on `{table}`"));
                }
            }
            Operation::AddForeignKey { table, foreign_key } => {
                let target = self.table(&foreign_key.references_table)?;
                for c in &foreign_key.references_columns {
                    column_index(target, c)?;
                }
                let t = self.table_mut(table)?;
                for c in &foreign_key.columns {
                    column_index(t, c)?;
                }
                if t.foreign_keys.iter().any(|fk| fk.name == foreign_key.name) {
                    return Err(format!("foreign key `{}` already exists on `{table}`", foreign_key.name));
                }
                t.foreign_keys.push(foreign_key.clone());
            }
            Operation::DropForeignKey { table, name } => {
                let t = self.table_mut(table)?;
                let before = t.foreign_keys.len();
                t.foreign_keys.retain(|fk| &fk.name != name);
                if t.foreign_keys.len() == before {
                    return Err(format!("foreign key `{name}` does not exist on `{table}`"));
                }
            }
            Operation::Sql(_) | Operation::Mongo { .. } => {}
        }
        Ok(())
    }
}

fn column_index(t: &Table, column: &str) -> Result<usize, String> {
    t.columns
        .iter()
        .position(|c| c.name == column)
        .ok_or_else(|| format!("column `{}.{column}` does not exist", t.name))
}
