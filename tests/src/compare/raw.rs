//! The workloads as hand-written sqlx: positional decoding into plain structs, `QueryBuilder`
//! multi-row inserts, `IN (...)` lists for eager loading (on PostgreSQL faster than one bound
//! array, `= ANY($1)`, which the server matched row by row: 14.6 ms against 7.0 ms for 1,000 keys).

use super::{Batch, NewUser, Workload, KEY, OLDER_THAN, SEA_CHUNK, USERS, YOUNGER_THAN};
use chrono::{DateTime, Utc};
use sqlx::Row;

/// A user as the raw form decodes it.
#[derive(Debug, Clone, PartialEq)]
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

/// A post as the raw form decodes it.
#[derive(Debug, Clone, PartialEq)]
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

/// A sqlx pool of one backend.
pub enum Pool {
    /// PostgreSQL.
    Postgres(sqlx::PgPool),
    /// MySQL / MariaDB.
    MySql(sqlx::MySqlPool),
    /// SQLite.
    Sqlite(sqlx::SqlitePool),
}

const USER_COLUMNS: &str = "SELECT id, email, name, age, active, created_at FROM users";

/// The end of a single-row insert: the row from `RETURNING`, or read back by the key the
/// database generated (`last_id`, where there is no `RETURNING`).
macro_rules! inserted {
    (returning, $conn:expr, $values:expr, $query:expr) => {{
        let row = $query(format!("{} RETURNING id, email, name, age, active, created_at", $values)).fetch_one(&mut *$conn).await.unwrap();
        user(&row)
    }};
    (last_id, $conn:expr, $values:expr, $query:expr) => {{
        let done = $query($values).execute(&mut *$conn).await.unwrap();
        by_key(&mut *$conn, done.last_id()).await.unwrap()
    }};
}

/// The workloads for one sqlx database type; `$ph` renders placeholder `n`, `$inserted` is how a
/// single insert gets its row back (`returning` or `last_id`).
macro_rules! raw_backend {
    ($module:ident, $db:ty, $ph:expr, $inserted:ident) => {
        mod $module {
            use super::*;
            type P = sqlx::Pool<$db>;
            type R = <$db as sqlx::Database>::Row;

            fn ph(n: usize) -> String {
                ($ph)(n)
            }

            pub fn user(r: &R) -> User {
                User { id: r.get(0), email: r.get(1), name: r.get(2), age: r.get(3), active: r.get(4), created_at: r.get(5) }
            }

            pub fn post(r: &R) -> Post {
                Post { id: r.get(0), user_id: r.get(1), title: r.get(2), body: r.get(3) }
            }

            pub async fn by_key<'c, E: sqlx::Executor<'c, Database = $db>>(e: E, id: i64) -> Option<User> {
                let sql = format!("{USER_COLUMNS} WHERE id = {}", ph(1));
                sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(e).await.unwrap().map(|r| user(&r))
            }

            pub async fn filtered(pool: &P) -> Vec<User> {
                let sql = format!("{USER_COLUMNS} WHERE age > {} ORDER BY email LIMIT 20", ph(1));
                sqlx::query(sqlx::AssertSqlSafe(sql)).bind(OLDER_THAN).fetch_all(pool).await.unwrap().iter().map(user).collect()
            }

            pub async fn first_users(pool: &P) -> Vec<User> {
                let sql = format!("{USER_COLUMNS} ORDER BY id LIMIT {USERS}");
                sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(pool).await.unwrap().iter().map(user).collect()
            }

            pub async fn update_many(pool: &P, name: String) -> u64 {
                let sql = format!("UPDATE users SET name = {} WHERE age < {}", ph(1), ph(2));
                sqlx::query(sqlx::AssertSqlSafe(sql)).bind(name).bind(YOUNGER_THAN).execute(pool).await.unwrap().rows_affected()
            }

            pub async fn insert(conn: &mut <$db as sqlx::Database>::Connection, u: &NewUser) -> User {
                let values = format!("INSERT INTO users (email, name, age, active, created_at) VALUES ({}, {}, {}, {}, {})", ph(1), ph(2), ph(3), ph(4), ph(5));
                let query = |sql: String| {
                    sqlx::query(sqlx::AssertSqlSafe(sql)).bind(u.email.clone()).bind(u.name.clone()).bind(u.age).bind(u.active).bind(u.created_at)
                };
                inserted!($inserted, conn, values, query)
            }

            pub async fn bulk(pool: &P, rows: &[NewUser]) -> usize {
                let mut tx = pool.begin().await.unwrap();
                for chunk in rows.chunks(SEA_CHUNK) {
                    let mut qb = sqlx::QueryBuilder::<$db>::new("INSERT INTO users (email, name, age, active, created_at) ");
                    qb.push_values(chunk, |mut b, u| {
                        b.push_bind(u.email.clone()).push_bind(u.name.clone()).push_bind(u.age).push_bind(u.active).push_bind(u.created_at);
                    });
                    qb.build().execute(&mut *tx).await.unwrap();
                }
                tx.commit().await.unwrap();
                rows.len()
            }

            pub async fn tx10(pool: &P, rows: &[NewUser]) -> usize {
                let mut tx = pool.begin().await.unwrap();
                let mut n = 0;
                for u in rows {
                    n += usize::from(insert(&mut *tx, u).await.id > USERS);
                }
                tx.commit().await.unwrap();
                n
            }
        }
    };
}

raw_backend!(pg, sqlx::Postgres, |n: usize| format!("${n}"), returning);
raw_backend!(my, sqlx::MySql, |_n: usize| "?".to_string(), last_id);
raw_backend!(lite, sqlx::Sqlite, |_n: usize| "?".to_string(), returning);

