//! The [`Driver`] operations on MongoDB.

use super::{run, MongoDriver};
use crate::capability::BackendKind;
use crate::driver::{Driver, QueryCount};
use super::references::KeySource;
use super::row::MongoRow;
use crate::mongo::{classify, field_key, filter_document, update_document, value_to_bson};
use mongodb::ClientSession;
use crate::error::{Error, Result};
use crate::query::model::{insert_values, update_values, Model};
use crate::query::{Cond, DeleteMany, Order, Select, UpdateMany};
use std::future::Future;
use std::pin::Pin;
use crate::row::FromRow;
use crate::field::RawRow;
use crate::schema::{ColumnType, Table};
use crate::value::Value;
use bson::{doc, Bson, Document};
use futures_util::TryStreamExt;

/// The field a locking read sets and removes again on the documents it reads in a transaction.
const LOCK_MARK: &str = "__orm_lock";

/// The document keys of `columns` of `table`.
pub(super) fn keys(table: &Table, columns: &[&str]) -> Vec<String> {
    columns.iter().map(|c| field_key(table, c).to_string()).collect()
}

/// The projection reading `keys` (no `_id` unless asked for) and the sort document of `order`.
pub(super) fn projection_and_sort(table: &Table, keys: &[String], order: &[(String, Order)]) -> (Document, Document) {
    let mut projection = doc! { "_id": 0 };
    for k in keys {
        projection.insert(k.as_str(), 1);
    }
    let mut sort = Document::new();
    for (column, order) in order {
        sort.insert(field_key(table, column), if *order == Order::Asc { 1 } else { -1 });
    }
    (projection, sort)
}

/// Decodes a whole model from a document.
fn decode_model<M: Model>(doc: &Document) -> Result<M> {
    let keys = keys(M::schema(), M::column_names());
    M::from_row(&MongoRow { doc, keys: &keys })
}

/// An integer key value of the auto-increment column's type.
pub(super) fn key_value(ty: ColumnType, n: i64) -> Value {
    match ty {
        ColumnType::I16 => Value::I16(i16::try_from(n).ok()),
        ColumnType::I32 => Value::I32(i32::try_from(n).ok()),
        _ => Value::I64(Some(n)),
    }
}

/// The document fields of `values` (in the model's column order); `auto` replaces the
/// auto-increment column's value.
fn model_fields<M: Model>(values: Vec<Value>, auto: Option<i64>) -> impl Iterator<Item = (&'static str, Bson)> {
    let table = M::schema();
    M::column_names().iter().zip(values).map(move |(column, value)| {
        let value = match (auto, table.column_named(column)) {
            (Some(n), Some(c)) if c.auto_increment => key_value(c.ty, n),
            _ => value,
        };
        (field_key(table, column), crate::mongo::value_into_bson(value))
    })
}

/// A document of `values`; see [`model_fields`].
fn model_document<M: Model>(values: Vec<Value>, auto: Option<i64>) -> Document {
    model_fields::<M>(values, auto).map(|(k, v)| (k.to_string(), v)).collect()
}

/// The raw bytes of a document of `values`, which the driver sends as they are (a bulk insert of
/// `Document`s would build a map per row and then serialize it).
fn model_raw_document<M: Model>(values: Vec<Value>, auto: Option<i64>) -> Result<bson::RawDocumentBuf> {
    let mut doc = bson::RawDocumentBuf::new();
    for (key, value) in model_fields::<M>(values, auto) {
        let bad = |e: bson::error::Error| Error::InvalidQuery { model: M::NAME, message: format!("field `{key}`: {e}") };
        let raw = bson::RawBson::try_from(value).map_err(bad)?;
        doc.append(<&bson::raw::CStr>::try_from(key).map_err(bad)?, raw);
    }
    Ok(doc)
}

/// `{key fields: values}` for the primary key values.
fn key_document(table: &Table, key: &[Value]) -> Document {
    let mut doc = Document::new();
    for (column, value) in table.primary_key.iter().zip(key) {
        doc.insert(field_key(table, column), value_to_bson(value));
    }
    doc
}

