use orm_core::Model;

#[derive(Model)]
struct Log {
    line: String,
}

fn main() {}
