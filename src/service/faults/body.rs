//! Faults at the request body (C3, C6.2): the media type misread, a body read too loosely (an
//! unknown or misspelt name taken, trailing text dropped, a set of members where one belongs)
//! or too strictly, and parsers that crash on what they should refuse. Some show at one scale
//! only — inside a band the harness's one extreme case would not reach — so only a ladder
//! catches them.

use axum::body::Bytes;
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, StatusCode};
use serde_json::{Map, Value};

use super::measure::{depth, longest_digits, longest_string, members, whitespace};
use super::{types, Fault, Row};
use crate::contract::{Level, C3_1, C3_11, C3_12, C3_14, C3_2, C3_3, C3_6, C6_2};
use crate::domain::{EntityModel, TypeRef};
use crate::pack::Pack;
use crate::service::errors::ApiError;

/// The faults of the request body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(test, derive(strum::EnumIter))]
pub enum BodyFault {
    ContentTypeIgnored,
    MediaTypeCaseSensitive,
    JsonMediaPrefix,
    MergePatchAccepted,
    OdataVersionIgnored,
    UnknownPropertyIgnored,
    IdWritable,
    TrailingTextIgnored,
    NamesCaseInsensitive,
    NamePrefixMatched,
    EnumSetRefused,
    EnumSetAccepted,
    ServerErrorOnBadJson,
    ServerErrorOnLongNumber,
    ServerErrorOnDeepNesting,
    ServerErrorOnManyMembers,
    ServerErrorOnMidLongNumber,
    PaddedBodyRefused,
    TrailingWhitespaceRefused,
    LongStringRefused,
}

/// The band (inclusive start, exclusive end) where a ladder fault misbehaves.
const BAND: (usize, usize) = (64, 1000);

