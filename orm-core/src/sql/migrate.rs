//! Operations -> SQL per dialect, with sea-query's schema statements.
//!
//! | operation | PostgreSQL | MySQL / MariaDB | SQLite |
//! |---|---|---|---|
//! | create_table | `CREATE TABLE` | `CREATE TABLE` | `CREATE TABLE` |
//! | drop_table | `DROP TABLE` | `DROP TABLE` | `DROP TABLE` |
//! | rename_table | `ALTER TABLE ... RENAME TO` | `RENAME TABLE` | `ALTER TABLE ... RENAME TO` |
//! | add_column | `ADD COLUMN` | `ADD COLUMN` | `ADD COLUMN`; table rebuild when the column is unique, or NOT NULL without a default |
//! | drop_column | `DROP COLUMN` | `DROP COLUMN` | table rebuild |
//! | rename_column | `RENAME COLUMN` | `RENAME COLUMN` | `RENAME COLUMN` |
//! | alter_column | `ALTER COLUMN ... TYPE ... USING`, `SET/DROP NOT NULL`, `SET/DROP DEFAULT` | `MODIFY COLUMN` with the whole new definition | table rebuild |
//! | create_index / drop_index | `CREATE [UNIQUE] INDEX` / `DROP INDEX` | same (`DROP INDEX ... ON`) | same |
//! | add_foreign_key / drop_foreign_key | `ADD/DROP CONSTRAINT` | `ADD CONSTRAINT` / `DROP FOREIGN KEY` | table rebuild |
//! | sql | the dialect's text, else `sql` | same | same |
//! | mongo | skipped, with a notice | skipped | skipped |
//!
//! The SQLite table rebuild is SQLite's documented recipe: create the new table under a temporary
//! name, copy the rows, drop the old table, rename the new one, re-create its indexes; foreign keys
//! are carried in the new definition. The runner runs it inside the migration's transaction with
//! foreign key enforcement paused and `PRAGMA foreign_key_check` before the commit.

use crate::schema::{Column, ColumnType, Operation, Schema, Table};
use crate::sql::ddl;
use crate::sql::Dialect;
use sea_query::{ColumnDef, Expr, ExprTrait};

/// What one operation does on an SQL database.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SqlPlan {
    /// Statements, in order.
    pub statements: Vec<String>,
    /// Why the operation does nothing here (a `mongo` operation, an `sql` one without this dialect).
    pub notice: Option<String>,
    /// A query run before the statements that counts the values the operation could not keep
    /// (`SELECT count, example`); the operation is refused, changing nothing, when it counts any.
    /// SQLite's column types accept any value, so a type change is checked first there;
    /// PostgreSQL and MySQL refuse such a change themselves, atomically.
    pub check: Option<String>,
}

use crate::sql::quote_ident as quote;

