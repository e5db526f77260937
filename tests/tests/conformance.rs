//! The CRUD conformance suite: every scenario runs on PostgreSQL, MariaDB/MySQL, and SQLite (file and
//! in memory).

mod conformance {
    pub mod bulk;
    pub mod cache;
    pub mod compare;
    pub mod crud;
    pub mod documents;
    pub mod foreign_keys;
    pub mod key_blocks;
    pub mod generated_models;
    pub mod lifecycle;
    pub mod locks;
    pub mod long_lists;
    pub mod migrate;
    pub mod migrate_lock;
    pub mod migrate_safety;
    pub mod kept_statements;
    pub mod query;
    pub mod raw;
    pub mod records;
    pub mod referential_actions;
    pub mod relations;
    pub mod replicas;
    pub mod transactions;
    pub mod validation;
    pub mod types;
}
