//! Faults at rendering (C4.1–C4.3, C4.6–C4.10): what an answer says about the entity — its
//! status, Content-Type, control information, members and headers.

use axum::http::header::HeaderMap;

use super::{types, Fault, Row};
use crate::contract::{Level, C4_1, C4_10, C4_2, C4_3, C4_6, C4_7, C4_8, C4_9};
use crate::domain::value::Value;
use crate::domain::EntityModel;
use crate::pack::Pack;
use crate::service::render::{Answer, Field, GRAPH_CONTENT_TYPE, UNSTREAMED_CONTENT_TYPE};

/// The faults of rendering.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(test, derive(strum::EnumIter))]
pub enum RenderFault {
    Patch204,
    TextPlainResponse,
    MissingProperty,
    NoOdataType,
    DerivedTypeUnannounced,
    WrongOdataTypeInAnswer,
    ExtraProperty,
    IdChanges,
    ContextAfterProperties,
    ContextNotMetadataUrl,
    NoOdataContext,
    NoOdataMetadata,
    StreamingOutOfOrder,
    NoRequestId,
    ClientRequestIdNotEchoed,
    NoOdataVersion,
}

/// What each rendering fault breaks: the answer's status, type, members or headers.
pub(super) static ROWS: &[Row<RenderFault>] = &[
    Row {
        fault: RenderFault::Patch204,
        name: "patch-204",
        clause: C4_1,
        level: Level::Must,
        description: "a valid PATCH answers 204 No Content without a body, as the live Intune service does",
    },
    Row {
        fault: RenderFault::TextPlainResponse,
        name: "text-plain-response",
        clause: C4_2,
        level: Level::Must,
        description: "a valid PATCH answers with Content-Type text/plain",
    },
    Row {
        fault: RenderFault::MissingProperty,
        name: "missing-property",
        clause: C4_3,
        level: Level::Must,
        description: "a PATCH response omits the entity's last property",
    },
    Row {
        fault: RenderFault::NoOdataType,
        name: "no-odata-type",
        clause: C4_3,
        level: Level::Should,
        description: "responses carry no `@odata.type`",
    },
    Row {
        fault: RenderFault::DerivedTypeUnannounced,
        name: "derived-type-unannounced",
        clause: C4_3,
        level: Level::Must,
        description: "an entity of a type derived from the one its path declares answers without `@odata.type` (only for packs whose entity type is derived)",
    },
    Row {
        fault: RenderFault::WrongOdataTypeInAnswer,
        name: "wrong-odata-type-in-answer",
        clause: C4_3,
        level: Level::Must,
        description: "PATCH answers name another type in `@odata.type`",
    },
    Row {
        fault: RenderFault::ExtraProperty,
        name: "extra-property",
        clause: C4_3,
        level: Level::Must,
        description: "PATCH answers carry a property the entity does not have",
    },
    Row {
        fault: RenderFault::IdChanges,
        name: "id-changes",
        clause: C4_6,
        level: Level::Must,
        description: "PATCH answers report an `id` that differs from the entity's key (each hex digit complemented); GET still shows the key",
    },
    Row {
        fault: RenderFault::ContextAfterProperties,
        name: "context-after-properties",
        clause: C4_8,
        level: Level::Should,
        description: "entity answers carry `@odata.context` as their last member instead of their first",
    },
    Row {
        fault: RenderFault::ContextNotMetadataUrl,
        name: "context-not-metadata-url",
        clause: C4_8,
        level: Level::Should,
        description: "entity answers carry `@odata.context` first, but as a URL without `$metadata#`",
    },
    Row {
        fault: RenderFault::NoOdataContext,
        name: "no-odata-context",
        clause: C4_8,
        level: Level::May,
        description: "entity answers carry no `@odata.context` (as the page's example; information only)",
    },
    Row {
        fault: RenderFault::NoOdataMetadata,
        name: "no-odata-metadata",
        clause: C4_9,
        level: Level::Should,
        description: "entity answers say `application/json; odata.streaming=true; charset=utf-8`, without `odata.metadata=minimal`",
    },
    Row {
        fault: RenderFault::StreamingOutOfOrder,
        name: "streaming-out-of-order",
        clause: C4_10,
        level: Level::Should,
        description: "entity answers advertise `odata.streaming=true` but write `@odata.type` after the properties",
    },
    Row {
        fault: RenderFault::NoRequestId,
        name: "no-request-id",
        clause: C4_7,
        level: Level::Should,
        description: "no `request-id` response header",
    },
    Row {
        fault: RenderFault::ClientRequestIdNotEchoed,
        name: "client-request-id-not-echoed",
        clause: C4_7,
        level: Level::Should,
        description: "the client's `client-request-id` is not echoed",
    },
    Row {
        fault: RenderFault::NoOdataVersion,
        name: "no-odata-version",
        clause: C4_7,
        level: Level::Should,
        description: "no `OData-Version` response header",
    },
];

