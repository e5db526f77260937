//! Tables, columns, indexes and foreign keys.

use crate::types::{ColumnType, DefaultValue};

/// A table (SQL) or collection (MongoDB).
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// The table's name.
    pub name: String,
    /// Columns, in declaration order.
    pub columns: Vec<Column>,
    /// Names of the primary key columns, in key order (more than one for a composite key).
    pub primary_key: Vec<String>,
    /// Secondary indexes, unique or not (single-column `unique` lives on the [`Column`]).
    pub indexes: Vec<Index>,
    /// Foreign keys to other tables.
    pub foreign_keys: Vec<ForeignKey>,
}

impl Table {
    /// Adds the foreign key a `belongs_to` relation declares: `column` referencing
    /// `references_table`'s `references_columns`, named `<table>_<column>_fkey`, unless a foreign
    /// key on that column alone is declared already. The derive and `orm migrate generate`'s
    /// source scanner both call this, so they cannot disagree.
    ///
    /// ```
    /// use orm_schema::{ReferentialAction, Table};
    /// let mut posts = Table::new("posts");
    /// posts.add_belongs_to("user_id", "users", vec!["id".into()], ReferentialAction::Cascade, ReferentialAction::NoAction);
    /// posts.add_belongs_to("user_id", "users", vec!["id".into()], ReferentialAction::Restrict, ReferentialAction::NoAction);
    /// assert_eq!(posts.foreign_keys.len(), 1);
    /// assert_eq!(posts.foreign_keys[0].name, "posts_user_id_fkey");
    /// ```
    pub fn add_belongs_to(
        &mut self,
        column: &str,
        references_table: impl Into<String>,
        references_columns: Vec<String>,
        on_delete: ReferentialAction,
        on_update: ReferentialAction,
    ) {
        if self.foreign_keys.iter().any(|f| f.columns.len() == 1 && f.columns[0] == column) {
            return;
        }
        self.foreign_keys.push(ForeignKey {
            name: format!("{}_{column}_fkey", self.name),
            columns: vec![column.to_string()],
            references_table: references_table.into(),
            references_columns,
            on_delete,
            on_update,
        });
    }

    /// An empty table named `name`.
    pub fn new(name: impl Into<String>) -> Table {
        Table {
            name: name.into(),
            columns: Vec::new(),
            primary_key: Vec::new(),
            indexes: Vec::new(),
            foreign_keys: Vec::new(),
        }
    }

    /// Adds a column.
    pub fn column(mut self, column: Column) -> Table {
        self.columns.push(column);
        self
    }

    /// Sets the primary key columns.
    pub fn primary_key<I, S>(mut self, columns: I) -> Table
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.primary_key = columns.into_iter().map(Into::into).collect();
        self
    }

    /// Adds an index.
    pub fn index(mut self, index: Index) -> Table {
        self.indexes.push(index);
        self
    }

    /// Adds a foreign key.
    pub fn foreign_key(mut self, fk: ForeignKey) -> Table {
        self.foreign_keys.push(fk);
        self
    }

    /// The column named `name`, if any.
    pub fn column_named(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// Whether `columns`, together, hold distinct values: they are the primary key, a unique
    /// column, or a unique index on exactly them.
    ///
    /// ```
    /// use orm_schema::{Column, ColumnType, Table};
    /// let t = Table::new("profiles")
    ///     .column(Column::new("id", ColumnType::I64))
    ///     .column(Column::new("user_id", ColumnType::I64).unique())
    ///     .column(Column::new("bio", ColumnType::Text))
    ///     .primary_key(["id"]);
    /// assert!(t.is_unique(&["user_id".to_string()]) && t.is_unique(&["id".to_string()]));
    /// assert!(!t.is_unique(&["bio".to_string()]));
    /// ```
    pub fn is_unique(&self, columns: &[String]) -> bool {
        self.primary_key == columns
            || (columns.len() == 1 && self.column_named(&columns[0]).is_some_and(|c| c.unique))
            || self.indexes.iter().any(|ix| ix.unique && ix.columns == columns)
    }

    /// Whether `name` is one of the primary key columns.
    pub fn is_primary_key(&self, name: &str) -> bool {
        self.primary_key.iter().any(|c| c == name)
    }

    /// The auto-increment column, if the table has one.
    pub fn auto_increment_column(&self) -> Option<&Column> {
        self.columns.iter().find(|c| c.auto_increment)
    }
}

/// One column of a [`Table`].
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// The column's name in the database.
    pub name: String,
    /// Its neutral type.
    pub ty: ColumnType,
    /// Whether it accepts NULL.
    pub nullable: bool,
    /// Whether the database generates its value (integer keys only).
    pub auto_increment: bool,
    /// Whether the toolkit generates its value at insert, client-side (ObjectId and UUID columns).
    pub generated: bool,
    /// Whether it carries a single-column unique constraint.
    pub unique: bool,
    /// The database-side default.
    pub default: Option<DefaultValue>,
    /// A remark for people, such as why an introspected type became `text`; not part of the schema
    /// proper (diffs ignore it).
    pub comment: Option<String>,
    /// For a `json` column sampled from MongoDB documents that all hold an embedded document there:
    /// that document's fields (code generation makes them a nested struct). Empty otherwise.
    pub fields: Vec<Column>,
    /// Validation rules declared on the model (`#[orm(validate(...))]`): checked before every
    /// insert and update, and written into MongoDB's `$jsonSchema` validator.
    pub checks: Vec<Check>,
}

