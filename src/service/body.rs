//! The request body before `domain::parse_patch` sees it: reading it within the size limit,
//! the media type (C3.1), and the loosenings some faults apply to it. Validation itself is the
//! domain's; nothing here decides whether a value is valid.

use std::pin::Pin;

use axum::body::{Body, Bytes, HttpBody};
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use axum::http::{HeaderMap, StatusCode};
use serde_json::{Map, Value};

use super::errors::ApiError;
use super::faults::{Fault, Named};
use super::type_faults::{self, Mishandling};
use crate::domain::{DateTimeOffset, EntityModel, Primitive, Scalar, TypeRef};

/// The largest body the service takes (1 MiB); larger answers 413.
pub const BODY_LIMIT: usize = 1 << 20;
/// Up to this much of an over-limit body is still read (and dropped) before the 413, so the
/// client sees the answer instead of a reset connection.
const DRAIN_LIMIT: usize = 16 << 20;
/// At most this much is set aside before any of the body has arrived.
const PRESIZE_LIMIT: u64 = 16 << 10;

/// Reads the whole body, or refuses one over [`BODY_LIMIT`] with 413.
pub async fn read(headers: &HeaderMap, mut body: Body) -> Result<Bytes, ApiError> {
    let declared = headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > DRAIN_LIMIT as u64) {
        return Err(ApiError::too_large(BODY_LIMIT));
    }
    // Sized by the declared length, up to a bound a client that lies about it cannot inflate.
    let mut kept = Vec::with_capacity(declared.map_or(0, |n| n.min(PRESIZE_LIMIT) as usize));
    let mut seen = 0usize;
    while let Some(frame) = std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await {
        let frame = frame.map_err(|e| {
            ApiError::bad_request(format!(
                "the request body could not be read ({e}); send it again"
            ))
        })?;
        let Ok(data) = frame.into_data() else {
            continue;
        };
        seen = seen.saturating_add(data.len());
        if seen <= BODY_LIMIT {
            kept.extend_from_slice(&data);
        } else if seen > DRAIN_LIMIT {
            break;
        }
    }
    if seen > BODY_LIMIT {
        return Err(ApiError::too_large(BODY_LIMIT));
    }
    Ok(Bytes::from(kept))
}

/// C3.1: the media type must be `application/json` (in any letter case, as media types are);
/// parameters are allowed.
pub fn check_media_type(
    headers: &HeaderMap,
    refusal_status: StatusCode,
    fault: Option<Fault>,
) -> Result<(), ApiError> {
    let raw = headers.get(CONTENT_TYPE);
    let text = raw.and_then(|v| v.to_str().ok());
    let essence = text.map(|t| t.split(';').next().unwrap_or("").trim());
    let accepted = |e: &str| match fault {
        Some(Fault::Named(Named::MediaTypeCaseSensitive)) => e == "application/json",
        Some(Fault::Named(Named::JsonMediaPrefix)) => {
            e.to_ascii_lowercase().starts_with("application/json")
        }
        Some(Fault::Named(Named::MergePatchAccepted)) => {
            e.eq_ignore_ascii_case("application/json") || e.to_ascii_lowercase().ends_with("+json")
        }
        _ => e.eq_ignore_ascii_case("application/json"),
    };
    if essence.is_some_and(accepted) {
        return Ok(());
    }
    let shown = match (raw, text) {
        (None, _) => None,
        (Some(_), Some(t)) => Some(t),
        (Some(_), None) => Some("(not readable as text)"),
    };
    Err(ApiError::unsupported_media_type(refusal_status, shown))
}

/// True when the body is UTF-8 text with something in it that is not JSON at all (for the
/// `server-error-on-bad-json` fault; an empty or non-UTF-8 body is not "malformed JSON").
pub fn is_malformed_json(body: &[u8]) -> bool {
    match std::str::from_utf8(body) {
        Ok(text) if !text.trim().is_empty() => serde_json::from_str::<Value>(text).is_err(),
        _ => false,
    }
}

/// True when the body holds a number literal of 1000 digits or more (`server-error-on-long-number`).
pub fn has_long_number(body: &[u8]) -> bool {
    body.split(|b| !b.is_ascii_digit())
        .any(|run| run.len() >= 1000)
}

/// `trailing-text-ignored`: the first JSON value of the body, when it is an object followed by
/// more text (a streaming parser that stops there).
fn first_object(body: &[u8]) -> Option<Bytes> {
    let mut values = serde_json::Deserializer::from_slice(body).into_iter::<Value>();
    match values.next() {
        Some(Ok(v @ Value::Object(_))) if values.byte_offset() < body.len() => {
            Some(Bytes::from(v.to_string()))
        }
        _ => None,
    }
}

/// Applies the fault's loosening to a body that is a JSON object, so that `parse_patch` then
/// accepts what the fault lets through; any other body, or no such fault, is returned as is.
pub fn loosen(fault: Option<Fault>, model: &EntityModel, key: &str, body: Bytes) -> Bytes {
    if fault == Some(Fault::Named(Named::TrailingTextIgnored)) {
        return first_object(&body).unwrap_or(body);
    }
    let named = match fault {
        Some(Fault::Named(n))
            if matches!(
                n,
                Named::UnknownPropertyIgnored
                    | Named::Int32StringAccepted
                    | Named::Int32Wraps
                    | Named::OffsetOptional
                    | Named::IdWritable
                    | Named::NamesCaseInsensitive
                    | Named::NamePrefixMatched
                    | Named::EnumSetAccepted
            ) =>
        {
            Some(n)
        }
        Some(Fault::Type(tf)) if tf.mishandling == Mishandling::InvalidAccepted => None,
        _ => return body,
    };
    let Ok(Value::Object(object)) = serde_json::from_slice::<Value>(&body) else {
        return body;
    };
    let out = match (named, fault) {
        (Some(n), _) => loosen_named(n, model, key, object),
        (None, Some(Fault::Type(tf))) => type_faults::loosen(tf, model, object),
        _ => object,
    };
    Bytes::from(Value::Object(out).to_string())
}

