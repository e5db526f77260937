const _: () = {
    impl ::orm_core::FromRow for UserSummary {
        fn from_row<R: ::orm_core::RowAccess>(row: &R) -> ::orm_core::Result<Self> {
            ::core::result::Result::Ok(Self {
                id: ::orm_core::RowAccess::get::<i64>(row, 0usize)
                    .map_err(|e| ::orm_core::Error::decode("UserSummary", "id", e))?,
                address: ::orm_core::RowAccess::get::<String>(row, 1usize)
                    .map_err(|e| ::orm_core::Error::decode("UserSummary", "email", e))?,
                note: ::core::default::Default::default(),
            })
        }
    }
    impl ::orm_core::Partial for UserSummary {
        fn columns() -> &'static [&'static str] {
            &["id", "email"]
        }
    }
};
