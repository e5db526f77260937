use orm_core::{Hooks, Model};

#[derive(Model, Debug, Clone)]
struct Note {
    #[orm(primary_key)]
    id: i64,
    text: String,
}

impl Hooks for Note {
    fn before_insert(&mut self) -> orm_core::Result<()> {
        self.text = self.text.trim().to_string();
        Ok(())
    }
}

fn main() {}
