//! The Edm primitive types: their names and clauses, how a JSON value is read as one (CONTRACT
//! C3), how a value is written back as the reference service writes it, and when two values are
//! the same (C4.4).
//!
//! Each type is one file holding its grammar and a [`Spec`], its plain data; this file is the one
//! dispatch from a type to its file (`Primitive::spec`, and the `Scalar` a value reads as), so a
//! new type is a new file and one arm in each match here. `integer.rs`, `float.rs`, `clock.rs` and
//! `calendar.rs` hold what several types share.

mod binary;
mod boolean;
pub(crate) mod byte;
pub(crate) mod calendar;
mod clock;
pub(crate) mod date;
pub mod date_time_offset;
mod double;
pub(crate) mod duration;
pub(crate) mod float;
pub(crate) mod guid;
pub(crate) mod int16;
pub(crate) mod int32;
pub(crate) mod int64;
pub(crate) mod integer;
pub(crate) mod sbyte;
mod single;
mod string;
pub(crate) mod time_of_day;

use std::sync::LazyLock;

use serde::{Serialize, Serializer};

use crate::contract::C3_10;
use serde_json::Value;

use crate::domain::value::TimeStyle;

pub(crate) use binary::encode_binary;
use date::Date;
use date_time_offset::DateTimeOffset;
use duration::Duration;
pub(crate) use guid::write_guid;
use integer::IntRange;
use time_of_day::TimeOfDay;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(test, derive(strum::EnumIter))]
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

/// The JSON kinds a type's values take, for a pack's JSON Schemas.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Shape {
    Bool,
    Integer,
    /// A number, or one of the strings "NaN", "INF", "-INF".
    NumberOrString,
    String,
}