/// A validation rule of a column.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Check {
    /// At least this many characters.
    MinLength(u32),
    /// At most this many characters.
    MaxLength(u32),
    /// At least this value.
    Min(f64),
    /// At most this value.
    Max(f64),
    /// Matches this regular expression.
    Pattern(String),
    /// Looks like an email address (`local@domain.tld`).
    Email,
}

impl Column {
    /// A non-null column without default.
    pub fn new(name: impl Into<String>, ty: ColumnType) -> Column {
        Column {
            name: name.into(),
            ty,
            nullable: false,
            auto_increment: false,
            generated: false,
            unique: false,
            default: None,
            comment: None,
            fields: Vec::new(),
            checks: Vec::new(),
        }
    }

    /// Makes the column nullable.
    pub fn nullable(mut self) -> Column {
        self.nullable = true;
        self
    }

    /// Makes the column auto-incrementing.
    pub fn auto_increment(mut self) -> Column {
        self.auto_increment = true;
        self
    }

    /// Makes the toolkit generate the column's value at insert (ObjectId or UUID v4).
    pub fn generated(mut self) -> Column {
        self.generated = true;
        self
    }

    /// Gives the column a unique constraint.
    pub fn unique(mut self) -> Column {
        self.unique = true;
        self
    }

    /// Sets the column's default.
    pub fn default(mut self, default: DefaultValue) -> Column {
        self.default = Some(default);
        self
    }
}

/// A secondary index over one or more columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Index {
    /// The index's name (unique within the database on PostgreSQL and SQLite).
    pub name: String,
    /// Indexed columns, in order.
    pub columns: Vec<String>,
    /// Whether the index enforces uniqueness.
    pub unique: bool,
}

impl Index {
    /// A non-unique index.
    pub fn new<I, S>(name: impl Into<String>, columns: I) -> Index
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Index { name: name.into(), columns: columns.into_iter().map(Into::into).collect(), unique: false }
    }

    /// Makes the index unique.
    pub fn unique(mut self) -> Index {
        self.unique = true;
        self
    }

    /// The conventional name of an index on `columns` of `table`: `{table}_{columns}_idx`, or
    /// `_key` for a unique one.
    ///
    /// ```
    /// assert_eq!(orm_schema::Index::default_name("users", &["email"], true), "users_email_key");
    /// ```
    pub fn default_name<S: AsRef<str>>(table: &str, columns: &[S], unique: bool) -> String {
        let cols: Vec<&str> = columns.iter().map(AsRef::as_ref).collect();
        format!("{table}_{}_{}", cols.join("_"), if unique { "key" } else { "idx" })
    }
}

/// What a foreign key does when the referenced row is deleted or its key updated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ReferentialAction {
    /// Refuse the change (checked at the end of the statement).
    #[default]
    NoAction,
    /// Refuse the change immediately.
    Restrict,
    /// Apply the change to the referencing rows too.
    Cascade,
    /// Set the referencing columns to NULL.
    SetNull,
    /// Set the referencing columns to their defaults.
    SetDefault,
}

impl ReferentialAction {
    /// The name migration files and model attributes use: `no_action`, `restrict`, `cascade`,
    /// `set_null`, `set_default`.
    pub fn as_str(self) -> &'static str {
        match self {
            ReferentialAction::NoAction => "no_action",
            ReferentialAction::Restrict => "restrict",
            ReferentialAction::Cascade => "cascade",
            ReferentialAction::SetNull => "set_null",
            ReferentialAction::SetDefault => "set_default",
        }
    }

    /// The action a name from [`as_str`](ReferentialAction::as_str) stands for.
    ///
    /// ```
    /// use orm_schema::ReferentialAction;
    /// assert_eq!(ReferentialAction::from_name("set_null"), Some(ReferentialAction::SetNull));
    /// assert_eq!(ReferentialAction::from_name(ReferentialAction::Cascade.as_str()), Some(ReferentialAction::Cascade));
    /// ```
    pub fn from_name(name: &str) -> Option<ReferentialAction> {
        [
            ReferentialAction::NoAction,
            ReferentialAction::Restrict,
            ReferentialAction::Cascade,
            ReferentialAction::SetNull,
            ReferentialAction::SetDefault,
        ]
        .into_iter()
        .find(|a| a.as_str() == name)
    }
}

/// A foreign key from columns of one table to columns of another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForeignKey {
    /// The constraint's name.
    pub name: String,
    /// Referencing columns.
    pub columns: Vec<String>,
    /// The referenced table.
    pub references_table: String,
    /// The referenced columns.
    pub references_columns: Vec<String>,
    /// Action on delete of the referenced row.
    pub on_delete: ReferentialAction,
    /// Action on update of the referenced key.
    pub on_update: ReferentialAction,
}
