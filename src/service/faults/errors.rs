//! Faults at error bodies (C6.1, C6.3): an error written as text, or its OData body missing,
//! emptying or adding a member.

use serde_json::{json, Value};

use super::{Fault, Row};
use crate::contract::{Level, C6_1, C6_3};
use crate::service::errors::ApiError;

/// The faults of error bodies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(test, derive(strum::EnumIter))]
pub enum ErrorFault {
    PlainErrorBody,
    ErrorWithoutCode,
    EmptyErrorMessage,
    NoInnerError,
    ErrorExtraMember,
    ErrorDetailsObject,
    ErrorDetailWithoutCode,
}

/// What each error-body fault breaks: the OData error shape, member by member.
pub(super) static ROWS: &[Row<ErrorFault>] = &[
    Row {
        fault: ErrorFault::PlainErrorBody,
        name: "plain-error-body",
        clause: C6_1,
        level: Level::Must,
        description: "error answers are text/plain sentences instead of OData error bodies",
    },
    Row {
        fault: ErrorFault::ErrorWithoutCode,
        name: "error-without-code",
        clause: C6_1,
        level: Level::Must,
        description: "error bodies lack `error.code`",
    },
    Row {
        fault: ErrorFault::EmptyErrorMessage,
        name: "empty-error-message",
        clause: C6_1,
        level: Level::Must,
        description: "error bodies carry an empty `error.message`",
    },
    Row {
        fault: ErrorFault::NoInnerError,
        name: "no-inner-error",
        clause: C6_1,
        level: Level::Should,
        description: "error bodies lack `innerError`",
    },
    Row {
        fault: ErrorFault::ErrorExtraMember,
        name: "error-extra-member",
        clause: C6_3,
        level: Level::Must,
        description: "error bodies carry a second top-level member (`\"status\"`) beside `error`",
    },
    Row {
        fault: ErrorFault::ErrorDetailsObject,
        name: "error-details-object",
        clause: C6_3,
        level: Level::Must,
        description:
            "error bodies carry `error.details` as one object instead of an array of objects",
    },
    Row {
        fault: ErrorFault::ErrorDetailWithoutCode,
        name: "error-detail-without-code",
        clause: C6_3,
        level: Level::Must,
        description:
            "error bodies carry `error.details` as an array whose entry has a message but no code",
    },
];

impl ErrorFault {
    pub(super) fn row(self) -> &'static Row<Self> {
        Row::of(ROWS, self)
    }
}

fn mine(fault: Option<Fault>) -> Option<ErrorFault> {
    match fault {
        Some(Fault::Errors(f)) => Some(f),
        _ => None,
    }
}

/// The error body as the fault writes it, from the correct one (`{"error": {…}}`).
pub(crate) fn body(fault: Option<Fault>, refusal: &ApiError, body: &mut Value) {
    let Some(fault) = mine(fault) else {
        return;
    };
    if fault == ErrorFault::ErrorExtraMember {
        body["status"] = json!(refusal.status.as_u16());
        return;
    }
    let Some(error) = body.get_mut("error").and_then(Value::as_object_mut) else {
        return;
    };
    match fault {
        ErrorFault::ErrorWithoutCode => {
            error.shift_remove("code");
        }
        ErrorFault::EmptyErrorMessage => {
            error.insert("message".into(), Value::String(String::new()));
        }
        ErrorFault::NoInnerError => {
            error.shift_remove("innerError");
            error.shift_remove("innererror");
        }
        ErrorFault::ErrorDetailsObject => {
            error.insert(
                "details".into(),
                json!({"code": refusal.code, "message": refusal.message}),
            );
        }
        ErrorFault::ErrorDetailWithoutCode => {
            error.insert("details".into(), json!([{"message": refusal.message}]));
        }
        ErrorFault::PlainErrorBody | ErrorFault::ErrorExtraMember => {}
    }
}

/// `plain-error-body`: the error as a text/plain sentence, its Content-Type and text.
pub(crate) fn plain(fault: Option<Fault>, refusal: &ApiError) -> Option<(&'static str, String)> {
    (mine(fault) == Some(ErrorFault::PlainErrorBody)).then(|| {
        (
            "text/plain; charset=utf-8",
            format!(
                "{} {}: {}",
                refusal.status.as_u16(),
                refusal.code,
                refusal.message
            ),
        )
    })
}
