//! Faults at the route (C1): a path that reaches the wrong entity, or none, or any; and the
//! mock that answers every PATCH alike.

use std::sync::Arc;

use axum::body::Bytes;
use axum::http::header::{HeaderValue, CONTENT_TYPE};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value as Json;

use super::{Fault, Row};
use crate::contract::{Level, C1_1, C1_2, C1_3, C4_4};
use crate::pack::graph::{Bend, Miss};
use crate::pack::Pack;
use crate::service::errors::ApiError;
use crate::service::render::GRAPH_CONTENT_TYPE;
use crate::service::routes::{self, Route};
use crate::service::store::Stored;
use crate::service::ServiceState;

/// The faults of the route.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(test, derive(strum::EnumIter))]
pub enum RouteFault {
    PrintedSpelling404,
    NavigationWritesSource,
    CastIgnored,
    UnknownIdCreated,
    MockLike,
}

/// What each route fault breaks: how a path reaches the wrong entity, none, or any.
pub(super) static ROWS: &[Row<RouteFault>] = &[
    Row {
        fault: RouteFault::PrintedSpelling404,
        name: "printed-spelling-404",
        clause: C1_1,
        level: Level::Must,
        description: "only normalised paths route: a path with empty `//` segments or a trailing `/` answers 404",
    },
    Row {
        fault: RouteFault::NavigationWritesSource,
        name: "navigation-writes-source",
        clause: C1_2,
        level: Level::Must,
        description: "a navigation variant reads and writes the overview of {id} itself, not of the configuration it references",
    },
    Row {
        fault: RouteFault::CastIgnored,
        name: "cast-ignored",
        clause: C1_3,
        level: Level::Must,
        description: "a type-cast segment matches a configuration of any type; behind a cast that does not match, a missing navigation is not checked either and the request reaches {id}'s own overview",
    },
    Row {
        fault: RouteFault::UnknownIdCreated,
        name: "unknown-id-created",
        clause: C1_3,
        level: Level::Must,
        description: "an unknown {id} answers 200, creating a configuration and its overview on the spot",
    },
    Row {
        fault: RouteFault::MockLike,
        name: "mock-like",
        clause: C4_4,
        level: Level::Must,
        description: "a mock that ignores every PATCH, answering the page's example, and never answers a body that is not JSON (as Stoplight Prism's mock does)",
    },
];

impl RouteFault {
    pub(super) fn row(self) -> &'static Row<Self> {
        Row::of(ROWS, self)
    }

    /// True when `pack` has a variant of the shape the fault breaks.
    pub(super) fn applies(self, pack: &Pack) -> bool {
        match self {
            RouteFault::PrintedSpelling404 => {
                pack.variants.iter().any(|v| v.template.has_printed_form())
            }
            RouteFault::NavigationWritesSource => pack
                .fixtures
                .variants
                .iter()
                .any(|(name, ids)| name != &pack.canonical().name && ids.reads.is_some()),
            RouteFault::CastIgnored => pack
                .fixtures
                .variants
                .values()
                .any(|v| v.probes.contains_key("cast-mismatch")),
            RouteFault::UnknownIdCreated => pack
                .variants
                .iter()
                .any(|v| v.template.keys().next().is_some()),
            RouteFault::MockLike => true,
        }
    }
}

fn mine(fault: Option<Fault>) -> Option<RouteFault> {
    match fault {
        Some(Fault::Route(f)) => Some(f),
        _ => None,
    }
}

/// `printed-spelling-404`: a path spelt as the page prints it is not found.
pub(crate) fn refuse(fault: Option<Fault>, route: &Route<'_>, path: &str) -> Result<(), ApiError> {
    if route.printed && mine(fault) == Some(RouteFault::PrintedSpelling404) {
        return Err(ApiError::not_found(format!(
            "Resource not found for the segment '' in {path}"
        )));
    }
    Ok(())
}

/// How the graph is walked: `cast-ignored` lets a cast match any type.
pub(crate) fn bend(fault: Option<Fault>) -> Bend {
    Bend {
        ignore_casts: mine(fault) == Some(RouteFault::CastIgnored),
    }
}

/// The entity a fault reaches instead of the one the walk `reached`, if it does:
/// `navigation-writes-source` takes the path's source, `unknown-id-created` makes an entity
/// for an unknown key.
pub(crate) fn misroute(
    state: &ServiceState,
    route: &Route<'_>,
    segments: &[&str],
    reached: &Result<&str, Miss>,
) -> Option<Arc<Stored>> {
    match (mine(state.fault()), reached) {
        (Some(RouteFault::NavigationWritesSource), Ok(_)) => {
            source_of(state, segments, bend(state.fault())).and_then(|id| state.store().get(&id))
        }
        (Some(RouteFault::UnknownIdCreated), Err(Miss::NotMember { exists: false, .. })) => Some(
            state
                .store()
                .get_or_create(&route.segments.join("/"), &state.pack().model),
        ),
        _ => None,
    }
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

/// `mock-like`: a PATCH is answered with the page's example whatever it sent, and a body that
/// is not JSON is never answered (the connection stays silent); `None` under any other fault
/// or for a GET.
pub(crate) async fn mock(
    state: &ServiceState,
    route: &Route<'_>,
    method: &Method,
    body: &Bytes,
) -> Option<Result<Response, ApiError>> {
    if mine(state.fault()) != Some(RouteFault::MockLike) || method != Method::PATCH {
        return None;
    }
    if super::body::is_malformed_json(body) {
        std::future::pending::<()>().await;
    }
    Some(routes::resolve(state, route).map(|stored| example(state.pack(), &stored.id)))
}

/// The page's example, with the entity's type and key.
fn example(pack: &Pack, key: &str) -> Response {
    let model = &pack.model;
    let mut body = serde_json::Map::new();
    body.insert("@odata.type".into(), Json::String(model.odata_type.clone()));
    body.insert(model.key.clone(), Json::String(key.to_owned()));
    if let Some(Json::Object(example)) = &pack.meta.example {
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
