//! Faults at authorisation (C2): a gate left open, a scope not read or read wrongly, the wrong
//! status, and a refused write applied anyway.

use axum::body::Bytes;
use axum::http::request::Parts;
use axum::http::{Method, StatusCode};

use super::{Fault, Row};
use crate::contract::{Level, C2_1, C2_2, C2_3};
use crate::jwt::Claims;
use crate::pack::Pack;
use crate::service::errors::ApiError;
use crate::service::routes::{self, Route};
use crate::service::ServiceState;

/// The faults of authorisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(test, derive(strum::EnumIter))]
pub enum AuthFault {
    NoAuthAccepted,
    ExpiredAccepted,
    ScopeIgnored,
    Scope401,
    ForbiddenWrites,
    ReadScopeWrites,
    AppRolesRefused,
}

/// What each authorisation fault breaks: which token gets through, or which is refused wrongly.
pub(super) static ROWS: &[Row<AuthFault>] = &[
    Row {
        fault: AuthFault::NoAuthAccepted,
        name: "no-auth-accepted",
        clause: C2_1,
        level: Level::Must,
        description: "a request without an Authorization header is accepted as if it had a token with every scope",
    },
    Row {
        fault: AuthFault::ExpiredAccepted,
        name: "expired-accepted",
        clause: C2_1,
        level: Level::Must,
        description: "a token whose `exp` is in the past is accepted",
    },
    Row {
        fault: AuthFault::ScopeIgnored,
        name: "scope-ignored",
        clause: C2_2,
        level: Level::Must,
        description: "scopes are not checked: a readable token without DeviceManagementConfiguration.ReadWrite.All may PATCH",
    },
    Row {
        fault: AuthFault::Scope401,
        name: "scope-401",
        clause: C2_2,
        level: Level::Should,
        description: "a token without the scope is refused with 401 instead of 403",
    },
    Row {
        fault: AuthFault::ForbiddenWrites,
        name: "forbidden-writes",
        clause: C2_3,
        level: Level::Must,
        description: "a PATCH refused with 403 (token without the scope) is applied anyway",
    },
    Row {
        fault: AuthFault::ReadScopeWrites,
        name: "read-scope-writes",
        clause: C2_2,
        level: Level::Must,
        description: "a token with only the read permission (…Read.All) may PATCH",
    },
    Row {
        fault: AuthFault::AppRolesRefused,
        name: "app-roles-refused",
        clause: C2_2,
        level: Level::Must,
        description: "only delegated scopes (scp) are read: an application token whose roles grant the permission is refused with 403",
    },
];

impl AuthFault {
    pub(super) fn row(self) -> &'static Row<Self> {
        Row::of(ROWS, self)
    }

    /// True when `pack` has the permission the fault mishandles.
    pub(super) fn applies(self, pack: &Pack) -> bool {
        let permissions = &pack.meta.permissions;
        match self {
            AuthFault::ReadScopeWrites => !permissions.read.is_empty(),
            AuthFault::AppRolesRefused => !permissions.application.is_empty(),
            AuthFault::NoAuthAccepted
            | AuthFault::ExpiredAccepted
            | AuthFault::ScopeIgnored
            | AuthFault::Scope401
            | AuthFault::ForbiddenWrites => true,
        }
    }
}

fn mine(fault: Option<Fault>) -> Option<AuthFault> {
    match fault {
        Some(Fault::Auth(f)) => Some(f),
        _ => None,
    }
}

/// A gate of authorisation that a fault can leave open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Gate {
    /// No Authorization header.
    NoToken,
    /// A token whose `exp` is past.
    Expired,
}

/// The `refusal` at `gate`, unless the fault lets the request through there.
pub(crate) fn gate(fault: Option<Fault>, gate: Gate, refusal: ApiError) -> Result<(), ApiError> {
    match (mine(fault), gate) {
        (Some(AuthFault::NoAuthAccepted), Gate::NoToken)
        | (Some(AuthFault::ExpiredAccepted), Gate::Expired) => Ok(()),
        _ => Err(refusal),
    }
}

/// The scope check (C2.2) as the fault makes it; `judge` is the correct one, of a token's
/// claims for a method.
pub(crate) fn scope(
    fault: Option<Fault>,
    claims: &Claims,
    method: &Method,
    judge: impl Fn(&Claims, &Method) -> Result<(), ApiError>,
) -> Result<(), ApiError> {
    match mine(fault) {
        Some(AuthFault::ScopeIgnored) => Ok(()),
        // What lets a GET through lets a PATCH through.
        Some(AuthFault::ReadScopeWrites) => judge(claims, method)
            .or_else(|refusal| judge(claims, &Method::GET).map_err(|_| refusal)),
        // Only delegated scopes (scp) are read.
        Some(AuthFault::AppRolesRefused) => {
            let delegated = Claims {
                roles: Vec::new(),
                ..claims.clone()
            };
            judge(&delegated, method)
        }
        Some(AuthFault::Scope401) => judge(claims, method).map_err(|refusal| {
            if refusal.status == StatusCode::FORBIDDEN {
                ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "InvalidAuthenticationToken",
                    refusal.message,
                )
            } else {
                refusal
            }
        }),
        _ => judge(claims, method),
    }
}

/// `forbidden-writes`: a PATCH refused for its scope (403) is applied all the same, though
/// the refusal is what the client gets.
pub(crate) async fn write_anyway(
    state: &ServiceState,
    route: &Route<'_>,
    parts: &Parts,
    body: Bytes,
    refusal: &ApiError,
) {
    if mine(state.fault()) != Some(AuthFault::ForbiddenWrites)
        || refusal.status != StatusCode::FORBIDDEN
        || parts.method != Method::PATCH
    {
        return;
    }
    if let Ok(stored) = routes::resolve(state, route) {
        let _ = routes::patch(state, &stored, &parts.headers, body).await;
    }
}
