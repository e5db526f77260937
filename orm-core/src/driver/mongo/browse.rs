//! Reading collections known at run time on MongoDB: a page, a count, the metadata's estimate.

use super::crud::{keys, projection_and_sort};
use super::row::MongoRow;
use super::MongoDriver;
use crate::error::{Error, Result};
use crate::field::RawRow;
use crate::mongo::{classify, filter_document};
use crate::query::{BrowsePlan, Cond};
use crate::schema::{ColumnType, Table};
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
}
