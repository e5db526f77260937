//! Filters, ordering, paging, projections, counts, and writes over many rows.

use orm_core::{BackendKind, Database, Filter, Model, Order};
use orm_tests::backend_tests;
use orm_tests::models::{User, UserName};

backend_tests!(
    comparison_filters,
    set_and_range_filters,
    like_filters,
    like_case_sensitivity_follows_the_backend,
    literal_text_matches_are_no_wildcards,
    null_filters,
    boolean_combinations,
    ordering_and_paging,
    nulls_sort_first_ascending_everywhere,
    one_count_exists,
    projections,
    update_many_with_values_and_expressions,
    delete_many_counts_rows
);

/// Five users aged 10, 20, 30, 40 and NULL, named u1..u5, active when the age is a multiple of 20.
async fn seed(db: &Database) -> Vec<User> {
    db.create_table::<User>().await.unwrap();
    let mut out = Vec::new();
    for (i, age) in [Some(10), Some(20), Some(30), Some(40), None].into_iter().enumerate() {
        let mut u = User::new(&format!("u{}@example.com", i + 1), &format!("u{}", i + 1));
        u.age = age;
        u.active = age.is_some_and(|a| a % 20 == 0);
        out.push(db.insert(&u).await.unwrap());
    }
    out
}

async fn names(db: &Database, filter: Filter<User>) -> Vec<String> {
    User::find()
        .filter(filter)
        .order_by_asc(User::NAME)
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.name)
        .collect()
}

async fn comparison_filters(db: Database) {
    seed(&db).await;
    assert_eq!(names(&db, User::AGE.eq(20)).await, ["u2"]);
    assert_eq!(names(&db, User::AGE.ne(20)).await, ["u1", "u3", "u4"], "NULL matches neither eq nor ne");
    assert_eq!(names(&db, User::AGE.gt(20)).await, ["u3", "u4"]);
    assert_eq!(names(&db, User::AGE.gte(20)).await, ["u2", "u3", "u4"]);
    assert_eq!(names(&db, User::AGE.lt(20)).await, ["u1"]);
    assert_eq!(names(&db, User::AGE.lte(20)).await, ["u1", "u2"]);
    assert_eq!(names(&db, User::EMAIL.eq("u3@example.com")).await, ["u3"]);
    assert_eq!(names(&db, User::ACTIVE.eq(true)).await, ["u2", "u4"]);
}

async fn set_and_range_filters(db: Database) {
    seed(&db).await;
    assert_eq!(names(&db, User::AGE.between(15, 30)).await, ["u2", "u3"]);
    assert_eq!(names(&db, User::AGE.is_in([10, 40, 50])).await, ["u1", "u4"]);
    assert_eq!(names(&db, User::AGE.not_in([10, 40])).await, ["u2", "u3"]);
    assert!(names(&db, User::AGE.is_in(Vec::<i32>::new())).await.is_empty());
    assert_eq!(names(&db, User::AGE.not_in(Vec::<i32>::new())).await.len(), 5, "NOT IN () holds for every row, NULL too");
    assert_eq!(names(&db, User::NAME.is_in(["u5", "nobody"])).await, ["u5"]);
}

async fn like_filters(db: Database) {
    seed(&db).await;
    let odd = db.insert(&User::new("100%_real@example.com", "percent")).await.unwrap();
    assert_eq!(names(&db, User::EMAIL.like("u%")).await, ["u1", "u2", "u3", "u4", "u5"]);
    assert_eq!(names(&db, User::EMAIL.like("u_@example.com")).await, ["u1", "u2", "u3", "u4", "u5"]);
    assert_eq!(names(&db, User::EMAIL.like("%3@%")).await, ["u3"]);
    // `\` escapes the wildcards: a literal `%_`.
    assert_eq!(names(&db, User::EMAIL.like(r"100\%\_%")).await, vec![odd.name.clone()]);
    assert!(names(&db, User::EMAIL.like(r"1000\%%")).await.is_empty());
    assert_eq!(names(&db, User::EMAIL.not_like("u%")).await, ["percent"]);
}

