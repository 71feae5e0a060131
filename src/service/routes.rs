//! Routing (C1) and the two operations: every request lands in one fallback handler that parses
//! the path generically — `/beta/deviceManagement/deviceConfigurations/{id}`, then any number of
//! type casts (`microsoft.graph.<Type>`) and navigations (`rootCertificate`,
//! `identityCertificate`), then `userStatusOverview`; empty segments are ignored, so the printed
//! and the normalised spellings are the same route (C1.1).

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::Request;
use axum::http::header::HOST;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::Response;
use serde_json::Value;

use super::body;
use super::errors::ApiError;
use super::faults::{Deviation, Fault};
use super::fixtures::{self, NAMESPACE, USER_STATUS_OVERVIEW};
use super::render::{Answer, Render};
use super::store::Configuration;
use super::{auth, ServiceState};
use crate::domain::datetime::{Parts, TICKS_PER_SECOND};
use crate::domain::{parse_patch, DateTimeOffset, EdmValue, Entity, Patch};

/// One step after `{id}`, borrowed from the request's path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step<'p> {
    /// `microsoft.graph.<Type>`: the current configuration must be that type or derive from it.
    Cast(&'p str),
    /// A navigation to another configuration.
    Navigation(&'p str),
}

/// A path that has the shape of an overview route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route<'p> {
    pub id: &'p str,
    pub steps: Vec<Step<'p>>,
    /// True when written with empty segments or a trailing slash (the page's printed spelling).
    pub printed: bool,
}

/// Parses `path` as an overview route; `Err` names the segment that is not one.
pub fn parse_path(path: &str) -> Result<Route<'_>, String> {
    let printed = path.split('/').skip(1).any(str::is_empty);
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let fixed = ["beta", "deviceManagement", "deviceConfigurations"];
    for (i, want) in fixed.iter().enumerate() {
        match segments.get(i) {
            Some(s) if s.eq_ignore_ascii_case(want) => {}
            Some(s) => return Err((*s).to_owned()),
            None => return Err(path.to_owned()),
        }
    }
    let Some(id) = segments.get(fixed.len()) else {
        return Err(path.to_owned());
    };
    let rest = &segments[fixed.len() + 1..];
    let Some((last, middle)) = rest.split_last() else {
        return Err(path.to_owned());
    };
    if !last.eq_ignore_ascii_case(USER_STATUS_OVERVIEW) {
        return Err((*last).to_owned());
    }
    let mut steps = Vec::with_capacity(middle.len());
    for segment in middle {
        let cast = segment
            .get(..NAMESPACE.len())
            .filter(|p| p.eq_ignore_ascii_case(NAMESPACE))
            .and_then(|_| segment[NAMESPACE.len()..].strip_prefix('.'));
        if let Some(type_name) = cast.filter(|t| !t.is_empty()) {
            steps.push(Step::Cast(type_name));
        } else if segment.eq_ignore_ascii_case(fixtures::ROOT_CERTIFICATE)
            || segment.eq_ignore_ascii_case(fixtures::IDENTITY_CERTIFICATE)
        {
            steps.push(Step::Navigation(segment));
        } else {
            return Err((*segment).to_owned());
        }
    }
    Ok(Route { id, steps, printed })
}

/// Follows the route to the configuration whose overview it addresses (C1.2, C1.3).
pub fn resolve(state: &ServiceState, route: &Route<'_>) -> Result<Arc<Configuration>, ApiError> {
    let fault = state.fault();
    let store = state.store();
    let source = match store.get(route.id) {
        Some(c) => c,
        None if fault == Some(Fault::UnknownIdCreated) => {
            return Ok(store.get_or_create(route.id, state.model()));
        }
        None => {
            return Err(ApiError::not_found(format!(
                "no deviceConfiguration has the id '{}'; use an id from the ids file",
                route.id
            )))
        }
    };
    let mut current = source.clone();
    let mut cast_ignored = false;
    let mut navigated = false;
    for step in &route.steps {
        match step {
            Step::Cast(type_name) => {
                if fixtures::is_a(&current.odata_type, type_name) {
                    continue;
                }
                if fault == Some(Fault::CastIgnored) {
                    cast_ignored = true;
                    continue;
                }
                return Err(ApiError::not_found(format!(
                    "the deviceConfiguration '{}' is a microsoft.graph.{}, not a {NAMESPACE}.{type_name}; \
                     the type-cast segment does not match",
                    current.id, current.odata_type
                )));
            }
            Step::Navigation(name) => {
                let target = fixtures::declares_navigation(&current.odata_type, name)
                    .then(|| current.navigation(name))
                    .flatten();
                let Some(target) = target else {
                    if cast_ignored {
                        return Ok(source);
                    }
                    return Err(ApiError::not_found(format!(
                        "Resource not found for the segment '{name}': the deviceConfiguration '{}' \
                         (microsoft.graph.{}) has no {name}",
                        current.id, current.odata_type
                    )));
                };
                current = store.get(target).ok_or_else(|| {
                    ApiError::not_found(format!(
                        "the {name} '{target}' of '{}' does not exist",
                        current.id
                    ))
                })?;
                navigated = true;
            }
        }
    }
    if navigated && fault == Some(Fault::NavigationWritesSource) {
        return Ok(source);
    }
    Ok(current)
}

