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

/// Resolves the URL: the flag, else `DATABASE_URL`, else `DATABASE_URL` in `.env` (in `dir`), else
/// the embedded SQLite default.
pub fn database_url(flag: Option<&str>, env: Option<String>, dir: &Path) -> DatabaseUrl {
    if let Some(url) = flag {
        return DatabaseUrl { url: url.to_string(), source: "--database-url" };
    }
    if let Some(url) = env.filter(|u| !u.trim().is_empty()) {
        return DatabaseUrl { url, source: "DATABASE_URL" };
    }
    if let Ok(text) = std::fs::read_to_string(dir.join(".env")) {
        for line in text.lines() {
            let line = line.trim().trim_start_matches("export ").trim();
            if let Some(value) = line.strip_prefix("DATABASE_URL=") {
                let value = value.trim().trim_matches('"').trim_matches('\'');
                if !value.is_empty() {
                    return DatabaseUrl { url: value.to_string(), source: ".env" };
                }
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
}
