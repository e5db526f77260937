//! Every supported type round-trips: extremes, Unicode, empty values, NULLs, large blobs, time zones.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime, TimeZone, Utc};
use orm_core::{BackendKind, Database, Model};
use orm_tests::backend_tests;
use orm_tests::models::{Everything, Maybe};
use rust_decimal::Decimal;
use std::str::FromStr;
use uuid::Uuid;

backend_tests!(
    extremes_round_trip,
    ordinary_values_round_trip,
    nulls_round_trip,
    bulk_insert_round_trips_every_type,
    filters_on_every_type,
    decimals_compare_and_sort_as_numbers,
    sub_millisecond_precision_follows_the_backend
);

fn base() -> Everything {
    Everything {
        id: Uuid::new_v4(),
        flag: true,
        small: 7,
        int: 42,
        big: 1 << 40,
        float: 1.5,
        double: std::f64::consts::PI,
        text: "plain".into(),
        long_text: "long".repeat(1000),
        blob: vec![0, 1, 2, 255],
        day: NaiveDate::from_ymd_opt(2024, 2, 29).unwrap(),
        clock: NaiveTime::from_hms_micro_opt(23, 59, 58, 123_456).unwrap(),
        local: NaiveDate::from_ymd_opt(1999, 12, 31).unwrap().and_hms_milli_opt(23, 59, 59, 999).unwrap(),
        instant: Utc.with_ymd_and_hms(2030, 1, 2, 3, 4, 5).unwrap() + chrono::Duration::milliseconds(678),
        price: Decimal::from_str("12345.678900").unwrap(),
        doc: serde_json::json!({"a": [1, 2, {"b": null}], "ü": "ß", "n": 1.25}),
    }
}

async fn round_trip(db: &Database, row: &Everything) {
    let stored = db.insert(row).await.unwrap();
    assert_eq!(&stored, row, "insert returns what was stored");
    let read = Everything::find_by_pk(row.id).get(db).await.unwrap();
    assert_eq!(&read, row, "read back");
}

async fn extremes_round_trip(db: Database) {
    db.create_table::<Everything>().await.unwrap();
    let max = Everything {
        id: Uuid::max(),
        flag: false,
        small: i16::MAX,
        int: i32::MAX,
        big: i64::MAX,
        float: f32::MAX,
        double: f64::MAX,
        text: "ünïcödé ✓ 日本語 🦀 \u{0} end".replace('\u{0}', ""),
        long_text: String::new(),
        blob: (0..=255u8).cycle().take(3 * 1024 * 1024).collect(),
        day: NaiveDate::from_ymd_opt(9999, 12, 31).unwrap(),
        clock: NaiveTime::from_hms_micro_opt(0, 0, 0, 0).unwrap(),
        local: NaiveDate::from_ymd_opt(1000, 1, 1).unwrap().and_hms_opt(0, 0, 0).unwrap(),
        instant: Utc.with_ymd_and_hms(2999, 12, 31, 23, 59, 59).unwrap(),
        price: Decimal::from_str("9999999999999999.999999999999").unwrap(),
        doc: serde_json::json!([]),
    };
    round_trip(&db, &max).await;
    let min = Everything {
        id: Uuid::nil(),
        small: i16::MIN,
        int: i32::MIN,
        big: i64::MIN,
        float: f32::MIN_POSITIVE,
        double: f64::MIN,
        text: String::new(),
        blob: Vec::new(),
        instant: Utc.with_ymd_and_hms(1970, 1, 1, 0, 0, 0).unwrap(),
        price: Decimal::from_str("-0.000000000000000001").unwrap(),
        doc: serde_json::json!({}),
        ..base()
    };
    round_trip(&db, &min).await;
    let tiny = Everything { id: Uuid::new_v4(), double: f64::MIN_POSITIVE, float: f32::MIN, ..base() };
    round_trip(&db, &tiny).await;
    let eps = Everything { id: Uuid::new_v4(), double: 1.0 + f64::EPSILON, float: -0.0, ..base() };
    round_trip(&db, &eps).await;
}

async fn ordinary_values_round_trip(db: Database) {
    db.create_table::<Everything>().await.unwrap();
    round_trip(&db, &base()).await;
    // A timestamp made in another time zone is the same instant in UTC.
    let tokyo: DateTime<FixedOffset> = "2024-06-01T09:00:00.250+09:00".parse().unwrap();
    let row = Everything { id: Uuid::new_v4(), instant: tokyo.with_timezone(&Utc), ..base() };
    round_trip(&db, &row).await;
    let read = Everything::find_by_pk(row.id).get(&db).await.unwrap();
    assert_eq!(read.instant.to_rfc3339(), "2024-06-01T00:00:00.250+00:00");
    // Strings that look like SQL stay data.
    let hostile = Everything { id: Uuid::new_v4(), text: "x'); DROP TABLE everythings; --".into(), ..base() };
    round_trip(&db, &hostile).await;
    assert_eq!(Everything::find().count(&db).await.unwrap(), 3);
}

