//! The workloads through Diesel 2.4 on SQLite, written as its guides show: `table!` schemas,
//! `Queryable`/`Selectable`/`Insertable` structs, `belonging_to` + `grouped_by` for eager loading,
//! `RETURNING` for single inserts, multi-row `insert_into(..).values(&rows)` in a transaction.
//!
//! Diesel is synchronous: each workload runs on the calling thread, on one connection (Diesel's
//! `SqliteConnection`; its PostgreSQL and MySQL connections need libpq and libmysqlclient, C
//! libraries this project's builds do without, so Diesel runs on SQLite only).

use super::{FixtureValue, NewUser, Workload, KEY, OLDER_THAN, SEA_CHUNK, USERS, YOUNGER_THAN};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Text, TimestamptzSqlite};
use diesel::SqliteConnection;
use std::sync::Mutex;

/// The schema.
pub mod schema {
    diesel::table! {
        /// Users.
        users (id) {
            /// The key.
            id -> BigInt,
            /// Unique.
            email -> Text,
            /// The display name.
            name -> Text,
            /// Years.
            age -> Integer,
            /// Whether the account is in use.
            active -> Bool,
            /// When the row was made.
            created_at -> TimestamptzSqlite,
        }
    }

    diesel::table! {
        /// Users' posts.
        posts (id) {
            /// The key.
            id -> BigInt,
            /// The author.
            user_id -> BigInt,
            /// The title.
            title -> Text,
            /// The text.
            body -> Text,
        }
    }

    diesel::joinable!(posts -> users (user_id));
    diesel::allow_tables_to_appear_in_same_query!(users, posts);
}

use schema::{posts, users};

/// A user.
#[derive(Queryable, Selectable, Identifiable, Debug, Clone, PartialEq)]
#[diesel(table_name = users, check_for_backend(diesel::sqlite::Sqlite))]
pub struct User {
    /// The key.
    pub id: i64,
    /// Unique.
    pub email: String,
    /// The display name.
    pub name: String,
    /// Years.
    pub age: i32,
    /// Whether the account is in use.
    pub active: bool,
    /// When the row was made.
    pub created_at: DateTime<Utc>,
}

/// A user's post.
#[derive(Queryable, Selectable, Identifiable, Associations, Debug, Clone, PartialEq)]
#[diesel(table_name = posts, belongs_to(User), check_for_backend(diesel::sqlite::Sqlite))]
pub struct Post {
    /// The key.
    pub id: i64,
    /// The author.
    pub user_id: i64,
    /// The title.
    pub title: String,
    /// The text.
    pub body: String,
}

/// A user to insert.
#[derive(Insertable, Debug, Clone)]
#[diesel(table_name = users)]
pub struct NewRow {
    /// Unique.
    pub email: String,
    /// The display name.
    pub name: String,
    /// Years.
    pub age: i32,
    /// Whether the account is in use.
    pub active: bool,
    /// When the row was made.
    pub created_at: DateTime<Utc>,
}

impl From<NewUser> for NewRow {
    fn from(u: NewUser) -> NewRow {
        NewRow { email: u.email, name: u.name, age: u.age, active: u.active, created_at: u.created_at }
    }
}

/// Diesel's connection to a SQLite database.
pub struct Conn(Mutex<SqliteConnection>);

impl Conn {
    /// Opens the database of a `sqlite:` URL (`sqlite::memory:`, `sqlite:///path?mode=rwc`, ...).
    pub fn connect(url: &str) -> Conn {
        let path = url.split('?').next().unwrap_or(url);
        let path = path.strip_prefix("sqlite://").or_else(|| path.strip_prefix("sqlite:")).unwrap_or(path);
        Conn(Mutex::new(SqliteConnection::establish(path).expect("Diesel connects")))
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, SqliteConnection> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs a fixture statement with its values bound.
    pub fn execute(&self, sql: &str, values: &[FixtureValue]) {
        let mut query = diesel::sql_query(sql).into_boxed::<diesel::sqlite::Sqlite>();
        for v in values {
            query = match v {
                FixtureValue::Int(n) => query.bind::<BigInt, _>(*n),
                FixtureValue::Text(s) => query.bind::<Text, _>(s.clone()),
                FixtureValue::Bool(b) => query.bind::<Bool, _>(*b),
                FixtureValue::Time(t) => query.bind::<TimestamptzSqlite, _>(*t),
            };
        }
        query.execute(&mut *self.conn()).expect("fixture statement");
    }

    /// Runs `workload` with `rows` (the rows it writes, if any).
    pub fn run(&self, workload: Workload, rows: Vec<NewRow>, serial: u64) -> usize {
        let conn = &mut *self.conn();
        match workload {
            Workload::SelectByKey => {
                users::table.find(KEY).select(User::as_select()).first(conn).optional().unwrap().into_iter().count()
            }
            Workload::Filtered => users::table
                .filter(users::age.gt(OLDER_THAN))
                .order(users::email.asc())
                .limit(20)
                .select(User::as_select())
                .load(conn)
                .unwrap()
                .len(),
            Workload::Decode1000 => users::table.order(users::id.asc()).limit(USERS).select(User::as_select()).load(conn).unwrap().len(),
            Workload::Eager => {
                let users = users::table.order(users::id.asc()).limit(USERS).select(User::as_select()).load(conn).unwrap();
                let posts = Post::belonging_to(&users).select(Post::as_select()).load(conn).unwrap();
                let grouped: Vec<(User, Vec<Post>)> = posts.grouped_by(&users).into_iter().zip(users).map(|(p, u)| (u, p)).collect();
                grouped.len() + grouped.iter().map(|(_, p)| p.len()).sum::<usize>()
            }
            Workload::InsertOne => {
                let stored: User = diesel::insert_into(users::table).values(&rows[0]).returning(User::as_returning()).get_result(conn).unwrap();
                usize::from(stored.id > USERS)
            }
            Workload::UpdateMany => diesel::update(users::table.filter(users::age.lt(YOUNGER_THAN)))
                .set(users::name.eq(super::renamed(serial)))
                .execute(conn)
                .unwrap(),
            // One statement per 5,000 rows (25,000 bound values, under SQLite's limit), as SeaORM.
            Workload::BulkInsert => conn
                .transaction(|conn| {
                    let mut n = 0;
                    for chunk in rows.chunks(SEA_CHUNK) {
                        n += diesel::insert_into(users::table).values(chunk).execute(conn)?;
                    }
                    diesel::QueryResult::Ok(n)
                })
                .unwrap(),
            Workload::Tx10 => conn
                .transaction(|conn| {
                    let mut n = 0;
                    for row in &rows {
                        let stored: User = diesel::insert_into(users::table).values(row).returning(User::as_returning()).get_result(conn)?;
                        n += usize::from(stored.id > USERS);
                    }
                    diesel::QueryResult::Ok(n)
                })
                .unwrap(),
        }
    }
}