/// The ways services commonly get a type wrong: the reference service's type faults
/// (`serve --fault <word>-edge-refused`, `-invalid-accepted`, `-echo-mangled`) reproduce them, so
/// that the harness is shown to catch each.
pub(crate) struct Pitfalls {
    /// A valid value at an edge of the type's domain that a service may refuse, and whether a
    /// JSON value is that edge.
    pub edge: (&'static str, fn(&Value) -> bool),
    /// An invalid form a service may accept, and the valid value it reads that form as
    /// (`None`: not that form).
    pub lenient: (&'static str, fn(&Value) -> Option<Value>),
    /// What a lossy echo loses, and the value it answers (`None`: the value as it is).
    pub lossy: (&'static str, fn(&Scalar) -> Option<Scalar>),
}

/// How a type reads a JSON value.
#[derive(Clone, Copy)]
pub(crate) enum Reader {
    /// Any JSON value: the type says which kinds it takes.
    Json(fn(&Value) -> Result<Scalar, String>),
    /// A JSON string of the type's own grammar: its text, parsed.
    Text(fn(&str) -> Result<Scalar, String>),
    /// A JSON number whose text is parsed, or one of the strings "NaN", "INF", "-INF".
    Float(fn(&str) -> Option<f64>),
}

/// One Edm type as plain data: each type's file has one, built by the constructors below.
pub(crate) struct Spec {
    /// "Edm.Int32".
    pub name: &'static str,
    /// The contract clause that states the type's valid JSON form (CONTRACT.md table).
    pub clause: &'static str,
    /// Reads a JSON value as the type; `null` is refused like any other wrong kind.
    pub read: Reader,
    /// The type's plain value as JSON text, which the reference service fills unset members
    /// with.
    pub default: &'static str,
    pub shape: Shape,
    /// An integer type's range.
    pub range: Option<IntRange>,
    /// Whether the importer holds a property of the type nullable where a page says nothing.
    pub nullable_unsaid: bool,
    /// A name that is no Edm type but that a few doc pages write for this one.
    pub doc_alias: Option<&'static str>,
    /// Whether Graph annotates a property of the type with its `@odata.type` (as it does
    /// date-times), which the reference service's `extra-annotations` deviation copies.
    pub annotated: bool,
    /// A valid value of the `ordinal`-th made-up entity's `index`-th property, distinct across
    /// entities where the type allows it; `None`: the plain value.
    pub example: fn(usize, usize) -> Option<Scalar>,
    pub pitfalls: Pitfalls,
    /// False when the type's faults would repeat another type's (the narrower integers):
    /// the reference service then has none for it.
    pub own_faults: bool,
    /// The cases a hand-written pack named for the type, which the importer writes in place
    /// of those it makes from the type's edges.
    pub named: Option<&'static NamedCases>,
}

/// One named case of a type: its name, a value as JSON text, and its description.
pub(crate) type NamedCase = (&'static str, &'static str, &'static str);

/// The cases the seed pack wrote by hand for a type, as plain data: an imported seed page makes
/// these, so that it runs the seed pack's trials.
pub(crate) struct NamedCases {
    /// The word the case names use for the type ("datetime").
    pub word: &'static str,
    pub valid: ValidCases,
    /// Invalid values, each refused alone on one property (C3.x); a `-null` case only where
    /// the property is not nullable.
    pub invalid: &'static [NamedCase],
    /// Whether the invalid values are sent as raw text rather than as a JSON body.
    pub invalid_raw: bool,
    /// The invalid value (JSON text) sent beside valid ones (C5.3) in place of the type's first
    /// invalid edge.
    pub beside_valid: Option<&'static str>,
    /// A value (JSON text) the alias case (C1.2) also writes, on the type's first property.
    pub alias: Option<&'static str>,
}

/// How a type's named valid values are sent (C4.4: each comes back as sent).
pub(crate) enum ValidCases {
    /// One case with the values on the type's first properties, one each (as many as there
    /// are properties): its name, the values as JSON text, its description.
    Together(&'static str, &'static [&'static str], &'static str),
    /// One case per value, on the type's first property.
    Each(&'static [NamedCase]),
}

impl Spec {
    pub(crate) const fn new(
        name: &'static str,
        clause: &'static str,
        default: &'static str,
        read: Reader,
        pitfalls: Pitfalls,
    ) -> Spec {
        Spec {
            name,
            clause,
            read,
            default,
            shape: Shape::String,
            range: None,
            nullable_unsaid: false,
            doc_alias: None,
            annotated: false,
            example: |_, _| None,
            pitfalls,
            own_faults: true,
            named: None,
        }
    }

    /// An integer type of `range`.
    pub(crate) const fn integer(
        range: IntRange,
        clause: &'static str,
        read: fn(&Value) -> Result<Scalar, String>,
        is_edge: fn(&Value) -> bool,
    ) -> Spec {
        Spec {
            shape: Shape::Integer,
            range: Some(range),
            example: integer::example,
            ..Spec::new(
                range.edm,
                clause,
                "0",
                Reader::Json(read),
                integer::pitfalls(is_edge),
            )
        }
    }

    /// A floating-point type whose numbers' text `parse` reads.
    pub(crate) const fn float(
        name: &'static str,
        parse: fn(&str) -> Option<f64>,
        pitfalls: Pitfalls,
    ) -> Spec {
        Spec {
            shape: Shape::NumberOrString,
            example: float::example,
            ..Spec::new(name, C3_10, "0", Reader::Float(parse), pitfalls)
        }
    }

    /// The type's own lossy echo, in place of its family's.
    pub(crate) const fn lossy(
        self,
        lossy: &'static str,
        mangle: fn(&Scalar) -> Option<Scalar>,
    ) -> Spec {
        Spec {
            pitfalls: Pitfalls {
                lossy: (lossy, mangle),
                ..self.pitfalls
            },
            ..self
        }
    }

    /// A narrower integer type, whose faults would repeat a wider one's.
    pub(crate) const fn narrow(self) -> Spec {
        Spec {
            own_faults: false,
            ..self
        }
    }

    pub(crate) const fn nullable_unsaid(self) -> Spec {
        Spec {
            nullable_unsaid: true,
            ..self
        }
    }

    pub(crate) const fn annotated(self) -> Spec {
        Spec {
            annotated: true,
            ..self
        }
    }

    pub(crate) const fn doc_alias(self, alias: &'static str) -> Spec {
        Spec {
            doc_alias: Some(alias),
            ..self
        }
    }

    pub(crate) const fn named(self, named: &'static NamedCases) -> Spec {
        Spec {
            named: Some(named),
            ..self
        }
    }

    pub(crate) const fn shaped(self, shape: Shape) -> Spec {
        Spec { shape, ..self }
    }

    pub(crate) const fn example(self, example: fn(usize, usize) -> Option<Scalar>) -> Spec {
        Spec { example, ..self }
    }
}

impl Primitive {
    /// The type a value is written as when no type describes it (a complex member the pack's
    /// types do not list).
    pub(crate) const UNTYPED: Primitive = Primitive::String;

    pub(crate) const ALL: [Primitive; 15] = [
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

    /// The type's file: the one match from a type to what it is.
    pub(crate) fn spec(self) -> &'static Spec {
        match self {
            Primitive::Boolean => &boolean::SPEC,
            Primitive::Byte => &byte::SPEC,
            Primitive::SByte => &sbyte::SPEC,
            Primitive::Int16 => &int16::SPEC,
            Primitive::Int32 => &int32::SPEC,
            Primitive::Int64 => &int64::SPEC,
            Primitive::Single => &single::SPEC,
            Primitive::Double => &double::SPEC,
            Primitive::DateTimeOffset => &date_time_offset::SPEC,
            Primitive::Date => &date::SPEC,
            Primitive::TimeOfDay => &time_of_day::SPEC,
            Primitive::Duration => &duration::SPEC,
            Primitive::Guid => &guid::SPEC,
            Primitive::Binary => &binary::SPEC,
            Primitive::String => &string::SPEC,
        }
    }

    /// The type a value in a page's example is taken to have where no page describes it: a
    /// boolean's, a whole number's (64 bits), a number's, and a string's for anything else (an
    /// array's items too).
    pub(crate) fn of_example(value: &Value) -> Primitive {
        match value {
            Value::Bool(_) => Primitive::Boolean,
            Value::Number(n) if n.as_i64().is_some() => Primitive::Int64,
            Value::Number(_) => Primitive::Double,
            _ => Primitive::String,
        }
    }

    /// The names of the types the importer holds nullable where a page says nothing, the
    /// most common first (`String, Binary`, as the warnings packs carry say).
    pub(crate) fn nullable_unsaid() -> Vec<&'static str> {
        Self::ALL
            .into_iter()
            .rev()
            .filter(|p| p.spec().nullable_unsaid)
            .filter_map(|p| p.name().strip_prefix("Edm."))
            .collect()
    }

    /// Whether a property of the type takes any JSON string (Edm.String): where the ladders
    /// and the string faults put their long texts.
    pub(crate) fn takes_any_string(self) -> bool {
        self == Primitive::String
    }

    /// "Edm.Int32" -> Int32. Exactly the OData names with the "Edm." prefix, case-sensitive.
    pub(crate) fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.name() == name)
    }

    /// "Edm.Int32".
    pub(crate) fn name(self) -> &'static str {
        self.spec().name
    }

    /// A short lower-case word for case and trial names: the name without `Edm.`, in lower
    /// case ("datetimeoffset").
    pub(crate) fn word(self) -> &'static str {
        static WORDS: LazyLock<Vec<String>> = LazyLock::new(|| {
            Primitive::ALL
                .iter()
                .map(|p| p.name().trim_start_matches("Edm.").to_lowercase())
                .collect()
        });
        // ALL lists the types in their declaration order, so a type's discriminant is its index.
        &WORDS[self as usize]
    }

    /// The contract clause that states the type's valid JSON form (CONTRACT.md table).
    pub(crate) fn clause(self) -> &'static str {
        self.spec().clause
    }

