//! Valid and invalid values of every Edm primitive type for generated inputs, as the JSON text
//! to send: named edges (sent first) and proptest strategies biased to them. Each type's values
//! live in its own file; this file holds one exhaustive dispatch per operation, so a new type
//! is a new file and one arm in each match below, and the compiler lists the arms missing.
//!
//! The kind of an invalid value is drawn without shrinking, its parameters shrink within the
//! kind. An invalid value breaks one rule the contract judges; forms the OData ABNF admits but
//! the reference service may refuse (leap seconds, more than seven fraction digits) are not sent
//! either way.

mod binary;
mod boolean;
mod byte;
mod date;
mod date_time_offset;
mod double;
mod duration;
mod float;
mod guid;
mod int16;
mod int32;
mod int64;
mod integer;
mod parts;
mod sbyte;
mod single;
mod string;
mod time_of_day;

#[cfg(test)]
mod tests;

use proptest::prelude::BoxedStrategy;

use crate::domain::Primitive;
pub(crate) use parts::json_string;
use parts::{as_json, as_strings, owned, Invalid};

/// Named valid values of the type, as the JSON text to send, most important first.
pub(crate) fn valid_edges(p: Primitive) -> Vec<(String, String)> {
    match p {
        Primitive::Boolean => as_json(boolean::BOOLEAN_EDGES),
        Primitive::Byte => byte::INTEGER.valid_edges(),
        Primitive::SByte => sbyte::INTEGER.valid_edges(),
        Primitive::Int16 => int16::INTEGER.valid_edges(),
        Primitive::Int32 => int32::valid_edges(),
        Primitive::Int64 => int64::INTEGER.valid_edges(),
        Primitive::Single => as_json(single::SINGLE_EDGES),
        Primitive::Double => as_json(double::DOUBLE_EDGES),
        Primitive::DateTimeOffset => as_strings(date_time_offset::DATETIME_EDGES),
        Primitive::Date => as_strings(date::DATE_EDGES),
        Primitive::TimeOfDay => as_strings(time_of_day::TIME_EDGES),
        Primitive::Duration => as_strings(duration::DURATION_EDGES),
        Primitive::Guid => as_strings(guid::GUID_EDGES),
        Primitive::Binary => binary::valid_edges(),
        Primitive::String => string::valid_edges(),
    }
}

/// Named invalid values, each breaking one rule of the type, as JSON text, most important
/// first. `null` is never among them: nullability is the caller's business.
pub(crate) fn invalid_edges(p: Primitive) -> Vec<(String, &'static str)> {
    match p {
        Primitive::Boolean => owned(boolean::INVALID_BOOLEAN_EDGES),
        Primitive::Byte => byte::INTEGER.invalid_edges(),
        Primitive::SByte => sbyte::INTEGER.invalid_edges(),
        Primitive::Int16 => int16::INTEGER.invalid_edges(),
        Primitive::Int32 => int32::invalid_edges(),
        Primitive::Int64 => int64::INTEGER.invalid_edges(),
        Primitive::Single => float::invalid_edges(single::INVALID_SINGLE_EDGES),
        Primitive::Double => float::invalid_edges(double::INVALID_DOUBLE_EDGES),
        Primitive::DateTimeOffset => owned(date_time_offset::INVALID_DATETIME_EDGES),
        Primitive::Date => owned(date::INVALID_DATE_EDGES),
        Primitive::TimeOfDay => owned(time_of_day::INVALID_TIME_EDGES),
        Primitive::Duration => owned(duration::INVALID_DURATION_EDGES),
        Primitive::Guid => owned(guid::INVALID_GUID_EDGES),
        Primitive::Binary => owned(binary::INVALID_BINARY_EDGES),
        Primitive::String => owned(string::INVALID_STRING_EDGES),
    }
}

/// Random valid values (JSON text) over the whole domain, biased to the edges, shrinking
/// towards a simple value (0, false, 0001-01-01, "", …).
pub(crate) fn valid_value(p: Primitive) -> BoxedStrategy<String> {
    match p {
        Primitive::Boolean => boolean::valid_value(),
        Primitive::Byte => byte::INTEGER.valid_value(),
        Primitive::SByte => sbyte::INTEGER.valid_value(),
        Primitive::Int16 => int16::INTEGER.valid_value(),
        Primitive::Int32 => int32::valid_value(),
        Primitive::Int64 => int64::INTEGER.valid_value(),
        Primitive::Single => single::valid_value(),
        Primitive::Double => double::valid_value(),
        Primitive::DateTimeOffset => date_time_offset::valid_value(),
        Primitive::Date => date::valid_value(),
        Primitive::TimeOfDay => time_of_day::valid_value(),
        Primitive::Duration => duration::valid_value(),
        Primitive::Guid => guid::valid_value(),
        Primitive::Binary => binary::valid_value(),
        Primitive::String => string::valid_value(),
    }
}

/// The value of a neighbour of the `k`-th invalid edge when the type has its own, else `None`
/// (the caller then takes the type's valid edges in turn). Only the seed pack's types have one:
/// their neighbours were chosen before the others' and are pinned with the draws.
pub(crate) fn neighbour(p: Primitive, k: usize) -> Option<String> {
    match p {
        Primitive::Int32 => Some(int32::neighbour(k)),
        Primitive::DateTimeOffset => Some(date_time_offset::neighbour(k)),
        Primitive::Boolean
        | Primitive::Byte
        | Primitive::SByte
        | Primitive::Int16
        | Primitive::Int64
        | Primitive::Single
        | Primitive::Double
        | Primitive::Date
        | Primitive::TimeOfDay
        | Primitive::Duration
        | Primitive::Guid
        | Primitive::Binary
        | Primitive::String => None,
    }
}

/// Random invalid values: (JSON text, kind of invalid as a short phrase). The kind is drawn
/// without shrinking; its parameters shrink towards the simplest value of that kind. Only
/// Int32 and DateTimeOffset draw `null` (their draws are pinned); the other types never do.
pub(crate) fn invalid_value(p: Primitive) -> Invalid {
    match p {
        Primitive::Boolean => boolean::invalid_value(),
        Primitive::Byte => byte::INTEGER.invalid_value(),
        Primitive::SByte => sbyte::INTEGER.invalid_value(),
        Primitive::Int16 => int16::INTEGER.invalid_value(),
        Primitive::Int32 => int32::invalid_value(),
        Primitive::Int64 => int64::INTEGER.invalid_value(),
        Primitive::Single | Primitive::Double => float::invalid_value(p),
        Primitive::DateTimeOffset => date_time_offset::invalid_value(),
        Primitive::Date => date::invalid_value(),
        Primitive::TimeOfDay => time_of_day::invalid_value(),
        Primitive::Duration => duration::invalid_value(),
        Primitive::Guid => guid::invalid_value(),
        Primitive::Binary => binary::invalid_value(),
        Primitive::String => string::invalid_value(),
    }
}
