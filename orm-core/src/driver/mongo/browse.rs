//! Collections known at run time on MongoDB: a page, a count, the metadata's estimate, and
//! one-document writes by key.

use super::crud::{keys, projection_and_sort};
use super::row::MongoRow;
use super::MongoDriver;
use crate::error::{Error, Result};
use crate::field::RawRow;
use crate::mongo::{classify, field_key, filter_document, value_into_bson};
use crate::query::{BrowsePlan, Cond};
use super::references::KeySource;
use crate::schema::{ColumnType, Schema, Table};
use crate::value::Value;

impl MongoDriver {
    pub(super) async fn browse_page(&self, table: &Table, q: &BrowsePlan) -> Result<Vec<Vec<Value>>> {
        self.queries.add();
        let names: Vec<&str> = table.columns.iter().map(|c| c.name.as_str()).collect();
        let keys = keys(table, &names);
        let live = self.resolved(table, q.filter.clone()).await?;
        let filter = filter_document(table, live.as_ref());
        let (projection, sort) = projection_and_sort(table, &keys, &q.order);
        let coll = self.collection(table).clone_with_type::<bson::RawDocumentBuf>();
        let mut find = coll.find(filter.clone()).projection(projection).skip(q.offset).limit(i64::try_from(q.limit).unwrap_or(i64::MAX));
        if !sort.is_empty() {
            find = find.sort(sort);
        }
        let err = |e| classify("browse", "find", || format!("find {} {filter}", table.name), e);
        let mut cursor = find.await.map_err(err)?;
        let mut rows = Vec::new();
        while cursor.advance().await.map_err(err)? {
            let row = MongoRow { doc: cursor.current(), keys: &keys };
            // A field whose documents disagree with the sampled type is shown as the JSON it holds.
            let values = table
                .columns
                .iter()
                .enumerate()
                .map(|(i, c)| row.get_value(i, c.ty).or_else(|_| row.get_value(i, ColumnType::Json)).map_err(|e| Error::decode("browse", c.name.clone(), e)))
                .collect::<Result<Vec<Value>>>()?;
            rows.push(values);
        }
        Ok(rows)
    }

    pub(super) async fn count_table_rows(&self, table: &Table, filter: Option<&Cond>) -> Result<u64> {
        self.queries.add();
        let live = self.resolved(table, filter.cloned()).await?;
        let filter = filter_document(table, live.as_ref());
        let command = || format!("count {} {filter}", table.name);
        self.collection(table).count_documents(filter.clone()).await.map_err(|e| classify("browse", "count", command, e))
    }

    pub(super) async fn estimate_table_rows(&self, table: &Table) -> Result<Option<u64>> {
        self.queries.add();
        let command = || format!("estimatedDocumentCount {}", table.name);
        let n = self.collection(table).estimated_document_count().await.map_err(|e| classify("browse", "estimate", command, e))?;
        Ok(Some(n))
    }

    pub(super) async fn insert_table_record(&self, table: &Table, values: Vec<(String, Value)>) -> Result<()> {
        self.queries.add();
        let mut doc = bson::Document::new();
        if let Some(auto) = table.auto_increment_column().filter(|c| !values.iter().any(|(v, _)| *v == c.name)) {
            let n = self.next_key("record", table).await?.value;
            doc.insert(field_key(table, &auto.name), value_into_bson(super::crud::key_value(auto.ty, n)));
        }
        for (column, value) in values {
            doc.insert(field_key(table, &column), value_into_bson(value));
        }
        let command = || format!("insert {} {doc}", table.name);
        self.collection(table).insert_one(&doc).await.map_err(|e| classify("record", "insert", command, e))?;
        Ok(())
    }

    pub(super) async fn update_table_record(&self, table: &Table, key: &Cond, values: Vec<(String, Value)>) -> Result<u64> {
        self.queries.add();
        let filter = filter_document(table, Some(key));
        let set: bson::Document = values.into_iter().map(|(c, v)| (field_key(table, &c).to_string(), value_into_bson(v))).collect();
        let update = bson::doc! { "$set": set };
        let command = || format!("update {} {filter} {update}", table.name);
        let done = self.collection(table).update_one(filter.clone(), update.clone()).await.map_err(|e| classify("record", "update", command, e))?;
        Ok(done.matched_count)
    }

    /// Deletes one document, applying first the actions of `schema`'s foreign keys that point at
    /// its collection (as a model's delete applies those of the models).
    pub(super) async fn delete_table_record(&self, schema: &Schema, table: &Table, key: &Cond) -> Result<u64> {
        self.queries.add();
        let filter = filter_document(table, Some(key));
        self.delete_referenced(None, KeySource::Schema(schema), "record", table, filter, true).await
    }
}
