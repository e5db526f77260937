use orm_core::Model;

#[derive(Model)]
#[orm(tabel = "users")]
struct User {
    #[orm(primary_key, colum = "x")]
    id: i64,
}

fn main() {}