/// What each body fault breaks: a media type, a member or a value misread, or a parser's crash.
pub(super) static ROWS: &[Row<BodyFault>] = &[
    Row {
        fault: BodyFault::ContentTypeIgnored,
        name: "content-type-ignored",
        clause: C3_1,
        level: Level::Must,
        description: "the Content-Type of a PATCH is not checked: a text/plain (or absent) media type is read as JSON",
    },
    Row {
        fault: BodyFault::MediaTypeCaseSensitive,
        name: "media-type-case-sensitive",
        clause: C3_1,
        level: Level::Must,
        description: "the media type is compared case-sensitively, so `Application/JSON` (the same media type) is refused with 415",
    },
    Row {
        fault: BodyFault::JsonMediaPrefix,
        name: "json-media-prefix",
        clause: C3_1,
        level: Level::Must,
        description: "the media type is matched by its prefix, so `application/json-seq` is read as JSON",
    },
    Row {
        fault: BodyFault::MergePatchAccepted,
        name: "merge-patch-accepted",
        clause: C3_1,
        level: Level::Must,
        description: "any media type ending in +json (application/merge-patch+json) is taken as application/json",
    },
    Row {
        fault: BodyFault::OdataVersionIgnored,
        name: "odata-version-ignored",
        clause: C3_14,
        level: Level::May,
        description: "the OData-Version request header is not read: `x` or `9999.0` is served as if it were 4.0",
    },
    Row {
        fault: BodyFault::UnknownPropertyIgnored,
        name: "unknown-property-ignored",
        clause: C3_3,
        level: Level::Must,
        description: "a property the entity does not have is dropped silently instead of refused",
    },
    Row {
        fault: BodyFault::IdWritable,
        name: "id-writable",
        clause: C3_6,
        level: Level::Must,
        description: "a body whose `id` differs from the key is accepted with 200 and the `id` ignored",
    },
    Row {
        fault: BodyFault::TrailingTextIgnored,
        name: "trailing-text-ignored",
        clause: C3_2,
        level: Level::Must,
        description: "a body that is one JSON object followed by more text is read as the object alone (a streaming parser that stops after the first value)",
    },
    Row {
        fault: BodyFault::NamesCaseInsensitive,
        name: "names-case-insensitive",
        clause: C3_3,
        level: Level::Must,
        description: "property names are matched ignoring letter case, so a name that differs from a real one only in case is taken for it",
    },
    Row {
        fault: BodyFault::NamePrefixMatched,
        name: "name-prefix-matched",
        clause: C3_3,
        level: Level::Must,
        description: "a member name one character short of a property's name is taken for that property",
    },
    Row {
        fault: BodyFault::EnumSetRefused,
        name: "enum-set-refused",
        clause: C3_12,
        level: Level::Must,
        description: "a flags enum value naming two or more members (`red,blue`) is refused with 400",
    },
    Row {
        fault: BodyFault::EnumSetAccepted,
        name: "enum-set-accepted",
        clause: C3_12,
        level: Level::Must,
        description: "a value naming two members of an enum that is not flags (`on,off`) is accepted as its first member",
    },
    Row {
        fault: BodyFault::ServerErrorOnBadJson,
        name: "server-error-on-bad-json",
        clause: C6_2,
        level: Level::Must,
        description: "a syntactically malformed JSON body answers 500 instead of 400",
    },
    Row {
        fault: BodyFault::ServerErrorOnLongNumber,
        name: "server-error-on-long-number",
        clause: C6_2,
        level: Level::Must,
        description: "a number literal of 1000 digits or more answers 500 (the parser overflows) instead of 400",
    },
    Row {
        fault: BodyFault::ServerErrorOnDeepNesting,
        name: "server-error-on-deep-nesting",
        clause: C6_2,
        level: Level::Must,
        description: "a body nested 64 to 999 levels deep answers 500 (deeper ones are refused with 400, as they should be)",
    },
    Row {
        fault: BodyFault::ServerErrorOnManyMembers,
        name: "server-error-on-many-members",
        clause: C6_2,
        level: Level::Must,
        description: "a body of 64 to 999 members answers 500 (more are refused with 400, as they should be)",
    },
    Row {
        fault: BodyFault::ServerErrorOnMidLongNumber,
        name: "server-error-on-64-digits",
        clause: C6_2,
        level: Level::Must,
        description: "a number literal of 64 to 999 digits answers 500 (longer ones are refused with 400, as they should be)",
    },
    Row {
        fault: BodyFault::PaddedBodyRefused,
        name: "padded-body-refused",
        clause: C3_2,
        level: Level::Must,
        description: "a valid body with 256 bytes of whitespace or more between its members is refused with 400",
    },
    Row {
        fault: BodyFault::TrailingWhitespaceRefused,
        name: "trailing-whitespace-refused",
        clause: C3_2,
        level: Level::Must,
        description: "a valid body that ends in whitespace after its object is refused with 400",
    },
    Row {
        fault: BodyFault::LongStringRefused,
        name: "long-string-refused",
        clause: C3_11,
        level: Level::Must,
        description: "a valid string of 256 characters or more is refused with 400 (a 255-character column)",
    },
];

