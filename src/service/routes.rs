//! Routing (C1) and the two operations: every request lands in one fallback handler that reads
//! the path after the pack's version segment and follows it through the pack's fixture graph —
//! navigations, keys among a collection's members, type casts — to an entity; empty segments
//! are ignored, so the printed and the normalised spellings are the same route (C1.1).

use std::borrow::Cow;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::Request;
use axum::http::header::HOST;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::Response;
use serde_json::Value as Json;

use super::errors::ApiError;
use super::faults::{Deviation, Fault, Named};
use super::render::{Answer, Render};
use super::store::Stored;
use super::type_faults::{self, Mishandling};
use super::{auth, ServiceState};
use super::{body, scale_faults};
use crate::domain::edm::calendar::TICKS_PER_SECOND;
use crate::domain::edm::date_time_offset::Parts;
use crate::domain::value::Value;
use crate::domain::{parse_patch, DateTimeOffset, Entity, Patch, Scalar};
use crate::pack::graph::{Bend, Miss};

/// A path that starts with the pack's version segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route<'p> {
    /// The segments after the version, percent-decoded.
    pub segments: Vec<Cow<'p, str>>,
    /// True when written with empty segments or a trailing slash (the page's printed spelling).
    pub printed: bool,
}

/// Parses `path` as a route under `/<version>`; `Err` names what is not one.
pub fn parse_path<'p>(path: &'p str, version: &str) -> Result<Route<'p>, String> {
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
pub fn resolve(state: &ServiceState, route: &Route<'_>) -> Result<Arc<Stored>, ApiError> {
    let fault = state.named_fault();
    let pack = state.pack();
    let model = &pack.model;
    let bend = Bend {
        ignore_casts: fault == Some(Named::CastIgnored),
    };
    let is_entity =
        |n: &crate::pack::file::NodeFile| model.types.is_a(&n.type_name, &model.type_name);
    let segments: Vec<&str> = route.segments.iter().map(|s| s.as_ref()).collect();
    let reached = pack.graph.resolve(&model.types, &segments, bend, is_entity);
    let id = match reached {
        Ok(id) if fault == Some(Named::NavigationWritesSource) => {
            source_of(state, &segments, bend).unwrap_or_else(|| id.to_owned())
        }
        Ok(id) => id.to_owned(),
        Err(Miss::NotMember { exists: false, .. }) if fault == Some(Named::UnknownIdCreated) => {
            return Ok(state
                .store()
                .get_or_create(&route.segments.join("/"), model));
        }
        Err(miss) => return Err(ApiError::not_found(miss.to_string())),
    };
    state
        .store()
        .get(&id)
        .ok_or_else(|| ApiError::not_found(format!("the entity '{id}' does not exist")))
}

/// `navigation-writes-source`: the entity the path's first node holds under the path's last
/// segment, skipping the navigations in between (when there are any).
fn source_of(state: &ServiceState, segments: &[&str], bend: Bend) -> Option<String> {
    let model = &state.pack().model;
    let (last, middle) = segments.split_last()?;
    (1..middle.len()).find_map(|k| {
        let mut shorter: Vec<&str> = middle[..k].to_vec();
        shorter.push(last);
        state
            .pack()
            .graph
            .resolve(&model.types, &shorter, bend, |n| {
                model.types.is_a(&n.type_name, &model.type_name)
            })
            .ok()
            .map(str::to_owned)
    })
}

