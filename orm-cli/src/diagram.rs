//! Entity-relationship diagrams of a schema: the tables (collections) with their columns, keys,
//! nullability, unique and indexed columns, foreign keys as edges, and many-to-many relations
//! through their join tables. [`Diagram`] is what every rendering reads: [`svg`] (laid out here, no
//! Graphviz needed), [`mermaid`] and [`dot`] as text for docs and CI, and [`Diagram::to_json`] for
//! `--format json` and `orm studio`.
//!
//! ```
//! use orm_schema::{Column, ColumnType, Schema, Table};
//!
//! let mut schema = Schema::new();
//! schema.tables.insert("users".into(), Table::new("users").column(Column::new("id", ColumnType::I64)).primary_key(["id"]));
//! let diagram = orm_cli::diagram::Diagram::new(&schema);
//! assert!(orm_cli::diagram::mermaid(&diagram).contains("users {"));
//! assert!(orm_cli::diagram::svg(&diagram).starts_with("<svg"));
//! ```

mod layout;
mod svg;
mod text;

pub use svg::svg;
pub use text::{dot, mermaid};

use orm_schema::{ReferentialAction, Schema, Table};
use serde_json::json;

/// A schema as a diagram: entities and the edges between them, in name order.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagram {
    /// One entity per table or collection.
    pub entities: Vec<Entity>,
    /// One edge per foreign key whose referenced table is in the diagram.
    pub edges: Vec<Edge>,
    /// The many-to-many relations: tables made of exactly two foreign keys.
    pub many_to_many: Vec<ManyToMany>,
}

/// A table or collection.
#[derive(Debug, Clone, PartialEq)]
pub struct Entity {
    /// Its name.
    pub name: String,
    /// Its columns (fields), in declaration order.
    pub attributes: Vec<Attribute>,
}

/// One column of an [`Entity`].
#[derive(Debug, Clone, PartialEq)]
pub struct Attribute {
    /// Its name.
    pub name: String,
    /// Its neutral type (`string(255)`, `i64`, ..).
    pub ty: String,
    /// Whether it accepts NULL.
    pub nullable: bool,
    /// Part of the primary key.
    pub primary_key: bool,
    /// Part of a foreign key.
    pub foreign_key: bool,
    /// Unique alone or as part of a unique index.
    pub unique: bool,
    /// Part of a non-unique index.
    pub indexed: bool,
}

impl Attribute {
    /// The key marks shown beside the name: `PK`, `FK`, `UQ`, `IX`.
    pub fn marks(&self) -> Vec<&'static str> {
        let mut marks = Vec::new();
        for (on, mark) in [(self.primary_key, "PK"), (self.foreign_key, "FK"), (self.unique, "UQ"), (self.indexed, "IX")] {
            if on {
                marks.push(mark);
            }
        }
        marks
    }
}

/// A foreign key: `from.columns` reference `to.to_columns`.
#[derive(Debug, Clone, PartialEq)]
pub struct Edge {
    /// The constraint's name.
    pub name: String,
    /// The referencing table.
    pub from: String,
    /// The referencing columns.
    pub columns: Vec<String>,
    /// The referenced table.
    pub to: String,
    /// The referenced columns.
    pub to_columns: Vec<String>,
    /// What deleting the referenced row does.
    pub on_delete: ReferentialAction,
    /// The referencing side holds at most one row per referenced row (a one-to-one).
    pub one: bool,
    /// The referencing columns accept NULL (the relation is optional).
    pub optional: bool,
}

/// A many-to-many relation between `left` and `right` through the join table `through`.
#[derive(Debug, Clone, PartialEq)]
pub struct ManyToMany {
    /// One side.
    pub left: String,
    /// The other side.
    pub right: String,
    /// The join table.
    pub through: String,
}

