//! `orm studio --write`: inserting, updating and deleting one row at a time through the toolkit's
//! write path ([`orm_core::Database::insert_record`] and its siblings), so the columns' validation
//! rules (the live schema's, with those the migrations declare), the `created_at` / `updated_at`
//! stamps and the database's constraints apply, and their errors come back to the page as said.

use super::server::{Problem, Studio};
use super::values;
use axum::extract::{Path, State};
use axum::{Json, Router};
use orm_core::schema::Table;
use orm_core::Value;
use serde::Deserialize;
use serde_json::{json, Map, Value as JsonValue};
use std::sync::Arc;

/// A write the page asks for: the row's key (for updates and deletes) and the values to set, by
/// column, as the page's inputs hold them (text, or `null`).
#[derive(Debug, Deserialize)]
pub struct Edit {
    /// The primary key of the row, as the rows endpoint gave it.
    #[serde(default)]
    key: Vec<JsonValue>,
    /// Column name -> new value.
    #[serde(default)]
    values: Map<String, JsonValue>,
}

fn typed_values(table: &Table, given: &Map<String, JsonValue>) -> Result<Vec<(String, Value)>, Problem> {
    given
        .iter()
        .map(|(name, v)| {
            let column = table.column_named(name).ok_or_else(|| Problem::bad(format!("`{}` has no column `{name}`", table.name)))?;
            let value = values::from_json(column.ty, v).map_err(|e| Problem::bad(format!("{name}: {e}")))?;
            Ok((name.clone(), value))
        })
        .collect()
}

async fn insert(State(studio): State<Arc<Studio>>, Path(name): Path<String>, Json(edit): Json<Edit>) -> Result<Json<JsonValue>, Problem> {
    let table = studio.table(&name).await?;
    let values = typed_values(&table, &edit.values)?;
    studio.db.insert_record(&table, values).await.map_err(Problem::database)?;
    Ok(Json(json!({ "inserted": 1 })))
}

async fn update(State(studio): State<Arc<Studio>>, Path(name): Path<String>, Json(edit): Json<Edit>) -> Result<Json<JsonValue>, Problem> {
    let table = studio.table(&name).await?;
    let key = values::key_from_json(&table, &edit.key).map_err(Problem::bad)?;
    let values = typed_values(&table, &edit.values)?;
    studio.db.update_record(&table, key, values).await.map_err(Problem::database)?;
    Ok(Json(json!({ "updated": 1 })))
}

async fn delete(State(studio): State<Arc<Studio>>, Path(name): Path<String>, Json(edit): Json<Edit>) -> Result<Json<JsonValue>, Problem> {
    let table = studio.table(&name).await?;
    let key = values::key_from_json(&table, &edit.key).map_err(Problem::bad)?;
    // The schema as last read holds the foreign keys pointing at the table (on MongoDB, the
    // migrations'), whose actions the delete applies.
    let schema = studio.schema.lock().await.clone();
    studio.db.delete_record(&schema, &name, key).await.map_err(Problem::database)?;
    Ok(Json(json!({ "deleted": 1 })))
}

/// The rows route with the writes added: `POST` inserts, `PATCH` updates, `DELETE` deletes.
pub fn routes(rows: axum::routing::MethodRouter<Arc<Studio>>) -> Router<Arc<Studio>> {
    Router::new().route("/api/tables/{name}/rows", rows.post(insert).patch(update).delete(delete))
}

/// The read-only rows route.
pub fn read_only(rows: axum::routing::MethodRouter<Arc<Studio>>) -> Router<Arc<Studio>> {
    Router::new().route("/api/tables/{name}/rows", rows)
}
