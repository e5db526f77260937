//! The compact binary form of cached rows: each [`Value`] as a tag byte and its payload, and
//! [`ValueRow`], which reads decoded values back through the same [`FieldType`]s as a database row.

use crate::error::BoxError;
use crate::field::{sealed::Sealed, RawRow};
use crate::schema::ColumnType;
use crate::value::Value;
use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, Timelike, Utc};
use rust_decimal::Decimal;
use uuid::Uuid;

const NULL: u8 = 0x80;

fn tag(v: &Value) -> u8 {
    match v {
        Value::Bool(_) => 1,
        Value::I16(_) => 2,
        Value::I32(_) => 3,
        Value::I64(_) => 4,
        Value::F32(_) => 5,
        Value::F64(_) => 6,
        Value::String(_) => 7,
        Value::Bytes(_) => 8,
        Value::Date(_) => 9,
        Value::Time(_) => 10,
        Value::DateTime(_) => 11,
        Value::Timestamp(_) => 12,
        Value::Uuid(_) => 13,
        Value::Decimal(_) => 14,
        Value::Json(_) => 15,
        Value::ObjectId(_) => 16,
    }
}

fn put_bytes(out: &mut Vec<u8>, b: &[u8]) {
    out.extend_from_slice(&(b.len() as u32).to_le_bytes());
    out.extend_from_slice(b);
}

/// Appends `v` to `out`.
pub(crate) fn encode(v: &Value, out: &mut Vec<u8>) {
    let t = tag(v);
    if v.is_null() {
        out.push(t | NULL);
        return;
    }
    out.push(t);
    match v {
        Value::Bool(Some(b)) => out.push(u8::from(*b)),
        Value::I16(Some(n)) => out.extend_from_slice(&n.to_le_bytes()),
        Value::I32(Some(n)) => out.extend_from_slice(&n.to_le_bytes()),
        Value::I64(Some(n)) => out.extend_from_slice(&n.to_le_bytes()),
        Value::F32(Some(n)) => out.extend_from_slice(&n.to_le_bytes()),
        Value::F64(Some(n)) => out.extend_from_slice(&n.to_le_bytes()),
        Value::String(Some(s)) | Value::ObjectId(Some(s)) => put_bytes(out, s.as_bytes()),
        Value::Bytes(Some(b)) => put_bytes(out, b),
        Value::Date(Some(d)) => out.extend_from_slice(&d.num_days_from_ce().to_le_bytes()),
        Value::Time(Some(t)) => {
            let nanos = u64::from(t.num_seconds_from_midnight()) * 1_000_000_000 + u64::from(t.nanosecond());
            out.extend_from_slice(&nanos.to_le_bytes())
        }
        Value::DateTime(Some(t)) => put_instant(out, t.and_utc()),
        Value::Timestamp(Some(t)) => put_instant(out, *t),
        Value::Uuid(Some(u)) => out.extend_from_slice(u.as_bytes()),
        Value::Decimal(Some(d)) => out.extend_from_slice(&d.serialize()),
        Value::Json(Some(j)) => put_bytes(out, &serde_json::to_vec(j).unwrap_or_default()),
        _ => unreachable!("NULLs are written above"),
    }
}

fn put_instant(out: &mut Vec<u8>, t: DateTime<Utc>) {
    out.extend_from_slice(&t.timestamp().to_le_bytes());
    out.extend_from_slice(&t.timestamp_subsec_nanos().to_le_bytes());
}

/// Reads values back from the bytes [`encode`] wrote.
pub(crate) struct Reader<'a> {
    bytes: &'a [u8],
}

type Decoded<T> = Result<T, BoxError>;

impl<'a> Reader<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Reader<'a> {
        Reader { bytes }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    pub(crate) fn take<const N: usize>(&mut self) -> Decoded<[u8; N]> {
        if self.bytes.len() < N {
            return Err("a cached entry ends early".into());
        }
        let (head, rest) = self.bytes.split_at(N);
        self.bytes = rest;
        Ok(head.try_into().expect("N bytes"))
    }

    fn take_slice(&mut self) -> Decoded<&'a [u8]> {
        let n = u32::from_le_bytes(self.take::<4>()?) as usize;
        if self.bytes.len() < n {
            return Err("a cached entry ends early".into());
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(head)
    }

