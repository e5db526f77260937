#![doc = include_str!("../README.md")]

// A build with MongoDB alone keeps the SQL paths' signatures (their bodies are the backends' match
// arms, compiled out), so what only those bodies use reads as unused there.
#![cfg_attr(
    not(feature = "sql"),
    allow(unused_variables, unused_imports, irrefutable_let_patterns, dead_code, unreachable_code)
)]

// Lets the derive's `::orm_core::...` paths resolve inside this crate's own tests.
extern crate self as orm_core;

#[cfg(feature = "cache")]
mod cache;
pub mod capability;
pub mod error;
mod db;
mod driver;
mod field;
mod layers;
mod lifecycle;
pub mod introspect;
mod options;
pub mod migrate;
#[cfg(feature = "mongodb")]
pub mod mongo;
pub mod query;
pub mod relation;
mod row;
pub mod sql;
mod value;

/// The neutral schema model (re-exported from `orm-schema`).
pub mod schema {
    pub use orm_schema::*;
}

#[cfg(feature = "cache")]
pub use cache::{Cache, CacheReport, CacheStats};
pub use capability::Capability;
pub use db::{BackendKind, ConnectOptions, ConsistencyToken, Database, Executor, ReplicaStatus, Transaction, DEFAULT_TRANSACTION_RETRY};
pub use error::{Error, Result};
pub use field::FieldType;
pub use lifecycle::{FieldError, Hooks};
pub use field::Json;
pub use query::model::{AnyColumn, CachePolicy, Column, KeyValues, Model, Roles};
pub use query::{Filter, IntoRows, LockWait, Order, Partial, RowLock, Rows, Select};
pub use relation::{LoadRelated, Loaded, Relation};
pub use row::{FromRow, RowAccess};
pub use sql::Dialect;
pub use value::Value;

#[cfg(feature = "derive")]
pub use orm_derive::{FromRow, Model};

#[cfg(feature = "mongodb")]
pub use bson;

/// Items the generated code names; not a stable API.
#[doc(hidden)]
pub mod __private {
    pub use crate::db::cascade::{soft_delete_dependents, SoftCascade};
    pub use crate::query::references::Reference;
    pub use inventory;
    pub use std::sync::OnceLock;

    /// Tells at compile time whether `T` implements [`Hooks`](crate::Hooks): with [`NoHooks`] in
    /// scope, `HooksProbe::<T>::IMPLEMENTED` is the inherent `true` when it does, the trait's
    /// `false` otherwise. The derive asserts it is `false` for a model without `#[orm(hooks)]`.
    pub struct HooksProbe<T>(core::marker::PhantomData<T>);

    /// The answer for types that do not implement `Hooks`.
    pub trait NoHooks {
        /// `false`: no hooks.
        const IMPLEMENTED: bool = false;
    }

    impl<T> NoHooks for HooksProbe<T> {}

    impl<T: crate::Hooks> HooksProbe<T> {
        /// `true`: the type implements `Hooks`.
        pub const IMPLEMENTED: bool = true;
    }
}
