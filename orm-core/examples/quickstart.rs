//! The quick start: define models, create their tables in a SQLite file, and do CRUD.
//!
//! ```text
//! cargo run -p orm-core --example quickstart            # ./quickstart.db
//! cargo run -p orm-core --example quickstart -- postgres://postgres@127.0.0.1/test
//! cargo run -p orm-core --example quickstart -- mongodb://127.0.0.1:27017/app
//! ```

use chrono::{DateTime, Utc};
use orm_core::{Database, Model, Order};

#[derive(Model, Debug, Clone, PartialEq)]
#[orm(table = "users")]
struct User {
    #[orm(primary_key, auto_increment)]
    id: i64,
    #[orm(unique, length = 255)]
    email: String,
    #[orm(column = "display_name")]
    name: String,
    age: Option<i32>,
    #[orm(default = "true")]
    active: bool,
    #[orm(index)]
    created_at: DateTime<Utc>,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::args().nth(1).unwrap_or_else(|| "sqlite:quickstart.db".into());
    let db = Database::connect(&url).await?;
    println!("connected to {} ({:?})", db.url(), db.backend());

    // Start from an empty table each run.
    db.drop_table::<User>().await?;
    db.create_table::<User>().await?;

    let now = Utc::now();
    let people = [("ada@example.com", "Ada", Some(36)), ("alan@example.com", "Alan", Some(41)), ("grace@example.com", "Grace", None)];
    for (email, name, age) in people {
        let user = db
            .insert(&User { id: 0, email: email.into(), name: name.into(), age, active: true, created_at: now })
            .await?;
        println!("inserted  #{} {} <{}>", user.id, user.name, user.email);
    }

    let duplicate = User { id: 0, email: "ada@example.com".into(), name: "Ada again".into(), age: None, active: true, created_at: now };
    match db.insert(&duplicate).await {
        Err(e) if e.is_unique_violation() => println!("refused   a second ada@example.com (unique email)"),
        other => return Err(format!("expected a unique violation, got {other:?}").into()),
    }

    let over_40 = User::find().filter(User::AGE.gt(40)).all(&db).await?;
    println!("age > 40: {:?}", over_40.iter().map(|u| &u.name).collect::<Vec<_>>());

    let birthdays = User::update_many().set_expr(User::AGE, User::AGE.add(1)).filter(User::AGE.is_not_null()).exec(&db).await?;
    println!("birthdays: {birthdays} users a year older");

    let mut grace = User::find().filter(User::NAME.eq("Grace")).get(&db).await?;
    grace.age = Some(85);
    db.update(&grace).await?;

    let emails: Vec<(String, Option<i32>)> =
        User::find().select((User::EMAIL, User::AGE)).order_by(User::AGE, Order::Desc).all(&db).await?;
    for (email, age) in &emails {
        println!("  {email:<20} {age:?}");
    }

    let removed = User::delete_many().filter(User::EMAIL.like("a%")).exec(&db).await?;
    println!("deleted {removed} users whose email starts with `a`; {} left", User::find().count(&db).await?);
    db.close().await;
    Ok(())
}