impl BodyFault {
    pub(super) fn row(self) -> &'static Row<Self> {
        Row::of(ROWS, self)
    }

    /// True when `pack`'s entity has a property of the kind the fault misreads.
    pub(super) fn applies(self, pack: &Pack) -> bool {
        let model = &pack.model;
        match self {
            BodyFault::LongStringRefused => model
                .writable()
                .any(|(_, p)| matches!(p.ty, TypeRef::Primitive(t) if t.takes_any_string())),
            BodyFault::EnumSetRefused => enum_property(model, true),
            BodyFault::EnumSetAccepted => enum_property(model, false),
            BodyFault::ContentTypeIgnored
            | BodyFault::MediaTypeCaseSensitive
            | BodyFault::JsonMediaPrefix
            | BodyFault::MergePatchAccepted
            | BodyFault::OdataVersionIgnored
            | BodyFault::UnknownPropertyIgnored
            | BodyFault::IdWritable
            | BodyFault::TrailingTextIgnored
            | BodyFault::NamesCaseInsensitive
            | BodyFault::NamePrefixMatched
            | BodyFault::ServerErrorOnBadJson
            | BodyFault::ServerErrorOnLongNumber
            | BodyFault::ServerErrorOnDeepNesting
            | BodyFault::ServerErrorOnManyMembers
            | BodyFault::ServerErrorOnMidLongNumber
            | BodyFault::PaddedBodyRefused
            | BodyFault::TrailingWhitespaceRefused => true,
        }
    }

    /// The body as the fault reads it, or the refusal (or crash) it answers instead.
    fn read(self, model: &EntityModel, key: &str, raw: Bytes) -> Result<Bytes, ApiError> {
        self.crash(&raw)?;
        self.misjudge(&raw)?;
        let loosened = self.loosen(model, key, raw);
        if self == BodyFault::EnumSetRefused && names_a_flags_set(model, &loosened) {
            return Err(ApiError::bad_request(
                "an enum value names one member, not several",
            ));
        }
        Ok(loosened)
    }

    /// A 500 where the fault's parser fails on what it should refuse.
    fn crash(self, body: &[u8]) -> Result<(), ApiError> {
        let in_band = |n: usize| (BAND.0..BAND.1).contains(&n);
        let crashes = match self {
            BodyFault::ServerErrorOnBadJson => is_malformed_json(body),
            BodyFault::ServerErrorOnLongNumber => longest_digits(body) >= 1000,
            BodyFault::ServerErrorOnDeepNesting => in_band(depth(body)),
            BodyFault::ServerErrorOnManyMembers => in_band(members(body)),
            BodyFault::ServerErrorOnMidLongNumber => in_band(longest_digits(body)),
            _ => false,
        };
        if crashes {
            return Err(ApiError::internal(
                "an unexpected error occurred while reading the request",
            ));
        }
        Ok(())
    }

    /// A 400 for a valid body the fault wrongly refuses.
    fn misjudge(self, body: &[u8]) -> Result<(), ApiError> {
        let refused = match self {
            BodyFault::LongStringRefused if longest_string(body) >= 256 => {
                "a string value is longer than 255 characters"
            }
            BodyFault::PaddedBodyRefused if whitespace(body) >= 256 => {
                "the request body has too much whitespace"
            }
            BodyFault::TrailingWhitespaceRefused
                if body.last().is_some_and(u8::is_ascii_whitespace) =>
            {
                "unexpected characters after the JSON object"
            }
            _ => return Ok(()),
        };
        Err(ApiError::bad_request(refused))
    }

    /// The body with what the fault lets through rewritten into what `parse_patch` accepts;
    /// any other body, or a fault that loosens nothing, is returned as is.
    fn loosen(self, model: &EntityModel, key: &str, body: Bytes) -> Bytes {
        if self == BodyFault::TrailingTextIgnored {
            return first_object(&body).unwrap_or(body);
        }
        let loosens = matches!(
            self,
            BodyFault::UnknownPropertyIgnored
                | BodyFault::IdWritable
                | BodyFault::NamesCaseInsensitive
                | BodyFault::NamePrefixMatched
                | BodyFault::EnumSetAccepted
        );
        if !loosens {
            return body;
        }
        let Ok(Value::Object(object)) = serde_json::from_slice::<Value>(&body) else {
            return body;
        };
        Bytes::from(Value::Object(self.loosen_members(model, key, object)).to_string())
    }

    fn loosen_members(
        self,
        model: &EntityModel,
        key: &str,
        object: Map<String, Value>,
    ) -> Map<String, Value> {
        let mut out = Map::new();
        for (name, value) in object {
            let name = match self {
                BodyFault::NamesCaseInsensitive => model
                    .properties
                    .iter()
                    .find(|p| p.name.eq_ignore_ascii_case(&name))
                    .map_or(name, |p| p.name.clone()),
                BodyFault::NamePrefixMatched if model.property(&name).is_none() => model
                    .properties
                    .iter()
                    .find(|p| p.name.len() == name.len() + 1 && p.name.starts_with(&name))
                    .map_or(name, |p| p.name.clone()),
                _ => name,
            };
            let ty = model.property(&name).map(|p| &p.ty);
            let set_of_one = ty.is_some_and(|t| enum_flags(model, t) == Some(false));
            let value = match self {
                BodyFault::UnknownPropertyIgnored if ty.is_none() && !name.contains('@') => {
                    continue
                }
                BodyFault::IdWritable
                    if name == model.key && value != Value::String(key.into()) =>
                {
                    continue
                }
                BodyFault::EnumSetAccepted if set_of_one => match &value {
                    Value::String(s) => {
                        Value::String(s.split(',').next().unwrap_or_default().into())
                    }
                    _ => value,
                },
                _ => value,
            };
            out.insert(name, value);
        }
        out
    }
}

