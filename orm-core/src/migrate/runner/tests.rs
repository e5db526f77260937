use super::*;
use chrono::DateTime;

fn row(version: i64, at_ms: i64) -> HistoryRow {
    HistoryRow {
        version,
        name: format!("m{version}"),
        checksum: String::new(),
        applied_at: DateTime::from_timestamp_millis(at_ms).unwrap(),
        execution_ms: 0,
        dirty: false,
        direction: "up".into(),
        steps_done: 0,
        error: None,
    }
}

#[test]
fn applied_order_follows_the_history_not_the_versions() {
    // Version 2 came from a merged branch, applied (out of order) after 3.
    let mut history = vec![row(1, 1_000), row(2, 3_000), row(3, 2_000)];
    assert_eq!(applied_order(&history), [1, 3, 2]);
    // Dirty rows are not applied; equal times fall back to the version.
    history.push(HistoryRow { dirty: true, ..row(4, 4_000) });
    history.push(row(5, 3_000));
    assert_eq!(applied_order(&history), [1, 3, 2, 5]);
}
