//! The workloads through the toolkit, written as its README shows.

use super::{Batch, NewUser, Workload, KEY, OLDER_THAN, USERS, YOUNGER_THAN};
use chrono::{DateTime, Utc};
use orm_core::{Database, Model};

/// A user.
#[derive(Model, Debug, Clone, PartialEq)]
#[orm(table = "users", has_many(Post, foreign_key = "user_id"))]
pub struct User {
    /// The key.
    #[orm(primary_key, auto_increment)]
    pub id: i64,
    /// Unique.
    #[orm(unique, length = 255)]
    pub email: String,
    /// The display name.
    #[orm(length = 255)]
    pub name: String,
    /// Years.
    pub age: i32,
    /// Whether the account is in use.
    pub active: bool,
    /// When the row was made.
    pub created_at: DateTime<Utc>,
}

/// A user's post.
#[derive(Model, Debug, Clone, PartialEq)]
#[orm(table = "posts")]
pub struct Post {
    /// The key.
    #[orm(primary_key, auto_increment)]
    pub id: i64,
    /// The author. (No `belongs_to`: the derive registers a model's foreign keys for the whole
    /// binary, where the conformance suite's own `posts` model declares this key's `on_delete`.)
    pub user_id: i64,
    /// The title.
    #[orm(length = 255)]
    pub title: String,
    /// The text.
    pub body: String,
}

impl From<NewUser> for User {
    fn from(u: NewUser) -> User {
        User { id: 0, email: u.email, name: u.name, age: u.age, active: u.active, created_at: u.created_at }
    }
}

/// Runs `workload` on `db`.
pub async fn run(db: &Database, workload: Workload, batch: Batch, serial: u64) -> usize {
    let Batch::Toolkit(rows) = batch else {
        assert_eq!(workload.writes(), 0, "{workload:?} needs the toolkit's rows");
        return read_or_update(db, workload, serial).await;
    };
    match workload {
        Workload::InsertOne => {
            let stored = db.insert(&rows[0]).await.unwrap();
            usize::from(stored.id > USERS)
        }
        Workload::BulkInsert => db.insert_many(rows).await.unwrap() as usize,
        Workload::Tx10 => db
            .transaction_once(|tx| async move {
                let mut n = 0;
                for row in &rows {
                    n += usize::from(tx.insert(row).await?.id > USERS);
                }
                Ok::<_, orm_core::Error>(n)
            })
            .await
            .unwrap(),
        w => panic!("{w:?} writes no rows"),
    }
}

async fn read_or_update(db: &Database, workload: Workload, serial: u64) -> usize {
    match workload {
        Workload::SelectByKey => User::find_by_pk(KEY).one(db).await.unwrap().into_iter().count(),
        Workload::Filtered => {
            User::find().filter(User::AGE.gt(OLDER_THAN)).order_by_asc(User::EMAIL).limit(20).all(db).await.unwrap().len()
        }
        Workload::Decode1000 => User::find().order_by_asc(User::ID).limit(USERS as u64).all(db).await.unwrap().len(),
        Workload::Eager => {
            let users = User::find().order_by_asc(User::ID).limit(USERS as u64).with(User::posts).all(db).await.unwrap();
            users.len() + users.iter().map(|u| u.get(User::posts).len()).sum::<usize>()
        }
        Workload::UpdateMany => User::update_many()
            .set(User::NAME, super::renamed(serial))
            .filter(User::AGE.lt(YOUNGER_THAN))
            .exec(db)
            .await
            .unwrap() as usize,
        w => panic!("{w:?} needs rows to write"),
    }
}