fn mine(fault: Option<Fault>) -> Option<BodyFault> {
    match fault {
        Some(Fault::Body(f)) => Some(f),
        _ => None,
    }
}

/// The OData-Version check (C3.14) as the fault makes it: `odata-version-ignored` waives the
/// correct `verdict`.
pub(crate) fn odata_version(
    fault: Option<Fault>,
    verdict: Result<(), ApiError>,
) -> Result<(), ApiError> {
    match mine(fault) {
        Some(BodyFault::OdataVersionIgnored) => Ok(()),
        _ => verdict,
    }
}

/// The media type check (C3.1) as the fault makes it, from the correct `verdict`; a refusal
/// has `status` (415, or 400 under a deviation).
pub(crate) fn media_type(
    fault: Option<Fault>,
    headers: &HeaderMap,
    status: StatusCode,
    verdict: Result<(), ApiError>,
) -> Result<(), ApiError> {
    let Some(f) = mine(fault) else {
        return verdict;
    };
    let text = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok());
    let essence = text.map_or("", |t| t.split(';').next().unwrap_or("").trim());
    let lower = || essence.to_ascii_lowercase();
    match f {
        BodyFault::ContentTypeIgnored => Ok(()),
        BodyFault::MediaTypeCaseSensitive if essence != "application/json" => {
            verdict.and(Err(ApiError::unsupported_media_type(status, text)))
        }
        BodyFault::JsonMediaPrefix if lower().starts_with("application/json") => Ok(()),
        BodyFault::MergePatchAccepted if lower().ends_with("+json") => Ok(()),
        _ => verdict,
    }
}

/// The body hook: the body as the active fault reads it (a type's fault included), or the
/// refusal or crash it answers instead. Without a body fault, the body itself.
pub(crate) fn read(
    fault: Option<Fault>,
    model: &EntityModel,
    key: &str,
    raw: Bytes,
) -> Result<Bytes, ApiError> {
    match fault {
        Some(Fault::Body(f)) => f.read(model, key, raw),
        Some(Fault::Type(t)) => types::read(t, model, raw),
        _ => Ok(raw),
    }
}

/// True when the body is UTF-8 text with something in it that is not JSON at all (for the
/// `server-error-on-bad-json` fault; an empty or non-UTF-8 body is not "malformed JSON").
pub(crate) fn is_malformed_json(body: &[u8]) -> bool {
    match std::str::from_utf8(body) {
        Ok(text) if !text.trim().is_empty() => serde_json::from_str::<Value>(text).is_err(),
        _ => false,
    }
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

/// Whether `ty` is a flags enum (`None` when it is no enum).
fn enum_flags(model: &EntityModel, ty: &TypeRef) -> Option<bool> {
    match ty {
        TypeRef::Enum(name) => model.types.enums.get(name).map(|e| e.flags),
        _ => None,
    }
}

/// True when a writable property is an enum that is (or is not) flags, with two members or more.
fn enum_property(model: &EntityModel, flags: bool) -> bool {
    model.writable().any(|(_, p)| match &p.ty {
        TypeRef::Enum(name) => model
            .types
            .enums
            .get(name)
            .is_some_and(|e| e.flags == flags && e.members.len() > 1),
        _ => false,
    })
}

/// `enum-set-refused`: the body gives a flags enum property several members at once.
fn names_a_flags_set(model: &EntityModel, body: &[u8]) -> bool {
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
