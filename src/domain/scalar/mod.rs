//! The Edm primitive types: their names and clauses, how a JSON value is read as one (CONTRACT
//! C3), how a value is written back as the reference service writes it, and when two values are
//! the same (C4.4).
//!
//! Each family's grammar lives in its own file; this file only dispatches on the type.

pub(crate) mod binary;
pub(crate) mod float;
pub(crate) mod guid;
pub(crate) mod integer;
pub mod temporal;

use serde_json::Value;

use crate::contract::{C3_10, C3_11, C3_4, C3_5, C3_8, C3_9};
use crate::domain::datetime::DateTimeOffset;
use temporal::{Date, Duration, TimeOfDay};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Primitive {
    Boolean,
    Byte,
    SByte,
    Int16,
    Int32,
    Int64,
    Single,
    Double,
    DateTimeOffset,
    Date,
    TimeOfDay,
    Duration,
    Guid,
    Binary,
    String,
}

impl Primitive {
    pub const ALL: [Primitive; 15] = [
        Primitive::Boolean,
        Primitive::Byte,
        Primitive::SByte,
        Primitive::Int16,
        Primitive::Int32,
        Primitive::Int64,
        Primitive::Single,
        Primitive::Double,
        Primitive::DateTimeOffset,
        Primitive::Date,
        Primitive::TimeOfDay,
        Primitive::Duration,
        Primitive::Guid,
        Primitive::Binary,
        Primitive::String,
    ];

