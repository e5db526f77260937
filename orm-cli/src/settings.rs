//! Where the database URL comes from.

use std::path::Path;

/// The embedded default database.
pub const DEFAULT_DATABASE_URL: &str = "sqlite:orm.db";

/// The database URL and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatabaseUrl {
    /// The URL.
    pub url: String,
    /// `--database-url`, `DATABASE_URL`, `.env` or `default`.
    pub source: &'static str,
}

/// Resolves the URL: the flag, else `DATABASE_URL`, else `DATABASE_URL` in the nearest `.env` (in
/// `dir` or the first of its parents that has one, read with dotenvy as sqlx-cli does: quotes,
/// `export`, spaces around `=`), else the embedded SQLite default.
pub fn database_url(flag: Option<&str>, env: Option<String>, dir: &Path) -> DatabaseUrl {
    if let Some(url) = flag {
        return DatabaseUrl { url: url.to_string(), source: "--database-url" };
    }
    if let Some(url) = env.filter(|u| !u.trim().is_empty()) {
        return DatabaseUrl { url, source: "DATABASE_URL" };
    }
    let dir = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
    let dotenv = dir.ancestors().map(|d| d.join(".env")).find(|p| p.is_file());
    if let Some(Ok(entries)) = dotenv.map(dotenvy::from_path_iter) {
        for (key, value) in entries.flatten() {
            if key == "DATABASE_URL" && !value.trim().is_empty() {
                return DatabaseUrl { url: value, source: ".env" };
            }
        }
    }
    DatabaseUrl { url: DEFAULT_DATABASE_URL.to_string(), source: "default" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn precedence() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(database_url(None, None, dir.path()).source, "default");
        std::fs::write(dir.path().join(".env"), "# db\nexport DATABASE_URL=\"postgres://x/y\"\n").unwrap();
        assert_eq!(database_url(None, None, dir.path()), DatabaseUrl { url: "postgres://x/y".into(), source: ".env" });
        assert_eq!(database_url(None, Some("sqlite:a.db".into()), dir.path()).source, "DATABASE_URL");
        assert_eq!(database_url(Some("mysql://m"), Some("sqlite:a.db".into()), dir.path()).url, "mysql://m");
    }

    #[test]
    fn dotenv_files_are_read_as_dotenvy_reads_them_from_parent_directories_too() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(".env"), "OTHER=1\nDATABASE_URL = \"postgres://u@h/db?x=1\" # the app's\n").unwrap();
        let nested = dir.path().join("crates/app");
        std::fs::create_dir_all(&nested).unwrap();
        assert_eq!(database_url(None, None, &nested), DatabaseUrl { url: "postgres://u@h/db?x=1".into(), source: ".env" });
    }
}