/// Renders `op`, which acts on the schema `before`, in `dialect`.
pub fn render_sql(op: &Operation, before: &Schema, dialect: Dialect) -> Result<SqlPlan, String> {
    // The touched tables after the operation are copied only where the SQL needs them (SQLite's
    // rebuilds): copying a wide table for each operation made long files quadratic. Elsewhere the
    // names the SQL refers to are checked here; the planner applies the operation, with every
    // check, right after.
    check_referenced(op, before)?;
    let after = || before.touched_after(op);
    let stmts = |s: Vec<String>| Ok(SqlPlan { statements: s, ..SqlPlan::default() });
    match op {
        Operation::CreateTable(table) => stmts(ddl::create_table_sql(table, false, dialect)),
        Operation::DropTable { table } => stmts(vec![ddl::drop_table_sql(table, false, dialect)]),
        Operation::RenameTable { from, to } => {
            let mut stmt = sea_query::Table::rename();
            stmt.table(from.clone(), to.clone());
            stmts(vec![ddl::render_schema(&stmt, dialect)])
        }
        Operation::AddColumn { table, column } => {
            let sqlite_cannot = column.unique || (!column.nullable && column.default.is_none());
            if dialect == Dialect::Sqlite && sqlite_cannot {
                return stmts(rebuild(before.table(table)?, after()?.table(table)?, dialect));
            }
            let mut stmt = sea_query::Table::alter();
            stmt.table(table.clone()).add_column(ddl::column_def(column, false, dialect));
            stmts(vec![ddl::render_schema(&stmt, dialect)])
        }
        Operation::DropColumn { table, column } => {
            if dialect == Dialect::Sqlite {
                return stmts(rebuild(before.table(table)?, after()?.table(table)?, dialect));
            }
            let mut stmt = sea_query::Table::alter();
            stmt.table(table.clone()).drop_column(column.clone());
            stmts(vec![ddl::render_schema(&stmt, dialect)])
        }
        Operation::RenameColumn { table, from, to } => {
            let mut stmt = sea_query::Table::alter();
            stmt.table(table.clone()).rename_column(from.clone(), to.clone());
            stmts(vec![ddl::render_schema(&stmt, dialect)])
        }
        // Validation rules live in the models (and MongoDB's validator): no SQL to run.
        Operation::AlterColumn { change, .. } if change.checks_only() => stmts(Vec::new()),
        Operation::AlterColumn { table, column, change } => {
            let mut new = before.table(table)?.column_named(column).ok_or("altered column vanished")?.clone();
            change.apply_to(&mut new);
            let new = &new;
            // Making a column NOT NULL with a default first gives its NULLs that default.
            let mut fill = Vec::new();
            if change.nullable == Some(false)
                && let Some(d) = &new.default
            {
                let mut update = sea_query::Query::update();
                update
                    .table(table.clone())
                    .value(column.clone(), ddl::default_expr(d))
                    .and_where(Expr::col(column.clone()).is_null());
                fill.push(dialect.render(&update));
            }
            let plan = match dialect {
                Dialect::Sqlite => stmts(rebuild(before.table(table)?, after()?.table(table)?, dialect)),
                Dialect::MySql => {
                    // MODIFY takes the whole definition; keys and unique indexes stay as they are.
                    let mut def = ColumnDef::new(new.name.clone());
                    ddl::set_type(&mut def, new, dialect);
                    if new.nullable { def.null() } else { def.not_null() };
                    if new.auto_increment {
                        def.auto_increment();
                    }
                    if let Some(d) = &new.default {
                        def.default(ddl::default_expr(d));
                    }
                    let mut stmt = sea_query::Table::alter();
                    stmt.table(table.clone()).modify_column(&mut def);
                    stmts(vec![ddl::render_schema(&stmt, dialect)])
                }
                _ => {
                    let mut out = Vec::new();
                    let alter = |def: &mut ColumnDef| {
                        let mut stmt = sea_query::Table::alter();
                        stmt.table(table.clone()).modify_column(def);
                        ddl::render_schema(&stmt, dialect)
                    };
                    // The type change stands alone: PostgreSQL wants its USING right after the type.
                    if change.ty.is_some() {
                        let mut def = ColumnDef::new(new.name.clone());
                        ddl::set_type(&mut def, new, dialect);
                        def.using(Expr::col(new.name.clone()).cast_as(ddl::type_name(new, dialect)));
                        out.push(alter(&mut def));
                    }
                    let mut def = ColumnDef::new(new.name.clone());
                    let mut changed = false;
                    if let Some(nullable) = change.nullable {
                        if nullable { def.null() } else { def.not_null() };
                        changed = true;
                    }
                    if let Some(Some(d)) = &change.default {
                        def.default(ddl::default_expr(d));
                        changed = true;
                    }
                    if changed {
                        out.push(alter(&mut def));
                    }
                    if let Some(None) = &change.default {
                        out.push(format!(
                            "ALTER TABLE {} ALTER COLUMN {} DROP DEFAULT",
                            quote(table, dialect),
                            quote(column, dialect)
                        ));
                    }
                    stmts(out)
                }
            };
            plan.map(|mut p| {
                fill.append(&mut p.statements);
                p.statements = fill;
                if dialect == Dialect::Sqlite && change.ty.is_some() {
                    p.check = sqlite_unconvertible(table, new);
                }
                p
            })
        }
        Operation::CreateIndex { table, index } => {
            let mut t = Table::new(table.clone());
            t.indexes.push(index.clone());
            stmts(ddl::create_index_statements(&t, false, dialect).iter().map(|s| ddl::render_schema(s, dialect)).collect())
        }
        Operation::DropIndex { table, name } => {
            let mut stmt = sea_query::Index::drop();
            stmt.name(ddl::sea_query_raw_name(name, dialect)).table(table.clone());
            stmts(vec![ddl::render_schema(&stmt, dialect)])
        }
        Operation::AddForeignKey { table, foreign_key } => {
            if dialect == Dialect::Sqlite {
                return stmts(rebuild(before.table(table)?, after()?.table(table)?, dialect));
            }
            let stmt = ddl::foreign_key_statement(table, foreign_key, dialect);
            stmts(vec![ddl::render_schema(&stmt, dialect)])
        }
        Operation::DropForeignKey { table, name } => {
            if dialect == Dialect::Sqlite {
                return stmts(rebuild(before.table(table)?, after()?.table(table)?, dialect));
            }
            let mut stmt = sea_query::ForeignKey::drop();
            stmt.name(ddl::sea_query_raw_name(name, dialect)).table(table.clone());
            stmts(vec![ddl::render_schema(&stmt, dialect)])
        }
        Operation::Sql(raw) => {
            let text = match dialect {
                Dialect::Postgres => raw.postgres.as_ref(),
                Dialect::MySql => raw.mysql.as_ref(),
                Dialect::Sqlite => raw.sqlite.as_ref(),
            }
            .or(raw.all.as_ref());
            match text {
                Some(sql) => stmts(vec![sql.clone()]),
                None => Ok(SqlPlan {
                    notice: Some(format!("`sql` operation skipped: it has no text for {dialect:?}")),
                    ..SqlPlan::default()
                }),
            }
        }
        Operation::Mongo { .. } => Ok(SqlPlan {
            notice: Some("`mongo` operation skipped on an SQL database".to_string()),
            ..SqlPlan::default()
        }),
        other => Err(format!("`{}` is not supported on SQL databases", other.name())),
    }
}

