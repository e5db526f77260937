use orm_core::Model;

#[derive(Model)]
#[orm(primary_key(columns = ["a", "b"]))]
struct Pair {
    #[orm(primary_key)]
    a: i64,
    b: i64,
}

fn main() {}
