//! DDL from the neutral schema: `CREATE TABLE` (with keys and defaults), `CREATE INDEX`, `DROP TABLE`.
//!
//! Column types per dialect (the backend differences table in the README repeats this):
//!
//! | neutral | PostgreSQL | MySQL / MariaDB | SQLite |
//! |---|---|---|---|
//! | bool | boolean | boolean (tinyint(1)) | boolean |
//! | i16 / i32 / i64 | smallint / integer / bigint | smallint / int / bigint | smallint / integer / bigint (`integer` when auto-increment) |
//! | f32 / f64 | real / double precision | float / double | real / double |
//! | decimal(p, s) | numeric(p, s), or numeric | decimal(p, s), or decimal(38, 18) | decimal_text (exact, stored as text) |
//! | string(n) | varchar(n), or varchar | varchar(n), or varchar(255) | varchar(n), or text |
//! | text | text | longtext | text |
//! | bytes | bytea | longblob | blob |
//! | date / time | date / time | date / time(6) | date_text / time_text |
//! | datetime | timestamp | datetime(6) | datetime_text |
//! | timestamp | timestamptz | datetime(6), in UTC | timestamp_text |
//! | uuid | uuid | binary(16) | uuid_blob |
//! | json | jsonb | json | json_text |
//! | object_id | char(24) | char(24) | char(24) |

use super::Dialect;
use crate::schema::{Column, ColumnType, DefaultValue, Table};
use sea_query::{ColumnDef, Expr, Index, IndexCreateStatement, TableCreateStatement};

fn custom(def: &mut ColumnDef, ty: String) {
    def.custom(ty);
}

/// Sets the type of `def` to `column`'s type in `dialect` (see the module's table).
pub fn set_type(def: &mut ColumnDef, column: &Column, dialect: Dialect) {
    let d = dialect;
    match column.ty {
        ColumnType::Bool => custom(def, "boolean".into()),
        ColumnType::I16 | ColumnType::I32 | ColumnType::I64 if d == Dialect::Sqlite && column.auto_increment => {
            custom(def, "integer".into())
        }
        ColumnType::I16 if d == Dialect::Sqlite => custom(def, "smallint".into()),
        ColumnType::I64 if d == Dialect::Sqlite => custom(def, "bigint".into()),
        ColumnType::I16 => {
            def.small_integer();
        }
        ColumnType::I32 => {
            def.integer();
        }
        ColumnType::I64 => {
            def.big_integer();
        }
        ColumnType::F32 => custom(def, if d == Dialect::MySql { "float" } else { "real" }.into()),
        ColumnType::F64 => custom(def, if d == Dialect::Postgres { "double precision" } else { "double" }.into()),
        ColumnType::Decimal { precision, scale } => custom(
            def,
            match (d, precision) {
                (Dialect::Sqlite, _) => "decimal_text".into(),
                (Dialect::Postgres, None) => "numeric".into(),
                (Dialect::Postgres, Some(p)) => format!("numeric({p}, {})", scale.unwrap_or(0)),
                (_, None) => "decimal(38, 18)".into(),
                (_, Some(p)) => format!("decimal({p}, {})", scale.unwrap_or(0)),
            },
        ),
        ColumnType::String { length } => custom(
            def,
            match (d, length) {
                (_, Some(n)) => format!("varchar({n})"),
                (Dialect::Postgres, None) => "varchar".into(),
                (Dialect::MySql, None) => "varchar(255)".into(),
                (_, None) => "text".into(),
            },
        ),
        ColumnType::Text => custom(def, if d == Dialect::MySql { "longtext" } else { "text" }.into()),
        ColumnType::Bytes => custom(
            def,
            match d {
                Dialect::Postgres => "bytea",
                Dialect::MySql => "longblob",
                _ => "blob",
            }
            .into(),
        ),
        ColumnType::Date => custom(def, if d == Dialect::Sqlite { "date_text" } else { "date" }.into()),
        ColumnType::Time => custom(
            def,
            match d {
                Dialect::Postgres => "time",
                Dialect::MySql => "time(6)",
                _ => "time_text",
            }
            .into(),
        ),
        ColumnType::DateTime => custom(
            def,
            match d {
                Dialect::Postgres => "timestamp",
                Dialect::MySql => "datetime(6)",
                _ => "datetime_text",
            }
            .into(),
        ),
        ColumnType::Timestamp => custom(
            def,
            match d {
                Dialect::Postgres => "timestamptz",
                Dialect::MySql => "datetime(6)",
                _ => "timestamp_text",
            }
            .into(),
        ),
        ColumnType::Uuid => custom(
            def,
            match d {
                Dialect::Postgres => "uuid",
                Dialect::MySql => "binary(16)",
                _ => "uuid_blob",
            }
            .into(),
        ),
        ColumnType::Json => custom(
            def,
            match d {
                Dialect::Postgres => "jsonb",
                Dialect::MySql => "json",
                _ => "json_text",
            }
            .into(),
        ),
        _ => custom(def, "char(24)".into()),
    }
}