    /// Reads a JSON value as this type. `null` is refused like any other wrong kind: whether a
    /// property may be null is the caller's business, not the type's.
    pub(crate) fn read(self, value: &Value) -> Result<Scalar, String> {
        match self.spec().read {
            Reader::Json(read) => read(value),
            Reader::Text(parse) => read_text(value, self.name(), parse),
            Reader::Float(parse) => float::read_float(value, self.name(), parse).map(Scalar::Float),
        }
    }

    /// The type's plain value (0, false, "", 0001-01-01, midnight, no time, the nil GUID, no
    /// bytes), which the reference service fills unset members with.
    pub(crate) fn default_scalar(self) -> Scalar {
        let json: Value =
            serde_json::from_str(self.spec().default).expect("each type's default is JSON");
        self.read(&json)
            .expect("each type's default is a valid value of it")
    }
}

/// Reads a type written as a JSON string with a grammar of its own: the message says what the
/// value is not, and why.
fn read_text(
    value: &Value,
    name: &str,
    parse: fn(&str) -> Result<Scalar, String>,
) -> Result<Scalar, String> {
    let Value::String(text) = value else {
        return Err(format!("{name} takes a string, not {}", kind_of(value)));
    };
    parse(text).map_err(|why| format!("{} is not an {name}: {why}", shown(value)))
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

impl Scalar {
    /// The text of a string value, to change in place.
    pub(crate) fn text_mut(&mut self) -> Option<&mut String> {
        match self {
            Scalar::String(s) => Some(s),
            _ => None,
        }
    }

    /// Serialises the value as the reference service writes it, straight into the answer:
    /// date-times as `style` says, the rest as [`Scalar::to_json`].
    pub(crate) fn serialize<S: Serializer>(
        &self,
        p: Primitive,
        style: TimeStyle,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match self {
            Scalar::DateTimeOffset(d) => s.collect_str(&d.styled(style)),
            Scalar::Int(n) => s.serialize_i64(*n),
            Scalar::Bool(b) => s.serialize_bool(*b),
            Scalar::String(t) => s.serialize_str(t),
            Scalar::Float(_)
            | Scalar::Date(_)
            | Scalar::TimeOfDay(_)
            | Scalar::Duration(_)
            | Scalar::Guid(_)
            | Scalar::Binary(_) => self.to_json(p).serialize(s),
        }
    }

    /// The JSON value the reference service answers with. `p` only matters for a float, which
    /// is written with Single's or Double's shortest digits.
    pub(crate) fn to_json(&self, p: Primitive) -> Value {
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
    pub(crate) fn same(&self, other: &Scalar) -> bool {
        match (self, other) {
            (Scalar::Float(a), Scalar::Float(b)) => float::same_float(*a, *b),
            (Scalar::DateTimeOffset(a), Scalar::DateTimeOffset(b)) => a.same_instant(*b),
            (
                Scalar::Bool(_)
                | Scalar::Int(_)
                | Scalar::Float(_)
                | Scalar::DateTimeOffset(_)
                | Scalar::Date(_)
                | Scalar::TimeOfDay(_)
                | Scalar::Duration(_)
                | Scalar::Guid(_)
                | Scalar::Binary(_)
                | Scalar::String(_),
                _,
            ) => self == other,
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

    /// `ALL` lists every type, in declaration order, which `word` relies on.
    #[test]
    fn all_lists_every_type_in_declaration_order() {
        use strum::IntoEnumIterator;
        assert_eq!(Primitive::iter().collect::<Vec<_>>(), Primitive::ALL);
        for (i, p) in Primitive::ALL.iter().enumerate() {
            assert_eq!(*p as usize, i);
        }
    }

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
