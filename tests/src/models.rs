//! Models the scenarios share.
#![allow(missing_docs)] // test fixtures: the field names say it all

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use orm_core::bson::oid::ObjectId;
use orm_core::{FromRow, Json, Model};
use rust_decimal::Decimal;
use uuid::Uuid;

/// The model.
#[derive(Model, Debug, Clone, PartialEq)]
#[orm(table = "users")]
pub struct User {
    #[orm(primary_key, auto_increment)]
    pub id: i64,
    #[orm(unique, length = 255)]
    pub email: String,
    #[orm(column = "display_name")]
    pub name: String,
    pub age: Option<i32>,
    #[orm(default = "true")]
    pub active: bool,
    #[orm(index)]
    pub created_at: DateTime<Utc>,
    #[orm(skip)]
    pub cache: Option<String>,
}

impl User {
    /// A user with the given email and name, 30 years old, created at a fixed instant (with
    /// millisecond precision, which every backend keeps).
    pub fn new(email: &str, name: &str) -> User {
        User {
            id: 0,
            email: email.into(),
            name: name.into(),
            age: Some(30),
            active: true,
            created_at: "2024-05-06T07:08:09.123Z".parse().unwrap(),
            cache: None,
        }
    }
}

/// Two of a user's columns.
#[derive(FromRow, Debug, Clone, PartialEq)]
pub struct UserName {
    pub email: String,
    #[orm(column = "display_name")]
    pub name: String,
}

/// Every supported field type, non-null.
#[derive(Model, Debug, Clone, PartialEq)]
pub struct Everything {
    #[orm(primary_key)]
    pub id: Uuid,
    pub flag: bool,
    pub small: i16,
    pub int: i32,
    pub big: i64,
    pub float: f32,
    pub double: f64,
    pub text: String,
    #[orm(type = "text")]
    pub long_text: String,
    pub blob: Vec<u8>,
    pub day: NaiveDate,
    pub clock: NaiveTime,
    pub local: NaiveDateTime,
    pub instant: DateTime<Utc>,
    pub price: Decimal,
    pub doc: serde_json::Value,
}

/// Every supported field type, nullable.
#[derive(Model, Debug, Clone, PartialEq, Default)]
pub struct Maybe {
    #[orm(primary_key, auto_increment)]
    pub id: i32,
    pub flag: Option<bool>,
    pub small: Option<i16>,
    pub int: Option<i32>,
    pub big: Option<i64>,
    pub float: Option<f32>,
    pub double: Option<f64>,
    pub text: Option<String>,
    pub blob: Option<Vec<u8>>,
    pub day: Option<NaiveDate>,
    pub clock: Option<NaiveTime>,
    pub local: Option<NaiveDateTime>,
    pub instant: Option<DateTime<Utc>>,
    pub uuid: Option<Uuid>,
    pub price: Option<Decimal>,
    pub doc: Option<serde_json::Value>,
}

/// A composite primary key with a struct-level unique and index.
#[derive(Model, Debug, Clone, PartialEq)]
#[orm(index(name = "post_tags_by_tag", columns = ["tag_id", "post_id"]))]
#[orm(unique(columns = ["post_id", "position"]))]
pub struct PostTag {
    #[orm(primary_key)]
    pub post_id: i64,
    #[orm(primary_key)]
    pub tag_id: i64,
    pub position: i32,
}

/// A row for bulk work.
#[derive(Model, Debug, Clone, PartialEq)]
pub struct Item {
    #[orm(primary_key, auto_increment)]
    pub id: i64,
    pub n: i64,
    #[orm(length = 40)]
    pub label: String,
    pub weight: f64,
}

/// A string key and a default.
#[derive(Model, Debug, Clone, PartialEq)]
pub struct Setting {
    #[orm(primary_key, length = 100)]
    pub key: String,
    pub value: Option<String>,
    #[orm(default = 0)]
    pub version: i32,
}

/// An address, embedded in a [`Customer`].
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Address {
    pub street: String,
    pub city: String,
    pub zip: Option<String>,
    pub geo: Vec<f64>,
}

/// ObjectId keys, an embedded struct and arrays: native on MongoDB, `json` and `char(24)` on SQL.
#[derive(Model, Debug, Clone, PartialEq)]
pub struct Customer {
    #[orm(primary_key)]
    pub id: ObjectId,
    pub name: String,
    pub address: Json<Address>,
    pub tags: Json<Vec<String>>,
    pub previous: Option<Json<Vec<Address>>>,
    pub referrer: Option<ObjectId>,
}

/// Keys generated client-side at insert (`auto`): an ObjectId key and a UUID column.
#[derive(Model, Debug, Clone, PartialEq)]
pub struct Ticket {
    #[orm(primary_key, auto)]
    pub id: ObjectId,
    #[orm(auto, unique)]
    pub token: uuid::Uuid,
    #[orm(length = 80)]
    pub title: String,
}
