const _: () = {
    impl Post {
        ///The `id` column.
        const ID: ::orm_core::Column<Post, i64> = ::orm_core::Column::new("id");
        ///The `user_id` column.
        const USER_ID: ::orm_core::Column<Post, i64> = ::orm_core::Column::new(
            "user_id",
        );
        ///The `title` column.
        const TITLE: ::orm_core::Column<Post, String> = ::orm_core::Column::new("title");
        ///The `user` relation.
        #[allow(non_upper_case_globals)]
        const user: ::orm_core::Relation<Post, User, ::orm_core::relation::BelongsTo> = ::orm_core::Relation::new(
            "user",
            "user_id",
            "",
        );
        ///The `comments` relation.
        #[allow(non_upper_case_globals)]
        const comments: ::orm_core::Relation<
            Post,
            Comment,
            ::orm_core::relation::HasMany,
        > = ::orm_core::Relation::new("comments", "post_id", "comment_id");
        ///The `tags` relation.
        #[allow(non_upper_case_globals)]
        const tags: ::orm_core::Relation<
            Post,
            Tag,
            ::orm_core::relation::ManyToMany<PostTag>,
        > = ::orm_core::Relation::new("tags", "post_id", "tag_id");
    }
    impl ::orm_core::FromRow for Post {
        fn from_row<R: ::orm_core::RowAccess>(row: &R) -> ::orm_core::Result<Self> {
            ::core::result::Result::Ok(Self {
                id: ::orm_core::RowAccess::get::<i64>(row, 0usize)
                    .map_err(|e| ::orm_core::Error::decode("Post", "id", e))?,
                user_id: ::orm_core::RowAccess::get::<i64>(row, 1usize)
                    .map_err(|e| ::orm_core::Error::decode("Post", "user_id", e))?,
                title: ::orm_core::RowAccess::get::<String>(row, 2usize)
                    .map_err(|e| ::orm_core::Error::decode("Post", "title", e))?,
            })
        }
    }
    impl ::orm_core::Model for Post {
        type Key = i64;
        const NAME: &'static str = "Post";
        const TABLE: &'static str = "posts";
        const PRIMARY_KEY: &'static [&'static str] = &["id"];
        fn schema() -> &'static ::orm_core::schema::Table {
            static SCHEMA: ::orm_core::__private::OnceLock<::orm_core::schema::Table> = ::orm_core::__private::OnceLock::new();
            SCHEMA
                .get_or_init(|| {
                    #[allow(unused_mut)]
                    let mut table = ::orm_core::schema::Table {
                        name: ::std::string::String::from("posts"),
                        columns: ::std::vec![
                            ::orm_core::schema::Column { name :
                            ::std::string::String::from("id"), ty :
                            ::orm_core::schema::ColumnType::I64, nullable : false,
                            auto_increment : true, generated : false, unique : false,
                            default : ::std::option::Option::None, comment :
                            ::std::option::Option::None, fields : ::std::vec::Vec::new(),
                            checks : ::std::vec![], }, ::orm_core::schema::Column { name
                            : ::std::string::String::from("user_id"), ty :
                            ::orm_core::schema::ColumnType::I64, nullable : false,
                            auto_increment : false, generated : false, unique : false,
                            default : ::std::option::Option::None, comment :
                            ::std::option::Option::None, fields : ::std::vec::Vec::new(),
                            checks : ::std::vec![], }, ::orm_core::schema::Column { name
                            : ::std::string::String::from("title"), ty :
                            ::orm_core::schema::ColumnType::String { length :
                            ::std::option::Option::None }, nullable : false,
                            auto_increment : false, generated : false, unique : false,
                            default : ::std::option::Option::None, comment :
                            ::std::option::Option::None, fields : ::std::vec::Vec::new(),
                            checks : ::std::vec![], }
                        ],
                        primary_key: ::std::vec![::std::string::String::from("id")],
                        indexes: ::std::vec![],
                        foreign_keys: ::std::vec![],
                    };
                    table
                        .add_belongs_to(
                            "user_id",
                            <User as ::orm_core::Model>::TABLE,
                            <User as ::orm_core::Model>::PRIMARY_KEY
                                .iter()
                                .map(|c| ::std::string::String::from(*c))
                                .collect(),
                            ::orm_core::schema::ReferentialAction::Cascade,
                            ::orm_core::schema::ReferentialAction::NoAction,
                        );
                    table
                })
        }
        fn column_names() -> &'static [&'static str] {
            &["id", "user_id", "title"]
        }
        fn values(&self) -> ::std::vec::Vec<::orm_core::Value> {
            ::std::vec![
                ::orm_core::FieldType::to_value(& self.id),
                ::orm_core::FieldType::to_value(& self.user_id),
                ::orm_core::FieldType::to_value(& self.title)
            ]
        }
        fn into_values(self) -> ::std::vec::Vec<::orm_core::Value> {
            ::std::vec![
                ::orm_core::FieldType::into_value(self.id),
                ::orm_core::FieldType::into_value(self.user_id),
                ::orm_core::FieldType::into_value(self.title)
            ]
        }
        fn key_values(&self) -> ::std::vec::Vec<::orm_core::Value> {
            ::std::vec![::orm_core::FieldType::to_value(& self.id)]
        }
        fn column_value(
            &self,
            column: &str,
        ) -> ::std::option::Option<::orm_core::Value> {
            match column {
                "id" => {
                    ::std::option::Option::Some(
                        ::orm_core::FieldType::to_value(&self.id),
                    )
                }
                "user_id" => {
                    ::std::option::Option::Some(
                        ::orm_core::FieldType::to_value(&self.user_id),
                    )
                }
                "title" => {
                    ::std::option::Option::Some(
                        ::orm_core::FieldType::to_value(&self.title),
                    )
                }
                _ => ::std::option::Option::None,
            }
        }
        fn roles() -> ::orm_core::Roles {
            ::orm_core::Roles {
                created_at: ::std::option::Option::None,
                updated_at: ::std::option::Option::None,
                soft_delete: ::std::option::Option::None,
            }
        }
        fn custom_validation(&self) -> ::std::vec::Vec<::orm_core::FieldError> {
            let mut errors = ::std::vec::Vec::new();
            errors
        }
    }
    const _: () = {
        #[allow(unused_imports)]
        use ::orm_core::__private::NoHooks as _;
        ::core::assert!(
            ! ::orm_core::__private::HooksProbe:: < Post > ::IMPLEMENTED,
            "`Post` implements `orm_core::Hooks`: add `#[orm(hooks)]` to the struct so they run"
        );
    };
    ::orm_core::__private::inventory::submit! {
        ::orm_core::__private::Reference { model : "Post", schema : < Post as
        ::orm_core::Model > ::schema, column : "user_id", target : < User as
        ::orm_core::Model > ::TABLE, }
    }
    ::orm_core::__private::inventory::submit! {
        ::orm_core::__private::SoftCascade { target : < User as ::orm_core::Model >
        ::TABLE, column : "user_id", schema : < Post as ::orm_core::Model > ::schema, run
        : ::orm_core::__private::soft_delete_dependents:: < Post >, }
    }
};