/// The fallback handler: every request comes here.
pub async fn handle(state: &ServiceState, request: Request) -> Result<Response, ApiError> {
    let (parts, request_body) = request.into_parts();
    let pack = state.pack();
    let route = parse_path(parts.uri.path(), &pack.meta.version).map_err(|segment| {
        ApiError::not_found(format!(
            "Resource not found for the segment '{segment}'; the service answers the paths of the pack {} under /{}",
            pack.meta.name, pack.meta.version
        ))
    })?;
    let fault = state.named_fault();
    if route.printed && fault == Some(Named::PrintedSpelling404) {
        return Err(ApiError::not_found(format!(
            "Resource not found for the segment '' in {}",
            parts.uri.path()
        )));
    }
    if parts.method != Method::GET && parts.method != Method::PATCH {
        return Err(ApiError::method_not_allowed(parts.method.as_str()));
    }
    let body = body::read(&parts.headers, request_body).await?;
    if let Err(refusal) = auth::authorise(
        state.tokens(),
        &pack.meta.permissions,
        &parts.headers,
        &parts.method,
        state.fault(),
    ) {
        if refusal.status == StatusCode::FORBIDDEN
            && parts.method == Method::PATCH
            && fault == Some(Named::ForbiddenWrites)
        {
            if let Ok(stored) = resolve(state, &route) {
                let _ = patch(state, &stored, &parts.headers, body).await;
            }
        }
        return Err(refusal);
    }
    if fault != Some(Named::OdataVersionIgnored) {
        odata_version(&parts.headers)?;
    }
    if fault == Some(Named::MockLike)
        && parts.method == Method::PATCH
        && body::is_malformed_json(&body)
    {
        // A mock that never answers what it cannot parse: the connection stays silent.
        std::future::pending::<()>().await;
    }
    let stored = resolve(state, &route)?;
    let render = Render {
        pack,
        fault: state.fault(),
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
    if fault == Some(Named::MockLike) {
        return Ok(render.example(&stored.id));
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
async fn patch(
    state: &ServiceState,
    stored: &Stored,
    headers: &HeaderMap,
    raw: Bytes,
) -> Result<Entity, ApiError> {
    let fault = state.named_fault();
    let model = &state.pack().model;
    if fault != Some(Named::ContentTypeIgnored) {
        let status = if state.has(Deviation::Media400) {
            StatusCode::BAD_REQUEST
        } else {
            StatusCode::UNSUPPORTED_MEDIA_TYPE
        };
        body::check_media_type(headers, status, state.fault())?;
    }
    let parser_crash = match fault {
        Some(Named::ServerErrorOnBadJson) => body::is_malformed_json(&raw),
        Some(Named::ServerErrorOnLongNumber) => body::has_long_number(&raw),
        _ => false,
    };
    if parser_crash {
        return Err(ApiError::internal(
            "an unexpected error occurred while reading the request",
        ));
    }
    scale_faults::misjudge(fault, &raw)?;
    let key = stored.id.as_str();
    let loosened = body::loosen(state.fault(), model, key, raw.clone());
    if fault == Some(Named::EnumSetRefused) && body::names_a_flags_set(model, &loosened) {
        return Err(ApiError::bad_request(
            "an enum value names one member, not several",
        ));
    }
    refuse_edge(state, &loosened)?;
    let patch = match parse_patch(model, &loosened, key) {
        Ok(p) => p,
        Err(refusal) => {
            match fault {
                Some(Named::PartialApply) => apply_prefix(state, stored, &loosened, key).await,
                Some(Named::InvalidZeroed) => zero_invalid(state, stored, &loosened, key).await,
                _ => {}
            }
            return Err(ApiError::bad_request(refusal.message));
        }
    };
    refuse_by_fault(fault, &patch)?;
    if patch.changes.is_empty() && patch.read_only.is_empty() && state.has(Deviation::Empty400) {
        return Err(ApiError::bad_request(
            "at least 1 property must be changed; send a property with a new value",
        ));
    }
    let patch = store_as_fault(fault, patch);
    // Only `repeat-refused` reads the last body; copying it on every PATCH is work for nothing.
    let repeat =
        (fault == Some(Named::RepeatRefused) && !patch.changes.is_empty()).then_some(&raw[..]);
    apply(state, stored, &patch, repeat).await
}

/// A type fault that refuses an edge of its type's domain.
fn refuse_edge(state: &ServiceState, body: &[u8]) -> Result<(), ApiError> {
    let Some(Fault::Type(tf)) = state.fault() else {
        return Ok(());
    };
    if tf.mishandling != Mishandling::EdgeRefused {
        return Ok(());
    }
    let Ok(Json::Object(object)) = serde_json::from_slice::<Json>(body) else {
        return Ok(());
    };
    if type_faults::sends_edge(tf, &state.pack().model, &object) {
        return Err(ApiError::bad_request(format!(
            "Invalid value for a {} property",
            tf.target.word()
        )));
    }
    Ok(())
}

/// Writes `patch` into the entity: under its lock for the whole read-modify-write (C5.4),
/// except under `lost-update`.
async fn apply(
    state: &ServiceState,
    stored: &Stored,
    patch: &Patch,
    raw: Option<&[u8]>,
) -> Result<Entity, ApiError> {
    let fault = state.named_fault();
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
        if fault == Some(Named::PatchReplaces) && !patch.changes.is_empty() {
            for (i, p) in model.writable() {
                updated.values[i] = model.types.filled(model.types.default_value(&p.ty, false));
            }
        }
        patch.apply(model, &mut updated);
        Ok(updated)
    };
    if fault == Some(Named::LostUpdate) {
        let snapshot = stored.state.lock().await.entity.clone();
        tokio::time::sleep(Duration::from_millis(1)).await;
        let updated = merge(&snapshot)?;
        stored.state.lock().await.entity = updated.clone();
        return Ok(updated);
    }
    let mut guard = stored.state.lock().await;
    if fault == Some(Named::RepeatRefused) && raw.is_some() && guard.last_body.as_deref() == raw {
        return Err(ApiError::bad_request(
            "this update was already applied; change a value before sending it again",
        ));
    }
    let updated = merge(&guard.entity)?;
    if fault == Some(Named::NotPersisted) {
        return Ok(updated);
    }
    guard.entity = updated.clone();
    if let Some(raw) = raw {
        guard.last_body = Some(raw.to_vec());
    }
    Ok(updated)
}

/// `partial-apply`: applies, in order, the body's properties that are valid on their own,
/// up to the first one that is not.
async fn apply_prefix(state: &ServiceState, stored: &Stored, body: &[u8], key: &str) {
    let Ok(Json::Object(object)) = serde_json::from_slice::<Json>(body) else {
        return;
    };
    let mut changes = Vec::new();
    for (name, value) in object {
        let single = Json::Object([(name, value)].into_iter().collect()).to_string();
        match parse_patch(&state.pack().model, single.as_bytes(), key) {
            Ok(p) => changes.extend(p.changes),
            Err(_) => break,
        }
    }
    if !changes.is_empty() {
        let patch = Patch {
            changes,
            read_only: Vec::new(),
        };
        let _ = apply(state, stored, &patch, None).await;
    }
}

/// `invalid-zeroed`: each writable property of the body whose value does not parse gets its
/// type's plain value. Storing the same value every time, it is seen only from a state where
/// the property held something else.
async fn zero_invalid(state: &ServiceState, stored: &Stored, body: &[u8], key: &str) {
    let Ok(Json::Object(object)) = serde_json::from_slice::<Json>(body) else {
        return;
    };
    let model = &state.pack().model;
    let mut changes = Vec::new();
    for (name, value) in object {
        let Some(index) = model.index_of(&name) else {
            continue;
        };
        let single = Json::Object([(name, value)].into_iter().collect()).to_string();
        let property = &model.properties[index];
        if !property.read_only && parse_patch(model, single.as_bytes(), key).is_err() {
            changes.push((index, model.types.default_value(&property.ty, false)));
        }
    }
    if !changes.is_empty() {
        let patch = Patch {
            changes,
            read_only: Vec::new(),
        };
        let _ = apply(state, stored, &patch, None).await;
    }
}

/// The named faults that refuse valid values (C3.4, C3.5).
fn refuse_by_fault(fault: Option<Named>, patch: &Patch) -> Result<(), ApiError> {
    for (_, value) in &patch.changes {
        let refused = match (fault, value) {
            (Some(Named::Int32MaxRefused), Value::Scalar(Scalar::Int(n)))
                if *n == i64::from(i32::MAX) =>
            {
                Some("2147483647 is out of range")
            }
            (Some(Named::Offset14Refused), Value::Scalar(Scalar::DateTimeOffset(d)))
                if d.offset_minutes().abs() == 14 * 60 =>
            {
                Some("the offset is out of range")
            }
            (Some(Named::Feb29Refused), Value::Scalar(Scalar::DateTimeOffset(d)))
                if d.parts().month == 2 && d.parts().day == 29 =>
            {
                Some("the date is not valid")
            }
            _ => None,
        };
        if let Some(message) = refused {
            return Err(ApiError::bad_request(format!("Invalid value: {message}")));
        }
    }
    Ok(())
}

/// The named faults that store a different time than the one sent (C4.4).
fn store_as_fault(fault: Option<Named>, patch: Patch) -> Patch {
    let transform: fn(DateTimeOffset) -> DateTimeOffset = match fault {
        Some(Named::TruncateMilliseconds) => truncate_milliseconds,
        Some(Named::OffsetSignFlipped) => flip_offset_sign,
        _ => return patch,
    };
    Patch {
        changes: patch
            .changes
            .into_iter()
            .map(|(i, v)| match v {
                Value::Scalar(Scalar::DateTimeOffset(d)) => {
                    (i, Value::Scalar(Scalar::DateTimeOffset(transform(d))))
                }
                other => (i, other),
            })
            .collect(),
        read_only: patch.read_only,
    }
}

fn truncate_milliseconds(d: DateTimeOffset) -> DateTimeOffset {
    let p = d.parts();
    let per_ms = (TICKS_PER_SECOND / 1000) as u32;
    DateTimeOffset::from_parts(Parts {
        fraction_ticks: p.fraction_ticks - p.fraction_ticks % per_ms,
        ..p
    })
    .unwrap_or(d)
}

/// The local time read as if its offset had the other sign, written back in the same offset.
fn flip_offset_sign(d: DateTimeOffset) -> DateTimeOffset {
    let p = d.parts();
    if p.offset_minutes == 0 {
        return d;
    }
    DateTimeOffset::from_parts(Parts {
        offset_minutes: -p.offset_minutes,
        ..p
    })
    .and_then(|flipped| flipped.with_offset(p.offset_minutes))
    .unwrap_or(d)
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

    #[test]
    fn time_faults_leave_what_they_do_not_name() {
        let whole_ms = DateTimeOffset::parse("2020-01-01T00:00:00.123+02:00").unwrap();
        assert_eq!(truncate_milliseconds(whole_ms), whole_ms);
        let ticks = DateTimeOffset::parse("2020-01-01T00:00:00.1234567+02:00").unwrap();
        assert_eq!(
            truncate_milliseconds(ticks).to_string(),
            "2020-01-01T00:00:00.123+02:00"
        );
        let utc = DateTimeOffset::parse("2020-01-01T00:00:00Z").unwrap();
        assert_eq!(flip_offset_sign(utc), utc);
        let minus8 = DateTimeOffset::parse("2017-01-01T00:02:03.0612494-08:00").unwrap();
        let flipped = flip_offset_sign(minus8);
        assert_eq!(flipped.offset_minutes(), -480);
        assert_eq!(
            minus8.utc_ticks() - flipped.utc_ticks(),
            16 * 60 * 60 * TICKS_PER_SECOND
        );
    }
}
