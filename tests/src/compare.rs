//! The toolkit side by side with SeaORM, hand-written sqlx and (on SQLite) Diesel: the same eight
//! workloads on the same schema, each written the way its own documentation recommends.
//!
//! The schema is `users(id, email unique, name, age, active, created_at)` and
//! `posts(id, user_id, title, body)`, seeded with 1,000 users (ages 18 to 77) and two posts each.
//! Every contender runs a [`Workload`] on its own connection ([`Contender::connect`]) and reports how
//! many rows it read or wrote, so the `compare` integration test can check that all of them do the
//! same work on every backend, and the `seaorm` benchmark and the `instructions` example (callgrind)
//! can time and count them.
//!
//! Rows a workload writes are built beforehand by [`Contender::batch`], in each contender's own form
//! (the toolkit's model, SeaORM's `ActiveModel`), so building them is never measured. Written users
//! are 99 years old with emails starting with `z`, so the read workloads never see them.

pub mod diesel_side;
pub mod raw;
pub mod sea;
pub mod toolkit;

use chrono::{DateTime, Utc};

/// Who runs a workload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// This toolkit.
    Toolkit,
    /// SeaORM 2.0.
    SeaOrm,
    /// Hand-written sqlx.
    Raw,
    /// Diesel 2.4 (SQLite only).
    Diesel,
}

impl Side {
    /// Every side, in the order the benchmarks run them.
    pub const ALL: [Side; 4] = [Side::Toolkit, Side::SeaOrm, Side::Raw, Side::Diesel];

    /// The sides that run on `dialect`: Diesel on SQLite only.
    pub fn on(dialect: Dialect) -> impl Iterator<Item = Side> {
        Side::ALL.into_iter().filter(move |s| *s != Side::Diesel || dialect == Dialect::Sqlite)
    }

    /// The side's name in benchmark ids and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Side::Toolkit => "orm",
            Side::SeaOrm => "seaorm",
            Side::Raw => "raw",
            Side::Diesel => "diesel",
        }
    }

    /// The side called `name`.
    pub fn parse(name: &str) -> Option<Side> {
        Side::ALL.into_iter().find(|s| s.name() == name)
    }
}

/// One measured operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Workload {
    /// A user by primary key (id 500).
    SelectByKey,
    /// Users older than 40, ordered by email, the first 20.
    Filtered,
    /// The first 1,000 users by id, decoded.
    Decode1000,
    /// The first 1,000 users by id and their 2,000 posts.
    Eager,
    /// One user inserted, read back with its key.
    InsertOne,
    /// `UPDATE users SET name = ? WHERE age < 58` (680 rows).
    UpdateMany,
    /// 10,000 users inserted in one transaction.
    BulkInsert,
    /// A transaction of ten single inserts, each read back with its key.
    Tx10,
}

impl Workload {
    /// Every workload, reads first.
    pub const ALL: [Workload; 8] = [
        Workload::SelectByKey,
        Workload::Filtered,
        Workload::Decode1000,
        Workload::Eager,
        Workload::InsertOne,
        Workload::UpdateMany,
        Workload::BulkInsert,
        Workload::Tx10,
    ];

    /// The workload's name in benchmark ids and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Workload::SelectByKey => "select_by_key",
            Workload::Filtered => "filtered_limit_20",
            Workload::Decode1000 => "decode_1000",
            Workload::Eager => "eager_1000",
            Workload::InsertOne => "insert_one",
            Workload::UpdateMany => "update_many",
            Workload::BulkInsert => "bulk_insert_10000",
            Workload::Tx10 => "tx_10_inserts",
        }
    }

    /// The workload called `name`.
    pub fn parse(name: &str) -> Option<Workload> {
        Workload::ALL.into_iter().find(|w| w.name() == name)
    }

    /// How many users the workload writes (0 for the reads and the update).
    pub fn writes(self) -> usize {
        match self {
            Workload::InsertOne => 1,
            Workload::BulkInsert => BULK_ROWS,
            Workload::Tx10 => 10,
            _ => 0,
        }
    }

    /// The rows every contender must report: read, written or updated.
    pub fn expected_rows(self) -> usize {
        match self {
            Workload::SelectByKey => 1,
            Workload::Filtered => 20,
            Workload::Decode1000 => 1000,
            Workload::Eager => 3000,
            Workload::UpdateMany => 680,
            w => w.writes(),
        }
    }
}

