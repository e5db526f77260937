use orm_core::Model;

#[derive(Model)]
struct User {
    #[orm(primary_key)]
    id: i64,
    email: String,
}

#[derive(Model)]
struct Post {
    #[orm(primary_key)]
    id: i64,
}

fn main() {
    let _ = User::ID.eq("5");
    let _ = User::find().filter(Post::ID.eq(1));
    let _ = User::ID.like("1%");
}