impl MongoDriver {
    /// Replaces every `Related` condition (`relation.any(filter)`) with `local IN (keys)`, the keys
    /// found by a query on the related collection: MongoDB's two-step form of `EXISTS`.
    fn resolve_related<'a>(&'a self, parent: &'a Table, cond: Cond) -> Pin<Box<dyn Future<Output = Result<Cond>> + Send + 'a>> {
        Box::pin(async move {
            Ok(match cond {
                Cond::And(list) => Cond::And(self.resolve_all(parent, list).await?),
                Cond::Or(list) => Cond::Or(self.resolve_all(parent, list).await?),
                Cond::Not(inner) => Cond::Not(Box::new(self.resolve_related(parent, *inner).await?)),
                Cond::Related { local, table, remote, filter, .. } => {
                    let inner = self.resolve_related(&table, *filter).await?;
                    let query = filter_document(&table, Some(&inner));
                    let key = field_key(&table, &remote).to_string();
                    let command = || format!("find {} {query}", table.name);
                    let cursor = self
                        .db
                        .collection::<Document>(&table.name)
                        .find(query.clone())
                        .projection(doc! { key.as_str(): 1 })
                        .await
                        .map_err(|e| classify("relation", "any", command, e))?;
                    let docs: Vec<Document> = cursor.try_collect().await.map_err(|e| classify("relation", "any", command, e))?;
                    let ty = parent.column_named(&local).map(|c| c.ty).unwrap_or(ColumnType::I64);
                    let mut values = Vec::new();
                    for d in &docs {
                        let v = crate::mongo::bson_to_value(d.get(&key), ty).map_err(|e| Error::decode("relation", remote.clone(), e))?;
                        if !v.is_null() && !values.contains(&v) {
                            values.push(v);
                        }
                    }
                    Cond::In { column: local, values, negated: false }
                }
                other => other,
            })
        })
    }

    async fn resolve_all(&self, parent: &Table, list: Vec<Cond>) -> Result<Vec<Cond>> {
        let mut out = Vec::with_capacity(list.len());
        for c in list {
            out.push(self.resolve_related(parent, c).await?);
        }
        Ok(out)
    }

    pub(super) async fn resolved(&self, parent: &Table, cond: Option<Cond>) -> Result<Option<Cond>> {
        match cond {
            Some(c) => Ok(Some(self.resolve_related(parent, c).await?)),
            None => Ok(None),
        }
    }

    /// The documents a query selects, each read by `decode` straight from the driver's buffer.
    async fn find_with<M: Model, R: FromRow, T>(
        &self,
        session: Option<&mut ClientSession>,
        q: &Select<M, R>,
        decode: impl Fn(&MongoRow<'_, bson::RawDocument>) -> Result<T>,
    ) -> Result<Vec<T>> {
        self.queries.add();
        let table = M::schema();
        let columns = q.column_list();
        let keys = keys(table, &columns);
        let live = self.resolved(table, q.effective_filter()).await?;
        let filter = filter_document(table, live.as_ref());
        let (projection, sort) = projection_and_sort(table, &keys, &q.order);
        let coll = self.collection(table).clone_with_type::<bson::RawDocumentBuf>();
        let mut find = coll.find(filter.clone()).projection(projection);
        if !sort.is_empty() {
            find = find.sort(sort);
        }
        if let Some(n) = q.offset {
            find = find.skip(n);
        }
        if let Some(n) = q.limit {
            find = find.limit(i64::try_from(n).unwrap_or(i64::MAX));
        }
        let command = || format!("find {} {filter}", table.name);
        // Each row decodes from the driver's batch buffer in place (no copy of the document).
        let err = |e| classify(M::NAME, "find", command, e);
        q.refuse_skip_locked("MongoDB")?;
        let mut rows = Vec::new();
        match session {
            Some(s) => {
                // A locking read in a transaction writes the documents (a marker set, removed again
                // after the read): a concurrent transaction touching them then conflicts.
                let lock = |set: bool| if set { doc! { "$set": { LOCK_MARK: bson::oid::ObjectId::new() } } } else { doc! { "$unset": { LOCK_MARK: "" } } };
                if q.lock.is_some() {
                    self.collection(table).update_many(filter.clone(), lock(true)).session(&mut *s).await.map_err(err)?;
                }
                let mut cursor = find.session(&mut *s).await.map_err(err)?;
                while cursor.advance(s).await.map_err(err)? {
                    rows.push(decode(&MongoRow { doc: cursor.current(), keys: &keys })?);
                }
                drop(cursor);
                if q.lock.is_some() {
                    self.collection(table).update_many(filter.clone(), lock(false)).session(&mut *s).await.map_err(err)?;
                }
            }
            None => {
                let mut cursor = find.await.map_err(err)?;
                while cursor.advance().await.map_err(err)? {
                    rows.push(decode(&MongoRow { doc: cursor.current(), keys: &keys })?);
                }
            }
        }
        Ok(rows)
    }

    /// How many documents a query selects, at most `at_most`.
    async fn count_at_most<M: Model, R: FromRow>(&self, session: Option<&mut ClientSession>, q: &Select<M, R>, at_most: Option<u64>) -> Result<u64> {
        self.queries().add();
        let table = M::schema();
        let live = self.resolved(table, q.effective_filter()).await?;
        let filter = filter_document(table, live.as_ref());
        let coll = self.collection(table);
        let mut count = coll.count_documents(filter.clone());
        if let Some(n) = q.offset {
            count = count.skip(n);
        }
        if let Some(n) = match (q.limit, at_most) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        } {
            count = count.limit(n);
        }
        run!(count, session).map_err(|e| classify(M::NAME, "count", || format!("count {} {filter}", table.name), e))
    }
}