async fn nulls_round_trip(db: Database) {
    db.create_table::<Maybe>().await.unwrap();
    let empty = db.insert(&Maybe::default()).await.unwrap();
    assert_eq!(empty, Maybe { id: empty.id, ..Maybe::default() });
    let full = Maybe {
        id: 0,
        flag: Some(false),
        small: Some(-1),
        int: Some(0),
        big: Some(-1),
        float: Some(0.25),
        double: Some(-2.5),
        text: Some(String::new()),
        blob: Some(vec![]),
        day: Some(NaiveDate::from_ymd_opt(2000, 1, 1).unwrap()),
        clock: Some(NaiveTime::from_hms_opt(12, 0, 0).unwrap()),
        local: Some(NaiveDate::from_ymd_opt(2000, 1, 1).unwrap().and_hms_opt(12, 0, 0).unwrap()),
        instant: Some(Utc.with_ymd_and_hms(2000, 1, 1, 12, 0, 0).unwrap()),
        uuid: Some(Uuid::new_v4()),
        price: Some(Decimal::new(-150, 2)),
        doc: Some(serde_json::json!(null)),
    };
    let stored = db.insert(&full).await.unwrap();
    // JSON `null` inside a non-NULL json column is stored as JSON; it reads back as `null`
    // (or as SQL NULL where the backend cannot tell them apart: see the README's table).
    let expect_doc = stored.doc.clone();
    assert!(matches!(expect_doc, Some(serde_json::Value::Null) | None));
    assert_eq!(Maybe { id: stored.id, doc: expect_doc, ..full.clone() }, stored);
    assert_eq!(Maybe::find().filter(Maybe::TEXT.is_null()).count(&db).await.unwrap(), 1);
    assert_eq!(Maybe::find().filter(Maybe::TEXT.eq("")).count(&db).await.unwrap(), 1);
    assert_eq!(Maybe::find().filter(Maybe::BLOB.is_not_null()).count(&db).await.unwrap(), 1);
}

/// `insert_many` takes its own path on some backends (arrays per column on PostgreSQL): every
/// type and NULL arrives as a single-row insert stores it.
async fn bulk_insert_round_trips_every_type(db: Database) {
    db.create_table::<Everything>().await.unwrap();
    let rows = vec![
        base(),
        Everything {
            id: Uuid::new_v4(),
            small: i16::MIN,
            big: i64::MAX,
            text: "ünïcödé ✓ 🦀 '); --".into(),
            blob: Vec::new(),
            price: Decimal::from_str("-0.000001").unwrap(),
            doc: serde_json::json!([1, "two", null]),
            ..base()
        },
    ];
    assert_eq!(db.insert_many(&rows).await.unwrap(), 2);
    for row in &rows {
        assert_eq!(&Everything::find_by_pk(row.id).get(&db).await.unwrap(), row);
    }
    db.create_table::<Maybe>().await.unwrap();
    let full = Maybe {
        id: 0,
        flag: Some(true),
        small: Some(-1),
        int: Some(0),
        big: Some(1 << 40),
        float: Some(0.25),
        double: Some(-2.5),
        text: Some("t".into()),
        blob: Some(vec![0, 255]),
        day: Some(NaiveDate::from_ymd_opt(2000, 1, 1).unwrap()),
        clock: Some(NaiveTime::from_hms_micro_opt(12, 0, 0, 500_000).unwrap()),
        local: Some(NaiveDate::from_ymd_opt(2000, 1, 1).unwrap().and_hms_opt(12, 0, 0).unwrap()),
        instant: Some(Utc.with_ymd_and_hms(2000, 1, 1, 12, 0, 0).unwrap()),
        uuid: Some(Uuid::new_v4()),
        price: Some(Decimal::new(-150, 2)),
        doc: Some(serde_json::json!({"k": 1})),
    };
    assert_eq!(db.insert_many(&[Maybe::default(), full.clone(), Maybe::default()]).await.unwrap(), 3);
    let mut read = Maybe::find().order_by_asc(Maybe::BIG).all(&db).await.unwrap();
    read.iter_mut().for_each(|m| m.id = 0);
    assert_eq!(read, [Maybe::default(), Maybe::default(), full]);
}

