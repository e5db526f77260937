//! Running the query IR on a [`Database`](crate::Database) or in a
//! [`Transaction`](crate::Transaction): the query builders stay data; their `all` / `one` / `get`
//! / `count` / `exists` and `exec` are here, above the driver they go through.

use super::Executor;
use crate::error::{Error, Result};
use crate::query::model::Model;
use crate::query::{DeleteMany, Select, UpdateMany};
use crate::row::FromRow;

impl<M: Model, R: FromRow> Select<M, R> {
    /// Every matching row (on a [`Database`](crate::Database) or in a [`Transaction`](crate::Transaction)).
    pub async fn all<E: Executor + ?Sized>(self, db: &E) -> Result<Vec<R>> {
        db.on().select_all(&self).await
    }

    /// The first matching row, if any.
    pub async fn one<E: Executor + ?Sized>(mut self, db: &E) -> Result<Option<R>> {
        self.limit = Some(1);
        Ok(db.on().select_all(&self).await?.into_iter().next())
    }

    /// The first matching row, or [`Error::NotFound`].
    pub async fn get<E: Executor + ?Sized>(self, db: &E) -> Result<R> {
        self.one(db).await?.ok_or(Error::NotFound { model: M::NAME, operation: "find" })
    }

    /// The number of matching rows (limit and offset apply).
    pub async fn count<E: Executor + ?Sized>(self, db: &E) -> Result<u64> {
        db.on().select_count(&self).await
    }

    /// Whether any row matches.
    pub async fn exists<E: Executor + ?Sized>(self, db: &E) -> Result<bool> {
        db.on().select_exists(&self).await
    }
}

impl<M: Model> UpdateMany<M> {
    /// Runs the update; returns the number of rows it matched.
    pub async fn exec<E: Executor + ?Sized>(self, db: &E) -> Result<u64> {
        db.on().update_many(&self).await
    }
}

impl<M: Model> DeleteMany<M> {
    /// Runs the delete; returns the number of rows deleted (for a `#[orm(soft_delete)]` model,
    /// soft-deleted).
    pub async fn exec<E: Executor + ?Sized>(self, db: &E) -> Result<u64> {
        db.on().delete_many(&self).await
    }
}
