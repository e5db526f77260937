use orm_core::Model;

#[derive(Model)]
struct Bag {
    #[orm(primary_key)]
    id: i64,
    items: std::collections::HashMap<String, i32>,
}

fn main() {}