impl Diagram {
    /// The diagram of `schema`.
    pub fn new(schema: &Schema) -> Diagram {
        let entities = schema.tables.values().map(entity).collect();
        let mut edges = Vec::new();
        let mut many_to_many = Vec::new();
        for table in schema.tables.values() {
            for fk in &table.foreign_keys {
                if !schema.tables.contains_key(&fk.references_table) {
                    continue;
                }
                edges.push(Edge {
                    name: fk.name.clone(),
                    from: table.name.clone(),
                    columns: fk.columns.clone(),
                    to: fk.references_table.clone(),
                    to_columns: fk.references_columns.clone(),
                    on_delete: fk.on_delete,
                    one: table.is_unique(&fk.columns),
                    optional: fk.columns.iter().any(|c| table.column_named(c).is_some_and(|c| c.nullable)),
                });
            }
            if let Some([a, b]) = schema.join_keys(table) {
                many_to_many.push(ManyToMany {
                    left: a.references_table.clone(),
                    right: b.references_table.clone(),
                    through: table.name.clone(),
                });
            }
        }
        Diagram { entities, edges, many_to_many }
    }

    /// The entity named `name`.
    pub fn entity(&self, name: &str) -> Option<&Entity> {
        self.entities.iter().find(|e| e.name == name)
    }

    /// The diagram as one JSON document: `tables` (with `columns`), `edges`, `many_to_many`.
    pub fn to_json(&self) -> serde_json::Value {
        let tables: Vec<_> = self
            .entities
            .iter()
            .map(|e| {
                let columns: Vec<_> = e
                    .attributes
                    .iter()
                    .map(|a| {
                        json!({
                            "name": a.name, "type": a.ty, "nullable": a.nullable, "primary_key": a.primary_key,
                            "foreign_key": a.foreign_key, "unique": a.unique, "indexed": a.indexed,
                        })
                    })
                    .collect();
                json!({ "name": e.name, "columns": columns })
            })
            .collect();
        let edges: Vec<_> = self
            .edges
            .iter()
            .map(|e| {
                json!({
                    "name": e.name, "from": e.from, "columns": e.columns, "to": e.to, "to_columns": e.to_columns,
                    "on_delete": e.on_delete.as_str(), "one": e.one, "optional": e.optional,
                })
            })
            .collect();
        let many: Vec<_> = self.many_to_many.iter().map(|m| json!({ "left": m.left, "right": m.right, "through": m.through })).collect();
        json!({ "tables": tables, "edges": edges, "many_to_many": many })
    }
}

