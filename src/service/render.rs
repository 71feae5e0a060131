//! Writing an overview as a response (C4.2, C4.3): the entity's JSON from the model, with the
//! Content-Type Graph answers, shaped by the active deviations (and the response faults).

use axum::http::header::{HeaderValue, CONTENT_TYPE};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Serialize, Serializer};
use std::borrow::Cow;

use super::faults::{Deviation, Fault};
use crate::domain::datetime::{Fraction, Written};
use crate::domain::{DateTimeOffset, EdmType, EdmValue, Entity, EntityModel};
use Value::{Int, Text, Time};

/// The Content-Type Graph answers an entity with.
pub const GRAPH_CONTENT_TYPE: &str =
    "application/json; odata.metadata=minimal; odata.streaming=true; IEEE754Compatible=false; charset=utf-8";

/// Whether the answer is to a PATCH or a GET (some faults touch PATCH answers only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    Patch,
    Get,
}

/// What the response writer needs to know besides the entity.
pub struct Render<'a> {
    pub model: &'a EntityModel,
    pub fault: Option<Fault>,
    pub deviations: &'a [Deviation],
    /// The request's `Host`, for `@odata.context`.
    pub host: &'a str,
    pub configuration_id: &'a str,
}

impl Render<'_> {
    fn has(&self, d: Deviation) -> bool {
        self.deviations.contains(&d)
    }

    /// A time as the deviations write it: in UTC and/or with all seven fraction digits.
    pub fn time(&self, value: DateTimeOffset) -> Written {
        let value = if self.has(Deviation::UtcTimes) {
            value.with_offset(0).unwrap_or(value)
        } else {
            value
        };
        value.written(if self.has(Deviation::SevenDigits) {
            Fraction::Seven
        } else {
            Fraction::Shortest
        })
    }

    /// The entity's properties in the order this service writes them, annotations included.
    pub fn fields<'e>(&'e self, entity: &'e Entity, answer: Answer) -> Vec<Field<'e>> {
        let model = self.model;
        let annotated = self.has(Deviation::ExtraAnnotations);
        let omitted = (self.fault == Some(Fault::MissingProperty) && answer == Answer::Patch)
            .then(|| model.writable().last().map(|(i, _)| i))
            .flatten();
        let mut fields = Vec::with_capacity(model.properties.len() + 3);
        if annotated {
            fields.push((
                "@odata.context".into(),
                Text(format!(
                    "http://{}/beta/$metadata#deviceManagement/deviceConfigurations('{}')/userStatusOverview/$entity",
                    self.host, self.configuration_id
                ).into()),
            ));
            fields.push(("@odata.etag".into(), Text(etag(model, entity).into())));
        }
        if self.fault != Some(Fault::NoOdataType) {
            fields.push(("@odata.type".into(), Text(model.odata_type.as_str().into())));
        }
        for (i, (p, value)) in model.properties.iter().zip(&entity.values).enumerate() {
            if omitted == Some(i) {
                continue;
            }
            let name = p.name.as_str();
            let value = match value {
                EdmValue::DateTimeOffset(d) => {
                    if annotated && p.edm == EdmType::DateTimeOffset {
                        fields.push((
                            format!("{name}@odata.type").into(),
                            Text("#DateTimeOffset".into()),
                        ));
                    }
                    Time(self.time(*d))
                }
                EdmValue::String(key)
                    if name == model.key
                        && self.fault == Some(Fault::IdChanges)
                        && answer == Answer::Patch =>
                {
                    Text(complement_hex(key).into())
                }
                EdmValue::String(s) => Text(s.as_str().into()),
                EdmValue::Int32(n) => Int(*n),
            };
            fields.push((name.into(), value));
        }
        if self.has(Deviation::Reordered) {
            fields.reverse();
        }
        fields
    }

    /// The whole 200 (or, under `patch-204`, 204) response.
    pub fn response(&self, entity: &Entity, answer: Answer) -> Response {
        if answer == Answer::Patch && self.fault == Some(Fault::Patch204) {
            return StatusCode::NO_CONTENT.into_response();
        }
        let object = Object(self.fields(entity, answer));
        // Room for the whole answer up front: growing the buffer cost two copies per answer.
        let mut text = Vec::with_capacity(512);
        if self.has(Deviation::Reordered) {
            serde_json::to_writer_pretty(&mut text, &object)
        } else {
            serde_json::to_writer(&mut text, &object)
        }
        .expect("strings, integers and times always serialise");
        let content_type =
            if answer == Answer::Patch && self.fault == Some(Fault::TextPlainResponse) {
                "text/plain; charset=utf-8"
            } else if self.has(Deviation::PlainContentType) {
                "application/json"
            } else {
                GRAPH_CONTENT_TYPE
            };
        (
            StatusCode::OK,
            [(CONTENT_TYPE, HeaderValue::from_static(content_type))],
            text,
        )
            .into_response()
    }
}

/// One property of an answer: its name and its value.
pub type Field<'e> = (Cow<'e, str>, Value<'e>);

/// A property value as written: JSON text or a JSON integer. Written straight from the entity,
/// without building a `serde_json` map first (that copy was a tenth of the service's CPU time).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value<'e> {
    Text(Cow<'e, str>),
    Int(i32),
    /// Written straight into the answer, without a string of its own.
    Time(Written),
}

impl Serialize for Value<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Text(s) => serializer.serialize_str(s),
            Int(n) => serializer.serialize_i32(*n),
            Time(t) => serializer.collect_str(t),
        }
    }
}

/// The fields as one JSON object, in their order.
struct Object<'e>(Vec<Field<'e>>);

impl Serialize for Object<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|(name, value)| (name, value)))
    }
}

/// A weak ETag of the stored values, as the `extra-annotations` deviation writes it.
fn etag(model: &EntityModel, entity: &Entity) -> String {
    let mut hasher = crc32fast::Hasher::new();
    for (p, value) in model.properties.iter().zip(&entity.values) {
        hasher.update(p.name.as_bytes());
        hasher.update(value.to_json().to_string().as_bytes());
    }
    format!("W/\"{:08x}\"", hasher.finalize())
}

/// The key as the `id-changes` fault reports it: every hex digit complemented (`0` ↔ `f`).
pub fn complement_hex(key: &str) -> String {
    let changed: String = key
        .chars()
        .map(|c| match c.to_digit(16) {
            Some(d) => char::from_digit(15 - d, 16).unwrap_or(c),
            None => c,
        })
        .collect();
    if changed == key {
        format!("{key}-changed")
    } else {
        changed
    }
}
