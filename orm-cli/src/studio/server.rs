//! The studio's HTTP side: one page (embedded in the binary) and a JSON API, behind a guard that
//! wants the run's access token on every request and a loopback `Host` (so another site cannot
//! reach it through DNS rebinding). The API takes table and column names and typed values only:
//! there is no endpoint that accepts SQL or a MongoDB query.

use super::values::{self, Condition};
use crate::diagram::{self, Diagram};
use axum::extract::{Path, Query, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use orm_core::migrate::{self, MigrationState, Migrator};
use orm_core::query::Browse;
use orm_core::schema::{Schema, Table};
use orm_core::{Database, Order};
use serde::Deserialize;
use serde_json::{json, Value as JsonValue};
use std::path::PathBuf;
use std::sync::Arc;
use tokio::sync::Mutex;

const PAGE: &str = include_str!("page.html");

/// Rows per page unless the page asks for another size (at most [`MAX_LIMIT`]).
const DEFAULT_LIMIT: u64 = 50;
const MAX_LIMIT: u64 = 500;

/// What every request of one studio run shares.
pub struct Studio {
    /// The database it shows.
    pub db: Database,
    /// The access token every request must carry.
    pub token: String,
    /// The port it listens on (the `Host` a request must name).
    pub port: u16,
    /// The migrations directory.
    pub migrations_dir: PathBuf,
    /// The URL it connected to, password hidden.
    pub url: String,
    /// The live schema, read again when the overview is asked for.
    pub schema: Mutex<Schema>,
    /// `--write`: the page may insert, update and delete rows.
    pub write: bool,
}

impl Studio {
    /// The live schema, with what the migrations declare and the database cannot tell: the
    /// columns' validation rules, and MongoDB's foreign keys.
    async fn read_schema(&self) -> Result<Schema, Problem> {
        let mut schema = self.db.introspect_sampled(100).await.map_err(Problem::database)?;
        let mongo = self.db.backend() == orm_core::BackendKind::MongoDb;
        crate::commands::schema::declared_by_migrations(&mut schema, &self.migrations_dir, mongo, &mut std::io::sink())
            .map_err(|e| Problem::bad(format!("{e:#}")))?;
        *self.schema.lock().await = schema.clone();
        Ok(schema)
    }

    /// The table named `name`, as last read (read again once when it is not there).
    pub(super) async fn table(&self, name: &str) -> Result<Table, Problem> {
        if let Some(t) = self.schema.lock().await.tables.get(name) {
            return Ok(t.clone());
        }
        self.read_schema().await?.tables.get(name).cloned().ok_or_else(|| Problem::not_found(format!("no table `{name}`")))
    }
}

/// An error the API answers with: its status and a message the page shows.
#[derive(Debug)]
pub struct Problem {
    status: StatusCode,
    message: String,
}

impl Problem {
    pub(super) fn bad(message: String) -> Problem {
        Problem { status: StatusCode::BAD_REQUEST, message }
    }

    fn not_found(message: String) -> Problem {
        Problem { status: StatusCode::NOT_FOUND, message }
    }

    pub(super) fn database(e: orm_core::Error) -> Problem {
        let status = match &e {
            orm_core::Error::InvalidQuery { .. } | orm_core::Error::Validation { .. } => StatusCode::BAD_REQUEST,
            orm_core::Error::UniqueViolation { .. } | orm_core::Error::ForeignKeyViolation { .. } | orm_core::Error::ConstraintViolation { .. } => {
                StatusCode::CONFLICT
            }
            orm_core::Error::NotFound { .. } => StatusCode::NOT_FOUND,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        Problem { status, message: e.to_string() }
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        (self.status, Json(json!({ "error": self.message }))).into_response()
    }
}

/// The router of one studio run.
pub fn router(studio: Arc<Studio>) -> Router {
    let rows = if studio.write { super::edit::routes(get(rows)) } else { super::edit::read_only(get(rows)) };
    Router::new()
        .route("/", get(page))
        .route("/api/overview", get(overview))
        .route("/api/migrations", get(migrations))
        .merge(rows)
        .route("/api/tables/{name}/count", get(count))
        .layer(middleware::from_fn_with_state(studio.clone(), guard))
        .with_state(studio)
}

/// Equal without an early exit, so the time taken says nothing about the token.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Refuses a request without the token (query `token=` or header `x-studio-token`) or with a
/// `Host` other than this loopback port; marks every answer as not to be cached, framed or
/// referred to (the token is in the page's URL).
async fn guard(State(studio): State<Arc<Studio>>, request: Request, next: Next) -> Response {
    let host = request.headers().get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or_default();
    let port = studio.port;
    let loopback = [format!("127.0.0.1:{port}"), format!("localhost:{port}"), format!("[::1]:{port}")];
    if !loopback.iter().any(|h| h == host) {
        return (StatusCode::MISDIRECTED_REQUEST, "the studio answers on its loopback address only").into_response();
    }
    let from_query = request.uri().query().unwrap_or_default().split('&').find_map(|p| p.strip_prefix("token=")).map(str::to_string);
    let from_header = request.headers().get("x-studio-token").and_then(|h| h.to_str().ok()).map(str::to_string);
    if !from_query.or(from_header).is_some_and(|t| same(&t, &studio.token)) {
        return (StatusCode::UNAUTHORIZED, "this studio needs the access token from the URL it printed").into_response();
    }
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    response
}

async fn page() -> Html<&'static str> {
    Html(PAGE)
}

/// The backend, the tables with their row estimates, the diagram (JSON and SVG).
async fn overview(State(studio): State<Arc<Studio>>) -> Result<Json<JsonValue>, Problem> {
    let schema = studio.read_schema().await?;
    let mut tables = Vec::new();
    for table in schema.tables.values() {
        let estimate = studio.db.estimate_rows(table).await.map_err(Problem::database)?;
        tables.push(json!({ "name": table.name, "estimate": estimate, "key": table.primary_key }));
    }
    let drawing = Diagram::new(&schema);
    let server = studio.db.server_version().await.unwrap_or_default();
    Ok(Json(json!({
        "backend": studio.db.backend().name(),
        "server": server,
        "url": studio.url,
        "write": studio.write,
        "tables": tables,
        "diagram": drawing.to_json(),
        "svg": diagram::svg(&drawing),
    })))
}

/// Every migration with its state, duration and its up and down for this backend.
async fn migrations(State(studio): State<Arc<Studio>>) -> Result<Json<JsonValue>, Problem> {
    let dir = &studio.migrations_dir;
    if !dir.is_dir() {
        return Ok(Json(json!({ "dir": dir.display().to_string(), "migrations": [] })));
    }
    let files = migrate::load_dir(dir).map_err(Problem::database)?;
    let dialect = studio.db.backend().dialect();
    let plan = |down: bool| migrate::plan_offline(&files, dialect, down, "app").map_err(Problem::database);
    let (ups, downs) = (plan(false)?, plan(true)?);
    let status = Migrator::new(studio.db.clone(), files).status().await.map_err(Problem::database)?;
    let entries: Vec<JsonValue> = status
        .iter()
        .map(|e| {
            let lines = |plan: &[(i64, Vec<String>)]| plan.iter().find(|(v, _)| *v == e.version).map(|(_, l)| l.clone()).unwrap_or_default();
            let (state, error, at) = match &e.state {
                MigrationState::Applied { at } => ("applied", None, Some(at.to_rfc3339())),
                MigrationState::Pending => ("pending", None, None),
                MigrationState::OutOfOrder => ("out of order", None, None),
                MigrationState::Dirty { error, .. } => ("dirty", Some(error.clone().unwrap_or_else(|| "no error recorded".into())), None),
                MigrationState::Changed => ("changed", None, None),
                MigrationState::Missing => ("missing", None, None),
            };
            json!({
                "version": e.version, "name": e.name, "state": state, "error": error, "applied_at": at,
                "duration_ms": e.duration.map(|d| d.as_millis() as u64), "up": lines(&ups), "down": lines(&downs),
            })
        })
        .collect();
    Ok(Json(json!({ "dir": dir.display().to_string(), "migrations": entries })))
}

/// The query of a page of rows.
#[derive(Debug, Deserialize)]
struct RowsQuery {
    /// JSON: the key of the last row shown (key order).
    after: Option<String>,
    /// A column to sort by.
    sort: Option<String>,
    /// `asc` or `desc`.
    dir: Option<String>,
    /// Rows to skip (another sort, or a table without a key).
    offset: Option<u64>,
    /// Rows per page.
    limit: Option<u64>,
    /// JSON: the filter bar's conditions.
    filter: Option<String>,
}

fn conditions(table: &Table, filter: Option<&str>) -> Result<Option<orm_core::query::Cond>, Problem> {
    let list: Vec<Condition> = match filter {
        Some(text) if !text.is_empty() => serde_json::from_str(text).map_err(|e| Problem::bad(format!("filter: {e}")))?,
        _ => Vec::new(),
    };
    values::filter(table, &list).map_err(Problem::bad)
}

/// One page of a table's rows, with the cursor of the next.
async fn rows(State(studio): State<Arc<Studio>>, Path(name): Path<String>, Query(q): Query<RowsQuery>) -> Result<Json<JsonValue>, Problem> {
    let table = studio.table(&name).await?;
    let limit = q.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT);
    let mut browse = Browse::new(limit + 1).offset(q.offset.unwrap_or(0));
    if let Some(cond) = conditions(&table, q.filter.as_deref())? {
        browse = browse.filter(cond);
    }
    let keyset = q.sort.is_none() && !table.primary_key.is_empty();
    if let Some(sort) = q.sort {
        browse = browse.sort(sort, if q.dir.as_deref() == Some("desc") { Order::Desc } else { Order::Asc });
    }
    if let (true, Some(after)) = (keyset, q.after.as_deref()) {
        let given: Vec<JsonValue> = serde_json::from_str(after).map_err(|e| Problem::bad(format!("after: {e}")))?;
        browse = browse.after(values::key_from_json(&table, &given).map_err(|e| Problem::bad(format!("after: {e}")))?);
    }
    let mut found = studio.db.browse(&table, &browse).await.map_err(Problem::database)?;
    let more = found.len() as u64 > limit;
    found.truncate(limit as usize);
    let key_at: Vec<usize> = table.primary_key.iter().filter_map(|k| table.columns.iter().position(|c| &c.name == k)).collect();
    let next = match (more, keyset, found.last()) {
        (true, true, Some(last)) => json!({ "after": key_at.iter().map(|i| values::to_json(&last[*i])).collect::<Vec<_>>() }),
        (true, false, _) => json!({ "offset": q.offset.unwrap_or(0) + limit }),
        _ => JsonValue::Null,
    };
    let columns: Vec<JsonValue> = table
        .columns
        .iter()
        .map(|c| {
            json!({ "name": c.name, "type": c.ty.to_string(), "nullable": c.nullable, "key": table.is_primary_key(&c.name), "auto": c.auto_increment || c.generated })
        })
        .collect();
    let rows: Vec<Vec<JsonValue>> = found.iter().map(|r| r.iter().map(values::to_json).collect()).collect();
    Ok(Json(json!({ "table": table.name, "columns": columns, "rows": rows, "next": next, "paging": if keyset { "keyset" } else { "offset" } })))
}

/// The exact number of rows matching the filter (asked for by the page; never run unasked).
async fn count(State(studio): State<Arc<Studio>>, Path(name): Path<String>, Query(q): Query<RowsQuery>) -> Result<Json<JsonValue>, Problem> {
    let table = studio.table(&name).await?;
    let cond = conditions(&table, q.filter.as_deref())?;
    let n = studio.db.count_rows(&table, cond.as_ref()).await.map_err(Problem::database)?;
    Ok(Json(json!({ "count": n })))
}
