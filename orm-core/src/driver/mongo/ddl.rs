//! Collections on MongoDB: created with the `$jsonSchema` validator and indexes `crate::mongo`
//! describes, dropped with their auto-increment counter.

use super::MongoDriver;
use crate::error::Result;
use crate::mongo::{classify, index_documents, json_schema, COUNTERS};
use crate::schema::Table;
use bson::{doc, Document};

impl MongoDriver {
    /// Whether a collection named `name` exists.
    pub(crate) async fn collection_exists(&self, name: &str) -> Result<bool> {
        let names = self
            .db
            .list_collection_names()
            .filter(doc! { "name": name })
            .await
            .map_err(|e| classify("schema", "table_exists", || format!("listCollections {name}"), e))?;
        Ok(!names.is_empty())
    }

    /// Creates the collection with its validator and indexes.
    pub(crate) async fn create_collection(&self, model: &'static str, table: &Table, if_not_exists: bool) -> Result<()> {
        if if_not_exists && self.collection_exists(&table.name).await? {
            return Ok(());
        }
        let validator = json_schema(table);
        let created = self.db.create_collection(&table.name).validator(validator.clone()).await;
        if let Err(e) = created {
            // NamespaceExists: another client created it meanwhile, which is what was asked.
            let exists = matches!(e.kind.as_ref(), mongodb::error::ErrorKind::Command(c) if c.code == 48);
            if !(if_not_exists && exists) {
                return Err(classify(model, "create_table", || format!("createCollection {} {validator}", table.name), e));
            }
        }
        let indexes = index_documents(table);
        if !indexes.is_empty() {
            let command = doc! { "createIndexes": &table.name, "indexes": indexes };
            self.db
                .run_command(command.clone())
                .await
                .map_err(|e| classify(model, "create_table", || command.to_string(), e))?;
        }
        Ok(())
    }

    /// Drops the collection (with its indexes) and its auto-increment counter, if they exist.
    pub(crate) async fn drop_collection(&self, model: &'static str, table: &Table) -> Result<()> {
        self.collection(table)
            .drop()
            .await
            .map_err(|e| classify(model, "drop_table", || format!("drop {}", table.name), e))?;
        self.db
            .collection::<Document>(COUNTERS)
            .delete_one(doc! { "_id": &table.name })
            .await
            .map_err(|e| classify(model, "drop_table", || format!("delete counter {}", table.name), e))?;
        self.forget_keys(table);
        Ok(())
    }
}
