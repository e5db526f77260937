//! Planning: a migration's operations replayed on the schema before it, each identifier checked
//! against the backend's rules, each operation rendered for the backend. A run plans every
//! migration it will run before it runs the first, so a mistake anywhere in the plan changes
//! nothing; and an `up` whose `down` does not restore the schema is refused.

use super::file::{MigrationFile, Step};
use super::names;
pub(crate) use crate::driver::Planned;
use crate::error::{Error, Result};
use crate::schema::{Schema, Table};
use crate::capability::{BackendKind, Dialect};

/// Where a plan runs: a backend, and the database's name (MongoDB's names are checked with it).
#[derive(Debug, Clone, Copy)]
pub(crate) struct PlanTarget<'a> {
    pub(crate) backend: BackendKind,
    pub(crate) database: &'a str,
}

/// A migration's steps, each with the line and name of the operation it comes from.
pub(crate) struct Plan {
    pub(crate) steps: Vec<(usize, &'static str, Planned)>,
    pub(crate) notices: Vec<String>,
}

/// Plans `steps` of `file` on `schema`, which it leaves as the schema after them.
pub(crate) fn plan(file: &MigrationFile, steps: &[Step], schema: &mut Schema, target: PlanTarget<'_>) -> Result<Plan> {
    let mut plan = Plan { steps: Vec::new(), notices: Vec::new() };
    for step in steps {
        let at = |m: String| file_err(file, step.line, m);
        names::check_operation(&step.op, target.backend, target.database).map_err(at)?;
        let op_name = step.op.name();
        let notice = |n: String| format!("{}:{}: {n}", file.path.display(), step.line);
        let (steps, notices) = crate::driver::render_operation(&step.op, schema, target.backend, target.database).map_err(at)?;
        plan.notices.extend(notices.into_iter().map(notice));
        plan.steps.extend(steps.into_iter().map(|s| (step.line, op_name, s)));
        schema.apply(&step.op).map_err(at)?;
    }
    Ok(plan)
}



/// Checks that `file`'s `down` undoes its `up` on `before` (the schema the `up` starts from),
/// replaying both on a copy of the tables they touch; the error says what differs.
pub(crate) fn check_reversible(file: &MigrationFile, before: &Schema) -> Result<(), Error> {
    let touched: std::collections::BTreeSet<&str> =
        file.up.iter().chain(&file.down).flat_map(|s| s.op.tables()).collect();
    let original = Schema {
        tables: touched.iter().filter_map(|t| before.tables.get_key_value(*t)).map(|(k, v)| (k.clone(), v.clone())).collect(),
    };
    let mut replayed = original.clone();
    for step in &file.up {
        replayed.apply(&step.op).map_err(|m| file_err(file, step.line, m))?;
    }
    for step in &file.down {
        replayed.apply(&step.op).map_err(|m| file_err(file, step.line, format!("`down` does not apply after `up`: {m}")))?;
    }
    match difference(&original, &replayed) {
        None => Ok(()),
        Some(what) => Err(Error::MigrationFile {
            file: file.path.display().to_string(),
            line: None,
            message: format!(
                "`down` does not undo `up`: after `up` then `down`, {what}. Make `down` the exact inverse of `up` \
                 (or run with --allow-irreversible)"
            ),
        }),
    }
}

/// The first difference between two schemas that matters to a database, in words; column order
/// does not count (a column dropped and added back lands at the end).
fn difference(before: &Schema, after: &Schema) -> Option<String> {
    for (name, t) in &before.tables {
        match after.tables.get(name) {
            None => return Some(format!("table `{name}` is gone")),
            Some(a) => {
                if let Some(d) = table_difference(t, a) {
                    return Some(format!("table `{name}` differs: {d}"));
                }
            }
        }
    }
    after.tables.keys().find(|n| !before.tables.contains_key(*n)).map(|n| format!("table `{n}` is left behind"))
}

fn table_difference(before: &Table, after: &Table) -> Option<String> {
    for c in &before.columns {
        match after.column_named(&c.name) {
            None => return Some(format!("column `{}` is gone", c.name)),
            Some(a) if a != c => return Some(format!("column `{}` was {c:?}, is now {a:?}", c.name)),
            _ => {}
        }
    }
    if let Some(c) = after.columns.iter().find(|c| before.column_named(&c.name).is_none()) {
        return Some(format!("column `{}` is left behind", c.name));
    }
    if before.primary_key != after.primary_key {
        return Some(format!("the primary key was {:?}, is now {:?}", before.primary_key, after.primary_key));
    }
    let sorted = |t: &Table| {
        let mut ix = t.indexes.clone();
        ix.sort_by(|a, b| a.name.cmp(&b.name));
        let mut fk = t.foreign_keys.clone();
        fk.sort_by(|a, b| a.name.cmp(&b.name));
        (ix, fk)
    };
    let ((ib, fb), (ia, fa)) = (sorted(before), sorted(after));
    if ib != ia {
        return Some(format!("the indexes were {:?}, are now {:?}", names_of(&ib, |i| &i.name), names_of(&ia, |i| &i.name)));
    }
    if fb != fa {
        return Some(format!("the foreign keys were {:?}, are now {:?}", names_of(&fb, |f| &f.name), names_of(&fa, |f| &f.name)));
    }
    None
}

fn names_of<T>(items: &[T], name: impl Fn(&T) -> &String) -> Vec<&str> {
    items.iter().map(|i| name(i).as_str()).collect()
}

/// The SQL (or MongoDB commands) that migrations would run, without a database: `up` of every file,
/// or `down` of every file newest first.
pub fn plan_offline(files: &[MigrationFile], dialect: Option<Dialect>, down: bool, database: &str) -> Result<Vec<(i64, Vec<String>)>> {
    let target = PlanTarget { backend: dialect.map_or(BackendKind::MongoDb, Dialect::backend), database };
    let mut schema = Schema::new();
    let mut out = Vec::new();
    for f in files {
        let plan = plan(f, &f.up, &mut schema, target)?;
        if !down {
            out.push((f.version, lines(plan, dialect.is_some())));
        }
    }
    if down {
        for f in files.iter().rev() {
            let plan = plan(f, &f.down, &mut schema, target)?;
            out.push((f.version, lines(plan, dialect.is_some())));
        }
    }
    Ok(out)
}

fn lines(plan: Plan, sql: bool) -> Vec<String> {
    let mut out: Vec<String> = plan
        .steps
        .iter()
        .map(|(_, _, s)| if sql && !s.is_check() { format!("{};", s.describe()) } else { s.describe() })
        .collect();
    out.extend(plan.notices.iter().map(|n| if sql { format!("-- {n}") } else { n.clone() }));
    out
}

/// The schema that the `up` operations of `files` describe, replayed in order over an empty one.
pub fn replay(files: &[MigrationFile]) -> Result<Schema> {
    let mut schema = Schema::new();
    replay_onto(&mut schema, files.iter())?;
    Ok(schema)
}

/// Replays the `up` operations of `files` onto `schema`.
pub(crate) fn replay_onto<'a>(schema: &mut Schema, files: impl IntoIterator<Item = &'a MigrationFile>) -> Result<()> {
    for f in files {
        for step in &f.up {
            schema.apply(&step.op).map_err(|m| file_err(f, step.line, m))?;
        }
    }
    Ok(())
}

pub(crate) fn file_err(file: &MigrationFile, line: usize, message: String) -> Error {
    Error::MigrationFile { file: file.path.display().to_string(), line: Some(line), message }
}
