//! The schema diff: the operations that turn one [`Schema`] into another, in an order that respects
//! dependencies, with the exact inverse for `down`.

use crate::{Column, ColumnChange, ColumnType, Index, Operation, Schema, Table};
use std::collections::BTreeMap;

/// Renames declared by models (`#[orm(renamed_from = "old")]`): never guessed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Renames {
    /// New table name -> old table name.
    pub tables: BTreeMap<String, String>,
    /// (new table name, new column name) -> old column name.
    pub columns: BTreeMap<(String, String), String>,
}

impl Renames {
    /// The renames that undo these.
    pub fn inverse(&self) -> Renames {
        let tables: BTreeMap<String, String> = self.tables.iter().map(|(n, o)| (o.clone(), n.clone())).collect();
        let columns = self
            .columns
            .iter()
            .map(|((table, new), old)| {
                let old_table = self.tables.get(table).cloned().unwrap_or_else(|| table.clone());
                ((old_table, old.clone()), new.clone())
            })
            .collect();
        Renames { tables, columns }
    }
}

/// The operations from one schema to another.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Diff {
    /// From `current` to `target`.
    pub up: Vec<Operation>,
    /// From `target` back to `current`.
    pub down: Vec<Operation>,
    /// Destructive or unsupported steps, named.
    pub warnings: Vec<String>,
}

impl Diff {
    /// Whether the two schemas are the same.
    pub fn is_empty(&self) -> bool {
        self.up.is_empty()
    }
}

impl Schema {
    /// The same schema with single-column unique constraints written as unique indexes
    /// (`{table}_{column}_key`): the form the diff and comparisons use, since backends report the
    /// two the same way.
    pub fn normalised(&self) -> Schema {
        let mut out = self.clone();
        for t in out.tables.values_mut() {
            let table_name = t.name.clone();
            let mut new_indexes = Vec::new();
            for c in t.columns.iter_mut().filter(|c| c.unique) {
                c.unique = false;
                new_indexes.push(Index::new(Index::default_name(&table_name, &[&c.name], true), [c.name.clone()]).unique());
            }
            let pk = t.primary_key.clone();
            new_indexes.retain(|ix| ix.columns != pk);
            for ix in new_indexes {
                if !t.indexes.iter().any(|i| i.columns == ix.columns && i.unique) {
                    t.indexes.push(ix);
                }
            }
            t.indexes.sort_by(|a, b| a.name.cmp(&b.name));
            t.foreign_keys.sort_by(|a, b| a.name.cmp(&b.name));
            for c in &mut t.columns {
                c.generated = false;
            }
        }
        out
    }
}

/// The operations that turn `current` into `target` (and back).
///
/// ```
/// use orm_schema::{diff, Column, ColumnType, Operation, Renames, Schema, Table};
/// let mut target = Schema::new();
/// target.tables.insert("t".into(), Table::new("t").column(Column::new("id", ColumnType::I64)).primary_key(["id"]));
/// let d = diff(&Schema::new(), &target, &Renames::default());
/// assert!(matches!(d.up[0], Operation::CreateTable(_)));
/// assert_eq!(d.down, [Operation::DropTable { table: "t".into() }]);
/// ```
pub fn diff(current: &Schema, target: &Schema, renames: &Renames) -> Diff {
    let (up, warnings) = steps(&current.normalised(), &target.normalised(), renames);
    let (down, _) = steps(&target.normalised(), &current.normalised(), &renames.inverse());
    Diff { up, down, warnings }
}

fn narrowing(from: ColumnType, to: ColumnType) -> bool {
    use ColumnType as T;
    let rank = |t: ColumnType| match t {
        T::I16 => Some(1),
        T::I32 => Some(2),
        T::I64 => Some(3),
        _ => None,
    };
    match (from, to) {
        (T::String { length: a }, T::String { length: b }) => match (a, b) {
            (None, Some(_)) => true,
            (Some(a), Some(b)) => b < a,
            _ => false,
        },
        (T::Text, T::String { .. }) | (T::F64, T::F32) => true,
        (a, b) if rank(a).is_some() && rank(b).is_some() => rank(b) < rank(a),
        (a, b) => a != b && !matches!((a, b), (T::String { .. }, T::Text)) && rank(b).is_none() && rank(a).is_none() && a.name() != b.name(),
    }
}

