//! Neutral column types and default values.

use std::fmt;

/// A column's type, independent of any database.
///
/// The names (see [`ColumnType::name`]) are the ones migration files and the `type = "..."` attribute
/// use: `bool i16 i32 i64 f32 f64 decimal string text bytes date time datetime timestamp uuid json
/// object_id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ColumnType {
    /// A boolean.
    Bool,
    /// A 16-bit signed integer.
    I16,
    /// A 32-bit signed integer.
    I32,
    /// A 64-bit signed integer.
    I64,
    /// A 32-bit float.
    F32,
    /// A 64-bit float.
    F64,
    /// An exact decimal number, optionally with precision and scale.
    Decimal {
        /// Total number of digits.
        precision: Option<u32>,
        /// Digits after the decimal point.
        scale: Option<u32>,
    },
    /// A string, optionally bounded in length (characters).
    String {
        /// Maximum length in characters; `None` is the backend's default bounded string.
        length: Option<u32>,
    },
    /// Unbounded text.
    Text,
    /// Binary data.
    Bytes,
    /// A calendar date.
    Date,
    /// A time of day.
    Time,
    /// A date and time without a time zone.
    DateTime,
    /// An instant in time (stored as UTC).
    Timestamp,
    /// A UUID.
    Uuid,
    /// A JSON value.
    Json,
    /// A MongoDB ObjectId (a 24-character hex string on SQL backends).
    ObjectId,
}

impl ColumnType {
    /// Every neutral type name, in the documented order.
    pub const NAMES: &'static [&'static str] = &[
        "bool", "i16", "i32", "i64", "f32", "f64", "decimal", "string", "text", "bytes", "date", "time",
        "datetime", "timestamp", "uuid", "json", "object_id",
    ];

    /// The neutral name of this type.
    ///
    /// ```
    /// use orm_schema::ColumnType;
    /// assert_eq!(ColumnType::Timestamp.name(), "timestamp");
    /// ```
    pub fn name(&self) -> &'static str {
        match self {
            ColumnType::Bool => "bool",
            ColumnType::I16 => "i16",
            ColumnType::I32 => "i32",
            ColumnType::I64 => "i64",
            ColumnType::F32 => "f32",
            ColumnType::F64 => "f64",
            ColumnType::Decimal { .. } => "decimal",
            ColumnType::String { .. } => "string",
            ColumnType::Text => "text",
            ColumnType::Bytes => "bytes",
            ColumnType::Date => "date",
            ColumnType::Time => "time",
            ColumnType::DateTime => "datetime",
            ColumnType::Timestamp => "timestamp",
            ColumnType::Uuid => "uuid",
            ColumnType::Json => "json",
            ColumnType::ObjectId => "object_id",
        }
    }

    /// Builds a type from its neutral name and the optional size parameters.
    ///
    /// Size parameters that do not apply to the type are an error, so a typo never goes unnoticed.
    ///
    /// ```
    /// use orm_schema::ColumnType;
    /// assert_eq!(
    ///     ColumnType::from_name("string", Some(80), None, None),
    ///     Ok(ColumnType::String { length: Some(80) })
    /// );
    /// assert!(ColumnType::from_name("i32", Some(80), None, None).is_err());
    /// assert!(ColumnType::from_name("varchar", None, None, None).is_err());
    /// ```
    pub fn from_name(
        name: &str,
        length: Option<u32>,
        precision: Option<u32>,
        scale: Option<u32>,
    ) -> Result<ColumnType, String> {
        let ty = match name {
            "bool" => ColumnType::Bool,
            "i16" => ColumnType::I16,
            "i32" => ColumnType::I32,
            "i64" => ColumnType::I64,
            "f32" => ColumnType::F32,
            "f64" => ColumnType::F64,
            "decimal" => ColumnType::Decimal { precision, scale },
            "string" => ColumnType::String { length },
            "text" => ColumnType::Text,
            "bytes" => ColumnType::Bytes,
            "date" => ColumnType::Date,
            "time" => ColumnType::Time,
            "datetime" => ColumnType::DateTime,
            "timestamp" => ColumnType::Timestamp,
            "uuid" => ColumnType::Uuid,
            "json" => ColumnType::Json,
            "object_id" => ColumnType::ObjectId,
            other => {
                return Err(format!(
                    "unknown column type `{other}`; expected one of: {}",
                    Self::NAMES.join(", ")
                ));
            }
        };
        if length.is_some() && !matches!(ty, ColumnType::String { .. }) {
            return Err(format!("`length` applies to `string` columns only, not `{name}`"));
        }
        if (precision.is_some() || scale.is_some()) && !matches!(ty, ColumnType::Decimal { .. }) {
            return Err(format!("`precision` and `scale` apply to `decimal` columns only, not `{name}`"));
        }
        if let (Some(p), Some(s)) = (precision, scale)
            && s > p
        {
            return Err(format!("decimal scale {s} is larger than its precision {p}"));
        }
        Ok(ty)
    }

    /// Whether the type is an integer type (the only kind that can auto-increment).
    pub fn is_integer(&self) -> bool {
        matches!(self, ColumnType::I16 | ColumnType::I32 | ColumnType::I64)
    }
}

impl fmt::Display for ColumnType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ColumnType::String { length: Some(n) } => write!(f, "string({n})"),
            ColumnType::Decimal { precision: Some(p), scale: Some(s) } => write!(f, "decimal({p}, {s})"),
            ColumnType::Decimal { precision: Some(p), scale: None } => write!(f, "decimal({p})"),
            other => f.write_str(other.name()),
        }
    }
}

impl std::str::FromStr for ColumnType {
    type Err = String;

