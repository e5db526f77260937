//! Relations between models: loading one row's related rows, and eager loading of a whole result
//! set with one query per relation level (`IN (...)` on SQL, `$in` on MongoDB; a many-to-many
//! relation adds one for its join rows), never one per row.
//!
//! ```no_run
//! use orm_core::{Database, LoadRelated, Model};
//!
//! #[derive(Model, Debug, Clone)]
//! #[orm(has_many(Post, foreign_key = "user_id"), has_one(Profile, foreign_key = "user_id"))]
//! struct User {
//!     #[orm(primary_key, auto_increment)]
//!     id: i64,
//!     name: String,
//! }
//!
//! #[derive(Model, Debug, Clone)]
//! #[orm(many_to_many(Tag, through = PostTag))]
//! struct Post {
//!     #[orm(primary_key, auto_increment)]
//!     id: i64,
//!     #[orm(belongs_to = User, on_delete = "cascade")] // the relation `Post::user`, and a foreign key
//!     user_id: i64,
//!     title: String,
//! }
//!
//! #[derive(Model, Debug, Clone)]
//! struct Profile {
//!     #[orm(primary_key, auto_increment)]
//!     id: i64,
//!     #[orm(belongs_to = User)]
//!     user_id: i64,
//! }
//!
//! #[derive(Model, Debug, Clone)]
//! struct Tag {
//!     #[orm(primary_key, auto_increment)]
//!     id: i64,
//!     label: String,
//! }
//!
//! #[derive(Model, Debug, Clone)]
//! #[orm(primary_key(columns = ["post_id", "tag_id"]))]
//! struct PostTag {
//!     #[orm(belongs_to = Post)]
//!     post_id: i64,
//!     #[orm(belongs_to = Tag)]
//!     tag_id: i64,
//! }
//!
//! # async fn demo(db: &Database, post: Post) -> orm_core::Result<()> {
//! let author: Option<User> = post.load(Post::user, db).await?;
//! // Three queries for any number of users: users, their posts, the posts' tags (+ join rows).
//! let users = User::find().with(User::posts.then(Post::tags)).with(User::profile).all(db).await?;
//! for user in &users {
//!     for post in user.get(User::posts) {
//!         let labels: Vec<&str> = post.get(Post::tags).iter().map(|t| t.label.as_str()).collect();
//!         println!("{}: {} {labels:?}", user.name, post.title);
//!     }
//! }
//! let rustaceans = User::find().filter(User::posts.any(Post::TITLE.like("%rust%"))).all(db).await?;
//! # Ok(()) }
//! ```

use crate::db::{Executor, On};
use crate::error::Result;
use crate::query::model::Model;
use crate::query::{Cond, Filter, Select};
use crate::value::Value;
use std::any::Any;
// Keys are hashed with foldhash (seeded per map): the grouping hashes every parent's and related
// row's key, where std's SipHash cost more than the grouping itself.
use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;

type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Related rows by the key of the row they belong to.
#[doc(hidden)]
pub type Grouped<T> = HashMap<Key, Vec<T>>;

/// A key's identity for matching rows across tables: integers of any width match, and the
/// common key types hash without formatting.
#[doc(hidden)]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Key {
    /// An integer of any width.
    Int(i64),
    /// A string.
    Text(String),
    /// A UUID.
    Uuid(uuid::Uuid),
    /// Any other type, by its debug form (which keeps the type: an ObjectId never matches text).
    Other(String),
}

fn key_of(v: &Value) -> Option<Key> {
    Some(match v {
        Value::I16(Some(n)) => Key::Int(i64::from(*n)),
        Value::I32(Some(n)) => Key::Int(i64::from(*n)),
        Value::I64(Some(n)) => Key::Int(*n),
        Value::String(Some(s)) => Key::Text(s.clone()),
        Value::Uuid(Some(u)) => Key::Uuid(*u),
        v if v.is_null() => return None,
        other => Key::Other(format!("{other:?}")),
    })
}

fn column_value<M: Model>(model: &M, column: &str) -> Option<Value> {
    model.column_value(column)
}

fn first_key<M: Model>() -> &'static str {
    M::schema().primary_key.first().map(String::as_str).unwrap_or("id")
}

/// Rows of `M` whose `column` is one of `values`: one query per
/// [`Capability::keys_per_in`](crate::Capability) keys.
async fn fetch_in<M: Model>(on: On<'_>, column: &str, values: Vec<Value>) -> Result<Vec<M>> {
    let mut out = Vec::new();
    for chunk in values.chunks(on.db.backend().capability().keys_per_in.max(1)) {
        let cond = Cond::In { column: column.to_string(), values: chunk.to_vec(), negated: false };
        out.extend(on.select_all(&Select::<M>::new().filter(Filter::from_cond(cond))).await?);
    }
    Ok(out)
}

