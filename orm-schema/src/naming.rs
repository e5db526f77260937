//! Naming rules: struct names to table names, field names to column names.

/// Converts `CamelCase` (or `camelCase`) to `snake_case`.
///
/// ```
/// assert_eq!(orm_schema::snake_case("BlogPost"), "blog_post");
/// assert_eq!(orm_schema::snake_case("HTTPRequest"), "http_request");
/// ```
pub fn snake_case(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_uppercase() {
            let prev_lower = i > 0 && (chars[i - 1].is_lowercase() || chars[i - 1].is_ascii_digit());
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            let prev_upper = i > 0 && chars[i - 1].is_uppercase();
            if i > 0 && (prev_lower || (prev_upper && next_lower)) && !out.ends_with('_') {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// English plural of a snake_case word (its last segment), the way table names are usually written.
///
/// ```
/// assert_eq!(orm_schema::pluralize("user"), "users");
/// assert_eq!(orm_schema::pluralize("category"), "categories");
/// assert_eq!(orm_schema::pluralize("address"), "addresses");
/// assert_eq!(orm_schema::pluralize("person"), "people");
/// ```
pub fn pluralize(word: &str) -> String {
    let (head, last) = match word.rfind('_') {
        Some(i) => (&word[..=i], &word[i + 1..]),
        None => ("", word),
    };
    const IRREGULAR: &[(&str, &str)] = &[
        ("person", "people"),
        ("man", "men"),
        ("woman", "women"),
        ("child", "children"),
        ("mouse", "mice"),
        ("goose", "geese"),
        ("datum", "data"),
        ("index", "indexes"),
    ];
    const UNCHANGED: &[&str] = &["series", "species", "news", "data", "info", "metadata", "sheep", "fish"];
    let plural = if let Some((_, p)) = IRREGULAR.iter().find(|(s, _)| *s == last) {
        (*p).to_string()
    } else if UNCHANGED.contains(&last) {
        last.to_string()
    } else if last.ends_with('y') && !last.ends_with("ay") && !last.ends_with("ey") && !last.ends_with("oy") && !last.ends_with("uy") {
        format!("{}ies", &last[..last.len() - 1])
    } else if ["s", "x", "z", "ch", "sh"].iter().any(|s| last.ends_with(s)) {
        format!("{last}es")
    } else {
        format!("{last}s")
    };
    format!("{head}{plural}")
}

/// The default table name of a struct: the snake_case plural of its name.
///
/// ```
/// assert_eq!(orm_schema::table_name_for("BlogPost"), "blog_posts");
/// ```
pub fn table_name_for(struct_name: &str) -> String {
    pluralize(&snake_case(struct_name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_cases() {
        assert_eq!(snake_case("User"), "user");
        assert_eq!(snake_case("PostTag"), "post_tag");
        assert_eq!(snake_case("already_snake"), "already_snake");
        assert_eq!(snake_case("Item2Box"), "item2_box");
    }

    #[test]
    fn plurals() {
        assert_eq!(table_name_for("Company"), "companies");
        assert_eq!(table_name_for("Day"), "days");
        assert_eq!(table_name_for("Box"), "boxes");
        assert_eq!(table_name_for("Match"), "matches");
        assert_eq!(table_name_for("PostTag"), "post_tags");
        assert_eq!(table_name_for("UserPerson"), "user_people");
    }
}
