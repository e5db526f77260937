const _: () = {
    impl Membership {
        ///The `team_id` column.
        const TEAM_ID: ::orm_core::Column<Membership, i64> = ::orm_core::Column::new(
            "team_id",
        );
        ///The `user_id` column.
        const USER_ID: ::orm_core::Column<Membership, i64> = ::orm_core::Column::new(
            "user_id",
        );
        ///The `member_role` column.
        const ROLE: ::orm_core::Column<Membership, String> = ::orm_core::Column::new(
            "member_role",
        );
    }
    impl ::orm_core::FromRow for Membership {
        fn from_row<R: ::orm_core::RowAccess>(row: &R) -> ::orm_core::Result<Self> {
            ::core::result::Result::Ok(Self {
                team_id: ::orm_core::RowAccess::get::<i64>(row, 0usize)
                    .map_err(|e| ::orm_core::Error::decode("Membership", "team_id", e))?,
                user_id: ::orm_core::RowAccess::get::<i64>(row, 1usize)
                    .map_err(|e| ::orm_core::Error::decode("Membership", "user_id", e))?,
                role: ::orm_core::RowAccess::get::<String>(row, 2usize)
                    .map_err(|e| ::orm_core::Error::decode(
                        "Membership",
                        "member_role",
                        e,
                    ))?,
                cached: ::core::default::Default::default(),
            })
        }
    }
    impl ::orm_core::Model for Membership {
        type Key = (i64, i64);
        const NAME: &'static str = "Membership";
        const TABLE: &'static str = "memberships";
        const PRIMARY_KEY: &'static [&'static str] = &["team_id", "user_id"];
        fn schema() -> &'static ::orm_core::schema::Table {
            static SCHEMA: ::orm_core::__private::OnceLock<::orm_core::schema::Table> = ::orm_core::__private::OnceLock::new();
            SCHEMA
                .get_or_init(|| {
                    #[allow(unused_mut)]
                    let mut table = ::orm_core::schema::Table {
                        name: ::std::string::String::from("memberships"),
                        columns: ::std::vec![
                            ::orm_core::schema::Column { name :
                            ::std::string::String::from("team_id"), ty :
                            ::orm_core::schema::ColumnType::I64, nullable : false,
                            auto_increment : false, generated : false, unique : false,
                            default : ::std::option::Option::None, comment :
                            ::std::option::Option::None, fields : ::std::vec::Vec::new(),
                            checks : ::std::vec![], }, ::orm_core::schema::Column { name
                            : ::std::string::String::from("user_id"), ty :
                            ::orm_core::schema::ColumnType::I64, nullable : false,
                            auto_increment : false, generated : false, unique : false,
                            default : ::std::option::Option::None, comment :
                            ::std::option::Option::None, fields : ::std::vec::Vec::new(),
                            checks : ::std::vec![], }, ::orm_core::schema::Column { name
                            : ::std::string::String::from("member_role"), ty :
                            ::orm_core::schema::ColumnType::String { length :
                            ::std::option::Option::None }, nullable : false,
                            auto_increment : false, generated : false, unique : false,
                            default : ::std::option::Option::None, comment :
                            ::std::option::Option::None, fields : ::std::vec::Vec::new(),
                            checks : ::std::vec![], }
                        ],
                        primary_key: ::std::vec![
                            ::std::string::String::from("team_id"),
                            ::std::string::String::from("user_id")
                        ],
                        indexes: ::std::vec![
                            ::orm_core::schema::Index { name :
                            ::std::string::String::from("memberships_by_role"), columns :
                            ::std::vec![::std::string::String::from("member_role")],
                            unique : false, }
                        ],
                        foreign_keys: ::std::vec![
                            ::orm_core::schema::ForeignKey { name :
                            ::std::string::String::from("memberships_team_id_fkey"),
                            columns :
                            ::std::vec![::std::string::String::from("team_id")],
                            references_table : ::std::string::String::from("teams"),
                            references_columns :
                            ::std::vec![::std::string::String::from("id")], on_delete :
                            ::orm_core::schema::ReferentialAction::Cascade, on_update :
                            ::orm_core::schema::ReferentialAction::NoAction, }
                        ],
                    };
                    table
                })
        }
        fn column_names() -> &'static [&'static str] {
            &["team_id", "user_id", "member_role"]
        }
        fn values(&self) -> ::std::vec::Vec<::orm_core::Value> {
            ::std::vec![
                ::orm_core::FieldType::to_value(& self.team_id),
                ::orm_core::FieldType::to_value(& self.user_id),
                ::orm_core::FieldType::to_value(& self.role)
            ]
        }
        fn into_values(self) -> ::std::vec::Vec<::orm_core::Value> {
            ::std::vec![
                ::orm_core::FieldType::into_value(self.team_id),
                ::orm_core::FieldType::into_value(self.user_id),
                ::orm_core::FieldType::into_value(self.role)
            ]
        }
        fn key_values(&self) -> ::std::vec::Vec<::orm_core::Value> {
            ::std::vec![
                ::orm_core::FieldType::to_value(& self.team_id),
                ::orm_core::FieldType::to_value(& self.user_id)
            ]
        }
        fn column_value(
            &self,
            column: &str,
        ) -> ::std::option::Option<::orm_core::Value> {
            match column {
                "team_id" => {
                    ::std::option::Option::Some(
                        ::orm_core::FieldType::to_value(&self.team_id),
                    )
                }
                "user_id" => {
                    ::std::option::Option::Some(
                        ::orm_core::FieldType::to_value(&self.user_id),
                    )
                }
                "member_role" => {
                    ::std::option::Option::Some(
                        ::orm_core::FieldType::to_value(&self.role),
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
            ! ::orm_core::__private::HooksProbe:: < Membership > ::IMPLEMENTED,
            "`Membership` implements `orm_core::Hooks`: add `#[orm(hooks)]` to the struct so they run"
        );
    };
    ::orm_core::__private::inventory::submit! {
        ::orm_core::__private::Reference { model : "Membership", schema : < Membership as
        ::orm_core::Model > ::schema, column : "team_id", target : "teams", }
    }
    ::orm_core::__private::inventory::submit! {
        ::orm_core::__private::SoftCascade { target : "teams", column : "team_id", schema
        : < Membership as ::orm_core::Model > ::schema, run :
        ::orm_core::__private::soft_delete_dependents:: < Membership >, }
    }
};