impl Driver for MongoDriver {
    type Tx = ClientSession;
    type Conn = MongoDriver;

    fn kind(&self) -> BackendKind {
        BackendKind::MongoDb
    }

    fn queries(&self) -> &QueryCount {
        &self.queries
    }

    fn scoped(&self) -> Self {
        MongoDriver { queries: self.queries.scoped(), ..self.clone() }
    }

    fn database_name(&self) -> &str {
        self.db.name()
    }

    async fn close(&self) {
        self.client.clone().shutdown().await
    }

    async fn server_version(&self) -> Result<String> {
        let info = self.run_command(None, doc! { "buildInfo": 1 }).await?;
        Ok(format!("MongoDB {}", info.get_str("version").unwrap_or("(unknown version)")))
    }

    async fn begin(&self) -> Result<ClientSession> {
        self.start().await
    }

    async fn savepoint(_: &mut ClientSession, _: crate::sql::Savepoint, _: &str) -> Result<()> {
        Err(Error::Unsupported { operation: "nested transactions", backend: "MongoDB" })
    }

    async fn commit(tx: ClientSession) -> Result<()> {
        MongoDriver::end(tx, true).await
    }

    async fn rollback(tx: ClientSession) -> Result<()> {
        MongoDriver::end(tx, false).await
    }

    fn is_transient_text(&self, text: &str) -> bool {
        text.contains("TransientTransactionError") || text.contains("WriteConflict")
    }

    async fn insert<M: Model>(&self, session: Option<&mut ClientSession>, model: &M) -> Result<M> {
        self.queries.add();
        let table = M::schema();
        let auto = match table.auto_increment_column() {
            Some(_) => Some(self.next_key(M::NAME, table).await?),
            None => None,
        };
        let mut doc = model_document::<M>(insert_values(model), auto.map(|k| k.value));
        let coll = self.collection(table);
        let in_session = session.is_some();
        let mut done = run!(coll.insert_one(&doc), session).map(drop).map_err(|e| classify(M::NAME, "insert", || format!("insert {} {doc}", table.name), e));
        if let (Err(Error::UniqueViolation { .. }), Some(key)) = (&done, auto)
            && key.from_block
            && !in_session
        {
            // The block may predate a reset of the counter (the collection dropped and made
            // again elsewhere): its keys are given up and one is taken from the counter itself.
            self.forget_keys(table);
            let fresh = self.reserve_keys(M::NAME, table, 1).await?;
            doc = model_document::<M>(insert_values(model), Some(fresh));
            done = coll.insert_one(&doc).await.map(drop).map_err(|e| classify(M::NAME, "insert", || format!("insert {} {doc}", table.name), e));
        }
        done?;
        decode_model(&doc)
    }

    async fn insert_many<M: Model>(&self, session: Option<&mut ClientSession>, rows: crate::query::Rows<'_, M>) -> Result<u64> {
        if rows.is_empty() {
            return Ok(0);
        }
        self.queries.add();
        let table = M::schema();
        let count = rows.len();
        let first = match table.auto_increment_column() {
            Some(_) => Some(self.reserve_keys(M::NAME, table, count as u64).await?),
            None => None,
        };
        let new = crate::query::rows::NewRow::of::<M>();
        let docs = rows
            .into_values()
            .enumerate()
            .map(|(i, values)| model_raw_document::<M>(new.all_values(values), first.map(|f| f + i as i64)))
            .collect::<Result<Vec<_>>>()?;
        let err = |e| classify(M::NAME, "insert_many", || format!("insert {} ({count} documents)", table.name), e);
        let coll = self.collection(table).clone_with_type::<bson::RawDocumentBuf>();
        if let Some(s) = session {
            // Inside the caller's transaction: atomic with it.
            coll.insert_many(&docs).session(&mut *s).await.map_err(err)?;
        } else if self.transactions {
            let mut session = self.client.start_session().await.map_err(err)?;
            session.start_transaction().await.map_err(err)?;
            match coll.insert_many(&docs).session(&mut session).await {
                Ok(_) => session.commit_transaction().await.map_err(err)?,
                Err(e) => {
                    let _ = session.abort_transaction().await;
                    return Err(err(e));
                }
            }
        } else if let Err(e) = coll.insert_many(&docs).ordered(true).await {
            // Without transactions, take back what the failed call stored before its first error.
            let ids: Vec<Bson> = docs.iter().filter_map(|d| d.get("_id").ok().flatten()).filter_map(|id| Bson::try_from(id).ok()).collect();
            if !ids.is_empty() {
                let _ = coll.delete_many(doc! { "_id": { "$in": ids } }).await;
            }
            return Err(err(e));
        }
        Ok(count as u64)
    }