/// The type of `column` in `dialect` as SQL text (`bigint`, `varchar(255)`, ...), without the
/// identity or auto-increment clause sea-query adds for auto-increment keys: what `CAST(.. AS ..)`
/// takes.
pub fn type_name(column: &Column, dialect: Dialect) -> String {
    match column.ty {
        ColumnType::I16 if dialect != Dialect::Sqlite || !column.auto_increment => "smallint".into(),
        ColumnType::I32 if dialect == Dialect::MySql => "int".into(),
        ColumnType::I32 => "integer".into(),
        ColumnType::I64 if dialect != Dialect::Sqlite || !column.auto_increment => "bigint".into(),
        _ => {
            let mut def = ColumnDef::new("c");
            set_type(&mut def, column, dialect);
            match def.get_column_type() {
                Some(sea_query::ColumnType::Custom(ty)) => ty.to_string(),
                _ => "integer".into(),
            }
        }
    }
}

/// The column definition of `column` in `dialect`.
pub fn column_def(column: &Column, single_primary_key: bool, dialect: Dialect) -> ColumnDef {
    let mut def = ColumnDef::new(column.name.clone());
    set_type(&mut def, column, dialect);
    if column.nullable {
        def.null();
    } else {
        def.not_null();
    }
    if single_primary_key {
        def.primary_key();
    }
    if column.auto_increment {
        def.auto_increment();
    }
    if column.unique {
        def.unique_key();
    }
    if let Some(default) = &column.default {
        def.default(default_expr(default));
    }
    def
}

/// A column default as an SQL expression.
pub fn default_expr(d: &DefaultValue) -> Expr {
    match d {
        DefaultValue::Bool(b) => Expr::val(*b),
        DefaultValue::Int(i) => Expr::val(*i),
        DefaultValue::Float(f) => Expr::val(*f),
        DefaultValue::String(s) => Expr::val(s.clone()),
        DefaultValue::CurrentTimestamp => Expr::current_timestamp(),
        _ => Expr::cust("NULL"),
    }
}

/// `CREATE TABLE [IF NOT EXISTS]` for `table`, with its primary key and column constraints.
pub fn create_table_statement(table: &Table, if_not_exists: bool, dialect: Dialect) -> TableCreateStatement {
    let mut stmt = sea_query::Table::create();
    stmt.table(table.name.clone());
    if if_not_exists {
        stmt.if_not_exists();
    }
    let single = table.primary_key.len() == 1;
    for column in &table.columns {
        stmt.col(column_def(column, single && table.is_primary_key(&column.name), dialect));
    }
    if table.primary_key.len() > 1 {
        let mut pk = Index::create();
        for c in &table.primary_key {
            pk.col(c.clone());
        }
        stmt.primary_key(&mut pk);
    }
    // SQLite's foreign keys are written by `create_table_sql`: sea-query leaves their names out.
    if dialect != Dialect::Sqlite {
        for fk in &table.foreign_keys {
            stmt.foreign_key(&mut foreign_key_statement(&table.name, fk, dialect));
        }
    }
    stmt
}