fn group<M: Model>(rows: Vec<M>, column: &str) -> Grouped<M> {
    let mut out: Grouped<M> = HashMap::with_capacity(rows.len());
    for row in rows {
        if let Some(k) = column_value(&row, column).and_then(|v| key_of(&v)) {
            out.entry(k).or_default().push(row);
        }
    }
    out
}

/// What a relation is and how its rows are found.
pub trait Kind: Send + Sync + 'static {
    /// `Option<T>` (belongs-to, has-one) or `Vec<T>`.
    type Output<T>;
    #[doc(hidden)]
    fn collect<T>(items: Vec<T>) -> Self::Output<T>;
    #[doc(hidden)]
    fn local_column<F: Model>(foreign_key: &'static str) -> &'static str;
    #[doc(hidden)]
    fn fetch<'a, T: Model + Clone>(on: On<'a>, foreign_key: &'static str, target_key: &'static str, keys: Vec<Value>) -> BoxFuture<'a, Result<Grouped<T>>>;
}

/// `Post::user`: this model's field holds the other's key.
#[derive(Debug, Clone, Copy)]
pub struct BelongsTo;
/// `User::posts`: the other model holds this one's key; many rows.
#[derive(Debug, Clone, Copy)]
pub struct HasMany;
/// `User::profile`: the other model holds this one's key; one row.
#[derive(Debug, Clone, Copy)]
pub struct HasOne;
/// `Post::tags`: through the join model `J`, which holds both keys.
#[derive(Debug)]
pub struct ManyToMany<J>(PhantomData<fn() -> J>);

impl Kind for BelongsTo {
    type Output<T> = Option<T>;
    fn collect<T>(items: Vec<T>) -> Option<T> {
        items.into_iter().next()
    }
    fn local_column<F: Model>(foreign_key: &'static str) -> &'static str {
        foreign_key
    }
    fn fetch<'a, T: Model + Clone>(on: On<'a>, _: &'static str, _: &'static str, keys: Vec<Value>) -> BoxFuture<'a, Result<Grouped<T>>> {
        Box::pin(async move { Ok(group(fetch_in::<T>(on, first_key::<T>(), keys).await?, first_key::<T>())) })
    }
}

macro_rules! has_kind {
    ($kind:ty, $out:ident, $collect:expr) => {
        impl Kind for $kind {
            type Output<T> = $out<T>;
            fn collect<T>(items: Vec<T>) -> $out<T> {
                $collect(items)
            }
            fn local_column<F: Model>(_: &'static str) -> &'static str {
                first_key::<F>()
            }
            fn fetch<'a, T: Model + Clone>(on: On<'a>, foreign_key: &'static str, _: &'static str, keys: Vec<Value>) -> BoxFuture<'a, Result<Grouped<T>>> {
                Box::pin(async move { Ok(group(fetch_in::<T>(on, foreign_key, keys).await?, foreign_key)) })
            }
        }
    };
}
has_kind!(HasMany, Vec, |items: Vec<T>| items);
has_kind!(HasOne, Option, |items: Vec<T>| items.into_iter().next());

impl<J: Model> Kind for ManyToMany<J> {
    type Output<T> = Vec<T>;
    fn collect<T>(items: Vec<T>) -> Vec<T> {
        items
    }
    fn local_column<F: Model>(_: &'static str) -> &'static str {
        first_key::<F>()
    }
    fn fetch<'a, T: Model + Clone>(on: On<'a>, foreign_key: &'static str, target_key: &'static str, keys: Vec<Value>) -> BoxFuture<'a, Result<Grouped<T>>> {
        Box::pin(async move {
            let joins = fetch_in::<J>(on, foreign_key, keys).await?;
            let mut links: Vec<(Key, Key)> = Vec::new();
            let mut wanted = Vec::new();
            let mut seen = HashSet::new();
            for j in &joins {
                let (Some(source), Some(target)) = (column_value(j, foreign_key), column_value(j, target_key)) else { continue };
                let (Some(s), Some(t)) = (key_of(&source), key_of(&target)) else { continue };
                if seen.insert(t.clone()) {
                    wanted.push(target);
                }
                links.push((s, t));
            }
            let targets = group(fetch_in::<T>(on, first_key::<T>(), wanted).await?, first_key::<T>());
            let mut out: Grouped<T> = HashMap::new();
            for (source, target) in links {
                out.entry(source).or_default().extend(targets.get(&target).into_iter().flatten().cloned());
            }
            Ok(out)
        })
    }
}

