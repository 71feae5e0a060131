//! Routing (C1) and the two operations: every request lands in one fallback handler that reads
//! the path after the pack's version segment and follows it through the pack's fixture graph —
//! navigations, keys among a collection's members, type casts — to an entity; empty segments
//! are ignored, so the printed and the normalised spellings are the same route (C1.1).

use std::borrow::Cow;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::Request;
use axum::http::header::HOST;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::Response;

use super::errors::ApiError;
use super::faults::{self, Deviation};
use super::render::{Answer, Render};
use super::store::Stored;
use super::{auth, body, ServiceState};
use crate::domain::{parse_patch, Entity, Patch};

/// A path that starts with the pack's version segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Route<'p> {
    /// The segments after the version, percent-decoded.
    pub segments: Vec<Cow<'p, str>>,
    /// True when written with empty segments or a trailing slash (the page's printed spelling).
    pub printed: bool,
}

/// Parses `path` as a route under `/<version>`; `Err` names what is not one.
pub(crate) fn parse_path<'p>(path: &'p str, version: &str) -> Result<Route<'p>, String> {
    let printed = path.split('/').skip(1).any(str::is_empty);
    let mut segments = path.split('/').filter(|s| !s.is_empty());
    match segments.next() {
        Some(v) if v.eq_ignore_ascii_case(version) => {}
        Some(other) => return Err(other.to_owned()),
        None => return Err(path.to_owned()),
    }
    let segments: Vec<Cow<'p, str>> = segments.map(decode).collect();
    if segments.is_empty() {
        return Err(path.to_owned());
    }
    Ok(Route { segments, printed })
}

/// Percent-decodes a segment (keys with reserved characters arrive encoded).
fn decode(segment: &str) -> Cow<'_, str> {
    if !segment.contains('%') {
        return Cow::Borrowed(segment);
    }
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    Cow::Owned(String::from_utf8_lossy(&out).into_owned())
}

/// Follows the route to the entity it addresses (C1.2, C1.3).
pub(crate) fn resolve(state: &ServiceState, route: &Route<'_>) -> Result<Arc<Stored>, ApiError> {
    let pack = state.pack();
    let model = &pack.model;
    let is_entity =
        |n: &crate::pack::file::NodeFile| model.types.is_a(&n.type_name, &model.type_name);
    let segments: Vec<&str> = route.segments.iter().map(|s| s.as_ref()).collect();
    let bend = faults::route::bend(state.fault());
    let reached = pack.graph.resolve(&model.types, &segments, bend, is_entity);
    if let Some(stored) = faults::route::misroute(state, route, &segments, &reached) {
        return Ok(stored);
    }
    let id = reached.map_err(|miss| ApiError::not_found(miss.to_string()))?;
    state
        .store()
        .get(id)
        .ok_or_else(|| ApiError::not_found(format!("the entity '{id}' does not exist")))
}