/// A name for a position sea-query 1.0 writes between quote characters without escaping them
/// (index and foreign key names in `CREATE INDEX`, `DROP INDEX`, `ADD CONSTRAINT`, `DROP
/// CONSTRAINT`, `DROP FOREIGN KEY`): the quote character of `dialect` doubled, so the name stays
/// one identifier. Every such position goes through here; `hostile_names_stay_identifiers` in the
/// migration renderer's tests fails if sea-query starts escaping them itself.
pub fn sea_query_raw_name(name: &str, dialect: Dialect) -> String {
    let quoted = super::quote_ident(name, dialect);
    quoted[1..quoted.len() - 1].to_string()
}

/// `FOREIGN KEY (...) REFERENCES ...` of `table`, with its actions.
pub fn foreign_key_statement(table: &str, fk: &crate::schema::ForeignKey, dialect: Dialect) -> sea_query::ForeignKeyCreateStatement {
    let mut stmt = sea_query::ForeignKey::create();
    stmt.name(sea_query_raw_name(&fk.name, dialect)).from_tbl(table.to_string()).to_tbl(fk.references_table.clone());
    for c in &fk.columns {
        stmt.from_col(c.clone());
    }
    for c in &fk.references_columns {
        stmt.to_col(c.clone());
    }
    stmt.on_delete(action(fk.on_delete)).on_update(action(fk.on_update));
    stmt
}

fn action(a: crate::schema::ReferentialAction) -> sea_query::ForeignKeyAction {
    use crate::schema::ReferentialAction as R;
    match a {
        R::NoAction => sea_query::ForeignKeyAction::NoAction,
        R::Restrict => sea_query::ForeignKeyAction::Restrict,
        R::Cascade => sea_query::ForeignKeyAction::Cascade,
        R::SetNull => sea_query::ForeignKeyAction::SetNull,
        R::SetDefault => sea_query::ForeignKeyAction::SetDefault,
    }
}

/// `CREATE [UNIQUE] INDEX` statements for the table's indexes, for `dialect`.
pub fn create_index_statements(table: &Table, if_not_exists: bool, dialect: Dialect) -> Vec<IndexCreateStatement> {
    table
        .indexes
        .iter()
        .map(|index| {
            let mut stmt = Index::create();
            stmt.name(sea_query_raw_name(&index.name, dialect)).table(table.name.clone());
            for c in &index.columns {
                stmt.col(c.clone());
            }
            if index.unique {
                stmt.unique();
            }
            if if_not_exists {
                stmt.if_not_exists();
            }
            stmt
        })
        .collect()
}

/// The SQL that creates `table` and its indexes, in order.
pub fn create_table_sql(table: &Table, if_not_exists: bool, dialect: Dialect) -> Vec<String> {
    let mut create = render_schema(&create_table_statement(table, if_not_exists, dialect), dialect);
    if dialect == Dialect::Sqlite && !table.foreign_keys.is_empty() {
        // `CREATE TABLE "t" ( ... )`: the named foreign keys go before the closing parenthesis.
        let body = create.strip_suffix(" )").unwrap_or(&create).to_string();
        let clauses: Vec<String> = table.foreign_keys.iter().map(sqlite_foreign_key_clause).collect();
        create = format!("{body}, {} )", clauses.join(", "));
    }
    let mut out = vec![create];
    for index in create_index_statements(table, if_not_exists, dialect) {
        out.push(render_schema(&index, dialect));
    }
    out
}

/// `CONSTRAINT "name" FOREIGN KEY ("a") REFERENCES "t" ("b") ON DELETE .. ON UPDATE ..`: sea-query
/// leaves the name out of SQLite's table-level foreign keys, and SQLite keeps it (introspection
/// reads it back).
fn sqlite_foreign_key_clause(fk: &crate::schema::ForeignKey) -> String {
    let q = |n: &String| super::quote_ident(n, Dialect::Sqlite);
    let list = |cols: &[String]| cols.iter().map(q).collect::<Vec<_>>().join(", ");
    format!(
        "CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {} ({}) ON DELETE {} ON UPDATE {}",
        q(&fk.name),
        list(&fk.columns),
        q(&fk.references_table),
        list(&fk.references_columns),
        action_sql(fk.on_delete),
        action_sql(fk.on_update)
    )
}