/// Seeded users.
pub const USERS: i64 = 1000;
/// Rows of the bulk insert.
pub const BULK_ROWS: usize = 10_000;
/// Rows per statement of SeaORM's chunked `insert_many` (5 values a row, under every backend's
/// bind-parameter limit).
pub const SEA_CHUNK: usize = 5000;
/// The key [`Workload::SelectByKey`] looks up.
pub const KEY: i64 = 500;
/// [`Workload::Filtered`]: users older than this.
pub const OLDER_THAN: i32 = 40;
/// [`Workload::UpdateMany`]: users younger than this.
pub const YOUNGER_THAN: i32 = 58;

/// The backend a URL points at, for the schema's SQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// PostgreSQL.
    Postgres,
    /// MySQL / MariaDB.
    MySql,
    /// SQLite.
    Sqlite,
}

impl Dialect {
    /// The dialect of `url`'s scheme.
    pub fn of(url: &str) -> Dialect {
        if url.starts_with("postgres") {
            Dialect::Postgres
        } else if url.starts_with("mysql") || url.starts_with("mariadb") {
            Dialect::MySql
        } else {
            Dialect::Sqlite
        }
    }
}

/// The instant every row is created at.
pub fn created_at() -> DateTime<Utc> {
    "2024-05-06T07:08:09.123Z".parse().unwrap()
}

/// A user the write workloads insert.
#[derive(Debug, Clone, PartialEq)]
pub struct NewUser {
    /// Unique per batch and row.
    pub email: String,
    /// The display name.
    pub name: String,
    /// Always 99.
    pub age: i32,
    /// Always true.
    pub active: bool,
    /// [`created_at`].
    pub created_at: DateTime<Utc>,
}

/// `n` users for batch `serial`, with emails no other batch uses.
pub fn new_users(serial: u64, n: usize) -> Vec<NewUser> {
    (0..n)
        .map(|i| NewUser {
            email: format!("z{serial}-{i}@example.com"),
            name: format!("new user {i}"),
            age: 99,
            active: true,
            created_at: created_at(),
        })
        .collect()
}

/// A value a fixture statement binds; each contender binds it the way its own driver takes it.
#[derive(Debug, Clone, PartialEq)]
pub enum FixtureValue {
    /// An integer.
    Int(i64),
    /// Text.
    Text(String),
    /// A boolean.
    Bool(bool),
    /// An instant (a `DATETIME` without zone on MySQL).
    Time(DateTime<Utc>),
}

/// One statement of the fixture: table and column names quoted by the toolkit's
/// [`Dialect::quote`](orm_core::Dialect::quote), values bound, never written into the text.
#[derive(Debug, Clone, PartialEq)]
pub struct FixtureStatement {
    /// The text, with the dialect's placeholders.
    pub sql: String,
    /// The values, in placeholder order.
    pub values: Vec<FixtureValue>,
}

impl FixtureStatement {
    fn text(sql: String) -> FixtureStatement {
        FixtureStatement { sql, values: Vec::new() }
    }
}

impl Dialect {
    /// The toolkit's dialect of the same name.
    pub fn core(self) -> orm_core::Dialect {
        match self {
            Dialect::Postgres => orm_core::Dialect::Postgres,
            Dialect::MySql => orm_core::Dialect::MySql,
            Dialect::Sqlite => orm_core::Dialect::Sqlite,
        }
    }

    /// `name` quoted as an identifier.
    fn quote(self, name: &str) -> String {
        self.core().quote(name)
    }
}