/// The fallback handler: every request comes here.
pub(crate) async fn handle(state: &ServiceState, request: Request) -> Result<Response, ApiError> {
    let (parts, request_body) = request.into_parts();
    let pack = state.pack();
    let fault = state.fault();
    let route = parse_path(parts.uri.path(), &pack.meta.version).map_err(|segment| {
        ApiError::not_found(format!(
            "Resource not found for the segment '{segment}'; the service answers the paths of the pack {} under /{}",
            pack.meta.name, pack.meta.version
        ))
    })?;
    faults::route::refuse(fault, &route, parts.uri.path())?;
    if parts.method != Method::GET && parts.method != Method::PATCH {
        return Err(ApiError::method_not_allowed(parts.method.as_str()));
    }
    let body = body::read(&parts.headers, request_body).await?;
    let permissions = &pack.meta.permissions;
    let authorised = auth::authorise(
        state.tokens(),
        permissions,
        &parts.headers,
        &parts.method,
        fault,
    );
    if let Err(refusal) = authorised {
        faults::auth::write_anyway(state, &route, &parts, body, &refusal).await;
        return Err(refusal);
    }
    faults::body::odata_version(fault, odata_version(&parts.headers))?;
    if let Some(answer) = faults::route::mock(state, &route, &parts.method, &body).await {
        return answer;
    }
    let stored = resolve(state, &route)?;
    let render = Render {
        pack,
        fault,
        deviations: state.deviations(),
        host: parts
            .headers
            .get(HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("127.0.0.1"),
    };
    if parts.method == Method::GET {
        let entity = stored.state.lock().await.entity.clone();
        return Ok(render.response(&entity, Answer::Get));
    }
    let entity = patch(state, &stored, &parts.headers, body).await?;
    Ok(render.response(&entity, Answer::Patch))
}

/// C3.14: an `OData-Version` this service cannot honour (not 4.0 or 4.01) is refused, as Graph
/// does (OData 4.01 Protocol §8.2.6); no header means the service's own version.
fn odata_version(headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(given) = headers.get("odata-version") else {
        return Ok(());
    };
    let text = given.to_str().unwrap_or_default().trim();
    if matches!(text, "4.0" | "4.01") {
        return Ok(());
    }
    Err(ApiError::bad_request(format!(
        "the OData-Version {text:?} is not supported; send 4.0 or 4.01, or no OData-Version header"
    )))
}

/// Validates the body completely, then applies it under the entity's lock; returns the entity
/// to answer with.
pub(super) async fn patch(
    state: &ServiceState,
    stored: &Stored,
    headers: &HeaderMap,
    raw: Bytes,
) -> Result<Entity, ApiError> {
    let fault = state.fault();
    let model = &state.pack().model;
    let status = if state.has(Deviation::Media400) {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::UNSUPPORTED_MEDIA_TYPE
    };
    let media = body::check_media_type(headers, status);
    faults::body::media_type(fault, headers, status, media)?;
    let key = stored.id.as_str();
    let read = faults::body::read(fault, model, key, raw.clone())?;
    let patch = match parse_patch(model, &read, key) {
        Ok(p) => p,
        Err(refusal) => {
            faults::store::on_refusal(state, stored, &read, key).await;
            return Err(ApiError::bad_request(refusal.message));
        }
    };
    if patch.changes.is_empty() && patch.read_only.is_empty() && state.has(Deviation::Empty400) {
        return Err(ApiError::bad_request(
            "at least 1 property must be changed; send a property with a new value",
        ));
    }
    let remembered = faults::store::remembered(fault, &patch, &raw);
    apply(state, stored, &patch, remembered).await
}

/// Writes `patch` into the entity: under its lock for the whole read-modify-write (C5.4).
/// `raw`, when given, is kept as the entity's last body.
pub(super) async fn apply(
    state: &ServiceState,
    stored: &Stored,
    patch: &Patch,
    raw: Option<&[u8]>,
) -> Result<Entity, ApiError> {
    let fault = state.fault();
    let model = &state.pack().model;
    let read_only_400 = state.has(Deviation::ReadOnly400);
    let merge = |current: &Entity| -> Result<Entity, ApiError> {
        if read_only_400 {
            for (i, sent) in &patch.read_only {
                if !model.types.same(sent, &current.values[*i]) {
                    return Err(ApiError::bad_request(format!(
                        "{} is read-only and cannot be changed",
                        model.properties[*i].name
                    )));
                }
            }
        }
        let mut updated = current.clone();
        faults::store::start_from(fault, model, patch, &mut updated);
        patch.apply(model, &mut updated);
        Ok(updated)
    };
    if let Some(written) = faults::store::write_unlocked(fault, stored, &merge).await {
        return written;
    }
    let mut guard = stored.state.lock().await;
    faults::store::refuse_repeat(fault, &guard, raw)?;
    let updated = merge(&guard.entity)?;
    if faults::store::persists(fault) {
        guard.entity = updated.clone();
        if let Some(raw) = raw {
            guard.last_body = Some(raw.to_vec());
        }
    }
    Ok(updated)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_spellings_parse_to_the_same_route() {
        let printed = parse_path("/beta/a/x/b//c//d/", "beta").unwrap();
        let plain = parse_path("/beta/a/x/b/c/d", "beta").unwrap();
        assert!(printed.printed && !plain.printed);
        assert_eq!(printed.segments, plain.segments);
    }

    #[test]
    fn other_versions_and_empty_paths_are_not_routes() {
        for p in ["/", "/beta", "/v1.0/a/x", ""] {
            assert!(parse_path(p, "beta").is_err(), "{p}");
        }
        assert_eq!(
            parse_path("/beta/a/x%2Fy", "beta").unwrap().segments[1],
            "x/y"
        );
    }
}