fn loosen_named(
    fault: Named,
    model: &EntityModel,
    key: &str,
    object: Map<String, Value>,
) -> Map<String, Value> {
    let mut out = Map::new();
    for (name, value) in object {
        let name = match fault {
            Named::NamesCaseInsensitive => model
                .properties
                .iter()
                .find(|p| p.name.eq_ignore_ascii_case(&name))
                .map_or(name, |p| p.name.clone()),
            Named::NamePrefixMatched if model.property(&name).is_none() => model
                .properties
                .iter()
                .find(|p| p.name.len() == name.len() + 1 && p.name.starts_with(&name))
                .map_or(name, |p| p.name.clone()),
            _ => name,
        };
        let ty = model.property(&name).map(|p| &p.ty);
        let set_of_one = ty.is_some_and(|t| enum_flags(model, t) == Some(false));
        let int32 = matches!(ty, Some(TypeRef::Primitive(Primitive::Int32)));
        let time = matches!(ty, Some(TypeRef::Primitive(Primitive::DateTimeOffset)));
        let value = match fault {
            Named::UnknownPropertyIgnored if ty.is_none() && !name.contains('@') => continue,
            Named::IdWritable if name == model.key && value != Value::String(key.into()) => {
                continue
            }
            Named::EnumSetAccepted if set_of_one => match &value {
                Value::String(s) => Value::String(s.split(',').next().unwrap_or_default().into()),
                _ => value,
            },
            Named::Int32StringAccepted if int32 => match &value {
                Value::String(s) => parse_int32(s).map(Value::from).unwrap_or(value),
                _ => value,
            },
            Named::Int32Wraps if int32 => match &value {
                Value::Number(n) => wrap_int32(n.as_str()).map(Value::from).unwrap_or(value),
                _ => value,
            },
            Named::OffsetOptional if time => match &value {
                Value::String(s) if DateTimeOffset::parse(s).is_err() => {
                    let utc = format!("{s}Z");
                    if DateTimeOffset::parse(&utc).is_ok() {
                        Value::String(utc)
                    } else {
                        value
                    }
                }
                _ => value,
            },
            _ => value,
        };
        out.insert(name, value);
    }
    out
}

/// Whether `ty` is a flags enum (`None` when it is no enum).
fn enum_flags(model: &EntityModel, ty: &TypeRef) -> Option<bool> {
    match ty {
        TypeRef::Enum(name) => model.types.enums.get(name).map(|e| e.flags),
        _ => None,
    }
}

/// `enum-set-refused`: the body gives a flags enum property several members at once.
pub fn names_a_flags_set(model: &EntityModel, body: &[u8]) -> bool {
    let Ok(Value::Object(object)) = serde_json::from_slice::<Value>(body) else {
        return false;
    };
    object.iter().any(|(name, value)| {
        let flags = model
            .property(name)
            .and_then(|p| enum_flags(model, &p.ty))
            .unwrap_or(false);
        flags && value.as_str().is_some_and(|s| s.contains(','))
    })
}

/// Reads an Int32 from a JSON number's text, as the domain does.
fn parse_int32(text: &str) -> Result<i32, ()> {
    match Primitive::Int32.read(&serde_json::from_str::<Value>(text).map_err(|_| ())?) {
        Ok(Scalar::Int(n)) => i32::try_from(n).map_err(|_| ()),
        _ => Err(()),
    }
}

/// An integer literal (`-?(0|[1-9][0-9]*)`, any length) outside the Int32 range, wrapped modulo
/// 2^32 as a 32-bit register would; `None` for anything else.
fn wrap_int32(text: &str) -> Option<i32> {
    if text.len() <= 11 && text.parse::<i32>().is_ok() {
        return None;
    }
    let (negative, digits) = match text.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, text),
    };
    let integer = !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && (digits == "0" || !digits.starts_with('0'));
    if !integer {
        return None;
    }
    let modulus = 1u64 << 32;
    let mut m = 0u64;
    for b in digits.bytes() {
        m = (m * 10 + u64::from(b - b'0')) % modulus;
    }
    if negative {
        m = (modulus - m) % modulus;
    }
    Some(m as u32 as i32)
}

#[cfg(test)]
mod tests {
    use super::wrap_int32;

    #[test]
    fn wrapping_is_modulo_two_to_the_32() {
        assert_eq!(wrap_int32("2147483648"), Some(i32::MIN));
        assert_eq!(wrap_int32("4294967296"), Some(0));
        assert_eq!(wrap_int32("-2147483649"), Some(i32::MAX));
        assert_eq!(
            wrap_int32("99999999999999999999"),
            Some(99_999_999_999_999_999_999u128 as u32 as i32)
        );
        assert_eq!(wrap_int32("5"), None);
        assert_eq!(wrap_int32("1e20"), None);
        assert_eq!(wrap_int32("4.5"), None);
    }
}
