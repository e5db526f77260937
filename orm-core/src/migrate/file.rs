//! Migration files: `migrations/<version>_<name>.toml`, with `up` and `down` lists of operations.

use super::codec::{convert, FileToml, OpToml};
use crate::error::{Error, Result};
use crate::schema::Operation;
use std::path::{Path, PathBuf};

/// One operation of a migration, with the line it starts on.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// The operation.
    pub op: Operation,
    /// Its line in the file (1-based).
    pub line: usize,
}

/// A parsed migration file.
#[derive(Debug, Clone, PartialEq)]
pub struct MigrationFile {
    /// The 14-digit UTC timestamp of the file name (`YYYYMMDDHHMMSS`).
    pub version: i64,
    /// The snake_case name after the version.
    pub name: String,
    /// Where it was read from.
    pub path: PathBuf,
    /// SHA-256 of the content with line endings normalised to `\n`, hex.
    pub checksum: String,
    /// What `up` does, in order.
    pub up: Vec<Step>,
    /// What `down` does, in order.
    pub down: Vec<Step>,
}

/// SHA-256 of `content` with `\r\n` normalised to `\n`, as lowercase hex: a CRLF checkout of the
/// same file has the same checksum.
///
/// ```
/// use orm_core::migrate::checksum;
/// assert_eq!(checksum("a\r\nb\n"), checksum("a\nb\n"));
/// assert_ne!(checksum("a\nb\n"), checksum("a\nc\n"));
/// ```
pub fn checksum(content: &str) -> String {
    use sha2::Digest;
    let normalised = content.replace("\r\n", "\n");
    sha2::Sha256::digest(normalised.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// Splits a file name `20240102030405_create_users.toml` into its version and name.
pub fn parse_file_name(file_name: &str) -> Option<(i64, String)> {
    let stem = file_name.strip_suffix(".toml")?;
    let (version, name) = stem.split_once('_')?;
    let valid_name = !name.is_empty()
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !name.starts_with('_');
    if version.len() != 14 || !version.chars().all(|c| c.is_ascii_digit()) || !valid_name {
        return None;
    }
    Some((version.parse().ok()?, name.to_string()))
}

/// Reads every `*.toml` migration in `dir`, ordered by version. Other files (a `.gitkeep`, a
/// README) are ignored; a `.toml` whose name is not `<14-digit version>_<snake_case name>.toml`, or
/// two files with one version, are errors.
pub fn load_dir(dir: &Path) -> Result<Vec<MigrationFile>> {
    let entries = std::fs::read_dir(dir).map_err(|e| Error::MigrationFile {
        file: dir.display().to_string(),
        line: None,
        message: format!("cannot read the migrations directory: {e}"),
    })?;
    let mut files = Vec::new();
    for entry in entries {
        let path = entry
            .map_err(|e| Error::MigrationFile { file: dir.display().to_string(), line: None, message: e.to_string() })?
            .path();
        if path.extension().and_then(|e| e.to_str()) != Some("toml") {
            continue;
        }
        files.push(parse_file(&path, &read_migration(&path)?)?);
    }
    files.sort_by_key(|f| f.version);
    for pair in files.windows(2) {
        if pair[0].version == pair[1].version {
            return Err(Error::MigrationFile {
                file: pair[1].path.display().to_string(),
                line: None,
                message: format!("version {} is also used by {}", pair[1].version, pair[0].path.display()),
            });
        }
    }
    Ok(files)
}

/// The largest migration file read: far above any hand-written or generated one, and a bound on
/// what a wrong path (a device, a huge dump) can make the runner hold in memory.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// Reads a migration file: a regular file (a symbolic link is followed to one) of at most
/// [`MAX_FILE_BYTES`]; a FIFO, a device or a directory named `*.toml` is an error, never a read
/// that blocks or fills memory.
fn read_migration(path: &Path) -> Result<String> {
    use std::io::Read;
    let err = |message: String| Error::MigrationFile { file: path.display().to_string(), line: None, message };
    let meta = std::fs::metadata(path).map_err(|e| err(format!("cannot read: {e}")))?;
    if !meta.is_file() {
        return Err(err("not a regular file (a FIFO, a device or a directory): a migration must be a plain file".into()));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(err(format!("{} bytes: larger than the {MAX_FILE_BYTES}-byte limit for a migration file", meta.len())));
    }
    let file = std::fs::File::open(path).map_err(|e| err(format!("cannot read: {e}")))?;
    let mut content = String::new();
    // The bound holds even if the file grows between the check and the read.
    file.take(MAX_FILE_BYTES + 1).read_to_string(&mut content).map_err(|e| err(format!("cannot read: {e}")))?;
    if content.len() as u64 > MAX_FILE_BYTES {
        return Err(err(format!("larger than the {MAX_FILE_BYTES}-byte limit for a migration file")));
    }
    Ok(content)
}

/// The 1-based line of byte offsets in one text, found by binary search over its line starts (a
/// scan from the top for each operation made files with thousands of operations quadratic).
struct Lines(Vec<usize>);

impl Lines {
    fn new(content: &str) -> Lines {
        Lines(content.match_indices('\n').map(|(i, _)| i).collect())
    }

    fn of(&self, offset: usize) -> usize {
        self.0.partition_point(|&nl| nl < offset) + 1
    }
}

/// Parses one migration file's content; `path` names it in errors and gives its version and name.
pub fn parse_file(path: &Path, content: &str) -> Result<MigrationFile> {
    let file = path.display().to_string();
    let err = |line: Option<usize>, message: String| Error::MigrationFile { file: file.clone(), line, message };
    let file_name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    let (version, name) = parse_file_name(file_name).ok_or_else(|| {
        err(None, "a migration file is named `<YYYYMMDDHHMMSS>_<snake_case_name>.toml`".to_string())
    })?;
    let lines = Lines::new(content);
    let parsed: FileToml = toml::from_str(content).map_err(|e| {
        let line = e.span().map(|s| lines.of(s.start));
        err(line, e.message().trim().to_string())
    })?;
    let steps = |list: Vec<toml::Spanned<OpToml>>| -> Result<Vec<Step>> {
        list.into_iter()
            .map(|spanned| {
                let line = lines.of(spanned.span().start);
                convert(spanned.into_inner()).map(|op| Step { op, line }).map_err(|m| err(Some(line), m))
            })
            .collect()
    };
    let up = steps(parsed.up)?;
    let down = steps(parsed.down)?;
    Ok(MigrationFile { version, name, path: path.to_path_buf(), checksum: checksum(content), up, down })
}

/// The text `orm migrate new` writes: both sections, empty, with a commented example.
pub fn template(name: &str) -> String {
    format!(
        r#"# Migration `{name}`: `up` applies it, `down` reverts it exactly.
# Replace the empty lists with [[up]] and [[down]] tables, for example:
#
# [[up]]
# op = "create_table"
# table = "users"
# columns = [
#   {{ name = "id", type = "i64", primary_key = true, auto_increment = true }},
#   {{ name = "email", type = "string", length = 255, unique = true }},
# ]
#
# [[down]]
# op = "drop_table"
# table = "users"
up = []
down = []
"#
    )
}

#[cfg(test)]
mod tests;