/// The generated key of a single-row insert, where the backend reports it.
trait LastId {
    fn last_id(&self) -> i64;
}

impl LastId for sqlx::mysql::MySqlQueryResult {
    fn last_id(&self) -> i64 {
        self.last_insert_id() as i64
    }
}

/// Users with their posts, grouped by hand.
fn group(users: Vec<User>, posts: Vec<Post>) -> Vec<(User, Vec<Post>)> {
    let mut by_user: std::collections::HashMap<i64, Vec<Post>> = std::collections::HashMap::with_capacity(users.len());
    for p in posts {
        by_user.entry(p.user_id).or_default().push(p);
    }
    users.into_iter().map(|u| { let posts = by_user.remove(&u.id).unwrap_or_default(); (u, posts) }).collect()
}

fn count(loaded: &[(User, Vec<Post>)]) -> usize {
    loaded.len() + loaded.iter().map(|(_, p)| p.len()).sum::<usize>()
}

/// `SELECT ... FROM posts WHERE user_id IN (?, ?, ...)` with the users' keys bound.
macro_rules! posts_in_list {
    ($db:ty, $pool:expr, $users:expr, $post:path) => {{
        let mut qb = sqlx::QueryBuilder::<$db>::new("SELECT id, user_id, title, body FROM posts WHERE user_id IN (");
        let mut keys = qb.separated(", ");
        for u in $users.iter() {
            keys.push_bind(u.id);
        }
        qb.push(")");
        qb.build().fetch_all($pool).await.unwrap().iter().map($post).collect::<Vec<Post>>()
    }};
}

async fn posts_pg(pool: &sqlx::PgPool, users: &[User]) -> Vec<Post> {
    posts_in_list!(sqlx::Postgres, pool, users, pg::post)
}

async fn posts_my(pool: &sqlx::MySqlPool, users: &[User]) -> Vec<Post> {
    posts_in_list!(sqlx::MySql, pool, users, my::post)
}

async fn posts_lite(pool: &sqlx::SqlitePool, users: &[User]) -> Vec<Post> {
    posts_in_list!(sqlx::Sqlite, pool, users, lite::post)
}

impl Pool {
    /// A pool for `url`: one connection for a private in-memory SQLite database, sqlx's defaults
    /// otherwise.
    pub async fn connect(url: &str) -> Pool {
        match super::Dialect::of(url) {
            super::Dialect::Postgres => Pool::Postgres(sqlx::PgPool::connect(url).await.expect("raw pool")),
            super::Dialect::MySql => Pool::MySql(sqlx::MySqlPool::connect(url).await.expect("raw pool")),
            super::Dialect::Sqlite => {
                let mut options = sqlx::sqlite::SqlitePoolOptions::new();
                if url.contains(":memory:") {
                    options = options.max_connections(1).min_connections(1).idle_timeout(None).max_lifetime(None);
                }
                Pool::Sqlite(options.connect(url).await.expect("raw pool"))
            }
        }
    }

    /// Closes the pool.
    pub async fn close(self) {
        match self {
            Pool::Postgres(p) => p.close().await,
            Pool::MySql(p) => p.close().await,
            Pool::Sqlite(p) => p.close().await,
        }
    }

    /// Runs a fixture statement with its values bound.
    pub async fn execute(&self, sql: &str, values: &[super::FixtureValue]) {
        use super::FixtureValue as V;
        /// Binds every value, instants through `$time`, and runs the statement on `$pool`.
        macro_rules! bound {
            ($pool:expr, $time:expr) => {{
                let mut query = sqlx::query(sqlx::AssertSqlSafe(sql.to_string()));
                for v in values {
                    query = match v {
                        V::Int(n) => query.bind(*n),
                        V::Text(s) => query.bind(s.clone()),
                        V::Bool(b) => query.bind(*b),
                        V::Time(t) => query.bind(($time)(*t)),
                    };
                }
                query.execute($pool).await.map(drop)
            }};
        }
        match self {
            Pool::Postgres(p) => bound!(p, |t: DateTime<Utc>| t),
            // A DATETIME column has no zone: the instant as UTC wall time.
            Pool::MySql(p) => bound!(p, |t: DateTime<Utc>| t.naive_utc()),
            Pool::Sqlite(p) => bound!(p, |t: DateTime<Utc>| t),
        }
        .expect("fixture statement");
    }

    /// Runs `workload`.
    pub async fn run(&self, workload: Workload, batch: Batch, serial: u64) -> usize {
        let rows = match batch {
            Batch::Raw(rows) => rows,
            _ => {
                assert_eq!(workload.writes(), 0, "{workload:?} needs plain rows");
                Vec::new()
            }
        };
        macro_rules! on {
            ($m:ident, $p:expr, $posts:ident) => {
                match workload {
                    Workload::SelectByKey => $m::by_key($p, KEY).await.into_iter().count(),
                    Workload::Filtered => $m::filtered($p).await.len(),
                    Workload::Decode1000 => $m::first_users($p).await.len(),
                    Workload::Eager => {
                        let users = $m::first_users($p).await;
                        let posts = $posts($p, &users).await;
                        count(&group(users, posts))
                    }
                    Workload::InsertOne => usize::from($m::insert(&mut *$p.acquire().await.unwrap(), &rows[0]).await.id > USERS),
                    Workload::UpdateMany => $m::update_many($p, super::renamed(serial)).await as usize,
                    Workload::BulkInsert => $m::bulk($p, &rows).await,
                    Workload::Tx10 => $m::tx10($p, &rows).await,
                }
            };
        }
        match self {
            Pool::Postgres(p) => on!(pg, p, posts_pg),
            Pool::MySql(p) => on!(my, p, posts_my),
            Pool::Sqlite(p) => on!(lite, p, posts_lite),
        }
    }
}