/// `starts_with`, `ends_with` and `contains` take user input literally: `%`, `_` and `\` in it
/// match only themselves.
async fn literal_text_matches_are_no_wildcards(db: Database) {
    seed(&db).await;
    db.insert(&User::new("100%_off@example.com", "percent")).await.unwrap();
    db.insert(&User::new("100xyoff@example.com", "lookalike")).await.unwrap();
    db.insert(&User::new(r"back\slash@example.com", "backslash")).await.unwrap();
    assert_eq!(names(&db, User::EMAIL.starts_with("100%_")).await, ["percent"]);
    assert_eq!(names(&db, User::EMAIL.contains("%_o")).await, ["percent"]);
    assert_eq!(names(&db, User::EMAIL.contains(r"k\s")).await, ["backslash"]);
    assert_eq!(names(&db, User::EMAIL.ends_with("@example.com")).await.len(), 8);
    assert!(names(&db, User::EMAIL.starts_with("%")).await.is_empty(), "a lone wildcard matches nothing");
    assert!(names(&db, User::EMAIL.contains("_")).await.contains(&"percent".to_string()));
    assert_eq!(names(&db, User::EMAIL.contains("_")).await.len(), 1);
}

/// Pins a documented backend difference: PostgreSQL's LIKE and MongoDB's regular expressions are
/// case-sensitive; MySQL's (default collations) and SQLite's (ASCII letters) LIKE are not.
async fn like_case_sensitivity_follows_the_backend(db: Database) {
    seed(&db).await;
    db.insert(&User::new("Upper@Example.com", "upper")).await.unwrap();
    let matched = names(&db, User::EMAIL.like("upper@%")).await;
    match db.backend() {
        BackendKind::Postgres | BackendKind::MongoDb => assert!(matched.is_empty()),
        _ => assert_eq!(matched, ["upper"]),
    }
    assert_eq!(names(&db, User::EMAIL.like("Upper@%")).await, ["upper"], "the exact case matches everywhere");
}

async fn null_filters(db: Database) {
    seed(&db).await;
    assert_eq!(names(&db, User::AGE.is_null()).await, ["u5"]);
    assert_eq!(names(&db, User::AGE.is_not_null()).await, ["u1", "u2", "u3", "u4"]);
}

async fn boolean_combinations(db: Database) {
    seed(&db).await;
    assert_eq!(names(&db, User::AGE.gt(10).and(User::AGE.lt(40))).await, ["u2", "u3"]);
    assert_eq!(names(&db, User::AGE.eq(10).or(User::AGE.is_null())).await, ["u1", "u5"]);
    assert_eq!(names(&db, User::AGE.gt(15).not()).await, ["u1"], "NOT keeps SQL's NULL semantics");
    assert_eq!(names(&db, !User::ACTIVE.eq(true) & User::AGE.is_not_null()).await, ["u1", "u3"]);
    // (a OR b) AND c is not a OR (b AND c).
    let f = (User::AGE.eq(10) | User::AGE.eq(20)) & User::ACTIVE.eq(true);
    assert_eq!(names(&db, f).await, ["u2"]);
    let f = User::AGE.eq(10) | (User::AGE.eq(20) & User::ACTIVE.eq(false));
    assert_eq!(names(&db, f).await, ["u1"]);
    assert_eq!(names(&db, Filter::all([])).await.len(), 5);
    assert!(names(&db, Filter::any([])).await.is_empty());
    assert_eq!(names(&db, Filter::any([User::AGE.eq(30), User::AGE.eq(40)])).await, ["u3", "u4"]);
    // Two filter calls are ANDed.
    let both = User::find().filter(User::AGE.gte(20)).filter(User::ACTIVE.eq(false)).all(&db).await.unwrap();
    assert_eq!(both.len(), 1);
    assert_eq!(both[0].name, "u3");
}

async fn ordering_and_paging(db: Database) {
    seed(&db).await;
    let by = |users: Vec<User>| users.into_iter().map(|u| u.name).collect::<Vec<_>>();
    let all = User::find()
        .filter(User::AGE.is_not_null())
        .order_by(User::ACTIVE, Order::Desc)
        .order_by(User::AGE, Order::Asc)
        .all(&db)
        .await
        .unwrap();
    assert_eq!(by(all), ["u2", "u4", "u1", "u3"]);
    let page = User::find().order_by_asc(User::ID).limit(2).offset(1).all(&db).await.unwrap();
    assert_eq!(by(page), ["u2", "u3"]);
    let tail = User::find().order_by_asc(User::ID).offset(3).all(&db).await.unwrap();
    assert_eq!(by(tail), ["u4", "u5"], "offset without limit");
    let desc = User::find().order_by_desc(User::ID).limit(1).all(&db).await.unwrap();
    assert_eq!(by(desc), ["u5"]);
}

async fn nulls_sort_first_ascending_everywhere(db: Database) {
    seed(&db).await;
    let asc: Vec<(String,)> = User::find().select((User::NAME,)).order_by_asc(User::AGE).all(&db).await.unwrap();
    assert_eq!(asc.first().unwrap().0, "u5", "NULL first when ascending");
    let desc: Vec<(String,)> = User::find().select((User::NAME,)).order_by_desc(User::AGE).all(&db).await.unwrap();
    assert_eq!(desc.last().unwrap().0, "u5", "NULL last when descending");
    assert_eq!(desc.first().unwrap().0, "u4");
}