    fn instant(&mut self) -> Decoded<DateTime<Utc>> {
        let secs = i64::from_le_bytes(self.take()?);
        let nanos = u32::from_le_bytes(self.take()?);
        DateTime::from_timestamp(secs, nanos).ok_or_else(|| "a cached instant is out of range".into())
    }

    /// The next value.
    pub(crate) fn value(&mut self) -> Decoded<Value> {
        let [t] = self.take::<1>()?;
        let null = t & NULL != 0;
        macro_rules! v {
            ($variant:ident, $read:expr) => {
                Value::$variant(if null { None } else { Some($read) })
            };
        }
        Ok(match t & !NULL {
            1 => v!(Bool, self.take::<1>()?[0] != 0),
            2 => v!(I16, i16::from_le_bytes(self.take()?)),
            3 => v!(I32, i32::from_le_bytes(self.take()?)),
            4 => v!(I64, i64::from_le_bytes(self.take()?)),
            5 => v!(F32, f32::from_le_bytes(self.take()?)),
            6 => v!(F64, f64::from_le_bytes(self.take()?)),
            7 => v!(String, String::from_utf8(self.take_slice()?.to_vec())?),
            8 => v!(Bytes, self.take_slice()?.to_vec()),
            9 => v!(Date, NaiveDate::from_num_days_from_ce_opt(i32::from_le_bytes(self.take()?)).ok_or("a cached date is out of range")?),
            10 => v!(Time, {
                let nanos = u64::from_le_bytes(self.take()?);
                NaiveTime::from_num_seconds_from_midnight_opt((nanos / 1_000_000_000) as u32, (nanos % 1_000_000_000) as u32)
                    .ok_or("a cached time is out of range")?
            }),
            11 => v!(DateTime, self.instant()?.naive_utc()),
            12 => v!(Timestamp, self.instant()?),
            13 => v!(Uuid, Uuid::from_bytes(self.take()?)),
            14 => v!(Decimal, Decimal::deserialize(self.take()?)),
            15 => v!(Json, serde_json::from_slice(self.take_slice()?)?),
            16 => v!(ObjectId, String::from_utf8(self.take_slice()?.to_vec())?),
            other => return Err(format!("a cached value has an unknown tag {other}").into()),
        })
    }
}

/// A cached row: its values, read by the field types as a database row is.
pub(crate) struct ValueRow<'a>(pub(crate) &'a [Value]);

impl Sealed for ValueRow<'_> {}

impl RawRow for ValueRow<'_> {
    crate::field::getters_via_value!();

    fn get_value(&self, idx: usize, _ty: ColumnType) -> Result<Value, BoxError> {
        self.0.get(idx).cloned().ok_or_else(|| "column index out of range".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_round_trips() {
        let values = vec![
            Value::Bool(Some(true)),
            Value::I16(Some(-3)),
            Value::I32(None),
            Value::I64(Some(i64::MIN)),
            Value::F32(Some(1.5)),
            Value::F64(Some(-0.25)),
            Value::String(Some("héllo\0".into())),
            Value::Bytes(Some(vec![0, 255])),
            Value::Date(NaiveDate::from_ymd_opt(1969, 12, 31)),
            Value::Time(NaiveTime::from_hms_nano_opt(23, 59, 59, 999_999_999)),
            Value::DateTime(NaiveDate::from_ymd_opt(2026, 2, 3).and_then(|d| d.and_hms_micro_opt(4, 5, 6, 7))),
            Value::Timestamp(DateTime::from_timestamp(-1, 5)),
            Value::Uuid(Some(Uuid::from_u128(42))),
            Value::Decimal(Some(Decimal::new(-12345, 3))),
            Value::Json(Some(serde_json::json!({"a": [1, null, "x"]}))),
            Value::ObjectId(Some("65a1b2c3d4e5f60718293a4b".into())),
            Value::Json(None),
        ];
        let mut bytes = Vec::new();
        for v in &values {
            encode(v, &mut bytes);
        }
        let mut r = Reader::new(&bytes);
        let back: Vec<Value> = (0..values.len()).map(|_| r.value().unwrap()).collect();
        assert!(r.is_empty());
        assert_eq!(back, values);
        // Cut anywhere, the encoding reads as an error (never a panic, never the values).
        for cut in 0..bytes.len() {
            let mut r = Reader::new(&bytes[..cut]);
            let read: Result<Vec<Value>, _> = (0..values.len()).map(|_| r.value()).collect();
            assert!(read.is_err(), "{cut} of {} bytes read as values", bytes.len());
        }
    }
}