/// The statements that create and fill the schema for `dialect`: 1,000 users
/// (`user0001@example.com`..., ages `18 + i % 60`, created at [`created_at`], keys 1 to 1,000 as
/// the fresh table hands them out) and posts 1 and 2 of each.
pub fn seed_statements(dialect: Dialect) -> Vec<FixtureStatement> {
    let (key, bool_ty, time_ty) = match dialect {
        Dialect::Postgres => ("BIGSERIAL PRIMARY KEY", "BOOLEAN", "TIMESTAMPTZ"),
        Dialect::MySql => ("BIGINT AUTO_INCREMENT PRIMARY KEY", "BOOL", "DATETIME(6)"),
        Dialect::Sqlite => ("INTEGER PRIMARY KEY AUTOINCREMENT", "BOOLEAN", "TEXT"),
    };
    let q = |name: &str| dialect.quote(name);
    let mut out: Vec<FixtureStatement> = [
        format!("DROP TABLE IF EXISTS {}", q("posts")),
        format!("DROP TABLE IF EXISTS {}", q("users")),
        format!(
            "CREATE TABLE {} ({} {key}, {} VARCHAR(255) NOT NULL UNIQUE, {} VARCHAR(255) NOT NULL, {} INTEGER NOT NULL, {} {bool_ty} NOT NULL, {} {time_ty} NOT NULL)",
            q("users"), q("id"), q("email"), q("name"), q("age"), q("active"), q("created_at")
        ),
        format!(
            "CREATE TABLE {} ({} {key}, {} BIGINT NOT NULL REFERENCES {} ({}), {} VARCHAR(255) NOT NULL, {} TEXT NOT NULL)",
            q("posts"), q("id"), q("user_id"), q("users"), q("id"), q("title"), q("body")
        ),
        format!("CREATE INDEX {} ON {} ({})", q("posts_user_id"), q("posts"), q("user_id")),
    ]
    .into_iter()
    .map(FixtureStatement::text)
    .collect();
    let users = (1..=USERS).flat_map(|i| {
        [
            FixtureValue::Text(format!("user{i:04}@example.com")),
            FixtureValue::Text(format!("User {i}")),
            FixtureValue::Int(18 + (i - 1) % 60),
            FixtureValue::Bool(true),
            FixtureValue::Time(created_at()),
        ]
    });
    out.push(FixtureStatement {
        sql: orm_core::sql::values_insert("users", &["email", "name", "age", "active", "created_at"], USERS as usize, None, dialect.core()),
        values: users.collect(),
    });
    let posts = (1..=USERS).flat_map(|i| {
        (1..=2).flat_map(move |j| [FixtureValue::Int(i), FixtureValue::Text(format!("Post {j} of {i}")), FixtureValue::Text(format!("Body of post {j}."))])
    });
    out.push(FixtureStatement {
        sql: orm_core::sql::values_insert("posts", &["user_id", "title", "body"], 2 * USERS as usize, None, dialect.core()),
        values: posts.collect(),
    });
    out
}

/// Deletes the users the write workloads added (keys after the seeded ones).
pub fn reset_statement(dialect: Dialect) -> FixtureStatement {
    let mark = if dialect == Dialect::Postgres { "$1" } else { "?" };
    FixtureStatement {
        sql: format!("DELETE FROM {} WHERE {} > {mark}", dialect.quote("users"), dialect.quote("id")),
        values: vec![FixtureValue::Int(USERS)],
    }
}

/// A contender's connection.
pub enum Contender {
    /// The toolkit's database handle.
    Toolkit(orm_core::Database),
    /// SeaORM's connection.
    SeaOrm(sea_orm::DatabaseConnection),
    /// A sqlx pool.
    Raw(raw::Pool),
    /// Diesel's SQLite connection.
    Diesel(diesel_side::Conn),
}

/// Rows a write workload inserts, in the contender's own form.
pub enum Batch {
    /// Nothing to insert.
    None,
    /// The toolkit's models.
    Toolkit(Vec<toolkit::User>),
    /// SeaORM's active models.
    SeaOrm(Vec<sea::user::ActiveModel>),
    /// Plain rows for sqlx.
    Raw(Vec<NewUser>),
    /// Diesel's insertable rows.
    Diesel(Vec<diesel_side::NewRow>),
}

impl Contender {
    /// Connects `side` to `url` with one connection for a private in-memory SQLite database
    /// (`sqlite::memory:`) and each library's default pool otherwise.
    pub async fn connect(side: Side, url: &str) -> Contender {
        match side {
            Side::Toolkit => Contender::Toolkit(orm_core::Database::connect(url).await.expect("toolkit connects")),
            Side::SeaOrm => Contender::SeaOrm(sea_orm::Database::connect(url).await.expect("SeaORM connects")),
            Side::Raw => Contender::Raw(raw::Pool::connect(url).await),
            Side::Diesel => Contender::Diesel(diesel_side::Conn::connect(url)),
        }
    }

    /// Creates and fills the schema through this contender's own connection (each private
    /// in-memory SQLite database needs its own).
    pub async fn seed(&self, dialect: Dialect) {
        for statement in seed_statements(dialect) {
            self.execute(dialect, &statement).await;
        }
    }