    async fn upsert<M: Model>(&self, mut session: Option<&mut ClientSession>, model: &M, target: &[&str], by_key: bool) -> Result<M> {
        self.queries.add();
        let table = M::schema();
        let coll = self.collection(table);
        let values = if by_key { crate::query::model::stamped_values(model) } else { insert_values(model) };
        let full = model_document::<M>(values, None);
        let created = M::roles().created_at;
        let mut filter = Document::new();
        let mut set = Document::new();
        let mut on_insert = Document::new();
        for column in M::column_names() {
            let key = field_key(table, column);
            let value = full.get(key).cloned().unwrap_or(Bson::Null);
            if target.contains(column) {
                filter.insert(key, value);
            } else if table.is_primary_key(column) || Some(*column) == created {
                // An existing row keeps its key and its creation time.
                on_insert.insert(key, value);
            } else {
                set.insert(key, value);
            }
        }
        if let (Some(auto), false) = (table.auto_increment_column(), by_key) {
            let n = self.next_key(M::NAME, table).await?.value;
            on_insert.insert(field_key(table, &auto.name), value_to_bson(&key_value(auto.ty, n)));
        }
        let mut update = Document::new();
        if !set.is_empty() {
            update.insert("$set", set);
        }
        if !on_insert.is_empty() {
            update.insert("$setOnInsert", on_insert);
        }
        if update.is_empty() {
            update.insert("$setOnInsert", filter.clone());
        }
        let command = || format!("update {} {filter} {update} upsert", table.name);
        run!(coll.update_one(filter.clone(), update.clone()).upsert(true), session.as_deref_mut())
            .map_err(|e| classify(M::NAME, "upsert", command, e))?;
        let stored = run!(coll.find_one(filter.clone()), session)
            .map_err(|e| classify(M::NAME, "upsert", || format!("find {} {filter}", table.name), e))?
            .ok_or(Error::NotFound { model: M::NAME, operation: "upsert" })?;
        decode_model(&stored)
    }

    async fn update<M: Model>(&self, session: Option<&mut ClientSession>, model: &M) -> Result<M> {
        self.queries.add();
        let table = M::schema();
        let mut filter = key_document(table, &model.key_values());
        if let Some(deleted) = M::roles().soft_delete {
            filter.insert(field_key(table, deleted), Bson::Null);
        }
        let mut doc = model_document::<M>(update_values(model), None);
        doc.remove("_id");
        // The creation time is the stored one: a model built with a placeholder must not overwrite it.
        if let Some(created) = M::roles().created_at {
            doc.remove(field_key(table, created));
        }
        let coll = self.collection(table).clone_with_type::<bson::RawDocumentBuf>();
        let update = doc! { "$set": doc };
        // One round trip: the document as stored after the update.
        let keys = keys(table, M::column_names());
        let mut projection = doc! { "_id": 0 };
        for k in &keys {
            projection.insert(k.as_str(), 1);
        }
        let action = coll.find_one_and_update(filter.clone(), update.clone()).projection(projection).return_document(mongodb::options::ReturnDocument::After);
        let stored = run!(action, session).map_err(|e| classify(M::NAME, "update", || format!("update {} {filter} {update}", table.name), e))?;
        let stored = stored.ok_or(Error::NotFound { model: M::NAME, operation: "update" })?;
        M::from_row(&MongoRow { doc: stored.as_ref(), keys: &keys })
    }

    async fn delete_by_key<M: Model>(&self, session: Option<&mut ClientSession>, key: Vec<Value>) -> Result<()> {
        self.queries.add();
        let table = M::schema();
        match self.delete_referenced(session, KeySource::Models, M::NAME, table, key_document(table, &key), true).await? {
            0 => Err(Error::NotFound { model: M::NAME, operation: "delete" }),
            _ => Ok(()),
        }
    }

