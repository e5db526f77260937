//! The SQL text writer every statement is built with: placeholders for values, except paging.

use sea_query::{QueryBuilder, SqlWriter, Value};
use std::fmt::Write;

/// Collects SQL text and the values to bind, like sea-query's own writer, except that on
/// SQLite a `LIMIT` or `OFFSET` count is written as an integer literal.
///
/// SQLite's planner reads a bound `LIMIT` and marks the prepared statement to be re-prepared
/// whenever that parameter is bound again, so a cached `... LIMIT ?` statement is compiled anew on
/// every run. The counts are always `u64` from the query API (never text), so writing them inline
/// cannot inject anything.
pub(crate) struct Writer {
    sql: String,
    values: Vec<Value>,
    placeholder: &'static str,
    numbered: bool,
    inline_paging: bool,
}

impl Writer {
    pub(crate) fn new(placeholder: &'static str, numbered: bool, inline_paging: bool) -> Self {
        Writer { sql: String::with_capacity(256), values: Vec::new(), placeholder, numbered, inline_paging }
    }

    pub(crate) fn into_parts(self) -> (String, Vec<Value>) {
        (self.sql, self.values)
    }

    fn after_paging_keyword(&self) -> bool {
        self.sql.ends_with(" LIMIT ") || self.sql.ends_with(" OFFSET ")
    }
}

impl Write for Writer {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.sql.write_str(s)
    }
}

impl std::fmt::Display for Writer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.sql)
    }
}

impl SqlWriter for Writer {
    fn push_param<T: QueryBuilder>(&mut self, value: Value, _: &T) {
        if let (true, Value::BigUnsigned(Some(n))) = (self.inline_paging, &value)
            && self.after_paging_keyword()
        {
            let _ = write!(self.sql, "{n}");
            return;
        }
        self.sql.push_str(self.placeholder);
        if self.numbered {
            let _ = write!(self.sql, "{}", self.values.len() + 1);
        }
        self.values.push(value);
    }

    fn as_writer(&mut self) -> &mut dyn Write {
        self
    }
}
