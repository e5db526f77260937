use orm_core::Model;

#[derive(Model)]
struct Doc {
    #[orm(primary_key, auto_increment)]
    id: String,
}

fn main() {}