fn action_sql(a: crate::schema::ReferentialAction) -> &'static str {
    use crate::schema::ReferentialAction as R;
    match a {
        R::NoAction => "NO ACTION",
        R::Restrict => "RESTRICT",
        R::Cascade => "CASCADE",
        R::SetNull => "SET NULL",
        R::SetDefault => "SET DEFAULT",
    }
}

/// `DROP TABLE [IF EXISTS] table` (its indexes go with it).
pub fn drop_table_sql(table: &str, if_exists: bool, dialect: Dialect) -> String {
    let mut stmt = sea_query::Table::drop();
    stmt.table(table.to_string());
    if if_exists {
        stmt.if_exists();
    }
    render_schema(&stmt, dialect)
}

/// A query that returns a row (one BIGINT) when a table named by its one bound parameter exists (in the
/// current schema or database).
pub(crate) fn table_exists_sql(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Postgres => "SELECT CAST(1 AS BIGINT) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = $1",
        Dialect::MySql => "SELECT 1 FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = ?",
        Dialect::Sqlite => "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
    }
}

/// Renders a sea-query schema statement in `dialect`.
pub fn render_schema<S: sea_query::SchemaStatementBuilder>(stmt: &S, dialect: Dialect) -> String {
    match dialect {
        Dialect::Postgres => stmt.to_string(sea_query::PostgresQueryBuilder),
        Dialect::MySql => stmt.to_string(sea_query::MysqlQueryBuilder),
        Dialect::Sqlite => stmt.to_string(sea_query::SqliteQueryBuilder),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Column, Index as SIndex};

    fn users() -> Table {
        Table::new("users")
            .column(Column::new("id", ColumnType::I64).auto_increment())
            .column(Column::new("email", ColumnType::String { length: Some(255) }).unique())
            .column(Column::new("age", ColumnType::I32).nullable())
            .column(Column::new("active", ColumnType::Bool).default(DefaultValue::Bool(true)))
            .column(Column::new("at", ColumnType::Timestamp))
            .primary_key(["id"])
            .index(SIndex::new("users_at_idx", ["at"]))
    }

    #[test]
    fn postgres_create() {
        let sql = create_table_sql(&users(), false, Dialect::Postgres);
        assert_eq!(
            sql[0],
            r#"CREATE TABLE "users" ( "id" bigint GENERATED BY DEFAULT AS IDENTITY NOT NULL PRIMARY KEY, "email" varchar(255) NOT NULL UNIQUE, "age" integer NULL, "active" boolean NOT NULL DEFAULT TRUE, "at" timestamptz NOT NULL )"#
        );
        assert_eq!(sql[1], r#"CREATE INDEX "users_at_idx" ON "users" ("at")"#);
    }

    #[test]
    fn sqlite_autoincrement_is_integer_primary_key() {
        let sql = create_table_sql(&users(), true, Dialect::Sqlite);
        assert!(sql[0].starts_with(r#"CREATE TABLE IF NOT EXISTS "users" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT"#), "{}", sql[0]);
    }

    #[test]
    fn mysql_create_and_composite_key() {
        let t = Table::new("post_tags")
            .column(Column::new("post_id", ColumnType::I64))
            .column(Column::new("tag_id", ColumnType::I64))
            .column(Column::new("amount", ColumnType::Decimal { precision: None, scale: None }))
            .primary_key(["post_id", "tag_id"]);
        let sql = create_table_sql(&t, false, Dialect::MySql);
        assert_eq!(
            sql[0],
            "CREATE TABLE `post_tags` ( `post_id` bigint NOT NULL, `tag_id` bigint NOT NULL, `amount` decimal(38, 18) NOT NULL, PRIMARY KEY (`post_id`, `tag_id`) )"
        );
    }

    #[test]
    fn hostile_names_are_quoted() {
        let t = Table::new("x\"); DROP TABLE users; --")
            .column(Column::new("a`b\"c", ColumnType::I32))
            .primary_key(["a`b\"c"]);
        let pg = create_table_sql(&t, false, Dialect::Postgres);
        assert!(pg[0].starts_with(r#"CREATE TABLE "x""); DROP TABLE users; --" ( "a`b""c""#), "{}", pg[0]);
        let my = create_table_sql(&t, false, Dialect::MySql);
        assert!(my[0].contains("`a``b\"c`"), "{}", my[0]);
    }
}