fn steps(current: &Schema, target: &Schema, renames: &Renames) -> (Vec<Operation>, Vec<String>) {
    let mut ops = Vec::new();
    let mut warnings = Vec::new();
    // The current schema as seen through the declared table renames.
    let mut cur = current.clone();
    for (new, old) in &renames.tables {
        if cur.tables.contains_key(old) && !cur.tables.contains_key(new) && target.tables.contains_key(new) {
            ops.push(Operation::RenameTable { from: old.clone(), to: new.clone() });
            let _ = cur.apply(ops.last().expect("just pushed"));
        }
    }

    // 1. Foreign keys and indexes that go or change, before their tables and columns change.
    for (name, ct) in &cur.tables {
        let tt = target.tables.get(name);
        for fk in &ct.foreign_keys {
            if tt.is_none_or(|t| !t.foreign_keys.contains(fk)) {
                ops.push(Operation::DropForeignKey { table: name.clone(), name: fk.name.clone() });
            }
        }
        if let Some(tt) = tt {
            for ix in &ct.indexes {
                if !tt.indexes.contains(ix) {
                    ops.push(Operation::DropIndex { table: name.clone(), name: ix.name.clone() });
                }
            }
        }
    }

    // 2. New tables (their indexes and foreign keys come later).
    for (name, tt) in &target.tables {
        if !cur.tables.contains_key(name) {
            let mut bare = tt.clone();
            bare.indexes.clear();
            bare.foreign_keys.clear();
            ops.push(Operation::CreateTable(bare));
        }
    }

    // 3. Columns of tables on both sides.
    for (name, tt) in &target.tables {
        let Some(ct) = cur.tables.get(name) else { continue };
        let mut ct: Table = ct.clone();
        for ((table, new), old) in &renames.columns {
            if table == name && ct.column_named(old).is_some() && ct.column_named(new).is_none() && tt.column_named(new).is_some() {
                ops.push(Operation::RenameColumn { table: name.clone(), from: old.clone(), to: new.clone() });
                if let Some(c) = ct.columns.iter_mut().find(|c| &c.name == old) {
                    c.name = new.clone();
                }
            }
        }
        for tc in &tt.columns {
            if ct.column_named(&tc.name).is_none() {
                ops.push(Operation::AddColumn { table: name.clone(), column: tc.clone() });
            }
        }
        for tc in &tt.columns {
            let Some(cc) = ct.column_named(&tc.name) else { continue };
            if let Some(change) = column_change(cc, tc) {
                if change.ty.is_some() && narrowing(cc.ty, tc.ty) {
                    warnings.push(format!("narrowing `{name}.{}` from {} to {} may lose data", tc.name, cc.ty, tc.ty));
                }
                ops.push(Operation::AlterColumn { table: name.clone(), column: tc.name.clone(), change });
            }
            if cc.auto_increment != tc.auto_increment {
                warnings.push(format!("`{name}.{}` changes auto_increment: write that migration by hand", tc.name));
            }
        }
        for cc in &ct.columns {
            if tt.column_named(&cc.name).is_none() {
                warnings.push(format!("dropping column `{name}.{}` loses its data", cc.name));
                ops.push(Operation::DropColumn { table: name.clone(), column: cc.name.clone() });
            }
        }
        if ct.primary_key != tt.primary_key {
            warnings.push(format!("the primary key of `{name}` changes: write that migration by hand"));
        }
    }

    // 4. Tables that go.
    for name in cur.tables.keys() {
        if !target.tables.contains_key(name) {
            warnings.push(format!("dropping table `{name}` loses its data"));
            ops.push(Operation::DropTable { table: name.clone() });
        }
    }

    // 5. Indexes, then foreign keys, once every table and column exists.
    for (name, tt) in &target.tables {
        let ct = cur.tables.get(name);
        for ix in &tt.indexes {
            if ct.is_none_or(|c| !c.indexes.contains(ix)) {
                ops.push(Operation::CreateIndex { table: name.clone(), index: ix.clone() });
            }
        }
    }
    for (name, tt) in &target.tables {
        let ct = cur.tables.get(name);
        for fk in &tt.foreign_keys {
            if ct.is_none_or(|c| !c.foreign_keys.contains(fk)) {
                ops.push(Operation::AddForeignKey { table: name.clone(), foreign_key: fk.clone() });
            }
        }
    }
    (ops, warnings)
}

fn column_change(from: &Column, to: &Column) -> Option<ColumnChange> {
    let mut change = ColumnChange::default();
    if from.ty != to.ty {
        change.ty = Some(to.ty);
    }
    if from.nullable != to.nullable {
        change.nullable = Some(to.nullable);
    }
    if from.default != to.default {
        change.default = Some(to.default.clone());
        // A new default is written with its column's type.
        if to.default.is_some() {
            change.ty = Some(to.ty);
        }
    }
    if from.checks != to.checks {
        change.checks = Some(to.checks.clone());
    }
    (change != ColumnChange::default()).then_some(change)
}

#[cfg(test)]
mod tests;