/// A relation of model `F` to model `T`, declared on `F`; the derive emits one constant per
/// relation (`Post::user`, `User::posts`, `Post::tags`).
pub struct Relation<F, T, K> {
    name: &'static str,
    /// BelongsTo: F's column holding T's key. Has*: T's column holding F's key. ManyToMany: the
    /// join model's column holding F's key.
    foreign_key: &'static str,
    /// ManyToMany: the join model's column holding T's key.
    target_key: &'static str,
    _marker: PhantomData<Marker<F, T, K>>,
}

/// The types a [`Relation`] is about, held without owning any of them.
type Marker<F, T, K> = fn() -> (F, T, K);

impl<F, T, K> Clone for Relation<F, T, K> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<F, T, K> Copy for Relation<F, T, K> {}

impl<F: Model, T: Model + Clone, K: Kind> Relation<F, T, K> {
    #[doc(hidden)]
    pub const fn new(name: &'static str, foreign_key: &'static str, target_key: &'static str) -> Self {
        Relation { name, foreign_key, target_key, _marker: PhantomData }
    }

    /// The relation's name.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Loads the rows related to `model` (one query; two for many-to-many).
    pub async fn load<E: Executor + ?Sized>(self, model: &F, db: &E) -> Result<K::Output<T>> {
        let local = K::local_column::<F>(self.foreign_key);
        let Some(key) = column_value(model, local) else { return Ok(K::collect(Vec::new())) };
        let Some(k) = key_of(&key) else { return Ok(K::collect(Vec::new())) };
        let mut grouped = K::fetch::<T>(db.on(), self.foreign_key, self.target_key, vec![key]).await?;
        Ok(K::collect(grouped.remove(&k).unwrap_or_default()))
    }

    /// Loads `next` for the related rows too: `User::posts.then(Post::tags)`.
    pub fn then(self, next: impl Loader<T> + 'static) -> Nested<F, T, K> {
        Nested { relation: self, next: vec![Arc::new(next)] }
    }
}

