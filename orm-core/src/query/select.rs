//! [`Select`]: find rows, with filters, ordering, paging and projections.

use super::filter::{and_conds, Cond, Filter};
use crate::error::{Error, Result};
use crate::field::FieldType;
use crate::query::model::{CachePolicy, Column, Model};
use crate::row::FromRow;
use std::marker::PhantomData;

/// Sort direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// Ascending.
    Asc,
    /// Descending.
    Desc,
}

/// A row lock a [`Select`] takes: [`Select::for_update`], [`Select::for_share`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RowLock {
    /// Exclusive (`FOR UPDATE`) or shared (`FOR SHARE`).
    pub exclusive: bool,
    /// What to do about rows another transaction has locked.
    pub wait: LockWait,
}

/// What a locking read does about rows another transaction has locked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockWait {
    /// Waits for them (the default).
    Wait,
    /// Fails at once (`NOWAIT`).
    NoWait,
    /// Leaves them out of the result (`SKIP LOCKED`): a job queue's read.
    SkipLocked,
}

/// A query over model `M`'s table returning `R` per row (`M` itself unless projected).
///
/// ```no_run
/// # use orm_core::{Database, Model, Order};
/// # #[derive(Model, Debug, Clone)]
/// # struct User { #[orm(primary_key)] id: i64, age: Option<i32>, email: String }
/// # async fn demo(db: &Database) -> orm_core::Result<()> {
/// let page: Vec<User> = User::find()
///     .filter(User::AGE.between(18, 65))
///     .order_by(User::AGE, Order::Desc)
///     .order_by_asc(User::ID)
///     .limit(20)
///     .offset(40)
///     .all(db)
///     .await?;
/// let emails: Vec<(String, Option<i32>)> =
///     User::find().select((User::EMAIL, User::AGE)).all(db).await?;
/// let n: u64 = User::find().filter(User::AGE.is_null()).count(db).await?;
/// # Ok(()) }
/// ```
pub struct Select<M, R = M> {
    pub(crate) filter: Option<Cond>,
    pub(crate) order: Vec<(String, Order)>,
    pub(crate) limit: Option<u64>,
    pub(crate) offset: Option<u64>,
    /// Selected columns; `None` selects the model's columns.
    pub(crate) columns: Option<Vec<&'static str>>,
    /// Include soft-deleted rows.
    pub(crate) with_deleted: bool,
    /// The primary key a `find_by_pk` looks up: its cache entry is tagged with that row.
    pub(crate) by_key: Option<Vec<crate::value::Value>>,
    /// `cached()` / `cache_for(..)` / `no_cache()`; `None` follows the model's `#[orm(cache)]`.
    pub(crate) cache: Option<CachePolicy>,
    /// Read on the primary even when the database has replicas.
    pub(crate) on_primary: bool,
    /// `FOR UPDATE` / `FOR SHARE`.
    pub(crate) lock: Option<RowLock>,
    _marker: PhantomData<fn() -> (M, R)>,
}

impl<M, R> std::fmt::Debug for Select<M, R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Select")
            .field("filter", &self.filter)
            .field("order", &self.order)
            .field("limit", &self.limit)
            .field("offset", &self.offset)
            .field("columns", &self.columns)
            .finish()
    }
}

impl<M: Model> Select<M, M> {
    /// A query over every row.
    pub fn new() -> Self {
        Select {
            filter: None,
            order: Vec::new(),
            limit: None,
            offset: None,
            columns: None,
            with_deleted: false,
            by_key: None,
            cache: None,
            on_primary: false,
            lock: None,
            _marker: PhantomData,
        }
    }
}

impl<M: Model> Default for Select<M, M> {
    fn default() -> Self {
        Select::new()
    }
}

impl<M: Model, R: FromRow> Select<M, R> {
    fn retype<R2>(self, columns: Option<Vec<&'static str>>) -> Select<M, R2> {
        Select {
            filter: self.filter,
            order: self.order,
            limit: self.limit,
            offset: self.offset,
            columns,
            with_deleted: self.with_deleted,
            by_key: self.by_key,
            cache: self.cache,
            on_primary: self.on_primary,
            lock: self.lock,
            _marker: PhantomData,
        }
    }

