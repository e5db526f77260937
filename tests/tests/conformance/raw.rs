//! The escape hatches (raw SQL and hand-built sea-query statements, with bound values), and hostile
//! values and names.

use orm_core::{Database, Dialect, Model, Value};
use orm_tests::{backend_tests, sql_backend_tests};
use orm_tests::models::User;

/// Table and column names that would break unquoted SQL.
#[derive(Model, Debug, Clone, PartialEq)]
#[orm(table = "x'); DROP TABLE users; --")]
struct Hostile {
    #[orm(primary_key, auto_increment, column = "id\"`]")]
    id: i64,
    #[orm(column = "select", index)]
    select: String,
    #[orm(column = "a \"quoted\" `name`", unique)]
    quoted: Option<i32>,
}

sql_backend_tests!(raw_sql_with_bound_values, sea_query_statements, column_types_are_checked_at_each_columns_first_value);
backend_tests!(hostile_values_are_data, hostile_identifiers_are_quoted);

fn placeholder(db: &Database, n: usize) -> String {
    match db.dialect() {
        Some(Dialect::Postgres) => format!("${n}"),
        _ => "?".into(),
    }
}

async fn raw_sql_with_bound_values(db: Database) {
    db.create_table::<User>().await.unwrap();
    db.insert(&User::new("a@example.com", "A")).await.unwrap();
    db.insert(&User::new("b@example.com", "B")).await.unwrap();
    let columns = User::column_names().join(", ");
    let sql = format!("SELECT {columns} FROM users WHERE email = {}", placeholder(&db, 1));
    let users: Vec<User> = db.raw_query(&sql, [Value::from("b@example.com".to_string())]).await.unwrap();
    assert_eq!(users.len(), 1);
    assert_eq!(users[0].name, "B");
    let sql = format!("SELECT display_name, age FROM users WHERE age > {} ORDER BY id", placeholder(&db, 1));
    let rows: Vec<(String, Option<i32>)> = db.raw_query(&sql, [Value::from(1)]).await.unwrap();
    assert_eq!(rows, [("A".to_string(), Some(30)), ("B".to_string(), Some(30))]);
    let sql = format!("UPDATE users SET age = {} WHERE display_name = {}", placeholder(&db, 1), placeholder(&db, 2));
    let n = db.raw_execute(&sql, [Value::from(5), Value::from("A".to_string())]).await.unwrap();
    assert_eq!(n, 1);
    let err = db.raw_execute("SELEC nonsense", []).await.unwrap_err();
    assert!(err.to_string().contains("SELEC nonsense"), "the error names the SQL: {err}");
}

async fn sea_query_statements(db: Database) {
    db.create_table::<User>().await.unwrap();
    db.insert(&User::new("a@example.com", "A")).await.unwrap();
    let dialect = db.dialect().unwrap();
    let stmt = orm_core::sql::select_statement(&User::find().filter(User::NAME.eq("A")), dialect);
    let users: Vec<User> = db.query_statement(&stmt).await.unwrap();
    assert_eq!(users.len(), 1);
    let del = orm_core::sql::delete_statement("users", None, dialect);
    assert_eq!(db.execute_statement(&del).await.unwrap(), 1);
}

async fn hostile_values_are_data(db: Database) {
    db.create_table::<User>().await.unwrap();
    let evil = "x'); DROP TABLE users; --";
    let quote = "O'Brien \"the\" `tick` \\ backslash";
    let a = db.insert(&User::new(evil, evil)).await.unwrap();
    let b = db.insert(&User::new(quote, quote)).await.unwrap();
    assert_eq!(User::find().filter(User::EMAIL.eq(evil)).get(&db).await.unwrap(), a);
    assert_eq!(User::find().filter(User::NAME.eq(quote)).get(&db).await.unwrap(), b);
    assert_eq!(User::find().filter(User::NAME.like("%DROP TABLE%")).count(&db).await.unwrap(), 1);
    assert_eq!(User::find().filter(User::NAME.is_in([evil, quote])).count(&db).await.unwrap(), 2);
    User::update_many().set(User::NAME, evil).exec(&db).await.unwrap();
    assert_eq!(User::find().filter(User::NAME.eq(evil)).count(&db).await.unwrap(), 2);
    assert!(db.table_exists("users").await.unwrap());
}

async fn hostile_identifiers_are_quoted(db: Database) {
    db.create_table::<User>().await.unwrap();
    db.create_table::<Hostile>().await.unwrap();
    let a = db.insert(&Hostile { id: 0, select: "from".into(), quoted: Some(1) }).await.unwrap();
    let mut b = db.insert(&Hostile { id: 0, select: "where".into(), quoted: None }).await.unwrap();
    assert_eq!(Hostile::find().filter(Hostile::SELECT.eq("from")).get(&db).await.unwrap(), a);
    b.quoted = Some(2);
    db.update(&b).await.unwrap();
    assert!(db.insert(&Hostile { id: 0, select: "x".into(), quoted: Some(2) }).await.unwrap_err().is_unique_violation());
    let ordered: Vec<(Option<i32>,)> =
        Hostile::find().select((Hostile::QUOTED,)).order_by_desc(Hostile::QUOTED).all(&db).await.unwrap();
    assert_eq!(ordered, [(Some(2),), (Some(1),)]);
    db.delete(&a).await.unwrap();
    assert_eq!(Hostile::find().count(&db).await.unwrap(), 1);
    assert!(db.table_exists("users").await.unwrap(), "the name did not run as SQL");
    assert!(db.table_exists("x'); DROP TABLE users; --").await.unwrap());
    db.drop_table::<Hostile>().await.unwrap();
    assert!(!db.table_exists("x'); DROP TABLE users; --").await.unwrap());
}

/// A result's column types are checked once per column, at its first non-NULL value: a column
/// whose first values are NULL is still checked when a value comes, and every later value of a
/// checked column decodes as before.
async fn column_types_are_checked_at_each_columns_first_value(db: Database) {
    let p = |n| placeholder(&db, n);
    let d = db.dialect().expect("an SQL backend");
    // Names with quotes, backticks, `;` and `--`: quoted by the toolkit's quoting, never spliced.
    let (table, n, label) = (d.quote("typed\"`; DROP TABLE users; --"), d.quote("n`\"x"), d.quote("label; --"));
    db.raw_execute(&format!("CREATE TABLE {table} (id BIGINT NOT NULL, {n} BIGINT, {label} VARCHAR(20))"), []).await.unwrap();
    let rows: [(i64, Option<i64>, Option<&str>); 5] = [(1, None, None), (2, Some(5), None), (3, None, Some("abc")), (4, Some(7), Some("d")), (5, None, None)];
    for (id, value, text) in rows {
        let values = [Value::I64(Some(id)), Value::I64(value), Value::String(text.map(str::to_string))];
        db.raw_execute(&format!("INSERT INTO {table} (id, {n}, {label}) VALUES ({}, {}, {})", p(1), p(2), p(3)), values).await.unwrap();
    }
    let read: Vec<(i64, Option<i64>, Option<String>)> = db.raw_query(&format!("SELECT id, {n}, {label} FROM {table} ORDER BY id"), []).await.unwrap();
    assert_eq!(read, rows.map(|(id, value, text)| (id, value, text.map(str::to_string))));
    if d != Dialect::Sqlite {
        // Text read as a number: refused at the first value, though two NULLs come before it.
        let wrong = db.raw_query::<(i64, Option<i64>)>(&format!("SELECT id, {label} FROM {table} ORDER BY id"), []).await;
        assert!(wrong.is_err(), "{wrong:?}");
    }
}
