//! Relations of every kind on every backend: loading, eager loading with one query per relation,
//! nested eager loading, filtering by related rows, and the foreign keys relations declare.

use orm_core::{BackendKind, Database, LoadRelated, Model};
use orm_tests::backend_tests;

backend_tests!(each_relation_kind_loads, eager_loading_costs_one_query_per_relation, filter_by_related_rows);

#[derive(Model, Debug, Clone, PartialEq)]
#[orm(table = "authors", has_many(Book, foreign_key = "author_id"), has_one(Profile, foreign_key = "author_id"))]
struct Author {
    #[orm(primary_key, auto_increment)]
    id: i64,
    #[orm(length = 80)]
    name: String,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[orm(many_to_many(Genre, through = BookGenre))]
struct Book {
    #[orm(primary_key, auto_increment)]
    id: i64,
    #[orm(belongs_to = Author, on_delete = "cascade", index)]
    author_id: i64,
    #[orm(length = 120)]
    title: String,
}

#[derive(Model, Debug, Clone, PartialEq)]
struct Profile {
    #[orm(primary_key, auto_increment)]
    id: i64,
    #[orm(belongs_to = Author, unique)]
    author_id: i64,
    #[orm(length = 200)]
    bio: String,
}

#[derive(Model, Debug, Clone, PartialEq)]
struct Genre {
    #[orm(primary_key, auto_increment)]
    id: i64,
    #[orm(length = 40)]
    name: String,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[orm(primary_key(columns = ["book_id", "genre_id"]))]
struct BookGenre {
    #[orm(belongs_to = Book)]
    book_id: i64,
    #[orm(belongs_to = Genre)]
    genre_id: i64,
}

async fn tables(db: &Database) {
    db.create_table::<Author>().await.unwrap();
    db.create_table::<Book>().await.unwrap();
    db.create_table::<Profile>().await.unwrap();
    db.create_table::<Genre>().await.unwrap();
    db.create_table::<BookGenre>().await.unwrap();
}

async fn each_relation_kind_loads(db: Database) {
    tables(&db).await;
    assert_eq!(Book::schema().foreign_keys[0].references_table, "authors", "belongs_to declares the foreign key");
    let ada = db.insert(&Author { id: 0, name: "Ada".into() }).await.unwrap();
    let bob = db.insert(&Author { id: 0, name: "Bob".into() }).await.unwrap();
    let b1 = db.insert(&Book { id: 0, author_id: ada.id, title: "Notes".into() }).await.unwrap();
    let b2 = db.insert(&Book { id: 0, author_id: ada.id, title: "Engines".into() }).await.unwrap();
    let profile = db.insert(&Profile { id: 0, author_id: ada.id, bio: "Countess".into() }).await.unwrap();
    let math = db.insert(&Genre { id: 0, name: "math".into() }).await.unwrap();
    let tech = db.insert(&Genre { id: 0, name: "tech".into() }).await.unwrap();
    db.insert_many(&[
        BookGenre { book_id: b1.id, genre_id: math.id },
        BookGenre { book_id: b1.id, genre_id: tech.id },
        BookGenre { book_id: b2.id, genre_id: tech.id },
    ])
    .await
    .unwrap();

    assert_eq!(b1.load(Book::author, &db).await.unwrap(), Some(ada.clone()));
    let mut books = ada.load(Author::books, &db).await.unwrap();
    books.sort_by_key(|b| b.id);
    assert_eq!(books, vec![b1.clone(), b2.clone()]);
    assert!(bob.load(Author::books, &db).await.unwrap().is_empty());
    assert_eq!(ada.load(Author::profile, &db).await.unwrap(), Some(profile));
    assert_eq!(bob.load(Author::profile, &db).await.unwrap(), None);
    let mut genres: Vec<String> = b1.load(Book::genres, &db).await.unwrap().into_iter().map(|g| g.name).collect();
    genres.sort();
    assert_eq!(genres, ["math", "tech"]);

    if db.backend() != BackendKind::MongoDb {
        let orphan = db.insert(&Book { id: 0, author_id: 4242, title: "Orphan".into() }).await.unwrap_err();
        assert!(orphan.is_foreign_key_violation(), "{orphan}");
        db.delete(&BookGenre { book_id: b2.id, genre_id: tech.id }).await.unwrap();
        Profile::delete_many().exec(&db).await.unwrap();
        db.delete(&bob).await.unwrap();
        BookGenre::delete_many().exec(&db).await.unwrap();
        db.delete(&ada).await.unwrap();
        assert_eq!(Book::find().count(&db).await.unwrap(), 0, "ON DELETE CASCADE from belongs_to");
    }
}

async fn eager_loading_costs_one_query_per_relation(db: Database) {
    tables(&db).await;
    let authors: Vec<Author> = (0..1000).map(|i| Author { id: 0, name: format!("author {i}") }).collect();
    db.insert_many(&authors).await.unwrap();
    let authors = Author::find().order_by_asc(Author::ID).all(&db).await.unwrap();
    let books: Vec<Book> =
        authors.iter().flat_map(|a| (0..2).map(move |j| Book { id: 0, author_id: a.id, title: format!("{} book {j}", a.name) })).collect();
    db.insert_many(&books).await.unwrap();
    let genre = db.insert(&Genre { id: 0, name: "all".into() }).await.unwrap();
    let books = Book::find().all(&db).await.unwrap();
    let links: Vec<BookGenre> = books.iter().map(|b| BookGenre { book_id: b.id, genre_id: genre.id }).collect();
    db.insert_many(&links).await.unwrap();

    let before = db.queries_issued();
    let loaded = Author::find().with(Author::books).with(Author::profile).all(&db).await.unwrap();
    assert_eq!(db.queries_issued() - before, 3, "one query for the authors, one per relation");
    assert_eq!(loaded.len(), 1000);
    assert!(loaded.iter().all(|a| a.get(Author::books).len() == 2 && a.get(Author::profile).is_none()));
    assert!(loaded[7].get(Author::books).iter().all(|b| b.author_id == loaded[7].id));

    let before = db.queries_issued();
    let nested = Author::find().limit(10).with(Author::books.then(Book::genres).then(Book::author)).all(&db).await.unwrap();
    assert_eq!(db.queries_issued() - before, 5, "authors, books, their join rows, genres, their authors");
    let first_book = nested[0].get(Author::books)[0];
    assert_eq!(first_book.get(Book::genres)[0].name, "all");
    assert_eq!(first_book.get(Book::author).unwrap().id, nested[0].id);
    // Parents sharing a key (both books of an author, every book of the genre) each get the rows.
    for author in &nested {
        assert_eq!(author.get(Author::books).len(), 2);
        for book in author.get(Author::books) {
            assert_eq!(book.get(Book::author).map(|a| a.id), Some(author.id));
            assert_eq!(book.get(Book::genres).iter().map(|g| g.id).collect::<Vec<_>>(), [genre.id]);
        }
    }
}

async fn filter_by_related_rows(db: Database) {
    tables(&db).await;
    let ada = db.insert(&Author { id: 0, name: "Ada".into() }).await.unwrap();
    let bob = db.insert(&Author { id: 0, name: "Bob".into() }).await.unwrap();
    db.insert(&Author { id: 0, name: "Cy".into() }).await.unwrap();
    db.insert(&Book { id: 0, author_id: ada.id, title: "Rust in Action".into() }).await.unwrap();
    db.insert(&Book { id: 0, author_id: bob.id, title: "Go Programming".into() }).await.unwrap();
    let rustaceans = Author::find().filter(Author::books.any(Book::TITLE.like("%Rust%"))).all(&db).await.unwrap();
    assert_eq!(rustaceans, vec![ada.clone()]);
    let writers = Author::find().filter(Author::books.any(orm_core::Filter::all([]))).count(&db).await.unwrap();
    assert_eq!(writers, 2);
    let none = Author::find().filter(!Author::books.any(orm_core::Filter::all([]))).all(&db).await.unwrap();
    assert_eq!(none.len(), 1);
    let by_bob = Book::find().filter(Book::author.any(Author::NAME.eq("Bob"))).all(&db).await.unwrap();
    assert_eq!(by_bob.len(), 1);
    assert_eq!(by_bob[0].author_id, bob.id);

    // many_to_many: through the join rows to the target's rows.
    let rust = Book::find().filter(Book::TITLE.like("Rust%")).get(&db).await.unwrap();
    let go = Book::find().filter(Book::TITLE.like("Go%")).get(&db).await.unwrap();
    let math = db.insert(&Genre { id: 0, name: "math".into() }).await.unwrap();
    let tech = db.insert(&Genre { id: 0, name: "tech".into() }).await.unwrap();
    db.insert(&Genre { id: 0, name: "poetry".into() }).await.unwrap();
    db.insert_many(&[
        BookGenre { book_id: rust.id, genre_id: tech.id },
        BookGenre { book_id: rust.id, genre_id: math.id },
        BookGenre { book_id: go.id, genre_id: tech.id },
    ])
    .await
    .unwrap();
    let mathy = Book::find().filter(Book::genres.any(Genre::NAME.eq("math"))).all(&db).await.unwrap();
    assert_eq!(mathy, vec![rust.clone()]);
    let mut techy: Vec<i64> = Book::find().filter(Book::genres.any(Genre::NAME.eq("tech"))).all(&db).await.unwrap().iter().map(|b| b.id).collect();
    techy.sort();
    assert_eq!(techy, [rust.id.min(go.id), rust.id.max(go.id)]);
    assert_eq!(Book::find().filter(Book::genres.any(Genre::NAME.eq("poetry"))).count(&db).await.unwrap(), 0);
    let untagged_or_go = Book::find().filter(!Book::genres.any(Genre::NAME.eq("math"))).all(&db).await.unwrap();
    assert_eq!(untagged_or_go, vec![go]);
}

/// Two models referencing each other: a team's captain is a player, a player belongs to a team.
#[derive(Model, Debug, Clone, PartialEq)]
struct Team {
    #[orm(primary_key, auto_increment)]
    id: i64,
    #[orm(belongs_to = Player, on_delete = "set_null")]
    captain_number: Option<i64>,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[orm(table = "squad")]
struct Player {
    #[orm(primary_key)]
    number: i64,
    #[orm(belongs_to = Team)]
    team_id: i64,
}

/// Building either schema reads the other's table name and key from constants, not from its
/// schema, so neither waits on the other (this deadlocked before).
#[test]
fn models_referencing_each_other_build_their_schemas() {
    let (team, player) = std::thread::spawn(|| (Team::schema().clone(), Player::schema().clone())).join().unwrap();
    assert_eq!((Team::TABLE, Team::PRIMARY_KEY), ("teams", &["id"][..]));
    assert_eq!((Player::TABLE, Player::PRIMARY_KEY), ("squad", &["number"][..]));
    let fk = &team.foreign_keys[0];
    assert_eq!((fk.columns.as_slice(), fk.references_table.as_str(), fk.references_columns.as_slice()), (&["captain_number".to_string()][..], "squad", &["number".to_string()][..]));
    let fk = &player.foreign_keys[0];
    assert_eq!((fk.references_table.as_str(), fk.references_columns.as_slice()), ("teams", &["id".to_string()][..]));
}