    /// Serves the query from the database's query cache (`ConnectOptions::cache`) with the
    /// cache's TTL: a hit costs one Redis round trip; any write the toolkit makes to the tables the
    /// query reads invalidates it. Without a cache, or inside a transaction, it runs as usual.
    ///
    /// ```no_run
    /// # use orm_core::{Database, Model};
    /// # #[derive(Model, Debug, Clone)]
    /// # struct User { #[orm(primary_key)] id: i64, email: String }
    /// # async fn demo(db: &Database) -> orm_core::Result<()> {
    /// let user = User::find_by_pk(7).cached().one(db).await?;
    /// let recent = User::find().order_by_desc(User::ID).limit(20).cache_for(std::time::Duration::from_secs(10)).all(db).await?;
    /// # Ok(()) }
    /// ```
    pub fn cached(mut self) -> Self {
        self.cache = Some(CachePolicy::Default);
        self
    }

    /// Like [`cached`](Select::cached), kept for `ttl` at most.
    pub fn cache_for(mut self, ttl: std::time::Duration) -> Self {
        self.cache = Some(CachePolicy::For(ttl));
        self
    }

    /// Reads on the primary even when the database has read replicas
    /// ([`ConnectOptions::replicas`](crate::ConnectOptions::replicas)).
    pub fn on_primary(mut self) -> Self {
        self.on_primary = true;
        self
    }

    /// Locks the rows read until the transaction ends (`SELECT ... FOR UPDATE`), so a
    /// read-modify-write cannot lose a concurrent transaction's update: another locking read or a
    /// write of those rows waits for this transaction. Run it inside a transaction; it reads the
    /// primary and never the cache. SQLite has no row locks: its writers are serialized, and a
    /// transaction whose read went stale fails with a busy error that
    /// [`Database::transaction`](crate::Database::transaction) retries. On MongoDB, inside a
    /// transaction, the matching documents are written to (a marker set and removed again), so a
    /// concurrent transaction touching them conflicts and is retried; `limit` does not narrow what
    /// is marked.
    ///
    /// ```no_run
    /// # use orm_core::{Database, Model, Error};
    /// # #[derive(Model, Debug, Clone)]
    /// # struct Account { #[orm(primary_key)] id: i64, balance: i64 }
    /// # async fn demo(db: &Database) -> orm_core::Result<()> {
    /// db.transaction(|tx| async move {
    ///     let mut from = Account::find_by_pk(1).for_update().get(&tx).await?;
    ///     from.balance -= 10;
    ///     tx.update(&from).await?;
    ///     Ok::<_, Error>(())
    /// })
    /// .await?;
    /// # Ok(()) }
    /// ```
    pub fn for_update(self) -> Self {
        self.lock_with(Some(true), None)
    }

    /// Locks the rows read against writes until the transaction ends, letting other shared
    /// readers in (`FOR SHARE`; `LOCK IN SHARE MODE` on MySQL/MariaDB). See
    /// [`for_update`](Select::for_update).
    pub fn for_share(self) -> Self {
        self.lock_with(Some(false), None)
    }

    /// With [`for_update`](Select::for_update) / [`for_share`](Select::for_share): fails at once
    /// when a row is locked by another transaction instead of waiting (`NOWAIT`; on MongoDB a
    /// conflict never waits anyway). Alone, it means `for_update().nowait()`.
    pub fn nowait(self) -> Self {
        self.lock_with(None, Some(LockWait::NoWait))
    }

    /// With [`for_update`](Select::for_update) / [`for_share`](Select::for_share): leaves out rows
    /// another transaction has locked (`SKIP LOCKED`), as workers taking jobs from a table do.
    /// PostgreSQL and MariaDB/MySQL only: MongoDB and SQLite refuse it
    /// ([`Error::Unsupported`]). Alone, it means `for_update().skip_locked()`.
    pub fn skip_locked(self) -> Self {
        self.lock_with(None, Some(LockWait::SkipLocked))
    }

    /// Refuses `skip_locked` on `backend`, which cannot leave locked rows out.
    pub(crate) fn refuse_skip_locked(&self, backend: &'static str) -> Result<()> {
        match self.lock {
            Some(RowLock { wait: LockWait::SkipLocked, .. }) => Err(Error::Unsupported { operation: "skip_locked", backend }),
            _ => Ok(()),
        }
    }

    /// A locking read: never from the cache or a replica.
    fn lock_with(mut self, exclusive: Option<bool>, wait: Option<LockWait>) -> Self {
        let now = self.lock.unwrap_or(RowLock { exclusive: true, wait: LockWait::Wait });
        self.lock = Some(RowLock { exclusive: exclusive.unwrap_or(now.exclusive), wait: wait.unwrap_or(now.wait) });
        self.cache = Some(CachePolicy::Off);
        self.on_primary = true;
        self
    }

