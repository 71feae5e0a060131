//! Writing an overview as a response (C4.2, C4.3): the entity's JSON from the model, with the
//! Content-Type Graph answers, shaped by the active deviations (and the response faults).

use axum::http::header::{HeaderValue, CONTENT_TYPE};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

use super::faults::{Deviation, Fault};
use crate::domain::{DateTimeOffset, EdmType, EdmValue, Entity, EntityModel};

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
    /// `http://host/beta`, for `@odata.context`.
    pub service_root: &'a str,
    pub configuration_id: &'a str,
}

impl Render<'_> {
    fn has(&self, d: Deviation) -> bool {
        self.deviations.contains(&d)
    }

    /// A time as the deviations write it: in UTC and/or with all seven fraction digits.
    pub fn time(&self, value: DateTimeOffset) -> String {
        let value = if self.has(Deviation::UtcTimes) {
            value.with_offset(0).unwrap_or(value)
        } else {
            value
        };
        if !self.has(Deviation::SevenDigits) {
            return value.to_string();
        }
        let p = value.parts();
        let offset = match p.offset_minutes {
            0 => "Z".to_owned(),
            m => format!(
                "{}{:02}:{:02}",
                if m < 0 { '-' } else { '+' },
                m.abs() / 60,
                m.abs() % 60
            ),
        };
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:07}{offset}",
            p.year, p.month, p.day, p.hour, p.minute, p.second, p.fraction_ticks
        )
    }

    /// The entity's JSON object as this service writes it.
    pub fn json(&self, entity: &Entity, answer: Answer) -> Map<String, Value> {
        let model = self.model;
        let Value::Object(plain) = entity.to_json(model) else {
            unreachable!("Entity::to_json writes an object")
        };
        let mut map = Map::new();
        if self.has(Deviation::ExtraAnnotations) {
            map.insert(
                "@odata.context".into(),
                Value::String(format!(
                    "{}/$metadata#deviceManagement/deviceConfigurations('{}')/userStatusOverview/$entity",
                    self.service_root, self.configuration_id
                )),
            );
            let etag = crc32fast::hash(Value::Object(plain.clone()).to_string().as_bytes());
            map.insert(
                "@odata.etag".into(),
                Value::String(format!("W/\"{etag:08x}\"")),
            );
        }
        let omitted = (self.fault == Some(Fault::MissingProperty) && answer == Answer::Patch)
            .then(|| model.writable().last().map(|(_, p)| p.name.clone()))
            .flatten();
        for (name, value) in plain {
            if name == "@odata.type" && self.fault == Some(Fault::NoOdataType) {
                continue;
            }
            if omitted.as_deref() == Some(name.as_str()) {
                continue;
            }
            let value = match model
                .index_of(&name)
                .map(|i| (&model.properties[i], &entity.values[i]))
            {
                Some((p, EdmValue::DateTimeOffset(d))) => {
                    if self.has(Deviation::ExtraAnnotations) && p.edm == EdmType::DateTimeOffset {
                        map.insert(
                            format!("{name}@odata.type"),
                            Value::String("#DateTimeOffset".into()),
                        );
                    }
                    Value::String(self.time(*d))
                }
                Some((p, EdmValue::String(key)))
                    if p.name == model.key
                        && self.fault == Some(Fault::IdChanges)
                        && answer == Answer::Patch =>
                {
                    Value::String(complement_hex(key))
                }
                _ => value,
            };
            map.insert(name, value);
        }
        if self.has(Deviation::Reordered) {
            map = map.into_iter().rev().collect();
        }
        map
    }

    /// The whole 200 (or, under `patch-204`, 204) response.
    pub fn response(&self, entity: &Entity, answer: Answer) -> Response {
        if answer == Answer::Patch && self.fault == Some(Fault::Patch204) {
            return StatusCode::NO_CONTENT.into_response();
        }
        let body = Value::Object(self.json(entity, answer));
        let text = if self.has(Deviation::Reordered) {
            serde_json::to_string_pretty(&body).unwrap_or_else(|_| body.to_string())
        } else {
            body.to_string()
        };
        let content_type =
            if answer == Answer::Patch && self.fault == Some(Fault::TextPlainResponse) {
                "text/plain; charset=utf-8"
            } else if self.has(Deviation::PlainContentType) {
                "application/json"
            } else {
                GRAPH_CONTENT_TYPE
            };
        let mut response = (StatusCode::OK, text).into_response();
        response
            .headers_mut()
            .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
        response
    }
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
