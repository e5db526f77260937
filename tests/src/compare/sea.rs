//! The workloads through SeaORM 2.0, written as its documentation recommends: entities from
//! `DeriveEntityModel`, `ActiveModel` inserts, `load_many` for eager loading, chunked `insert_many`.

use super::{Batch, NewUser, Workload, KEY, OLDER_THAN, SEA_CHUNK, USERS, YOUNGER_THAN};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, LoaderTrait, QueryFilter, QueryOrder, QuerySelect, Set, TransactionTrait};

/// The `users` entity.
pub mod user {
    use sea_orm::entity::prelude::*;

    /// A user.
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "users")]
    pub struct Model {
        /// The key.
        #[sea_orm(primary_key)]
        pub id: i64,
        /// Unique.
        #[sea_orm(unique)]
        pub email: String,
        /// The display name.
        pub name: String,
        /// Years.
        pub age: i32,
        /// Whether the account is in use.
        pub active: bool,
        /// When the row was made.
        pub created_at: DateTimeUtc,
    }

    /// A user's relations.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        /// The user's posts.
        #[sea_orm(has_many = "super::post::Entity")]
        Post,
    }

    impl Related<super::post::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::Post.def()
        }
    }

    impl ActiveModelBehavior for ActiveModel {}
}

/// The `posts` entity.
pub mod post {
    use sea_orm::entity::prelude::*;

    /// A user's post.
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "posts")]
    pub struct Model {
        /// The key.
        #[sea_orm(primary_key)]
        pub id: i64,
        /// The author.
        pub user_id: i64,
        /// The title.
        pub title: String,
        /// The text.
        pub body: String,
    }

    /// A post's relations.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        /// The author.
        #[sea_orm(belongs_to = "super::user::Entity", from = "Column::UserId", to = "super::user::Column::Id")]
        User,
    }

    impl Related<super::user::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::User.def()
        }
    }

    impl ActiveModelBehavior for ActiveModel {}
}

impl From<NewUser> for user::ActiveModel {
    fn from(u: NewUser) -> user::ActiveModel {
        user::ActiveModel {
            email: Set(u.email),
            name: Set(u.name),
            age: Set(u.age),
            active: Set(u.active),
            created_at: Set(u.created_at),
            ..Default::default()
        }
    }
}

/// Runs `workload` on `db`.
pub async fn run(db: &DatabaseConnection, workload: Workload, batch: Batch, serial: u64) -> usize {
    let Batch::SeaOrm(rows) = batch else {
        assert_eq!(workload.writes(), 0, "{workload:?} needs SeaORM's rows");
        return read_or_update(db, workload, serial).await;
    };
    match workload {
        Workload::InsertOne => {
            let stored = rows.into_iter().next().unwrap().insert(db).await.unwrap();
            usize::from(stored.id > USERS)
        }
        Workload::BulkInsert => {
            let n = rows.len();
            let txn = db.begin().await.unwrap();
            let mut rows = rows.into_iter();
            loop {
                let chunk: Vec<user::ActiveModel> = rows.by_ref().take(SEA_CHUNK).collect();
                if chunk.is_empty() {
                    break;
                }
                user::Entity::insert_many(chunk).exec_without_returning(&txn).await.unwrap();
            }
            txn.commit().await.unwrap();
            n
        }
        Workload::Tx10 => {
            let txn = db.begin().await.unwrap();
            let mut n = 0;
            for row in rows {
                n += usize::from(row.insert(&txn).await.unwrap().id > USERS);
            }
            txn.commit().await.unwrap();
            n
        }
        w => panic!("{w:?} writes no rows"),
    }
}

async fn read_or_update(db: &DatabaseConnection, workload: Workload, serial: u64) -> usize {
    match workload {
        Workload::SelectByKey => user::Entity::find_by_id(KEY).one(db).await.unwrap().into_iter().count(),
        Workload::Filtered => user::Entity::find()
            .filter(user::Column::Age.gt(OLDER_THAN))
            .order_by_asc(user::Column::Email)
            .limit(20)
            .all(db)
            .await
            .unwrap()
            .len(),
        Workload::Decode1000 => user::Entity::find().order_by_asc(user::Column::Id).limit(USERS as u64).all(db).await.unwrap().len(),
        Workload::Eager => {
            let users = user::Entity::find().order_by_asc(user::Column::Id).limit(USERS as u64).all(db).await.unwrap();
            let posts = users.load_many(post::Entity, db).await.unwrap();
            users.len() + posts.iter().map(Vec::len).sum::<usize>()
        }
        Workload::UpdateMany => user::Entity::update_many()
            .col_expr(user::Column::Name, Expr::value(super::renamed(serial)))
            .filter(user::Column::Age.lt(YOUNGER_THAN))
            .exec(db)
            .await
            .unwrap()
            .rows_affected as usize,
        w => panic!("{w:?} needs rows to write"),
    }
}
