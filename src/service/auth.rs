//! Authorisation (C2): a readable, unexpired Bearer token whose `scp` or `roles` grants the
//! scope the method needs. The signature is never checked (see `crate::jwt`).

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use axum::http::header::AUTHORIZATION;
use axum::http::{HeaderMap, Method};

use super::errors::ApiError;
use super::faults::{self, Fault, Gate};
use crate::jwt::{self, Claims, JwtError};
use crate::pack::file::Permissions;

/// Clock skew tolerated for `nbf`, as Entra tolerates it.
const NBF_SKEW_SECS: i64 = 300;

/// How many distinct tokens [`TokenCache`] keeps before it starts again.
const CACHED_TOKENS: usize = 256;
/// Longer tokens are read every time instead of kept (Entra's are 1.5–4 KB; a header may be
/// hundreds of KB), so the cache stays within 256 × 8 KiB whatever clients send.
const CACHED_TOKEN_LEN: usize = 8 << 10;

/// The claims of tokens already read, by token text. A client sends the same token on every
/// request, and reading one (two base64url parts, two JSON documents) was a tenth of the
/// service's CPU time; only the reading is kept, `exp` and `nbf` are judged on every request.
/// Bounded, so a client that sends a new token each time cannot grow it without end.
#[derive(Default)]
pub(crate) struct TokenCache {
    claims: RwLock<HashMap<String, Arc<Claims>>>,
}

/// Never the tokens themselves: they are secrets.
impl std::fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self
            .claims
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .len();
        write!(f, "TokenCache {{ {n} tokens }}")
    }
}

impl TokenCache {
    /// The token's claims, read once per distinct token; unreadable tokens are not kept.
    fn read(&self, token: &str) -> Result<Arc<Claims>, JwtError> {
        let cached = self
            .claims
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .get(token)
            .cloned();
        if let Some(claims) = cached {
            return Ok(claims);
        }
        let claims = Arc::new(jwt::read_claims(token)?);
        if token.len() > CACHED_TOKEN_LEN {
            return Ok(claims);
        }
        let mut map = self
            .claims
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if map.len() >= CACHED_TOKENS {
            map.clear();
        }
        map.insert(token.to_owned(), claims.clone());
        Ok(claims)
    }
}

/// The delegated scopes (`scp`) and application roles (`roles`) that let `method` through:
/// PATCH needs a write permission as the page lists it; GET takes the pack's read scopes too.
pub(crate) fn accepted_scopes<'p>(
    permissions: &'p Permissions,
    method: &Method,
) -> (Vec<&'p str>, Vec<&'p str>) {
    let read = method == Method::GET;
    let extra = permissions.read.iter().filter(|_| read).map(String::as_str);
    let delegated = permissions
        .delegated
        .iter()
        .map(String::as_str)
        .chain(extra.clone())
        .collect();
    let application = permissions
        .application
        .iter()
        .map(String::as_str)
        .chain(extra)
        .collect();
    (delegated, application)
}

/// Checks the request's token; the error is 401 (no usable token) or 403 (no scope).
pub(crate) fn authorise(
    tokens: &TokenCache,
    permissions: &Permissions,
    headers: &HeaderMap,
    method: &Method,
    fault: Option<Fault>,
) -> Result<(), ApiError> {
    let Some(token) = bearer(headers)? else {
        let refusal = ApiError::unauthorized(
            "Access token is empty: send an Authorization: Bearer <token> header",
        );
        return faults::auth::gate(fault, Gate::NoToken, refusal);
    };
    let claims = valid_claims(tokens, token, fault)?;
    faults::auth::scope(fault, &claims, method, |claims, method| {
        permitted(claims, permissions, method)
    })
}

/// The Bearer token of the Authorization header; `None` without the header.
fn bearer(headers: &HeaderMap) -> Result<Option<&str>, ApiError> {
    let Some(value) = headers.get(AUTHORIZATION) else {
        return Ok(None);
    };
    let not_bearer = || {
        ApiError::unauthorized(
            "the Authorization header is not \"Bearer <token>\"; send a Bearer access token",
        )
    };
    let value = value.to_str().map_err(|_| not_bearer())?.trim();
    let (scheme, token) = value.split_once(' ').ok_or_else(not_bearer)?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(not_bearer());
    }
    let token = token.trim();
    if token.is_empty() {
        return Err(ApiError::unauthorized(
            "Access token is empty: send an Authorization: Bearer <token> header",
        ));
    }
    Ok(Some(token))
}

/// The token's claims, when it is a JWT for Graph within its lifetime.
fn valid_claims(
    tokens: &TokenCache,
    token: &str,
    fault: Option<Fault>,
) -> Result<Arc<Claims>, ApiError> {
    let claims = tokens.read(token).map_err(|e| {
        ApiError::unauthorized(format!(
            "CompactToken parsing failed: {e}; send a JWT access token"
        ))
    })?;
    if !claims.audience_is_graph() {
        return Err(ApiError::unauthorized(format!(
            "Invalid audience {:?}: the token must be issued for {}",
            claims.aud,
            jwt::GRAPH_AUDIENCE
        )));
    }
    let now = jwt::now();
    if claims.expired_at(now) {
        let refusal = ApiError::unauthorized(
            "Lifetime validation failed, the token is expired; get a new token",
        );
        faults::auth::gate(fault, Gate::Expired, refusal)?;
    }
    if claims.not_yet_valid_at(now + NBF_SKEW_SECS) {
        return Err(ApiError::unauthorized(
            "Lifetime validation failed, the token is not valid yet (nbf is in the future)",
        ));
    }
    Ok(claims)
}

/// Whether the claims carry one of the pack's permissions for `method` (C2.2).
fn permitted(claims: &Claims, permissions: &Permissions, method: &Method) -> Result<(), ApiError> {
    let (delegated, application) = accepted_scopes(permissions, method);
    if claims.scp.iter().any(|s| delegated.contains(&s.as_str()))
        || claims
            .roles
            .iter()
            .any(|r| application.contains(&r.as_str()))
    {
        return Ok(());
    }
    let message = format!(
        "Missing scope permissions on the request: this {method} requires one of {} in the token's scp claim, or one of {} in its roles claim",
        delegated.join(", "),
        application.join(", ")
    );
    Err(ApiError::forbidden(message))
}
