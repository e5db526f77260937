//! Referential actions on MongoDB, which has no foreign keys: before documents are deleted, the
//! `on_delete` action of every `belongs_to` pointing at their collection is applied by the toolkit,
//! as Prisma emulates them. `restrict` / `no_action` refuse while a document points at one of them
//! ([`Error::ForeignKeyViolation`]), `cascade` deletes the pointing documents (and, in turn, what
//! points at those), `set_null` / `set_default` rewrite their key. It all runs in the caller's
//! transaction, or in one of its own where the deployment has transactions; on a standalone server
//! the steps run one after another (every `restrict` of a level is checked before anything of that
//! level changes).

use super::{run, MongoDriver};
use crate::error::{Error, Result};
use crate::mongo::{classify, field_key};
use crate::query::references;
use crate::schema::{DefaultValue, ReferentialAction, Schema, Table};
use bson::{doc, Bson, Document};
use futures_util::TryStreamExt;
use mongodb::ClientSession;
use std::future::Future;
use std::pin::Pin;

type Boxed<'a, T> = Pin<Box<dyn Future<Output = Result<T>> + Send + 'a>>;

/// Where the foreign keys pointing at a collection come from.
#[derive(Clone, Copy)]
pub(super) enum KeySource<'s> {
    /// The models linked into the program (the derive registers their keys).
    Models,
    /// A schema known at run time (`orm studio`: the live one with the migrations' keys).
    Schema(&'s Schema),
}

/// One foreign key pointing at a collection: the referencing collection, its column and the action.
struct Pointer<'s> {
    model: &'static str,
    table: &'s Table,
    column: &'s str,
    on_delete: ReferentialAction,
}

impl<'s> KeySource<'s> {
    /// The single-column foreign keys pointing at `target`.
    fn pointing(self, target: &str) -> Vec<Pointer<'s>> {
        match self {
            KeySource::Models => references::to(target)
                .map(|r| Pointer { model: r.model, table: (r.schema)(), column: r.column, on_delete: r.on_delete() })
                .collect(),
            KeySource::Schema(schema) => schema
                .tables
                .values()
                .flat_map(|t| t.foreign_keys.iter().map(move |fk| (t, fk)))
                .filter(|(_, fk)| fk.columns.len() == 1 && fk.references_table == target)
                .map(|(t, fk)| Pointer { model: "record", table: t, column: fk.columns[0].as_str(), on_delete: fk.on_delete })
                .collect(),
        }
    }
}

impl MongoDriver {
    /// Deletes what `filter` selects in `table` (one document at most when `one`), applying the
    /// referential actions of the keys pointing at it first; how many documents of `table` went.
    pub(super) async fn delete_referenced(
        &self,
        session: Option<&mut ClientSession>,
        keys: KeySource<'_>,
        model: &'static str,
        table: &Table,
        filter: Document,
        one: bool,
    ) -> Result<u64> {
        let command = || format!("delete {} {filter}", table.name);
        if keys.pointing(&table.name).is_empty() {
            let coll = self.collection(table);
            let deleted = if one { run!(coll.delete_one(filter.clone()), session) } else { run!(coll.delete_many(filter.clone()), session) };
            return deleted.map(|d| d.deleted_count).map_err(|e| classify(model, "delete", command, e));
        }
        match session {
            Some(s) => self.cascade(Some(s), keys, model, table, filter, one).await,
            None if self.transactions => {
                let err = |e| classify(model, "delete", command, e);
                let mut own = self.client.start_session().await.map_err(err)?;
                own.start_transaction().await.map_err(err)?;
                match self.cascade(Some(&mut own), keys, model, table, filter.clone(), one).await {
                    Ok(n) => own.commit_transaction().await.map(|()| n).map_err(err),
                    Err(e) => {
                        let _ = own.abort_transaction().await;
                        Err(e)
                    }
                }
            }
            None => self.cascade(None, keys, model, table, filter, one).await,
        }
    }