    /// Parses the [`Display`](fmt::Display) form: a neutral name, with `(length)` for strings and
    /// `(precision[, scale])` for decimals.
    ///
    /// ```
    /// use orm_schema::ColumnType;
    /// assert_eq!("string(80)".parse(), Ok(ColumnType::String { length: Some(80) }));
    /// assert_eq!("decimal(10, 2)".parse(), Ok(ColumnType::Decimal { precision: Some(10), scale: Some(2) }));
    /// assert_eq!("uuid".parse(), Ok(ColumnType::Uuid));
    /// ```
    fn from_str(s: &str) -> Result<ColumnType, String> {
        let (name, args) = match s.split_once('(') {
            Some((n, rest)) => (n.trim(), rest.trim_end_matches(')')),
            None => (s.trim(), ""),
        };
        let nums: Vec<u32> = args
            .split(',')
            .filter(|a| !a.trim().is_empty())
            .map(|a| a.trim().parse::<u32>().map_err(|_| format!("bad size in `{s}`")))
            .collect::<Result<_, _>>()?;
        match (name, nums.as_slice()) {
            ("string", [n]) => ColumnType::from_name(name, Some(*n), None, None),
            ("decimal", [p]) => ColumnType::from_name(name, None, Some(*p), None),
            ("decimal", [p, sc]) => ColumnType::from_name(name, None, Some(*p), Some(*sc)),
            (_, []) => ColumnType::from_name(name, None, None, None),
            _ => Err(format!("unexpected sizes in `{s}`")),
        }
    }
}

/// A column's default value, as the database applies it when an insert leaves the column out.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum DefaultValue {
    /// A boolean literal.
    Bool(bool),
    /// An integer literal.
    Int(i64),
    /// A floating point literal.
    Float(f64),
    /// A string literal (also used for decimals, dates, uuids and JSON text).
    String(String),
    /// The current timestamp at insert time.
    CurrentTimestamp,
}

impl DefaultValue {
    /// Interprets the text of a `default = "..."` for a column of type `ty`.
    ///
    /// ```
    /// use orm_schema::{ColumnType, DefaultValue};
    /// assert_eq!(DefaultValue::parse_for(&ColumnType::Bool, "true"), Ok(DefaultValue::Bool(true)));
    /// assert_eq!(DefaultValue::parse_for(&ColumnType::I32, "-4"), Ok(DefaultValue::Int(-4)));
    /// assert!(DefaultValue::parse_for(&ColumnType::I32, "four").is_err());
    /// assert_eq!(DefaultValue::parse_for(&ColumnType::Timestamp, "now"), Ok(DefaultValue::CurrentTimestamp));
    /// ```
    pub fn parse_for(ty: &ColumnType, text: &str) -> Result<DefaultValue, String> {
        let bad = |what: &str| format!("default `{text}` is not {what} (the column is `{}`)", ty.name());
        match ty {
            ColumnType::Bool => match text {
                "true" => Ok(DefaultValue::Bool(true)),
                "false" => Ok(DefaultValue::Bool(false)),
                _ => Err(bad("`true` or `false`")),
            },
            ColumnType::I16 | ColumnType::I32 | ColumnType::I64 => {
                let v: i64 = text.trim().parse().map_err(|_| bad("an integer"))?;
                let fits = match ty {
                    ColumnType::I16 => i16::try_from(v).is_ok(),
                    ColumnType::I32 => i32::try_from(v).is_ok(),
                    _ => true,
                };
                if fits { Ok(DefaultValue::Int(v)) } else { Err(bad("in the column type's range")) }
            }
            ColumnType::F32 | ColumnType::F64 => {
                let v: f64 = text.trim().parse().map_err(|_| bad("a number"))?;
                if v.is_finite() { Ok(DefaultValue::Float(v)) } else { Err(bad("a finite number")) }
            }
            ColumnType::Decimal { .. } => {
                let t = text.trim();
                let digits = t.strip_prefix('-').unwrap_or(t);
                let ok = !digits.is_empty()
                    && digits.chars().all(|c| c.is_ascii_digit() || c == '.')
                    && digits.matches('.').count() <= 1;
                if ok { Ok(DefaultValue::String(t.to_string())) } else { Err(bad("a decimal number")) }
            }
            ColumnType::Timestamp | ColumnType::DateTime
                if matches!(text.to_ascii_lowercase().as_str(), "now" | "now()" | "current_timestamp") =>
            {
                Ok(DefaultValue::CurrentTimestamp)
            }
            ColumnType::Bytes => Err("`bytes` columns take no default".to_string()),
            _ => Ok(DefaultValue::String(text.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_round_trips() {
        for name in ColumnType::NAMES {
            let ty = ColumnType::from_name(name, None, None, None).unwrap();
            assert_eq!(ty.name(), *name);
        }
    }

    #[test]
    fn size_checks() {
        assert!(ColumnType::from_name("decimal", None, Some(4), Some(6)).is_err());
        assert!(ColumnType::from_name("text", None, Some(4), None).is_err());
        assert_eq!(
            ColumnType::from_name("decimal", None, Some(10), Some(2)).unwrap().to_string(),
            "decimal(10, 2)"
        );
    }

    #[test]
    fn defaults() {
        assert!(DefaultValue::parse_for(&ColumnType::I16, "70000").is_err());
        assert!(DefaultValue::parse_for(&ColumnType::Bool, "yes").is_err());
        assert_eq!(
            DefaultValue::parse_for(&ColumnType::Decimal { precision: None, scale: None }, "1.50"),
            Ok(DefaultValue::String("1.50".into()))
        );
        assert!(DefaultValue::parse_for(&ColumnType::Decimal { precision: None, scale: None }, "1.5.0").is_err());
        assert_eq!(
            DefaultValue::parse_for(&ColumnType::Text, "hi"),
            Ok(DefaultValue::String("hi".into()))
        );
    }
}
