//! Snapshot tests of the expansion: a few representative models expanded, formatted, and compared
//! with the golden files in `orm-derive/snapshots/`. A change to the generated code shows there as
//! a diff in review. `UPDATE_SNAPSHOTS=1 cargo test -p orm-derive` rewrites the files.

use syn::parse_quote;

fn check(name: &str, expanded: syn::Result<proc_macro2::TokenStream>) {
    let tokens = expanded.unwrap_or_else(|e| panic!("{name} does not expand: {e}"));
    let file: syn::File = syn::parse2(tokens).unwrap_or_else(|e| panic!("{name} expands to invalid Rust: {e}"));
    let text = prettyplease::unparse(&file);
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("snapshots").join(format!("{name}.rs"));
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, &text).unwrap();
        return;
    }
    let golden = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("no snapshot {}; run with UPDATE_SNAPSHOTS=1 to write it", path.display()));
    if golden != text {
        let first = golden.lines().zip(text.lines()).position(|(a, b)| a != b).unwrap_or(golden.lines().count().min(text.lines().count()));
        panic!(
            "the expansion of {name} changed (first difference at line {}):\n  snapshot: {:?}\n  now:      {:?}\n\
             review it and run with UPDATE_SNAPSHOTS=1 to accept",
            first + 1,
            golden.lines().nth(first).unwrap_or(""),
            text.lines().nth(first).unwrap_or("")
        );
    }
}

#[test]
fn a_plain_model_with_keys_defaults_and_timestamps() {
    check(
        "user",
        super::model(&parse_quote! {
            #[orm(table = "users")]
            pub struct User {
                #[orm(primary_key, auto_increment)]
                pub id: i64,
                #[orm(unique, length = 120, validate(email))]
                pub email: String,
                #[orm(index)]
                pub name: Option<String>,
                #[orm(default = "0", validate(range(min = 0)))]
                pub balance: i32,
                #[orm(created_at)]
                pub created_at: chrono::DateTime<chrono::Utc>,
                #[orm(updated_at)]
                pub updated_at: chrono::DateTime<chrono::Utc>,
                #[orm(soft_delete)]
                pub deleted_at: Option<chrono::DateTime<chrono::Utc>>,
            }
        }),
    );
}

#[test]
fn a_composite_key_with_struct_level_index_and_foreign_key() {
    check(
        "membership",
        super::model(&parse_quote! {
            #[orm(primary_key(columns = ["team_id", "user_id"]))]
            #[orm(index(columns = ["role"], name = "memberships_by_role"))]
            #[orm(foreign_key(columns = ["team_id"], references = "teams", references_columns = ["id"], on_delete = "cascade"))]
            struct Membership {
                team_id: i64,
                user_id: i64,
                #[orm(column = "member_role", renamed_from = "kind")]
                role: String,
                #[orm(skip)]
                cached: Vec<String>,
            }
        }),
    );
}

#[test]
fn relations_of_every_kind() {
    check(
        "post",
        super::model(&parse_quote! {
            #[orm(has_many(Comment), many_to_many(Tag, through = PostTag))]
            struct Post {
                #[orm(primary_key, auto_increment)]
                id: i64,
                #[orm(belongs_to = User, on_delete = "cascade")]
                user_id: i64,
                title: String,
            }
        }),
    );
}

#[test]
fn a_partial_row() {
    check(
        "user_summary",
        super::partial(&parse_quote! {
            struct UserSummary {
                id: i64,
                #[orm(column = "email")]
                address: String,
                #[orm(skip)]
                note: String,
            }
        }),
    );
}
