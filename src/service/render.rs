//! Writing an entity as a response (C4.2, C4.3): its JSON from the pack's model, with the
//! Content-Type Graph answers, shaped by the active deviations (and the response faults).

use axum::http::header::{HeaderValue, CONTENT_TYPE};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};
use serde_json::Value as Json;

use super::faults::{Deviation, Fault, Named};
use super::type_faults::{self, Mishandling};
use crate::domain::value::{TimeStyle, Value};
use crate::domain::{Entity, Primitive, Scalar, TypeRef};
use crate::pack::Pack;

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
    pub pack: &'a Pack,
    pub fault: Option<Fault>,
    pub deviations: &'a [Deviation],
    /// The request's `Host`, for `@odata.context`.
    pub host: &'a str,
}

/// One member of an answer: an annotation's text, or a property's typed value.
enum Field<'e> {
    Text(String),
    Typed(&'e TypeRef, Value),
}

impl Render<'_> {
    fn has(&self, d: Deviation) -> bool {
        self.deviations.contains(&d)
    }

    fn named(&self) -> Option<Named> {
        match self.fault {
            Some(Fault::Named(n)) => Some(n),
            _ => None,
        }
    }

    fn style(&self) -> TimeStyle {
        TimeStyle {
            utc: self.has(Deviation::UtcTimes),
            seven_digits: self.has(Deviation::SevenDigits),
        }
    }

    /// The entity's members in the order this service writes them: control information first
    /// (C4.8, C4.10), then the properties, then whatever a fault writes late.
    fn fields<'e>(&'e self, entity: &Entity, answer: Answer) -> Vec<(String, Field<'e>)> {
        let patch = answer == Answer::Patch;
        let (mut fields, late): (Vec<_>, Vec<_>) = self
            .control(entity, patch)
            .into_iter()
            .partition(|(name, _)| !self.written_late(name));
        let mut properties = self.properties(entity, patch);
        if self.has(Deviation::Reordered) {
            properties.reverse();
        }
        fields.extend(properties);
        fields.extend(late);
        fields
    }

    /// The faults that write a control member after the properties.
    fn written_late(&self, member: &str) -> bool {
        match self.named() {
            Some(Named::ContextAfterProperties) => member == "@odata.context",
            Some(Named::StreamingOutOfOrder) => member == "@odata.type",
            _ => false,
        }
    }

    /// `@odata.context`, `@odata.type` and (as a deviation) `@odata.etag`, in streaming order.
    fn control<'e>(&'e self, entity: &Entity, patch: bool) -> Vec<(String, Field<'e>)> {
        let model = &self.pack.model;
        let metadata = match self.named() {
            Some(Named::ContextNotMetadataUrl) => "",
            _ => "$metadata",
        };
        let context = format!(
            "http://{}/{}/{metadata}#{}/$entity",
            self.host, self.pack.meta.version, model.type_name
        );
        let mut fields = Vec::with_capacity(3);
        if self.named() != Some(Named::NoOdataContext) {
            fields.push(("@odata.context".to_owned(), Field::Text(context)));
        }
        let untyped = matches!(
            self.named(),
            Some(Named::NoOdataType | Named::DerivedTypeUnannounced)
        );
        if !untyped {
            let odata_type = if patch && self.named() == Some(Named::WrongOdataTypeInAnswer) {
                "#microsoft.graph.entity".to_owned()
            } else {
                model.odata_type.clone()
            };
            fields.push(("@odata.type".to_owned(), Field::Text(odata_type)));
        }
        if self.has(Deviation::ExtraAnnotations) {
            fields.push(("@odata.etag".to_owned(), Field::Text(etag(entity))));
        }
        fields
    }

    /// The properties with their values as the active faults write them.
    fn properties<'e>(&'e self, entity: &Entity, patch: bool) -> Vec<(String, Field<'e>)> {
        let model = &self.pack.model;
        let annotated = self.has(Deviation::ExtraAnnotations);
        let omitted = (self.named() == Some(Named::MissingProperty) && patch)
            .then(|| model.writable().last().map(|(i, _)| i))
            .flatten();
        let mut fields = Vec::with_capacity(model.properties.len() + 2);
        for (i, (p, value)) in model.properties.iter().zip(&entity.values).enumerate() {
            if omitted == Some(i) {
                continue;
            }
            if annotated && p.ty == TypeRef::Primitive(Primitive::DateTimeOffset) {
                fields.push((
                    format!("{}@odata.type", p.name),
                    Field::Text("#DateTimeOffset".into()),
                ));
            }
            let mut value = value.clone();
            if patch && p.name == model.key && self.named() == Some(Named::IdChanges) {
                if let Value::Scalar(Scalar::String(k)) = &value {
                    value = Value::Scalar(Scalar::String(complement_hex(k)));
                }
            }
            if let (true, Some(Fault::Type(tf))) = (patch, self.fault) {
                if tf.mishandling == Mishandling::EchoMangled && tf.target.touches(&p.ty) {
                    value = type_faults::mangle(tf.target, &p.ty, model, &value);
                }
            }
            fields.push((p.name.clone(), Field::Typed(&p.ty, value)));
        }
        if patch && self.named() == Some(Named::ExtraProperty) {
            fields.push((
                "extraProperty".to_owned(),
                Field::Text("not a property of the entity".into()),
            ));
        }
        fields
    }

    /// The whole 200 (or, under `patch-204`, 204) response.
    pub fn response(&self, entity: &Entity, answer: Answer) -> Response {
        if answer == Answer::Patch && self.named() == Some(Named::Patch204) {
            return StatusCode::NO_CONTENT.into_response();
        }
        let object = Object {
            render: self,
            fields: self.fields(entity, answer),
        };
        // Room for the whole answer up front: growing the buffer cost two copies per answer.
        let mut text = Vec::with_capacity(512);
        if self.has(Deviation::Reordered) {
            serde_json::to_writer_pretty(&mut text, &object)
        } else {
            serde_json::to_writer(&mut text, &object)
        }
        .expect("typed values always serialise");
        let content_type =
            if answer == Answer::Patch && self.named() == Some(Named::TextPlainResponse) {
                "text/plain; charset=utf-8"
            } else {
                self.content_type()
            };
        (
            StatusCode::OK,
            [(CONTENT_TYPE, HeaderValue::from_static(content_type))],
            text,
        )
            .into_response()
    }

    /// The Content-Type of an entity answer: Graph's, or what a deviation or fault says.
    fn content_type(&self) -> &'static str {
        if self.named() == Some(Named::NoOdataMetadata) {
            "application/json; odata.streaming=true; IEEE754Compatible=false; charset=utf-8"
        } else if self.has(Deviation::PlainContentType) {
            "application/json; odata.metadata=minimal"
        } else if self.has(Deviation::Reordered)
            || self.named() == Some(Named::ContextAfterProperties)
        {
            // Members out of streaming order: the answer does not advertise streaming (C4.10).
            "application/json; odata.metadata=minimal; IEEE754Compatible=false; charset=utf-8"
        } else {
            GRAPH_CONTENT_TYPE
        }
    }

    /// `mock-like`: the page's example, whatever was asked.
    pub fn example(&self, key: &str) -> Response {
        let model = &self.pack.model;
        let mut body = serde_json::Map::new();
        body.insert("@odata.type".into(), Json::String(model.odata_type.clone()));
        body.insert(model.key.clone(), Json::String(key.to_owned()));
        if let Some(Json::Object(example)) = &self.pack.meta.example {
            body.extend(example.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
        let text = Json::Object(body).to_string();
        (
            StatusCode::OK,
            [(CONTENT_TYPE, HeaderValue::from_static(GRAPH_CONTENT_TYPE))],
            text,
        )
            .into_response()
    }
}

/// The fields as one JSON object, in their order.
struct Object<'r, 'e> {
    render: &'r Render<'e>,
    fields: Vec<(String, Field<'r>)>,
}

impl Serialize for Object<'_, '_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let types = &self.render.pack.model.types;
        let style = self.render.style();
        let mut map = serializer.serialize_map(Some(self.fields.len()))?;
        for (name, field) in &self.fields {
            match field {
                Field::Text(t) => map.serialize_entry(name, t)?,
                Field::Typed(ty, v) => map.serialize_entry(name, &types.written(ty, v, style))?,
            }
        }
        map.end()
    }
}

/// A weak ETag of the stored values, as the `extra-annotations` deviation writes it.
fn etag(entity: &Entity) -> String {
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(format!("{:?}", entity.values).as_bytes());
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