impl RenderFault {
    pub(super) fn row(self) -> &'static Row<Self> {
        Row::of(ROWS, self)
    }

    /// True when the fault shows on `pack`: the two about `@odata.type` split by whether the
    /// entity's type is derived.
    pub(super) fn applies(self, pack: &Pack) -> bool {
        match self {
            // On a derived entity an answer without @odata.type breaks C4.3's MUST, which
            // derived-type-unannounced proves; this fault is the SHOULD of the others.
            RenderFault::NoOdataType => !pack.model.is_derived(),
            RenderFault::DerivedTypeUnannounced => pack.model.is_derived(),
            RenderFault::Patch204
            | RenderFault::TextPlainResponse
            | RenderFault::MissingProperty
            | RenderFault::WrongOdataTypeInAnswer
            | RenderFault::ExtraProperty
            | RenderFault::IdChanges
            | RenderFault::ContextAfterProperties
            | RenderFault::ContextNotMetadataUrl
            | RenderFault::NoOdataContext
            | RenderFault::NoOdataMetadata
            | RenderFault::StreamingOutOfOrder
            | RenderFault::NoRequestId
            | RenderFault::ClientRequestIdNotEchoed
            | RenderFault::NoOdataVersion => true,
        }
    }

    /// Rewrites the members of an entity answer; `patch` when it answers a PATCH.
    fn rewrite(self, model: &EntityModel, patch: bool, fields: &mut Vec<(String, Field<'_>)>) {
        match self {
            RenderFault::ContextAfterProperties => move_last(fields, "@odata.context"),
            RenderFault::StreamingOutOfOrder => move_last(fields, "@odata.type"),
            RenderFault::ContextNotMetadataUrl => {
                if let Some(Field::Text(context)) = member(fields, "@odata.context") {
                    *context = context.replacen("/$metadata#", "/#", 1);
                }
            }
            RenderFault::NoOdataContext => fields.retain(|(n, _)| n != "@odata.context"),
            RenderFault::NoOdataType | RenderFault::DerivedTypeUnannounced => {
                fields.retain(|(n, _)| n != "@odata.type");
            }
            RenderFault::WrongOdataTypeInAnswer if patch => {
                if let Some(Field::Text(t)) = member(fields, "@odata.type") {
                    *t = "#microsoft.graph.entity".to_owned();
                }
            }
            RenderFault::MissingProperty if patch => {
                if let Some((_, last)) = model.writable().last() {
                    let annotation = format!("{}@", last.name);
                    fields.retain(|(n, _)| n != &last.name && !n.starts_with(&annotation));
                }
            }
            RenderFault::IdChanges if patch => {
                if let Some(Field::Typed(_, Value::Scalar(s))) = member(fields, &model.key) {
                    if let Some(k) = s.text_mut() {
                        *k = complement_hex(k);
                    }
                }
            }
            RenderFault::ExtraProperty if patch => fields.push((
                "extraProperty".to_owned(),
                Field::Text("not a property of the entity".into()),
            )),
            _ => {}
        }
    }
}

fn mine(fault: Option<Fault>) -> Option<RenderFault> {
    match fault {
        Some(Fault::Render(f)) => Some(f),
        _ => None,
    }
}

fn member<'f, 'e>(fields: &'f mut [(String, Field<'e>)], name: &str) -> Option<&'f mut Field<'e>> {
    fields.iter_mut().find(|(n, _)| n == name).map(|(_, f)| f)
}

fn move_last(fields: &mut Vec<(String, Field<'_>)>, name: &str) {
    if let Some(i) = fields.iter().position(|(n, _)| n == name) {
        let moved = fields.remove(i);
        fields.push(moved);
    }
}

/// The members of an entity answer as the active fault writes them (a type's mangled echo
/// included), from the correct ones.
pub(crate) fn fields(
    fault: Option<Fault>,
    model: &EntityModel,
    answer: Answer,
    fields: &mut Vec<(String, Field<'_>)>,
) {
    let patch = answer == Answer::Patch;
    match fault {
        Some(Fault::Render(f)) => f.rewrite(model, patch, fields),
        Some(Fault::Type(t)) if patch => types::echo(t, model, fields),
        _ => {}
    }
}

/// `patch-204`: a PATCH answered with no content.
pub(crate) fn no_content(fault: Option<Fault>, answer: Answer) -> bool {
    mine(fault) == Some(RenderFault::Patch204) && answer == Answer::Patch
}

/// The Content-Type of an entity answer as the fault writes it, from the correct one.
pub(crate) fn content_type(
    fault: Option<Fault>,
    answer: Answer,
    correct: &'static str,
) -> &'static str {
    match mine(fault) {
        Some(RenderFault::NoOdataMetadata) => {
            "application/json; odata.streaming=true; IEEE754Compatible=false; charset=utf-8"
        }
        // Members out of streaming order: the answer does not advertise streaming (C4.10).
        Some(RenderFault::ContextAfterProperties) if correct == GRAPH_CONTENT_TYPE => {
            UNSTREAMED_CONTENT_TYPE
        }
        Some(RenderFault::TextPlainResponse) if answer == Answer::Patch => {
            "text/plain; charset=utf-8"
        }
        _ => correct,
    }
}

/// The headers of every answer as the fault leaves them, from the correct ones.
pub(crate) fn headers(fault: Option<Fault>, headers: &mut HeaderMap) {
    let dropped = match mine(fault) {
        Some(RenderFault::NoRequestId) => "request-id",
        Some(RenderFault::ClientRequestIdNotEchoed) => "client-request-id",
        Some(RenderFault::NoOdataVersion) => "odata-version",
        _ => return,
    };
    headers.remove(dropped);
}

/// The key as the `id-changes` fault reports it: every hex digit complemented (`0` ↔ `f`).
fn complement_hex(key: &str) -> String {
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