    /// "Edm.Int32" -> Int32. Exactly the OData names with the "Edm." prefix, case-sensitive.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.name() == name)
    }

    /// "Edm.Int32".
    pub fn name(self) -> &'static str {
        match self {
            Primitive::Boolean => "Edm.Boolean",
            Primitive::Byte => "Edm.Byte",
            Primitive::SByte => "Edm.SByte",
            Primitive::Int16 => "Edm.Int16",
            Primitive::Int32 => "Edm.Int32",
            Primitive::Int64 => "Edm.Int64",
            Primitive::Single => "Edm.Single",
            Primitive::Double => "Edm.Double",
            Primitive::DateTimeOffset => "Edm.DateTimeOffset",
            Primitive::Date => "Edm.Date",
            Primitive::TimeOfDay => "Edm.TimeOfDay",
            Primitive::Duration => "Edm.Duration",
            Primitive::Guid => "Edm.Guid",
            Primitive::Binary => "Edm.Binary",
            Primitive::String => "Edm.String",
        }
    }

    /// A short lower-case word for case and trial names ("datetimeoffset" is kept as existing
    /// case names already spell it).
    pub fn word(self) -> &'static str {
        match self {
            Primitive::Boolean => "boolean",
            Primitive::Byte => "byte",
            Primitive::SByte => "sbyte",
            Primitive::Int16 => "int16",
            Primitive::Int32 => "int32",
            Primitive::Int64 => "int64",
            Primitive::Single => "single",
            Primitive::Double => "double",
            Primitive::DateTimeOffset => "datetimeoffset",
            Primitive::Date => "date",
            Primitive::TimeOfDay => "timeofday",
            Primitive::Duration => "duration",
            Primitive::Guid => "guid",
            Primitive::Binary => "binary",
            Primitive::String => "string",
        }
    }

    /// The contract clause that states the type's valid JSON form (CONTRACT.md table).
    pub fn clause(self) -> &'static str {
        match self {
            Primitive::Int32 | Primitive::Int16 | Primitive::Byte | Primitive::SByte => C3_4,
            Primitive::Boolean => C3_8,
            Primitive::Int64 => C3_9,
            Primitive::Single | Primitive::Double => C3_10,
            Primitive::DateTimeOffset => C3_5,
            Primitive::Date
            | Primitive::TimeOfDay
            | Primitive::Duration
            | Primitive::Guid
            | Primitive::Binary
            | Primitive::String => C3_11,
        }
    }

    /// Reads a JSON value as this type. `null` is refused like any other wrong kind: whether a
    /// property may be null is the caller's business, not the type's.
    pub fn read(self, value: &Value) -> Result<Scalar, String> {
        match self {
            Primitive::Boolean => match value {
                Value::Bool(b) => Ok(Scalar::Bool(*b)),
                other => Err(format!(
                    "Edm.Boolean takes true or false, not {}",
                    kind_of(other)
                )),
            },
            Primitive::Byte
            | Primitive::SByte
            | Primitive::Int16
            | Primitive::Int32
            | Primitive::Int64 => integer::read_integer(self, value).map(Scalar::Int),
            Primitive::Single => float::read_single(value).map(Scalar::Float),
            Primitive::Double => float::read_double(value).map(Scalar::Float),
            Primitive::String => match value {
                Value::String(s) => Ok(Scalar::String(s.clone())),
                other => Err(format!("Edm.String takes a string, not {}", kind_of(other))),
            },
            _ => self.read_text(value),
        }
    }

    /// The types written as a JSON string with a grammar of their own.
    fn read_text(self, value: &Value) -> Result<Scalar, String> {
        let Value::String(text) = value else {
            return Err(format!(
                "{} takes a string, not {}",
                self.name(),
                kind_of(value)
            ));
        };
        let read = match self {
            // The longest valid form has 38 characters; the parser's messages quote the whole
            // text, which must not grow with a 10 000-character string.
            Primitive::DateTimeOffset if text.len() > 38 => {
                Err(format!("{} characters are too many", text.chars().count()))
            }
            Primitive::DateTimeOffset => DateTimeOffset::parse(text)
                .map(Scalar::DateTimeOffset)
                .map_err(|e| e.to_string()),
            Primitive::Date => Date::parse(text).map(Scalar::Date),
            Primitive::TimeOfDay => TimeOfDay::parse(text).map(Scalar::TimeOfDay),
            Primitive::Duration => Duration::parse(text).map(Scalar::Duration),
            Primitive::Guid => guid::parse_guid(text).map(Scalar::Guid),
            Primitive::Binary => binary::decode_binary(text).map(Scalar::Binary),
            other => Err(format!("{} is not written as a string", other.name())),
        };
        read.map_err(|why| format!("{} is not an {}: {why}", shown(value), self.name()))
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Scalar {
    Bool(bool),
    Int(i64),
    /// Double, or Single widened to f64 (exactly: every f32 is an f64).
    Float(f64),
    DateTimeOffset(DateTimeOffset),
    Date(Date),
    TimeOfDay(TimeOfDay),
    Duration(Duration),
    Guid(u128),
    Binary(Vec<u8>),
    String(String),
}

impl Primitive {
    /// The type's plain value (0, false, "", 0001-01-01, midnight, no time, the nil GUID, no
    /// bytes), which the reference service fills unset members with.
    pub fn default_scalar(self) -> Scalar {
        let text = match self {
            Primitive::Boolean => "false",
            Primitive::Byte
            | Primitive::SByte
            | Primitive::Int16
            | Primitive::Int32
            | Primitive::Int64 => "0",
            Primitive::Single | Primitive::Double => "0",
            Primitive::DateTimeOffset => "\"0001-01-01T00:00:00Z\"",
            Primitive::Date => "\"0001-01-01\"",
            Primitive::TimeOfDay => "\"00:00:00\"",
            Primitive::Duration => "\"PT0S\"",
            Primitive::Guid => "\"00000000-0000-0000-0000-000000000000\"",
            Primitive::Binary | Primitive::String => "\"\"",
        };
        let json: Value = serde_json::from_str(text).expect("the literals above are JSON");
        self.read(&json)
            .expect("the literals above are valid values of their types")
    }
}

impl Scalar {
    /// The JSON value the reference service answers with. `p` only matters for a float, which
    /// is written with Single's or Double's shortest digits.
    pub fn to_json(&self, p: Primitive) -> Value {
        match self {
            Scalar::Bool(b) => Value::Bool(*b),
            Scalar::Int(n) => Value::from(*n),
            Scalar::Float(x) if p == Primitive::Single => float::render_single(*x),
            Scalar::Float(x) => float::render_double(*x),
            Scalar::DateTimeOffset(v) => Value::String(v.to_string()),
            Scalar::Date(v) => Value::String(v.to_string()),
            Scalar::TimeOfDay(v) => Value::String(v.to_string()),
            Scalar::Duration(v) => Value::String(v.to_string()),
            Scalar::Guid(v) => Value::String(guid::write_guid(*v)),
            Scalar::Binary(v) => Value::String(binary::encode_binary(v)),
            Scalar::String(s) => Value::String(s.clone()),
        }
    }

    /// Equality as C4.4 compares each type; values of different kinds are never the same.
    pub fn same(&self, other: &Scalar) -> bool {
        match (self, other) {
            (Scalar::Float(a), Scalar::Float(b)) => float::same_float(*a, *b),
            (Scalar::DateTimeOffset(a), Scalar::DateTimeOffset(b)) => a.same_instant(*b),
            _ => self == other,
        }
    }
}

/// What kind of JSON value this is, with its article, for messages.
pub(crate) fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The value's JSON text for a message, cut short so that a 10 000-digit literal does not
/// become a 10 000-digit message.
pub(crate) fn shown(value: &Value) -> String {
    shorten(&value.to_string())
}

/// `text` cut to its first 40 characters, marked with an ellipsis when cut.
pub(crate) fn shorten(text: &str) -> String {
    const LIMIT: usize = 40;
    match text.char_indices().nth(LIMIT) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names_words_and_clauses_cover_every_type_once() {
        for p in Primitive::ALL {
            assert_eq!(Primitive::from_name(p.name()), Some(p));
            assert!(p.name().starts_with("Edm."));
            assert_eq!(p.word(), p.word().to_lowercase());
            assert!(p.clause().starts_with("C3."));
        }
        let mut words: Vec<_> = Primitive::ALL.iter().map(|p| p.word()).collect();
        words.sort_unstable();
        words.dedup();
        assert_eq!(words.len(), Primitive::ALL.len());
        assert_eq!(Primitive::Int32.word(), "int32");
        assert_eq!(Primitive::DateTimeOffset.word(), "datetimeoffset");
        assert_eq!(Primitive::TimeOfDay.word(), "timeofday");
        assert_eq!(Primitive::Int64.clause(), "C3.9");
        assert_eq!(Primitive::Single.clause(), "C3.10");
        assert_eq!(Primitive::Guid.clause(), "C3.11");
    }

    #[test]
    fn names_are_exact_and_case_sensitive() {
        for name in [
            "Int32",
            "edm.Int32",
            "Edm.int32",
            "Edm.Int32 ",
            "Edm.Stream",
            "",
        ] {
            assert_eq!(Primitive::from_name(name), None, "{name}");
        }
    }

    #[test]
    fn booleans_are_only_true_and_false() {
        let p = Primitive::Boolean;
        assert_eq!(p.read(&json!(true)), Ok(Scalar::Bool(true)));
        assert_eq!(p.read(&json!(false)), Ok(Scalar::Bool(false)));
        for bad in [
            json!("true"),
            json!(1),
            json!(0),
            Value::Null,
            json!([]),
            json!({}),
        ] {
            assert!(p.read(&bad).is_err(), "{bad}");
        }
        assert_eq!(
            p.read(&json!("true")),
            Err("Edm.Boolean takes true or false, not a string".to_owned())
        );
        assert_eq!(p.read(&json!(true)).map(|s| s.to_json(p)), Ok(json!(true)));
    }

    #[test]
    fn strings_are_any_json_string_compared_exactly() {
        let p = Primitive::String;
        for s in ["", "a", "\u{0}\n\"\\", "😀", "null"] {
            let read = p.read(&json!(s));
            assert_eq!(read, Ok(Scalar::String(s.to_owned())));
            assert_eq!(read.map(|v| v.to_json(p)), Ok(json!(s)));
        }
        for bad in [
            json!(4),
            json!(true),
            json!(["a"]),
            json!({"a": 1}),
            Value::Null,
        ] {
            assert!(p.read(&bad).is_err(), "{bad}");
        }
        let a = Scalar::String("a".into());
        assert!(a.same(&Scalar::String("a".into())));
        assert!(!a.same(&Scalar::String("A".into())));
        assert!(!a.same(&Scalar::String("a ".into())));
    }

    #[test]
    fn datetimeoffset_delegates_and_compares_instants() {
        let p = Primitive::DateTimeOffset;
        let a = p.read(&json!("2017-01-01T00:02:03.0612494-08:00"));
        let b = p.read(&json!("2017-01-01T08:02:03.0612494Z"));
        let (Ok(a), Ok(b)) = (a, b) else {
            panic!("both are valid")
        };
        assert!(a.same(&b));
        assert_eq!(a.to_json(p), json!("2017-01-01T00:02:03.0612494-08:00"));
        for bad in [
            json!("2017-01-01T00:02:03"),
            json!("2017-01-01"),
            json!(1_497_528_000),
            Value::Null,
        ] {
            assert!(p.read(&bad).is_err(), "{bad}");
        }
        let longest = "2000-06-15T12:00:00.123456789012+14:00";
        assert_eq!(longest.len(), 38);
        assert!(p.read(&json!(longest)).is_ok());
        let Err(why) = p.read(&json!(format!("{longest}{}", "0".repeat(10_000)))) else {
            panic!("refused")
        };
        assert!(why.len() < 120, "{why}");
    }

    #[test]
    fn wrong_json_kinds_name_the_type_and_the_kind() {
        assert_eq!(
            Primitive::Date.read(&json!(20210101)),
            Err("Edm.Date takes a string, not a number".to_owned())
        );
        assert_eq!(
            Primitive::Guid.read(&Value::Null),
            Err("Edm.Guid takes a string, not null".to_owned())
        );
        let Err(why) = Primitive::Date.read(&json!("2021-02-30")) else {
            panic!("30 February is refused")
        };
        assert!(
            why.starts_with("\"2021-02-30\" is not an Edm.Date"),
            "{why}"
        );
    }

    #[test]
    fn values_of_different_kinds_are_never_the_same() {
        assert!(!Scalar::Int(1).same(&Scalar::Float(1.0)));
        assert!(!Scalar::Bool(true).same(&Scalar::Int(1)));
        assert!(!Scalar::String(String::new()).same(&Scalar::Binary(Vec::new())));
    }

    #[test]
    fn long_texts_are_shortened_in_messages() {
        let long = "9".repeat(10_000);
        assert_eq!(shorten(&long).chars().count(), 41);
        assert_eq!(shorten("short"), "short");
        assert_eq!(shorten(&"é".repeat(50)), format!("{}…", "é".repeat(40)));
    }
}