async fn one_count_exists(db: Database) {
    seed(&db).await;
    assert_eq!(User::find().count(&db).await.unwrap(), 5);
    assert_eq!(User::find().filter(User::ACTIVE.eq(true)).count(&db).await.unwrap(), 2);
    assert_eq!(User::find().limit(3).count(&db).await.unwrap(), 3, "count respects limit");
    assert_eq!(User::find().offset(4).count(&db).await.unwrap(), 1, "count respects offset");
    assert!(User::find().filter(User::AGE.eq(40)).exists(&db).await.unwrap());
    assert!(!User::find().filter(User::AGE.eq(41)).exists(&db).await.unwrap());
    let first = User::find().order_by_desc(User::AGE).filter(User::AGE.is_not_null()).one(&db).await.unwrap();
    assert_eq!(first.unwrap().name, "u4");
    assert!(User::find().filter(User::AGE.eq(41)).one(&db).await.unwrap().is_none());
}

async fn projections(db: Database) {
    seed(&db).await;
    let pairs: Vec<(String, Option<i32>)> = User::find()
        .select((User::NAME, User::AGE))
        .order_by_asc(User::ID)
        .all(&db)
        .await
        .unwrap();
    assert_eq!(pairs[0], ("u1".to_string(), Some(10)));
    assert_eq!(pairs[4], ("u5".to_string(), None));
    let single: Vec<(String,)> = User::find().select((User::EMAIL,)).filter(User::AGE.eq(30)).all(&db).await.unwrap();
    assert_eq!(single, [("u3@example.com".to_string(),)]);
    let partial: Vec<UserName> = User::find().into_partial::<UserName>().order_by_asc(User::ID).limit(1).all(&db).await.unwrap();
    assert_eq!(partial, [UserName { email: "u1@example.com".into(), name: "u1".into() }]);
    let count = User::find().select((User::NAME,)).filter(User::ACTIVE.eq(true)).count(&db).await.unwrap();
    assert_eq!(count, 2);
}

async fn update_many_with_values_and_expressions(db: Database) {
    let users = seed(&db).await;
    let n = User::update_many()
        .set(User::ACTIVE, false)
        .set_expr(User::AGE, User::AGE.add(1))
        .filter(User::AGE.gte(20))
        .exec(&db)
        .await
        .unwrap();
    assert_eq!(n, 3);
    let ages: Vec<(Option<i32>, bool)> =
        User::find().select((User::AGE, User::ACTIVE)).order_by_asc(User::ID).all(&db).await.unwrap();
    assert_eq!(ages, [(Some(10), false), (Some(21), false), (Some(31), false), (Some(41), false), (None, false)]);

    // Arithmetic chains keep their order: (age * 2) - 1, then (age - 1) * 2.
    User::update_many().set_expr(User::AGE, User::AGE.mul(2).sub(1)).filter(User::ID.eq(users[0].id)).exec(&db).await.unwrap();
    User::update_many().set_expr(User::AGE, User::AGE.sub(1).mul(2)).filter(User::ID.eq(users[1].id)).exec(&db).await.unwrap();
    let a = User::find_by_pk(users[0].id).get(&db).await.unwrap();
    let b = User::find_by_pk(users[1].id).get(&db).await.unwrap();
    assert_eq!(a.age, Some(19));
    assert_eq!(b.age, Some(40));

    // NULL through `set`, and a whole-table update.
    User::update_many().set(User::AGE, None::<i32>).filter(User::NAME.eq("u1")).exec(&db).await.unwrap();
    assert_eq!(User::find().filter(User::AGE.is_null()).count(&db).await.unwrap(), 2);
    assert_eq!(User::update_many().set(User::ACTIVE, true).exec(&db).await.unwrap(), 5);
    assert!(User::update_many().exec(&db).await.is_err(), "an update that sets nothing is refused");
}

async fn delete_many_counts_rows(db: Database) {
    seed(&db).await;
    assert_eq!(User::delete_many().filter(User::AGE.lt(25)).exec(&db).await.unwrap(), 2);
    assert_eq!(User::delete_many().filter(User::AGE.lt(25)).exec(&db).await.unwrap(), 0);
    assert_eq!(User::find().count(&db).await.unwrap(), 3);
    assert_eq!(User::delete_many().exec(&db).await.unwrap(), 3);
    assert_eq!(User::find().count(&db).await.unwrap(), 0);
}