/// Checks that the tables and columns `op` names exist (and a new table does not), without copying.
fn check_referenced(op: &Operation, before: &Schema) -> Result<(), String> {
    let column = |t: &str, c: &str| {
        before.table(t)?.column_named(c).map(|_| ()).ok_or_else(|| format!("column `{t}.{c}` does not exist"))
    };
    match op {
        Operation::CreateTable(t) if before.tables.contains_key(&t.name) => Err(format!("table `{}` already exists", t.name)),
        Operation::CreateTable(_) | Operation::Sql(_) | Operation::Mongo { .. } => Ok(()),
        Operation::DropColumn { table, column: c } | Operation::AlterColumn { table, column: c, .. } => column(table, c),
        Operation::RenameColumn { table, from, .. } => column(table, from),
        Operation::RenameTable { from, .. } => before.table(from).map(|_| ()),
        other => other.tables().into_iter().try_for_each(|t| before.table(t).map(|_| ())),
    }
}

/// `SELECT count, example` of the stored values of `column` (already of its new type) that SQLite
/// would keep as they are although they are no value of that type (SQLite's column types are
/// affinities: `'abc'` stays text in an `integer` column); `None` when every value converts.
fn sqlite_unconvertible(table: &str, column: &Column) -> Option<String> {
    let c = quote(&column.name, Dialect::Sqlite);
    let text = format!("trim(CAST({c} AS TEXT))");
    let number = format!(
        "(typeof({c}) IN ('integer', 'real') OR (typeof({c}) = 'text' AND {text} GLOB '*[0-9]*' \
         AND {text} NOT GLOB '*[^0-9eE.+-]*'))"
    );
    let integer = |min: i64, max: i64| {
        format!(
            "((typeof({c}) = 'integer' OR (typeof({c}) = 'real' AND {c} = CAST({c} AS INTEGER)) \
             OR (typeof({c}) = 'text' AND CAST(CAST({text} AS INTEGER) AS TEXT) = ltrim({text}, '+'))) \
             AND CAST({c} AS INTEGER) BETWEEN {min} AND {max})"
        )
    };
    let valid = match column.ty {
        ColumnType::Bool => format!("(typeof({c}) = 'integer' AND {c} IN (0, 1))"),
        ColumnType::I16 => integer(i16::MIN.into(), i16::MAX.into()),
        ColumnType::I32 => integer(i32::MIN.into(), i32::MAX.into()),
        ColumnType::I64 => integer(i64::MIN, i64::MAX),
        ColumnType::F32 | ColumnType::F64 | ColumnType::Decimal { .. } => number,
        ColumnType::Date => format!("date({c}) = {c}"),
        ColumnType::Time => format!("time({c}) IS NOT NULL"),
        ColumnType::DateTime | ColumnType::Timestamp => format!("datetime({c}) IS NOT NULL"),
        ColumnType::Json => format!("json_valid({c})"),
        ColumnType::Uuid => format!("(typeof({c}) = 'blob' AND length({c}) = 16)"),
        ColumnType::ObjectId => format!("(length({c}) = 24 AND {c} NOT GLOB '*[^0-9a-f]*')"),
        _ => return None,
    };
    Some(format!(
        "SELECT COUNT(*), CAST(MIN(CAST({c} AS TEXT)) AS TEXT) FROM {} WHERE {c} IS NOT NULL AND NOT ({valid})",
        quote(table, Dialect::Sqlite)
    ))
}

/// SQLite's table rebuild: the new definition under a temporary name, the rows copied over, the old
/// table dropped, the new one renamed, its indexes re-created.
fn rebuild(before: &Table, after: &Table, dialect: Dialect) -> Vec<String> {
    let temp = format!("__orm_rebuild_{}", after.name);
    let mut new = after.clone();
    new.name = temp.clone();
    new.indexes.clear();
    let mut out = ddl::create_table_sql(&new, false, dialect);
    let shared: Vec<String> = after
        .columns
        .iter()
        .filter(|c| before.column_named(&c.name).is_some())
        .map(|c| quote(&c.name, dialect))
        .collect();
    if !shared.is_empty() {
        let cols = shared.join(", ");
        out.push(format!("INSERT INTO {} ({cols}) SELECT {cols} FROM {}", quote(&temp, dialect), quote(&before.name, dialect)));
    }
    out.push(ddl::drop_table_sql(&before.name, false, dialect));
    let mut rename = sea_query::Table::rename();
    rename.table(temp, after.name.clone());
    out.push(ddl::render_schema(&rename, dialect));
    out.extend(ddl::create_index_statements(after, false, dialect).iter().map(|s| ddl::render_schema(s, dialect)));
    out
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod hostile;