fn entity(table: &Table) -> Entity {
    let attributes = table
        .columns
        .iter()
        .map(|c| {
            let in_index = |unique: bool| table.indexes.iter().any(|ix| ix.unique == unique && ix.columns.contains(&c.name));
            Attribute {
                name: c.name.clone(),
                ty: c.ty.to_string(),
                nullable: c.nullable,
                primary_key: table.is_primary_key(&c.name),
                foreign_key: table.foreign_keys.iter().any(|fk| fk.columns.contains(&c.name)),
                unique: c.unique || in_index(true),
                indexed: in_index(false),
            }
        })
        .collect();
    Entity { name: table.name.clone(), attributes }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use orm_schema::{Column, ColumnType, ForeignKey, Index};

    fn fk(table: &str, column: &str, target: &str, on_delete: ReferentialAction) -> ForeignKey {
        ForeignKey {
            name: format!("{table}_{column}_fkey"),
            columns: vec![column.into()],
            references_table: target.into(),
            references_columns: vec!["id".into()],
            on_delete,
            on_update: ReferentialAction::NoAction,
        }
    }

    /// The blog schema the golden files draw: users, their profile (one-to-one), posts, comments
    /// (a nullable parent), tags and the posts-tags join table.
    pub(crate) fn blog() -> Schema {
        let id = || Column::new("id", ColumnType::I64).auto_increment();
        let mut schema = Schema::new();
        let tables = [
            Table::new("users")
                .column(id())
                .column(Column::new("email", ColumnType::String { length: Some(255) }).unique())
                .column(Column::new("name", ColumnType::Text))
                .column(Column::new("bio", ColumnType::Text).nullable())
                .column(Column::new("created_at", ColumnType::Timestamp))
                .primary_key(["id"]),
            Table::new("profiles")
                .column(id())
                .column(Column::new("user_id", ColumnType::I64).unique())
                .column(Column::new("website", ColumnType::String { length: Some(200) }).nullable())
                .primary_key(["id"])
                .foreign_key(fk("profiles", "user_id", "users", ReferentialAction::Cascade)),
            Table::new("posts")
                .column(id())
                .column(Column::new("user_id", ColumnType::I64))
                .column(Column::new("title", ColumnType::String { length: Some(200) }))
                .column(Column::new("score", ColumnType::Decimal { precision: Some(10), scale: Some(2) }))
                .column(Column::new("body", ColumnType::Text))
                .primary_key(["id"])
                .index(Index::new("posts_title_idx", ["title"]))
                .foreign_key(fk("posts", "user_id", "users", ReferentialAction::Cascade)),
            Table::new("comments")
                .column(id())
                .column(Column::new("post_id", ColumnType::I64))
                .column(Column::new("parent_id", ColumnType::I64).nullable())
                .column(Column::new("body", ColumnType::Text))
                .primary_key(["id"])
                .foreign_key(fk("comments", "post_id", "posts", ReferentialAction::Cascade))
                .foreign_key(fk("comments", "parent_id", "comments", ReferentialAction::SetNull)),
            Table::new("tags").column(id()).column(Column::new("label", ColumnType::String { length: Some(40) }).unique()).primary_key(["id"]),
            Table::new("post_tags")
                .column(Column::new("post_id", ColumnType::I64))
                .column(Column::new("tag_id", ColumnType::I64))
                .primary_key(["post_id", "tag_id"])
                .foreign_key(fk("post_tags", "post_id", "posts", ReferentialAction::Cascade))
                .foreign_key(fk("post_tags", "tag_id", "tags", ReferentialAction::Restrict)),
        ];
        for t in tables {
            schema.tables.insert(t.name.clone(), t);
        }
        schema
    }

    /// Compares `actual` with the golden file `orm-cli/tests/diagrams/<name>`; `UPDATE_GOLDEN=1`
    /// rewrites it.
    pub(crate) fn golden(name: &str, actual: &str) {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/diagrams").join(name);
        if std::env::var_os("UPDATE_GOLDEN").is_some() {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, actual).unwrap();
        }
        let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e} (UPDATE_GOLDEN=1 writes it)", path.display()));
        assert_eq!(actual, expected, "{} differs (UPDATE_GOLDEN=1 rewrites it)", path.display());
    }

    #[test]
    fn reads_keys_edges_and_join_tables() {
        let d = Diagram::new(&blog());
        let posts = d.entity("posts").unwrap();
        let marks: Vec<_> = posts.attributes.iter().map(|a| (a.name.as_str(), a.marks().join(" "))).collect();
        assert_eq!(marks, [("id", "PK".into()), ("user_id", "FK".into()), ("title", "IX".into()), ("score", String::new()), ("body", String::new())]);
        let profile = d.edges.iter().find(|e| e.from == "profiles").unwrap();
        assert!(profile.one && !profile.optional);
        let parent = d.edges.iter().find(|e| e.name == "comments_parent_id_fkey").unwrap();
        assert!(parent.optional && !parent.one && parent.to == "comments");
        assert_eq!(d.many_to_many, [ManyToMany { left: "posts".into(), right: "tags".into(), through: "post_tags".into() }]);
        assert_eq!(d.to_json()["edges"].as_array().unwrap().len(), 6);
    }

    #[test]
    fn leaves_out_edges_to_tables_outside_the_diagram() {
        let mut schema = blog();
        schema.tables.remove("users");
        let d = Diagram::new(&schema);
        assert!(d.edges.iter().all(|e| e.to != "users"));
        assert_eq!(d.entities.len(), 5);
    }
}