async fn filters_on_every_type(db: Database) {
    db.create_table::<Everything>().await.unwrap();
    let a = base();
    let b = Everything {
        id: Uuid::new_v4(),
        small: 8,
        big: 1 << 41,
        day: a.day.succ_opt().unwrap(),
        instant: a.instant + chrono::Duration::seconds(1),
        price: a.price + Decimal::ONE,
        ..base()
    };
    db.insert(&a).await.unwrap();
    db.insert(&b).await.unwrap();
    let found = Everything::find().filter(Everything::ID.eq(b.id)).all(&db).await.unwrap();
    assert_eq!(found, vec![b.clone()]);
    assert_eq!(Everything::find().filter(Everything::DAY.gt(a.day)).all(&db).await.unwrap(), vec![b.clone()]);
    assert_eq!(Everything::find().filter(Everything::INSTANT.lte(a.instant)).all(&db).await.unwrap(), vec![a.clone()]);
    assert_eq!(Everything::find().filter(Everything::SMALL.is_in([8i16])).all(&db).await.unwrap(), vec![b.clone()]);
    assert_eq!(Everything::find().filter(Everything::BIG.between(1i64 << 41, i64::MAX)).all(&db).await.unwrap(), vec![b.clone()]);
    assert_eq!(Everything::find().filter(Everything::PRICE.eq(a.price)).all(&db).await.unwrap(), vec![a.clone()]);
    assert_eq!(Everything::find().filter(Everything::BLOB.eq(vec![0u8, 1, 2, 255])).count(&db).await.unwrap(), 2);
    assert_eq!(Everything::find().filter(Everything::LOCAL.eq(a.local)).count(&db).await.unwrap(), 2);
    assert_eq!(Everything::find().filter(Everything::FLAG.eq(true)).count(&db).await.unwrap(), 2);
}

/// Decimals keep their exact digits and compare numerically everywhere (SQLite stores them as
/// text and compares them as REAL, so there comparisons are exact to about 15 digits).
async fn decimals_compare_and_sort_as_numbers(db: Database) {
    db.create_table::<Everything>().await.unwrap();
    let prices = ["10.50", "9.5", "-2", "100", "9.50001"];
    for p in prices {
        db.insert(&Everything { id: Uuid::new_v4(), price: Decimal::from_str(p).unwrap(), ..base() }).await.unwrap();
    }
    let sorted: Vec<(Decimal,)> = Everything::find().select((Everything::PRICE,)).order_by_asc(Everything::PRICE).all(&db).await.unwrap();
    let sorted: Vec<String> = sorted.into_iter().map(|(d,)| d.normalize().to_string()).collect();
    assert_eq!(sorted, ["-2", "9.5", "9.50001", "10.5", "100"]);
    let over = Everything::find().filter(Everything::PRICE.gt(Decimal::from_str("9.5").unwrap())).count(&db).await.unwrap();
    assert_eq!(over, 3);
    let exact = Everything::find().filter(Everything::PRICE.eq(Decimal::from_str("10.5").unwrap())).count(&db).await.unwrap();
    assert_eq!(exact, 1, "10.5 equals the stored 10.50");
    let between = Everything::find()
        .filter(Everything::PRICE.between(Decimal::from_str("9").unwrap(), Decimal::from_str("11").unwrap()))
        .count(&db)
        .await
        .unwrap();
    assert_eq!(between, 3);
    let read: Vec<(Decimal,)> = Everything::find()
        .select((Everything::PRICE,))
        .filter(Everything::PRICE.is_in([Decimal::from_str("9.50001").unwrap()]))
        .all(&db)
        .await
        .unwrap();
    assert_eq!(read[0].0.to_string().trim_end_matches('0'), "9.50001", "digits are kept exactly");
}

/// Pins a documented backend difference: SQL backends keep microseconds; MongoDB's dates keep
/// milliseconds (BSON dates count milliseconds), so finer digits are truncated there.
async fn sub_millisecond_precision_follows_the_backend(db: Database) {
    db.create_table::<Everything>().await.unwrap();
    let micros = Utc.with_ymd_and_hms(2030, 1, 2, 3, 4, 5).unwrap() + chrono::Duration::microseconds(678_901);
    let row = Everything { id: Uuid::new_v4(), instant: micros, local: micros.naive_utc(), ..base() };
    let stored = db.insert(&row).await.unwrap();
    let read = Everything::find_by_pk(row.id).get(&db).await.unwrap();
    assert_eq!(stored, read, "insert returns what a read returns");
    let millis = Utc.with_ymd_and_hms(2030, 1, 2, 3, 4, 5).unwrap() + chrono::Duration::milliseconds(678);
    match db.backend() {
        BackendKind::MongoDb => {
            assert_eq!(read.instant, millis);
            assert_eq!(read.local, millis.naive_utc());
        }
        _ => {
            assert_eq!(read.instant, micros);
            assert_eq!(read.local, micros.naive_utc());
        }
    }
    assert_eq!(read.clock, row.clock, "times of day keep microseconds everywhere");
}