macro_rules! any_filter {
    ($kind:ty, $keys:expr) => {
        impl<F: Model, T: Model> Relation<F, T, $kind> {
            /// Rows with at least one related row matching `filter`: an `EXISTS` subquery on SQL;
            /// on MongoDB a query for the matching keys first, then `$in`.
            pub fn any(self, filter: Filter<T>) -> Filter<F> {
                #[allow(clippy::redundant_closure_call)]
                let (local, remote): (&str, &str) = ($keys)(self.foreign_key);
                Filter::from_cond(Cond::Related {
                    parent_table: F::schema().name.clone(),
                    local: local.to_string(),
                    table: Box::new(T::schema().clone()),
                    remote: remote.to_string(),
                    filter: Box::new(filter.into_cond()),
                })
            }
        }
    };
}
any_filter!(BelongsTo, |fk: &'static str| (fk, first_key::<T>()));
any_filter!(HasMany, |fk: &'static str| (first_key::<F>(), fk));
any_filter!(HasOne, |fk: &'static str| (first_key::<F>(), fk));

impl<F: Model, T: Model, J: Model> Relation<F, T, ManyToMany<J>> {
    /// Rows linked through the join model to at least one related row matching `filter`: on SQL
    /// an `EXISTS` over the join table holding an `EXISTS` over the target; on MongoDB the
    /// matching target keys, then the join documents holding them, then `$in`.
    ///
    /// ```no_run
    /// # use orm_core::{Database, Model};
    /// # #[derive(Model, Debug, Clone)]
    /// # #[orm(many_to_many(Tag, through = PostTag))]
    /// # struct Post { #[orm(primary_key, auto_increment)] id: i64 }
    /// # #[derive(Model, Debug, Clone)]
    /// # struct Tag { #[orm(primary_key, auto_increment)] id: i64, name: String }
    /// # #[derive(Model, Debug, Clone)]
    /// # #[orm(primary_key(columns = ["post_id", "tag_id"]))]
    /// # struct PostTag { #[orm(belongs_to = Post)] post_id: i64, #[orm(belongs_to = Tag)] tag_id: i64 }
    /// # async fn demo(db: &Database) -> orm_core::Result<()> {
    /// let about_rust = Post::find().filter(Post::tags.any(Tag::NAME.eq("rust"))).all(db).await?;
    /// # Ok(()) }
    /// ```
    pub fn any(self, filter: Filter<T>) -> Filter<F> {
        let to_target = Cond::Related {
            parent_table: J::schema().name.clone(),
            local: self.target_key.to_string(),
            table: Box::new(T::schema().clone()),
            remote: first_key::<T>().to_string(),
            filter: Box::new(filter.into_cond()),
        };
        Filter::from_cond(Cond::Related {
            parent_table: F::schema().name.clone(),
            local: first_key::<F>().to_string(),
            table: Box::new(J::schema().clone()),
            remote: self.foreign_key.to_string(),
            filter: Box::new(to_target),
        })
    }
}

/// A row with the related rows eager loading attached; derefs to the row.
pub struct Loaded<M> {
    /// The row.
    pub model: M,
    /// Loaded relations by name.
    related: RelatedRows,
}

/// One loaded relation: its name and its rows.
type RelatedSlot = (&'static str, Arc<dyn Any + Send + Sync>);

/// A row's loaded relations: a few at most, so a list beats a map, and the first is kept inline
/// (eager loading one relation allocates no list per row).
#[derive(Clone, Default)]
struct RelatedRows {
    first: Option<RelatedSlot>,
    more: Vec<RelatedSlot>,
}

impl RelatedRows {
    fn iter(&self) -> impl Iterator<Item = &RelatedSlot> {
        self.first.iter().chain(&self.more)
    }

    fn set(&mut self, name: &'static str, rows: Arc<dyn Any + Send + Sync>) {
        if let Some(slot) = self.first.iter_mut().chain(self.more.iter_mut()).find(|(n, _)| *n == name) {
            slot.1 = rows;
        } else if self.first.is_none() {
            self.first = Some((name, rows));
        } else {
            self.more.push((name, rows));
        }
    }
}

impl<M: Clone> Clone for Loaded<M> {
    fn clone(&self) -> Self {
        Loaded { model: self.model.clone(), related: self.related.clone() }
    }
}

impl<M: std::fmt::Debug> std::fmt::Debug for Loaded<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Loaded").field("model", &self.model).field("relations", &self.related.iter().map(|(name, _)| name).collect::<Vec<_>>()).finish()
    }
}

impl<M> std::ops::Deref for Loaded<M> {
    type Target = M;
    fn deref(&self) -> &M {
        &self.model
    }
}

impl<M: Model> Loaded<M> {
    /// A row with nothing loaded yet.
    pub fn new(model: M) -> Self {
        Loaded { model, related: RelatedRows::default() }
    }

    fn set_related(&mut self, name: &'static str, rows: Arc<dyn Any + Send + Sync>) {
        self.related.set(name, rows);
    }

    /// The rows of `relation` loaded with `.with(...)`: `Option` for belongs-to and has-one, `Vec`
    /// otherwise; empty (`None`) when the relation was not loaded.
    pub fn get<T: Model, K: Kind>(&self, relation: Relation<M, T, K>) -> K::Output<&Loaded<T>> {
        let items: Vec<&Loaded<T>> = self
            .related
            .iter()
            .find(|(name, _)| *name == relation.name)
            .and_then(|(_, r)| r.downcast_ref::<Vec<Loaded<T>>>())
            .map(|v| v.iter().collect())
            .unwrap_or_default();
        K::collect(items)
    }
}

/// Something that loads related rows onto a set of rows: a [`Relation`], or a [`Nested`] one.
pub trait Loader<M>: Send + Sync {
    #[doc(hidden)]
    fn load<'a>(&'a self, parents: &'a mut Vec<Loaded<M>>, on: On<'a>) -> BoxFuture<'a, Result<()>>;
}

async fn attach<F: Model, T: Model + Clone, K: Kind>(
    relation: &Relation<F, T, K>,
    next: &[Arc<dyn Loader<T>>],
    parents: &mut [Loaded<F>],
    on: On<'_>,
) -> Result<()> {
    let local = K::local_column::<F>(relation.foreign_key);
    // Each parent's key, the distinct key values to fetch, and per key how many parents share it
    // (one map, later holding each key's rows too).
    let mut keys = Vec::new();
    let mut shares: HashMap<Key, (usize, Vec<Loaded<T>>)> = HashMap::with_capacity(parents.len());
    let parent_keys: Vec<Option<Key>> = parents
        .iter()
        .map(|p| {
            let value = column_value(&p.model, local)?;
            let key = key_of(&value)?;
            match shares.get_mut(&key) {
                Some((n, _)) => *n += 1,
                None => {
                    shares.insert(key.clone(), (1, Vec::new()));
                    keys.push(value);
                }
            }
            Some(key)
        })
        .collect();
    let grouped = K::fetch::<T>(on, relation.foreign_key, relation.target_key, keys).await?;
    if next.is_empty() {
        for (k, rows) in grouped {
            if let Some((_, slot)) = shares.get_mut(&k) {
                *slot = rows.into_iter().map(Loaded::new).collect();
            }
        }
    } else {
        // Nested relations load once over every related row, then each key takes its share back.
        let mut flat: Vec<Loaded<T>> = Vec::new();
        let mut spans: Vec<(Key, usize)> = Vec::with_capacity(grouped.len());
        for (k, rows) in grouped {
            spans.push((k, flat.len()));
            flat.extend(rows.into_iter().map(Loaded::new));
        }
        for loader in next {
            loader.load(&mut flat, on).await?;
        }
        for (k, start) in spans.into_iter().rev() {
            let rows = flat.split_off(start);
            if let Some((_, slot)) = shares.get_mut(&k) {
                *slot = rows;
            }
        }
    }
    // The last parent with a key takes its rows; others sharing it (belongs-to) get copies.
    for (p, key) in parents.iter_mut().zip(parent_keys) {
        let items = match key.as_ref().and_then(|k| shares.get_mut(k)) {
            Some((n, rows)) => {
                *n -= 1;
                if *n == 0 { std::mem::take(rows) } else { rows.clone() }
            }
            None => Vec::new(),
        };
        p.set_related(relation.name, Arc::new(items));
    }
    Ok(())
}

impl<F: Model, T: Model + Clone, K: Kind> Loader<F> for Relation<F, T, K> {
    fn load<'a>(&'a self, parents: &'a mut Vec<Loaded<F>>, on: On<'a>) -> BoxFuture<'a, Result<()>> {
        Box::pin(attach(self, &[], parents, on))
    }
}