    /// One level: the keys of the documents to delete, the actions of what points at them, then
    /// the delete.
    fn cascade<'a>(
        &'a self,
        mut session: Option<&'a mut ClientSession>,
        keys: KeySource<'a>,
        model: &'static str,
        table: &'a Table,
        filter: Document,
        one: bool,
    ) -> Boxed<'a, u64> {
        Box::pin(async move {
            let coll = self.collection(table);
            let err = |e| classify(model, "delete", || format!("delete {} {filter}", table.name), e);
            let find = coll.find(filter.clone()).projection(doc! { "_id": 1 }).limit(if one { 1 } else { 0 });
            let ids: Vec<Bson> = match session.as_deref_mut() {
                Some(s) => {
                    let mut cursor = find.session(&mut *s).await.map_err(err)?;
                    let mut ids = Vec::new();
                    while let Some(d) = cursor.next(s).await.transpose().map_err(err)? {
                        ids.extend(d.get("_id").cloned());
                    }
                    ids
                }
                None => find.await.map_err(err)?.try_collect::<Vec<Document>>().await.map_err(err)?.into_iter().filter_map(|mut d| d.remove("_id")).collect(),
            };
            if ids.is_empty() {
                return Ok(0);
            }
            let pointing = keys.pointing(&table.name);
            // Every refusal of this level before any change.
            for r in pointing.iter().filter(|r| matches!(r.on_delete, ReferentialAction::Restrict | ReferentialAction::NoAction)) {
                let (dependent, selector) = dependents(r, &ids);
                let found = run!(self.collection(dependent).count_documents(selector.clone()).limit(1), session.as_deref_mut())
                    .map_err(|e| classify(r.model, "delete", || format!("count {} {selector}", dependent.name), e))?;
                if found > 0 {
                    return Err(Error::ForeignKeyViolation {
                        model,
                        operation: "delete",
                        constraint: Some(format!("{}_{}_fkey", dependent.name, r.column)),
                        source: format!("documents of `{}` still point at it through `{}` (on_delete = {})", dependent.name, r.column, r.on_delete.as_str()).into(),
                    });
                }
            }
            for r in &pointing {
                let (dependent, selector) = dependents(r, &ids);
                let key = field_key(dependent, r.column);
                let set = |value: Bson| doc! { "$set": { key: value } };
                let rewrite = match r.on_delete {
                    ReferentialAction::Cascade => {
                        self.cascade(session.as_deref_mut(), keys, r.model, dependent, selector, false).await?;
                        continue;
                    }
                    ReferentialAction::SetNull => set(Bson::Null),
                    ReferentialAction::SetDefault => set(default_of(dependent, r.column)),
                    ReferentialAction::Restrict | ReferentialAction::NoAction => continue,
                };
                run!(self.collection(dependent).update_many(selector.clone(), rewrite), session.as_deref_mut())
                    .map_err(|e| classify(r.model, "delete", || format!("update {} {selector}", dependent.name), e))?;
            }
            let deleted = run!(coll.delete_many(doc! { "_id": { "$in": ids } }), session.as_deref_mut()).map_err(err)?;
            Ok(deleted.deleted_count)
        })
    }
}

/// The referencing collection of `r` and the selector of its documents pointing at `ids`.
fn dependents<'s>(r: &Pointer<'s>, ids: &[Bson]) -> (&'s Table, Document) {
    (r.table, doc! { field_key(r.table, r.column): { "$in": ids } })
}

/// The value `set_default` writes: the column's literal default, else null.
fn default_of(table: &Table, column: &str) -> Bson {
    match table.column_named(column).and_then(|c| c.default.as_ref()) {
        Some(DefaultValue::Int(i)) => Bson::Int64(*i),
        Some(DefaultValue::Float(f)) => Bson::Double(*f),
        Some(DefaultValue::Bool(b)) => Bson::Boolean(*b),
        Some(DefaultValue::String(s)) => Bson::String(s.clone()),
        _ => Bson::Null,
    }
}