    async fn find<M: Model, R: FromRow>(&self, session: Option<&mut ClientSession>, q: &Select<M, R>) -> Result<Vec<R>> {
        self.find_with(session, q, |row| R::from_row(row)).await
    }

    async fn find_values<M: Model, R: FromRow>(&self, session: Option<&mut ClientSession>, q: &Select<M, R>, types: &[ColumnType]) -> Result<Vec<Vec<Value>>> {
        self.find_with(session, q, |row| {
            types.iter().enumerate().map(|(i, t)| row.get_value(i, *t).map_err(|e| Error::decode(M::NAME, format!("column {i}"), e))).collect()
        })
        .await
    }

    async fn count<M: Model, R: FromRow>(&self, session: Option<&mut ClientSession>, q: &Select<M, R>) -> Result<u64> {
        self.count_at_most(session, q, None).await
    }

    async fn exists<M: Model, R: FromRow>(&self, session: Option<&mut ClientSession>, q: &Select<M, R>) -> Result<bool> {
        Ok(self.count_at_most(session, q, Some(1)).await? > 0)
    }

    async fn update_many<M: Model>(&self, session: Option<&mut ClientSession>, q: &UpdateMany<M>) -> Result<u64> {
        self.queries.add();
        let table = M::schema();
        let (sets, live) = q.effective();
        let live = self.resolved(table, live).await?;
        let filter = filter_document(table, live.as_ref());
        let update = update_document(table, &sets);
        let command = || format!("update {} {filter} {update:?}", table.name);
        let coll = self.collection(table);
        let done = run!(coll.update_many(filter.clone(), update.clone()), session).map_err(|e| classify(M::NAME, "update_many", command, e))?;
        Ok(done.matched_count)
    }

    async fn delete_many<M: Model>(&self, session: Option<&mut ClientSession>, q: &DeleteMany<M>) -> Result<u64> {
        self.queries.add();
        let table = M::schema();
        let live = self.resolved(table, q.filter.clone()).await?;
        let filter = filter_document(table, live.as_ref());
        self.delete_referenced(session, KeySource::Models, M::NAME, table, filter, false).await
    }

    async fn create_table(&self, _: Option<&mut ClientSession>, model: &'static str, table: &Table, if_not_exists: bool) -> Result<()> {
        self.queries.add();
        self.create_collection(model, table, if_not_exists).await
    }

    async fn drop_table(&self, _: Option<&mut ClientSession>, model: &'static str, table: &Table) -> Result<()> {
        self.queries.add();
        self.drop_collection(model, table).await
    }

    async fn table_exists(&self, _: Option<&mut ClientSession>, name: &str) -> Result<bool> {
        self.queries.add();
        self.collection_exists(name).await
    }

    async fn introspect(&self, sample: usize) -> Result<Vec<Table>> {
        super::introspect::tables(self, sample).await
    }

    async fn browse(&self, table: &Table, q: &crate::query::BrowsePlan) -> Result<Vec<Vec<Value>>> {
        self.browse_page(table, q).await
    }

    async fn count_rows(&self, table: &Table, filter: Option<&Cond>) -> Result<u64> {
        self.count_table_rows(table, filter).await
    }

    async fn estimate_rows(&self, table: &Table) -> Result<Option<u64>> {
        self.estimate_table_rows(table).await
    }

    async fn insert_record(&self, table: &Table, values: Vec<(String, Value)>) -> Result<()> {
        self.insert_table_record(table, values).await
    }

    async fn update_record(&self, table: &Table, key: &Cond, values: Vec<(String, Value)>) -> Result<u64> {
        self.update_table_record(table, key, values).await
    }

    async fn delete_record(&self, schema: &crate::schema::Schema, table: &Table, key: &Cond) -> Result<u64> {
        self.delete_table_record(schema, table, key).await
    }

    /// The database with majority write and read concerns on a replica set: the lock and the
    /// history a runner writes survive a failover, and what it reads of them was acknowledged by a
    /// majority (the driver retries writes and reads once on a new primary, by default).
    async fn migration_conn(&self) -> Result<MongoDriver> {
        let mut conn = self.clone();
        if self.transactions {
            let options = mongodb::options::DatabaseOptions::builder()
                .write_concern(mongodb::options::WriteConcern::majority())
                .read_concern(mongodb::options::ReadConcern::majority())
                .build();
            conn.db = self.client.database_with_options(self.db.name(), options);
        }
        Ok(conn)
    }
}