/// A relation with more relations to load on its rows (`User::posts.then(Post::tags)`).
pub struct Nested<F, T, K> {
    relation: Relation<F, T, K>,
    next: Vec<Arc<dyn Loader<T>>>,
}

impl<F: Model, T: Model + Clone, K: Kind> Nested<F, T, K> {
    /// Loads one more relation on the related rows.
    pub fn then(mut self, next: impl Loader<T> + 'static) -> Self {
        self.next.push(Arc::new(next));
        self
    }
}

impl<F: Model, T: Model + Clone, K: Kind> Loader<F> for Nested<F, T, K> {
    fn load<'a>(&'a self, parents: &'a mut Vec<Loaded<F>>, on: On<'a>) -> BoxFuture<'a, Result<()>> {
        Box::pin(attach(&self.relation, &self.next, parents, on))
    }
}

/// A query that eager-loads relations: `Post::find().with(Post::user).with(Post::tags).all(&db)`.
pub struct WithSelect<M> {
    select: Select<M>,
    loaders: Vec<Arc<dyn Loader<M>>>,
}

impl<M: Model> Select<M> {
    /// Eager-loads `relation` (or a nested path) for every row the query returns.
    pub fn with(self, relation: impl Loader<M> + 'static) -> WithSelect<M> {
        WithSelect { select: self, loaders: vec![Arc::new(relation)] }
    }
}

impl<M: Model> WithSelect<M> {
    /// Eager-loads one more relation.
    pub fn with(mut self, relation: impl Loader<M> + 'static) -> Self {
        self.loaders.push(Arc::new(relation));
        self
    }

    /// The rows with their related rows: one query for the rows, one per relation level.
    pub async fn all<E: Executor + ?Sized>(self, db: &E) -> Result<Vec<Loaded<M>>> {
        let on = db.on();
        let mut rows: Vec<Loaded<M>> = on.select_all(&self.select).await?.into_iter().map(Loaded::new).collect();
        for loader in &self.loaders {
            loader.load(&mut rows, on).await?;
        }
        Ok(rows)
    }
}

/// `post.load(Post::user, &db)`: loading a relation from a row.
pub trait LoadRelated: Model + Sized {
    /// Loads the rows of `relation` related to this row.
    fn load<T: Model + Clone, K: Kind, E: Executor + ?Sized>(
        &self,
        relation: Relation<Self, T, K>,
        db: &E,
    ) -> impl Future<Output = Result<K::Output<T>>> + Send
    where
        K::Output<T>: Send,
    {
        relation.load(self, db)
    }
}

impl<M: Model> LoadRelated for M {}
