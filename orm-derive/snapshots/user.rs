const _: () = {
    impl User {
        ///The `id` column.
        pub const ID: ::orm_core::Column<User, i64> = ::orm_core::Column::new("id");
        ///The `email` column.
        pub const EMAIL: ::orm_core::Column<User, String> = ::orm_core::Column::new(
            "email",
        );
        ///The `name` column.
        pub const NAME: ::orm_core::Column<User, Option<String>> = ::orm_core::Column::new(
            "name",
        );
        ///The `balance` column.
        pub const BALANCE: ::orm_core::Column<User, i32> = ::orm_core::Column::new(
            "balance",
        );
        ///The `created_at` column.
        pub const CREATED_AT: ::orm_core::Column<User, chrono::DateTime<chrono::Utc>> = ::orm_core::Column::new(
            "created_at",
        );
        ///The `updated_at` column.
        pub const UPDATED_AT: ::orm_core::Column<User, chrono::DateTime<chrono::Utc>> = ::orm_core::Column::new(
            "updated_at",
        );
        ///The `deleted_at` column.
        pub const DELETED_AT: ::orm_core::Column<
            User,
            Option<chrono::DateTime<chrono::Utc>>,
        > = ::orm_core::Column::new("deleted_at");
    }
    impl ::orm_core::FromRow for User {
        fn from_row<R: ::orm_core::RowAccess>(row: &R) -> ::orm_core::Result<Self> {
            ::core::result::Result::Ok(Self {
                id: ::orm_core::RowAccess::get::<i64>(row, 0usize)
                    .map_err(|e| ::orm_core::Error::decode("User", "id", e))?,
                email: ::orm_core::RowAccess::get::<String>(row, 1usize)
                    .map_err(|e| ::orm_core::Error::decode("User", "email", e))?,
                name: ::orm_core::RowAccess::get::<Option<String>>(row, 2usize)
                    .map_err(|e| ::orm_core::Error::decode("User", "name", e))?,
                balance: ::orm_core::RowAccess::get::<i32>(row, 3usize)
                    .map_err(|e| ::orm_core::Error::decode("User", "balance", e))?,
                created_at: ::orm_core::RowAccess::get::<
                    chrono::DateTime<chrono::Utc>,
                >(row, 4usize)
                    .map_err(|e| ::orm_core::Error::decode("User", "created_at", e))?,
                updated_at: ::orm_core::RowAccess::get::<
                    chrono::DateTime<chrono::Utc>,
                >(row, 5usize)
                    .map_err(|e| ::orm_core::Error::decode("User", "updated_at", e))?,
                deleted_at: ::orm_core::RowAccess::get::<
                    Option<chrono::DateTime<chrono::Utc>>,
                >(row, 6usize)
                    .map_err(|e| ::orm_core::Error::decode("User", "deleted_at", e))?,
            })
        }
    }
    impl ::orm_core::Model for User {
        type Key = i64;
        const NAME: &'static str = "User";
        const TABLE: &'static str = "users";
        const PRIMARY_KEY: &'static [&'static str] = &["id"];
        fn schema() -> &'static ::orm_core::schema::Table {
            static SCHEMA: ::orm_core::__private::OnceLock<::orm_core::schema::Table> = ::orm_core::__private::OnceLock::new();
            SCHEMA
                .get_or_init(|| {
                    #[allow(unused_mut)]
                    let mut table = ::orm_core::schema::Table {
                        name: ::std::string::String::from("users"),
                        columns: ::std::vec![
                            ::orm_core::schema::Column { name :
                            ::std::string::String::from("id"), ty :
                            ::orm_core::schema::ColumnType::I64, nullable : false,
                            auto_increment : true, generated : false, unique : false,
                            default : ::std::option::Option::None, comment :
                            ::std::option::Option::None, fields : ::std::vec::Vec::new(),
                            checks : ::std::vec![], }, ::orm_core::schema::Column { name
                            : ::std::string::String::from("email"), ty :
                            ::orm_core::schema::ColumnType::String { length :
                            ::std::option::Option::Some(120u32) }, nullable : false,
                            auto_increment : false, generated : false, unique : true,
                            default : ::std::option::Option::None, comment :
                            ::std::option::Option::None, fields : ::std::vec::Vec::new(),
                            checks : ::std::vec![::orm_core::schema::Check::Email], },
                            ::orm_core::schema::Column { name :
                            ::std::string::String::from("name"), ty :
                            ::orm_core::schema::ColumnType::String { length :
                            ::std::option::Option::None }, nullable : true,
                            auto_increment : false, generated : false, unique : false,
                            default : ::std::option::Option::None, comment :
                            ::std::option::Option::None, fields : ::std::vec::Vec::new(),
                            checks : ::std::vec![], }, ::orm_core::schema::Column { name
                            : ::std::string::String::from("balance"), ty :
                            ::orm_core::schema::ColumnType::I32, nullable : false,
                            auto_increment : false, generated : false, unique : false,
                            default :
                            ::std::option::Option::Some(::orm_core::schema::DefaultValue::Int(0i64)),
                            comment : ::std::option::Option::None, fields :
                            ::std::vec::Vec::new(), checks :
                            ::std::vec![::orm_core::schema::Check::Min(0f64)], },
                            ::orm_core::schema::Column { name :
                            ::std::string::String::from("created_at"), ty :
                            ::orm_core::schema::ColumnType::Timestamp, nullable : false,
                            auto_increment : false, generated : false, unique : false,
                            default : ::std::option::Option::None, comment :
                            ::std::option::Option::None, fields : ::std::vec::Vec::new(),
                            checks : ::std::vec![], }, ::orm_core::schema::Column { name
                            : ::std::string::String::from("updated_at"), ty :
                            ::orm_core::schema::ColumnType::Timestamp, nullable : false,
                            auto_increment : false, generated : false, unique : false,
                            default : ::std::option::Option::None, comment :
                            ::std::option::Option::None, fields : ::std::vec::Vec::new(),
                            checks : ::std::vec![], }, ::orm_core::schema::Column { name
                            : ::std::string::String::from("deleted_at"), ty :
                            ::orm_core::schema::ColumnType::Timestamp, nullable : true,
                            auto_increment : false, generated : false, unique : false,
                            default : ::std::option::Option::None, comment :
                            ::std::option::Option::None, fields : ::std::vec::Vec::new(),
                            checks : ::std::vec![], }
                        ],
                        primary_key: ::std::vec![::std::string::String::from("id")],
                        indexes: ::std::vec![
                            ::orm_core::schema::Index { name :
                            ::std::string::String::from("users_name_idx"), columns :
                            ::std::vec![::std::string::String::from("name")], unique :
                            false, }
                        ],
                        foreign_keys: ::std::vec![],
                    };
                    table
                })
        }
        fn column_names() -> &'static [&'static str] {
            &["id", "email", "name", "balance", "created_at", "updated_at", "deleted_at"]
        }
        fn values(&self) -> ::std::vec::Vec<::orm_core::Value> {
            ::std::vec![
                ::orm_core::FieldType::to_value(& self.id),
                ::orm_core::FieldType::to_value(& self.email),
                ::orm_core::FieldType::to_value(& self.name),
                ::orm_core::FieldType::to_value(& self.balance),
                ::orm_core::FieldType::to_value(& self.created_at),
                ::orm_core::FieldType::to_value(& self.updated_at),
                ::orm_core::FieldType::to_value(& self.deleted_at)
            ]
        }
        fn into_values(self) -> ::std::vec::Vec<::orm_core::Value> {
            ::std::vec![
                ::orm_core::FieldType::into_value(self.id),
                ::orm_core::FieldType::into_value(self.email),
                ::orm_core::FieldType::into_value(self.name),
                ::orm_core::FieldType::into_value(self.balance),
                ::orm_core::FieldType::into_value(self.created_at),
                ::orm_core::FieldType::into_value(self.updated_at),
                ::orm_core::FieldType::into_value(self.deleted_at)
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
                "email" => {
                    ::std::option::Option::Some(
                        ::orm_core::FieldType::to_value(&self.email),
                    )
                }
                "name" => {
                    ::std::option::Option::Some(
                        ::orm_core::FieldType::to_value(&self.name),
                    )
                }
                "balance" => {
                    ::std::option::Option::Some(
                        ::orm_core::FieldType::to_value(&self.balance),
                    )
                }
                "created_at" => {
                    ::std::option::Option::Some(
                        ::orm_core::FieldType::to_value(&self.created_at),
                    )
                }
                "updated_at" => {
                    ::std::option::Option::Some(
                        ::orm_core::FieldType::to_value(&self.updated_at),
                    )
                }
                "deleted_at" => {
                    ::std::option::Option::Some(
                        ::orm_core::FieldType::to_value(&self.deleted_at),
                    )
                }
                _ => ::std::option::Option::None,
            }
        }
        fn roles() -> ::orm_core::Roles {
            ::orm_core::Roles {
                created_at: ::std::option::Option::Some("created_at"),
                updated_at: ::std::option::Option::Some("updated_at"),
                soft_delete: ::std::option::Option::Some("deleted_at"),
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
            ! ::orm_core::__private::HooksProbe:: < User > ::IMPLEMENTED,
            "`User` implements `orm_core::Hooks`: add `#[orm(hooks)]` to the struct so they run"
        );
    };
};
