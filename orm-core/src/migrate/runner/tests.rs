use super::*;
use crate::migrate::parse_file;
use std::path::Path;

fn file(version: i64, table: &str) -> MigrationFile {
    let content = format!(
        "[[up]]\nop = \"create_table\"\ntable = \"{table}\"\ncolumns = [{{ name = \"id\", type = \"i64\", primary_key = true }}]\n\n\
         [[down]]\nop = \"drop_table\"\ntable = \"{table}\"\n"
    );
    parse_file(Path::new(&format!("migrations/{version}_create_{table}.toml")), &content).unwrap()
}

#[tokio::test]
async fn the_cached_schema_before_a_version_equals_a_full_replay() {
    let files = vec![file(20240101000000, "a"), file(20240102000000, "b"), file(20240103000000, "c")];
    let db = Database::connect("sqlite::memory:").await.unwrap();
    let migrator = Migrator::new(db, files);
    let fresh = |v: i64| migrator.schema_before(v, &mut None).unwrap().clone();
    let mut cache = None;
    // Up (ascending), then down (descending), then up again: every answer matches a full replay.
    for v in [20240101000000, 20240102000000, 20240103000000, 20240104000000, 20240102000001, 20240101000001, 20240103000001] {
        assert_eq!(*migrator.schema_before(v, &mut cache).unwrap(), fresh(v), "schema before {v}");
    }
    assert_eq!(fresh(20240102000000).tables.len(), 1);
    assert_eq!(fresh(20240104000000).tables.len(), 3);
}
