use orm_core::Model;

#[derive(Model)]
struct Flag {
    #[orm(primary_key)]
    id: i64,
    #[orm(default = "yes")]
    on: bool,
    #[orm(length = 10)]
    count: i32,
}

fn main() {}
