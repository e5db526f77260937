use super::*;
use crate::schema::{ColumnType, DefaultValue, ReferentialAction};

const EXAMPLE: &str = r#"
[[up]]
op = "create_table"
table = "users"
columns = [
  { name = "id", type = "i64", primary_key = true, auto_increment = true },
  { name = "email", type = "string", length = 255, unique = true },
  { name = "age", type = "i32", nullable = true },
  { name = "active", type = "bool", default = true },
]

[[up]]
op = "create_index"
table = "users"
name = "users_age_idx"
columns = ["age"]

[[down]]
op = "drop_table"
table = "users"
"#;

fn parse(content: &str) -> Result<MigrationFile> {
    parse_file(Path::new("migrations/20240101000000_create_users.toml"), content)
}

fn error_of(content: &str) -> (Option<usize>, String) {
    match parse(content).unwrap_err() {
        Error::MigrationFile { line, message, .. } => (line, message),
        other => panic!("{other}"),
    }
}

#[test]
fn the_issue_example_parses() {
    let m = parse(EXAMPLE).unwrap();
    assert_eq!((m.version, m.name.as_str()), (20240101000000, "create_users"));
    assert_eq!(m.up.len(), 2);
    assert_eq!(m.up[0].line, 2);
    assert_eq!(m.up[1].line, 12);
    let Operation::CreateTable(t) = &m.up[0].op else { panic!() };
    assert_eq!(t.primary_key, ["id"]);
    assert!(t.columns[0].auto_increment);
    assert_eq!(t.columns[1].ty, ColumnType::String { length: Some(255) });
    assert!(t.columns[1].unique && t.columns[2].nullable);
    assert_eq!(t.columns[3].default, Some(DefaultValue::Bool(true)));
    assert_eq!(m.down[0].op, Operation::DropTable { table: "users".into() });
}

