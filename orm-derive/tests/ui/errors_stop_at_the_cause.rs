use orm_core::Model;

#[derive(Model, Debug, Clone)]
struct Bag {
    #[orm(primary_key)]
    id: i64,
    items: std::collections::HashMap<String, i32>,
}

async fn uses(db: &orm_core::Database) -> orm_core::Result<()> {
    let bags: Vec<Bag> = Bag::find().all(db).await?;
    for bag in bags {
        db.update(&bag).await?;
    }
    Ok(())
}

fn main() {
    let _ = uses;
}