    /// Runs a fixture statement, its values bound through this contender's own driver.
    pub async fn execute(&self, dialect: Dialect, statement: &FixtureStatement) {
        let values = statement.values.iter().cloned();
        match self {
            Contender::Toolkit(db) => {
                let values = values.map(|v| match v {
                    FixtureValue::Int(n) => orm_core::Value::I64(Some(n)),
                    FixtureValue::Text(s) => orm_core::Value::String(Some(s)),
                    FixtureValue::Bool(b) => orm_core::Value::Bool(Some(b)),
                    FixtureValue::Time(t) => orm_core::Value::Timestamp(Some(t)),
                });
                db.raw_execute(&statement.sql, values).await.expect("fixture statement");
            }
            Contender::SeaOrm(db) => {
                use sea_orm::ConnectionTrait;
                let values = values.map(|v| match v {
                    FixtureValue::Int(n) => sea_orm::Value::from(n),
                    FixtureValue::Text(s) => sea_orm::Value::from(s),
                    FixtureValue::Bool(b) => sea_orm::Value::from(b),
                    FixtureValue::Time(t) if dialect == Dialect::MySql => sea_orm::Value::from(t.naive_utc()),
                    FixtureValue::Time(t) => sea_orm::Value::from(t),
                });
                let statement = sea_orm::Statement::from_sql_and_values(db.get_database_backend(), &statement.sql, values);
                db.execute_raw(statement).await.expect("fixture statement");
            }
            Contender::Raw(pool) => pool.execute(&statement.sql, &statement.values).await,
            Contender::Diesel(conn) => conn.execute(&statement.sql, &statement.values),
        }
    }

    /// The rows `workload` writes when run for the `serial`-th time, in this contender's form.
    pub fn batch(&self, workload: Workload, serial: u64) -> Batch {
        let n = workload.writes();
        if n == 0 {
            return Batch::None;
        }
        let rows = new_users(serial, n);
        match self {
            Contender::Toolkit(_) => Batch::Toolkit(rows.into_iter().map(toolkit::User::from).collect()),
            Contender::SeaOrm(_) => Batch::SeaOrm(rows.into_iter().map(sea::user::ActiveModel::from).collect()),
            Contender::Raw(_) => Batch::Raw(rows),
            Contender::Diesel(_) => Batch::Diesel(rows.into_iter().map(diesel_side::NewRow::from).collect()),
        }
    }

    /// Runs `workload` once with `batch` (from [`batch`](Contender::batch)); returns the rows read,
    /// written or updated. For [`Workload::UpdateMany`], `serial` makes the new name differ from the
    /// last run's, so every backend counts the rows as changed.
    pub async fn run(&self, workload: Workload, batch: Batch, serial: u64) -> usize {
        match (self, batch) {
            (Contender::Toolkit(db), batch) => toolkit::run(db, workload, batch, serial).await,
            (Contender::SeaOrm(db), batch) => sea::run(db, workload, batch, serial).await,
            (Contender::Raw(pool), batch) => pool.run(workload, batch, serial).await,
            (Contender::Diesel(conn), Batch::Diesel(rows)) => conn.run(workload, rows, serial),
            (Contender::Diesel(conn), _) => conn.run(workload, Vec::new(), serial),
        }
    }

    /// Closes the connection (PostgreSQL's and MySQL's test databases are dropped afterwards).
    pub async fn close(self) {
        match self {
            Contender::Toolkit(db) => db.close().await,
            Contender::SeaOrm(db) => db.close().await.expect("close SeaORM's pool"),
            Contender::Raw(pool) => pool.close().await,
            Contender::Diesel(conn) => drop(conn),
        }
    }

    /// Deletes the users the write workloads added, so the reads see the seeded rows only.
    pub async fn reset_writes(&self, dialect: Dialect) {
        self.execute(dialect, &reset_statement(dialect)).await;
    }
}

/// The name [`Workload::UpdateMany`] sets on its `serial`-th run.
pub fn renamed(serial: u64) -> String {
    format!("renamed {serial}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn placeholders(sql: &str, dialect: Dialect) -> usize {
        match dialect {
            Dialect::Postgres => sql.matches('$').count(),
            _ => sql.matches('?').count(),
        }
    }

    #[test]
    fn the_fixture_binds_every_value_and_quotes_every_name() {
        for dialect in [Dialect::Postgres, Dialect::MySql, Dialect::Sqlite] {
            let mut statements = seed_statements(dialect);
            statements.push(reset_statement(dialect));
            for s in &statements {
                assert_eq!(placeholders(&s.sql, dialect), s.values.len(), "{dialect:?}: {}", &s.sql[..60.min(s.sql.len())]);
                assert!(!s.sql.contains('\''), "{dialect:?}: no literal in {}", &s.sql[..60.min(s.sql.len())]);
            }
            let q = if dialect == Dialect::MySql { '`' } else { '"' };
            assert!(statements[2].sql.starts_with(&format!("CREATE TABLE {q}users{q} ({q}id{q} ")), "{}", statements[2].sql);
            assert_eq!(statements[5].values.len(), 5 * USERS as usize);
            assert_eq!(statements[5].values[..2], [FixtureValue::Text("user0001@example.com".into()), FixtureValue::Text("User 1".into())]);
        }
        assert!(seed_statements(Dialect::Postgres)[6].sql.ends_with("($5998, $5999, $6000)"));
    }
}
