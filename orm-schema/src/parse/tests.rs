use super::*;
use crate::{ColumnType, DefaultValue, Index};
use syn::parse_quote;

fn err(input: syn::DeriveInput) -> String {
    parse_model(&input).unwrap_err().into_iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n")
}

#[test]
fn the_issue_model() {
    let input: syn::DeriveInput = parse_quote! {
        #[orm(table = "users")]
        struct User {
            #[orm(primary_key, auto_increment)]
            id: i64,
            #[orm(unique, length = 255)]
            email: String,
            #[orm(column = "display_name")]
            name: String,
            age: Option<i32>,
            #[orm(default = "true")]
            active: bool,
            #[orm(index)]
            created_at: chrono::DateTime<chrono::Utc>,
            #[orm(skip)]
            cache: Option<String>,
        }
    };
    let m = parse_model(&input).unwrap();
    let t = &m.table;
    assert_eq!(t.name, "users");
    assert_eq!(t.primary_key, ["id"]);
    let names: Vec<_> = t.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["id", "email", "display_name", "age", "active", "created_at"]);
    assert!(t.columns[0].auto_increment);
    assert_eq!(t.columns[1].ty, ColumnType::String { length: Some(255) });
    assert!(t.columns[1].unique);
    assert!(t.columns[3].nullable);
    assert_eq!(t.columns[4].default, Some(DefaultValue::Bool(true)));
    assert_eq!(t.indexes, [Index::new("users_created_at_idx", ["created_at"])]);
    assert_eq!(m.fields.len(), 7);
    assert_eq!(m.column_fields().count(), 6);
}

#[test]
fn default_table_name_and_composite_keys() {
    let input: syn::DeriveInput = parse_quote! {
        #[orm(primary_key(columns = ["post_id", "tag_id"]))]
        #[orm(index(name = "by_tag", columns = ["tag_id", "post_id"]), unique(columns = ["post_id", "position"]))]
        struct PostTag { post_id: i64, tag_id: i64, position: i32 }
    };
    let m = parse_model(&input).unwrap();
    assert_eq!(m.table.name, "post_tags");
    assert_eq!(m.table.primary_key, ["post_id", "tag_id"]);
    assert_eq!(m.table.indexes[0], Index::new("by_tag", ["tag_id", "post_id"]));
    assert_eq!(m.table.indexes[1], Index::new("post_tags_post_id_position_key", ["post_id", "position"]).unique());
}

#[test]
fn misuse_is_reported_all_at_once() {
    let msg = err(parse_quote! {
        struct Bad {
            #[orm(primary_key, auto_increment, colour = "red")]
            id: String,
            weird: std::collections::HashMap<String, String>,
            #[orm(default = "maybe")]
            flag: bool,
        }
    });
    assert!(msg.contains("unknown `orm` field attribute `colour`"), "{msg}");
    assert!(msg.contains("`auto_increment` needs an integer column"), "{msg}");
    assert!(msg.contains("unsupported field type"), "{msg}");
    assert!(msg.contains("default `maybe` is not `true` or `false`"), "{msg}");
}

#[test]
fn primary_key_twice_and_missing() {
    let msg = err(parse_quote! {
        #[orm(primary_key(columns = ["id"]))]
        struct A { #[orm(primary_key)] id: i64 }
    });
    assert!(msg.contains("primary key is declared twice"), "{msg}");
    let msg = err(parse_quote! { struct B { id: i64 } });
    assert!(msg.contains("needs a primary key"), "{msg}");
}

#[test]
fn duplicate_and_unknown_columns() {
    let msg = err(parse_quote! {
        #[orm(index(columns = ["nope"]))]
        struct C { #[orm(primary_key, primary_key)] id: i64, #[orm(column = "id")] other: i64 }
    });
    assert!(msg.contains("duplicate `primary_key`"), "{msg}");
    assert!(msg.contains("`nope` is neither a field nor a column"), "{msg}");
    assert!(msg.contains("column `id` is mapped twice"), "{msg}");
}

#[test]
fn auto_keys() {
    let m = parse_model(&parse_quote! {
        struct K { #[orm(primary_key, auto)] id: bson::oid::ObjectId, #[orm(auto)] token: uuid::Uuid }
    })
    .unwrap();
    assert!(m.table.columns.iter().all(|c| c.generated));
    let msg = err(parse_quote! { struct L { #[orm(primary_key, auto)] id: i64 } });
    assert!(msg.contains("`auto` generates ObjectId and UUID values only"), "{msg}");
}

#[test]
fn type_override() {
    let m = parse_model(&parse_quote! {
        struct D { #[orm(primary_key)] id: i64, #[orm(type = "text")] body: String, #[orm(type = "json")] tags: Tags }
    })
    .unwrap();
    assert_eq!(m.table.columns[1].ty, ColumnType::Text);
    assert_eq!(m.table.columns[2].ty, ColumnType::Json);
    let msg = err(parse_quote! { struct E { #[orm(primary_key)] id: i64, #[orm(type = "varchar")] s: String } });
    assert!(msg.contains("unknown column type `varchar`"), "{msg}");
}

#[test]
fn unknown_keys_list_every_key_the_parser_takes() {
    let e = err(parse_quote! {
        #[orm(tabel = "x")]
        struct M {
            #[orm(primary_key, colum = "y")]
            id: i64,
        }
    });
    // The lists come from the tables the parser matches on: every relation key is there.
    for key in ["has_many(", "has_one(", "many_to_many(", "hooks", "foreign_key(", "primary_key("] {
        assert!(e.lines().next().unwrap().contains(key), "{key}: {e}");
    }
    for key in ["belongs_to = Model", "on_delete = ", "on_update = ", "relation = ", "validate(", "soft_delete"] {
        assert!(e.lines().nth(1).unwrap().contains(key), "{key}: {e}");
    }
}

#[test]
fn a_field_level_foreign_key_and_repeated_actions_are_errors() {
    let e = err(parse_quote! {
        struct Post {
            #[orm(primary_key)]
            id: i64,
            #[orm(belongs_to = User, foreign_key = "user_id", on_delete = "cascade", on_delete = "restrict")]
            user_id: i64,
        }
    });
    assert!(e.contains("unknown `orm` field attribute `foreign_key` (a `belongs_to` field is the foreign key itself"), "{e}");
    assert!(e.contains("duplicate `on_delete`"), "{e}");
}

#[test]
fn cache_takes_a_flag_or_a_ttl() {
    let model = |attr: syn::Attribute| -> syn::DeriveInput {
        let mut input: syn::DeriveInput = parse_quote! { struct T { #[orm(primary_key)] id: i64 } };
        input.attrs.push(attr);
        input
    };
    assert_eq!(parse_model(&model(parse_quote!(#[orm(cache)]))).unwrap().cache, Some(None));
    assert_eq!(parse_model(&model(parse_quote!(#[orm(cache(ttl = "90s"))]))).unwrap().cache, Some(Some(90_000)));
    assert_eq!(parse_model(&model(parse_quote!(#[orm(table = "t")]))).unwrap().cache, None);
    assert!(err(model(parse_quote!(#[orm(cache(ttl = "soon"))]))).contains("number with a unit"));
    assert!(err(model(parse_quote!(#[orm(cache(size = 3))]))).contains("unknown key `size`"));
    assert_eq!(attr::parse_duration_ms("500ms"), Some(500));
    assert_eq!(attr::parse_duration_ms("5m"), Some(300_000));
    assert_eq!(attr::parse_duration_ms("1h"), Some(3_600_000));
    assert_eq!(attr::parse_duration_ms("12"), None);
}
