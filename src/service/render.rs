//! Writing an entity as a response (C4.2, C4.3): its JSON from the pack's model, with the
//! Content-Type Graph answers, shaped by the active deviations (and the response faults).

use axum::http::header::{HeaderValue, CONTENT_TYPE};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use super::faults::{self, Deviation, Fault};
use crate::domain::value::{TimeStyle, Value};
use crate::domain::{Entity, TypeRef};
use crate::pack::Pack;

/// The Content-Type Graph answers an entity with.
pub const GRAPH_CONTENT_TYPE: &str =
    "application/json; odata.metadata=minimal; odata.streaming=true; IEEE754Compatible=false; charset=utf-8";

/// The Content-Type of an answer whose members are not in streaming order (C4.10).
pub(crate) const UNSTREAMED_CONTENT_TYPE: &str =
    "application/json; odata.metadata=minimal; IEEE754Compatible=false; charset=utf-8";

/// Whether the answer is to a PATCH or a GET (some faults touch PATCH answers only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Answer {
    Patch,
    Get,
}

/// What the response writer needs to know besides the entity.
pub(crate) struct Render<'a> {
    pub pack: &'a Pack,
    pub fault: Option<Fault>,
    pub deviations: &'a [Deviation],
    /// The request's `Host`, for `@odata.context`.
    pub host: &'a str,
}

/// One member of an answer: an annotation's text, or a property's typed value.
pub(crate) enum Field<'e> {
    Text(String),
    Typed(&'e TypeRef, Value),
}

impl Render<'_> {
    fn has(&self, d: Deviation) -> bool {
        self.deviations.contains(&d)
    }

    fn style(&self) -> TimeStyle {
        TimeStyle {
            utc: self.has(Deviation::UtcTimes),
            seven_digits: self.has(Deviation::SevenDigits),
        }
    }

    /// The entity's members in the order this service writes them: control information first
    /// (C4.8, C4.10), then the properties; then as the active fault writes them.
    fn fields<'e>(&'e self, entity: &Entity, answer: Answer) -> Vec<(String, Field<'e>)> {
        let mut fields = self.control(entity);
        let mut properties = self.properties(entity);
        if self.has(Deviation::Reordered) {
            properties.reverse();
        }
        fields.extend(properties);
        faults::render::fields(self.fault, &self.pack.model, answer, &mut fields);
        fields
    }

    /// `@odata.context`, `@odata.type` and (as a deviation) `@odata.etag`, in streaming order.
    fn control<'e>(&'e self, entity: &Entity) -> Vec<(String, Field<'e>)> {
        let model = &self.pack.model;
        let context = format!(
            "http://{}/{}/$metadata#{}/$entity",
            self.host, self.pack.meta.version, model.type_name
        );
        let mut fields = Vec::with_capacity(3);
        fields.push(("@odata.context".to_owned(), Field::Text(context)));
        fields.push((
            "@odata.type".to_owned(),
            Field::Text(model.odata_type.clone()),
        ));
        if self.has(Deviation::ExtraAnnotations) {
            fields.push(("@odata.etag".to_owned(), Field::Text(etag(entity))));
        }
        fields
    }

    /// The properties with their values.
    fn properties<'e>(&'e self, entity: &Entity) -> Vec<(String, Field<'e>)> {
        let model = &self.pack.model;
        let annotated = self.has(Deviation::ExtraAnnotations);
        let mut fields = Vec::with_capacity(model.properties.len() + 2);
        for (p, value) in model.properties.iter().zip(&entity.values) {
            if let (true, TypeRef::Primitive(t)) = (annotated, &p.ty) {
                if t.spec().annotated {
                    let name = t.name().trim_start_matches("Edm.");
                    fields.push((
                        format!("{}@odata.type", p.name),
                        Field::Text(format!("#{name}")),
                    ));
                }
            }
            fields.push((p.name.clone(), Field::Typed(&p.ty, value.clone())));
        }
        fields
    }

    /// The whole 200 (or, under `patch-204`, 204) response.
    pub(crate) fn response(&self, entity: &Entity, answer: Answer) -> Response {
        if faults::render::no_content(self.fault, answer) {
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
        let content_type = faults::render::content_type(self.fault, answer, self.content_type());
        (
            StatusCode::OK,
            [(CONTENT_TYPE, HeaderValue::from_static(content_type))],
            text,
        )
            .into_response()
    }

    /// The Content-Type of an entity answer: Graph's, or what a deviation says.
    fn content_type(&self) -> &'static str {
        if self.has(Deviation::PlainContentType) {
            "application/json; odata.metadata=minimal"
        } else if self.has(Deviation::Reordered) {
            // Members out of streaming order: the answer does not advertise streaming (C4.10).
            UNSTREAMED_CONTENT_TYPE
        } else {
            GRAPH_CONTENT_TYPE
        }
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