#[test]
fn every_operation_parses() {
    let m = parse(
        r#"
up = [
  { op = "rename_table", from = "a", to = "b" },
  { op = "add_column", table = "b", column = { name = "n", type = "decimal", precision = 10, scale = 2, nullable = true } },
  { op = "drop_column", table = "b", column = "n" },
  { op = "rename_column", table = "b", from = "x", to = "y" },
  { op = "alter_column", table = "b", column = "y", type = "text", nullable = true },
  { op = "alter_column", table = "b", column = "y", drop_default = true },
  { op = "create_index", table = "b", name = "b_y_key", columns = ["y", "z"], unique = true },
  { op = "drop_index", table = "b", name = "b_y_key" },
  { op = "add_foreign_key", table = "b", name = "b_a_fk", columns = ["a_id"], references_table = "a", references_columns = ["id"], on_delete = "cascade", on_update = "set_null" },
  { op = "drop_foreign_key", table = "b", name = "b_a_fk" },
  { op = "sql", sql = "SELECT 1" },
  { op = "sql", postgres = "SELECT 1", sqlite = "SELECT 2" },
  { op = "mongo", command = { collMod = "b", validationLevel = "moderate" } },
]
down = []
"#,
    )
    .unwrap();
    let names: Vec<&str> = m.up.iter().map(|s| s.op.name()).collect();
    assert_eq!(names.len(), 13);
    assert!(m.up.iter().all(|s| s.line > 2));
    match &m.up[8].op {
        Operation::AddForeignKey { foreign_key, .. } => {
            assert_eq!(foreign_key.on_delete, ReferentialAction::Cascade);
            assert_eq!(foreign_key.on_update, ReferentialAction::SetNull);
        }
        other => panic!("{other:?}"),
    }
    match &m.up[12].op {
        Operation::Mongo { command } => assert_eq!(command, r#"{"collMod":"b","validationLevel":"moderate"}"#),
        other => panic!("{other:?}"),
    }
}

#[test]
fn mistakes_name_the_line() {
    let (line, msg) = error_of("[[up]]\nop = \"create_table\"\ntable = \"t\"\ncolor = \"red\"\ncolumns = []\n\ndown = []\n");
    assert_eq!(line, Some(1), "{msg}");
    assert!(msg.contains("unknown field `color`"), "{msg}");

    let (line, msg) = error_of("down = []\n\n[[up]]\nop = \"explode\"\n");
    assert_eq!(line, Some(4), "{msg}");
    assert!(msg.contains("unknown variant `explode`"), "{msg}");

    let (line, msg) = error_of("down = []\n[[up]]\nop = \"add_column\"\ntable = \"t\"\ncolumn = { name = \"c\", type = \"varchar\" }\n");
    assert_eq!(line, Some(2), "{msg}");
    assert!(msg.contains("unknown column type `varchar`"), "{msg}");

    let (line, msg) = error_of("[[up]]\nop = \"drop_table\"\ntable = \"t\"\n");
    assert!(msg.contains("missing field `down`"), "{line:?} {msg}");

    let (line, msg) = error_of("up = [\ndown = []\n");
    assert!(line.is_some(), "{msg}");
}

#[test]
fn semantic_checks() {
    let (_, msg) = error_of("down = []\nup = [{ op = \"alter_column\", table = \"t\", column = \"c\" }]\n");
    assert!(msg.contains("changes nothing"), "{msg}");
    let (_, msg) = error_of("down = []\nup = [{ op = \"create_table\", table = \"t\", primary_key = [\"id\"], columns = [{ name = \"id\", type = \"i64\", primary_key = true }] }]\n");
    assert!(msg.contains("primary key twice"), "{msg}");
    let (_, msg) = error_of("down = []\nup = [{ op = \"create_table\", table = \"t\", columns = [{ name = \"id\", type = \"string\", auto_increment = true }] }]\n");
    assert!(msg.contains("`auto_increment` needs an integer type"), "{msg}");
    let (_, msg) = error_of("down = []\nup = [{ op = \"create_table\", table = \"t\", columns = [{ name = \"ok\", type = \"bool\", default = \"maybe\" }] }]\n");
    assert!(msg.contains("default `maybe`"), "{msg}");
}

#[test]
fn file_names() {
    assert_eq!(parse_file_name("20240102030405_add_users.toml"), Some((20240102030405, "add_users".into())));
    assert_eq!(parse_file_name("2024_add.toml"), None);
    assert_eq!(parse_file_name("20240102030405_AddUsers.toml"), None);
    assert_eq!(parse_file_name("20240102030405_add.sql"), None);
    assert!(parse_file(Path::new("bad-name.toml"), "up = []\ndown = []").is_err());
}

#[test]
fn the_template_parses() {
    let m = parse(&template("create_users")).unwrap();
    assert!(m.up.is_empty() && m.down.is_empty());
}

#[test]
fn nul_bytes_in_sql_are_refused() {
    let (line, msg) = error_of("down = []\n[[up]]\nop = \"sql\"\nsqlite = \"SELECT 1\\u0000; DROP TABLE t\"\n");
    assert_eq!(line, Some(2), "{msg}");
    assert!(msg.contains("`sqlite` contains a NUL character"), "{msg}");
}

#[test]
fn only_regular_files_under_the_cap_are_read() {
    let dir = tempfile_dir();
    let good = "up = []\ndown = []\n";
    std::fs::write(dir.join("20240101000000_fine.toml"), good).unwrap();
    assert_eq!(load_dir(&dir).unwrap().len(), 1);

    // A FIFO would block a plain read forever; a link to /dev/zero would fill memory.
    let fifo = dir.join("20240102000000_fifo.toml");
    assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let msg = load_dir(&dir).unwrap_err().to_string();
    assert!(msg.contains("20240102000000_fifo.toml") && msg.contains("not a regular file"), "{msg}");
    std::fs::remove_file(&fifo).unwrap();

    let zero = dir.join("20240103000000_zero.toml");
    std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
    let msg = load_dir(&dir).unwrap_err().to_string();
    assert!(msg.contains("20240103000000_zero.toml") && msg.contains("not a regular file"), "{msg}");
    std::fs::remove_file(&zero).unwrap();

    let big = dir.join("20240104000000_big.toml");
    let file = std::fs::File::create(&big).unwrap();
    file.set_len(MAX_FILE_BYTES + 1).unwrap();
    let msg = load_dir(&dir).unwrap_err().to_string();
    assert!(msg.contains("20240104000000_big.toml") && msg.contains("limit"), "{msg}");
    std::fs::remove_dir_all(&dir).unwrap();
}

fn tempfile_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("orm-file-tests-{}-{}", std::process::id(), uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