/// The fallback handler: every request comes here.
pub async fn handle(state: &ServiceState, request: Request) -> Result<Response, ApiError> {
    let (parts, request_body) = request.into_parts();
    let route = parse_path(parts.uri.path()).map_err(|segment| {
        ApiError::not_found(format!(
            "Resource not found for the segment '{segment}'; the service answers \
             /beta/deviceManagement/deviceConfigurations/{{id}}[/microsoft.graph.<type>][/<navigation>…]/userStatusOverview"
        ))
    })?;
    let fault = state.fault();
    if route.printed && fault == Some(Fault::PrintedSpelling404) {
        return Err(ApiError::not_found(format!(
            "Resource not found for the segment '' in {}",
            parts.uri.path()
        )));
    }
    if parts.method != Method::GET && parts.method != Method::PATCH {
        return Err(ApiError::method_not_allowed(parts.method.as_str()));
    }
    let body = body::read(&parts.headers, request_body).await?;
    if let Err(refusal) = auth::authorise(state.tokens(), &parts.headers, &parts.method, fault) {
        if refusal.status == StatusCode::FORBIDDEN
            && parts.method == Method::PATCH
            && fault == Some(Fault::ForbiddenWrites)
        {
            if let Ok(config) = resolve(state, &route) {
                let _ = patch(state, &config, &parts.headers, body).await;
            }
        }
        return Err(refusal);
    }
    let config = resolve(state, &route)?;
    let render = Render {
        model: state.model(),
        fault,
        deviations: state.deviations(),
        host: parts
            .headers
            .get(HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("127.0.0.1"),
        configuration_id: &config.id,
    };
    if parts.method == Method::GET {
        let entity = config.overview.lock().await.entity.clone();
        return Ok(render.response(&entity, Answer::Get));
    }
    let entity = patch(state, &config, &parts.headers, body).await?;
    Ok(render.response(&entity, Answer::Patch))
}

/// Validates the body completely, then applies it under the overview's lock; returns the
/// entity to answer with.
async fn patch(
    state: &ServiceState,
    config: &Configuration,
    headers: &HeaderMap,
    raw: Bytes,
) -> Result<Entity, ApiError> {
    let fault = state.fault();
    let model = state.model();
    if fault != Some(Fault::ContentTypeIgnored) {
        let status = if state.has(Deviation::Media400) {
            StatusCode::BAD_REQUEST
        } else {
            StatusCode::UNSUPPORTED_MEDIA_TYPE
        };
        body::check_media_type(headers, status)?;
    }
    if fault == Some(Fault::ServerErrorOnBadJson) && body::is_malformed_json(&raw) {
        return Err(ApiError::internal(
            "an unexpected error occurred while reading the request",
        ));
    }
    let key = config.overview_id.as_str();
    let loosened = body::loosen(fault, model, key, raw.clone());
    let patch = match parse_patch(model, &loosened, key) {
        Ok(p) => p,
        Err(refusal) => {
            if fault == Some(Fault::PartialApply) {
                apply_prefix(state, config, &loosened, key).await;
            }
            return Err(ApiError::bad_request(refusal.message));
        }
    };
    refuse_by_fault(fault, &patch)?;
    if patch.changes.is_empty() && state.has(Deviation::Empty400) {
        return Err(ApiError::bad_request(
            "at least 1 property must be changed; send a property with a new value",
        ));
    }
    let patch = store_as_fault(fault, patch);
    // Only `repeat-refused` reads the last body; copying it on every PATCH is work for nothing.
    let repeat =
        (fault == Some(Fault::RepeatRefused) && !patch.changes.is_empty()).then_some(&raw[..]);
    apply(state, config, &patch, repeat).await
}

/// Writes `patch` into the overview: under its lock for the whole read-modify-write (C5.4),
/// except under `lost-update`.
async fn apply(
    state: &ServiceState,
    config: &Configuration,
    patch: &Patch,
    raw: Option<&[u8]>,
) -> Result<Entity, ApiError> {
    let fault = state.fault();
    let model = state.model();
    let merge = |current: &Entity| {
        let mut updated = current.clone();
        if fault == Some(Fault::PatchReplaces) && !patch.changes.is_empty() {
            for (i, p) in model.writable() {
                updated.values[i] = fixtures::default_value(p.edm);
            }
        }
        patch.apply(&mut updated);
        updated
    };
    if fault == Some(Fault::LostUpdate) {
        let snapshot = config.overview.lock().await.entity.clone();
        tokio::time::sleep(Duration::from_millis(1)).await;
        let updated = merge(&snapshot);
        config.overview.lock().await.entity = updated.clone();
        return Ok(updated);
    }
    let mut guard = config.overview.lock().await;
    if fault == Some(Fault::RepeatRefused) && raw.is_some() && guard.last_body.as_deref() == raw {
        return Err(ApiError::bad_request(
            "this update was already applied; change a value before sending it again",
        ));
    }
    if fault == Some(Fault::NotPersisted) {
        return Ok(merge(&guard.entity));
    }
    guard.entity = merge(&guard.entity);
    let updated = guard.entity.clone();
    if let Some(raw) = raw {
        guard.last_body = Some(raw.to_vec());
    }
    Ok(updated)
}

/// `partial-apply`: applies, in order, the body's properties that are valid on their own,
/// up to the first one that is not.
async fn apply_prefix(state: &ServiceState, config: &Configuration, body: &[u8], key: &str) {
    let Ok(Value::Object(object)) = serde_json::from_slice::<Value>(body) else {
        return;
    };
    let mut changes = Vec::new();
    for (name, value) in object {
        let single = Value::Object([(name, value)].into_iter().collect()).to_string();
        match parse_patch(state.model(), single.as_bytes(), key) {
            Ok(p) => changes.extend(p.changes),
            Err(_) => break,
        }
    }
    if !changes.is_empty() {
        let _ = apply(state, config, &Patch { changes }, None).await;
    }
}

/// The faults that refuse valid values (C4.1).
fn refuse_by_fault(fault: Option<Fault>, patch: &Patch) -> Result<(), ApiError> {
    for (_, value) in &patch.changes {
        let refused = match (fault, value) {
            (Some(Fault::Int32MaxRefused), EdmValue::Int32(i32::MAX)) => {
                Some("2147483647 is out of range")
            }
            (Some(Fault::Offset14Refused), EdmValue::DateTimeOffset(d))
                if d.offset_minutes().abs() == 14 * 60 =>
            {
                Some("the offset is out of range")
            }
            (Some(Fault::Feb29Refused), EdmValue::DateTimeOffset(d))
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

/// The faults that store a different value than the one sent (C4.4).
fn store_as_fault(fault: Option<Fault>, patch: Patch) -> Patch {
    let transform: fn(DateTimeOffset) -> DateTimeOffset = match fault {
        Some(Fault::TruncateMilliseconds) => truncate_milliseconds,
        Some(Fault::OffsetSignFlipped) => flip_offset_sign,
        _ => return patch,
    };
    Patch {
        changes: patch
            .changes
            .into_iter()
            .map(|(i, v)| match v {
                EdmValue::DateTimeOffset(d) => (i, EdmValue::DateTimeOffset(transform(d))),
                other => (i, other),
            })
            .collect(),
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
        let printed = parse_path(
            "/beta/deviceManagement/deviceConfigurations/x/identityCertificate//rootCertificate//userStatusOverview/",
        )
        .unwrap();
        let plain =
            parse_path("/beta/deviceManagement/deviceConfigurations/x/identityCertificate/rootCertificate/userStatusOverview")
                .unwrap();
        assert!(printed.printed && !plain.printed);
        assert_eq!(printed.steps, plain.steps);
        assert_eq!(printed.id, "x");
    }

    #[test]
    fn casts_and_navigations_are_told_apart() {
        let r = parse_path(
            "/beta/deviceManagement/deviceConfigurations/x/microsoft.graph.iosScepCertificateProfile/rootCertificate//userStatusOverview/",
        )
        .unwrap();
        assert_eq!(
            r.steps,
            vec![
                Step::Cast("iosScepCertificateProfile"),
                Step::Navigation("rootCertificate")
            ]
        );
    }

    #[test]
    fn other_paths_are_not_routes() {
        for p in [
            "/",
            "/beta",
            "/v1.0/deviceManagement/deviceConfigurations/x/userStatusOverview",
            "/beta/deviceManagement/deviceConfigurations/x",
            "/beta/deviceManagement/deviceConfigurations/userStatusOverview",
            "/beta/deviceManagement/deviceConfigurations/x/userStatusOverview/extra",
            "/beta/deviceManagement/deviceConfigurations/x/assignments/userStatusOverview",
            "/beta/deviceManagement/deviceConfigurations/x/microsoft.graph./userStatusOverview",
        ] {
            assert!(parse_path(p).is_err(), "{p}");
        }
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