    /// Reads the database even when the model is `#[orm(cache)]`.
    pub fn no_cache(mut self) -> Self {
        self.cache = Some(CachePolicy::Off);
        self
    }

    /// How this query uses the cache: as asked, or as its model says.
    #[cfg_attr(not(feature = "cache"), allow(dead_code))]
    pub(crate) fn cache_policy(&self) -> CachePolicy {
        self.cache.unwrap_or_else(M::cache_policy)
    }

    /// Includes rows a `#[orm(soft_delete)]` model has soft-deleted (skipped by default).
    pub fn with_deleted(mut self) -> Self {
        self.with_deleted = true;
        self
    }

    /// The filter as run: with `soft_delete IS NULL` unless deleted rows were asked for.
    pub(crate) fn effective_filter(&self) -> Option<Cond> {
        super::filter::live::<M>(self.filter.as_ref(), self.with_deleted)
    }

    /// Keeps rows matching `filter` (and any filter given before).
    pub fn filter(mut self, filter: Filter<M>) -> Self {
        self.filter = Some(and_conds(self.filter.take(), filter.into_cond()));
        self
    }

    /// Sorts by `column` (after any earlier sort keys).
    pub fn order_by<T>(mut self, column: Column<M, T>, order: Order) -> Self {
        self.order.push((column.name().to_string(), order));
        self
    }

    /// Sorts ascending by `column`.
    pub fn order_by_asc<T>(self, column: Column<M, T>) -> Self {
        self.order_by(column, Order::Asc)
    }

    /// Sorts descending by `column`.
    pub fn order_by_desc<T>(self, column: Column<M, T>) -> Self {
        self.order_by(column, Order::Desc)
    }

    /// Returns at most `n` rows.
    pub fn limit(mut self, n: u64) -> Self {
        self.limit = Some(n);
        self
    }

    /// Skips the first `n` rows.
    pub fn offset(mut self, n: u64) -> Self {
        self.offset = Some(n);
        self
    }

    /// Selects a tuple of columns instead of the whole model: `select((User::EMAIL, User::AGE))`
    /// returns `(String, Option<i32>)` rows.
    pub fn select<P: Projection<M>>(self, columns: P) -> Select<M, P::Output> {
        let names = columns.names();
        self.retype(Some(names))
    }

    /// Selects the columns of another struct (a `#[derive(FromRow)]` whose field names, or
    /// `#[orm(column = "...")]`, name columns of `M`).
    pub fn into_partial<P: Partial>(self) -> Select<M, P> {
        self.retype(Some(P::columns().to_vec()))
    }

    /// The selected column names.
    pub(crate) fn column_list(&self) -> Vec<&'static str> {
        match &self.columns {
            Some(c) => c.clone(),
            None => M::column_names().to_vec(),
        }
    }

    /// Checks that every selected column belongs to `M`.
    pub(crate) fn check_columns(&self) -> Result<()> {
        if let Some(cols) = &self.columns {
            for c in cols {
                if M::schema().column_named(c).is_none() {
                    return Err(Error::InvalidQuery {
                        model: M::NAME,
                        message: format!("selected column `{c}` is not a column of table `{}`", M::schema().name),
                    });
                }
            }
        }
        Ok(())
    }
}

/// A tuple of columns of `M`, selected with [`Select::select`].
pub trait Projection<M> {
    /// The row type the columns decode into.
    type Output: FromRow;
    /// The column names, in order.
    fn names(&self) -> Vec<&'static str>;
}

macro_rules! tuple_projection {
    ($($t:ident $i:tt),+) => {
        impl<M, $($t: FieldType),+> Projection<M> for ($(Column<M, $t>,)+) {
            type Output = ($($t,)+);
            fn names(&self) -> Vec<&'static str> {
                vec![$(self.$i.name()),+]
            }
        }
    };
}
tuple_projection!(A 0);
tuple_projection!(A 0, B 1);
tuple_projection!(A 0, B 1, C 2);
tuple_projection!(A 0, B 1, C 2, D 3);
tuple_projection!(A 0, B 1, C 2, D 3, E 4);
tuple_projection!(A 0, B 1, C 2, D 3, E 4, F 5);
tuple_projection!(A 0, B 1, C 2, D 3, E 4, F 5, G 6);
tuple_projection!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7);

/// A struct holding a subset of a model's columns; implemented by `#[derive(FromRow)]`.
pub trait Partial: FromRow {
    /// The columns it reads, in decoding order.
    fn columns() -> &'static [&'static str];
}
