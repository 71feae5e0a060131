//! Cases the contract asks of every pack that no case file needs to spell out: protocol rules
//! that do not depend on the page (C3.14's `OData-Version`). Each sends the pack's own example
//! body, so what a service does with the header is all that differs from a valid PATCH.

use crate::case::{Auth, Case, IdChoice, Kind, RequestSpec};
use crate::contract::Level;
use crate::pack::Pack;

/// `OData-Version` values a service cannot honour (OData 4.01 Protocol §8.2.6): one that is
/// not a version at all, and one above every version there is.
const UNSUPPORTED_VERSIONS: [(&str, &str, &str); 2] = [
    ("odata-version-malformed", "x", "is not a version"),
    (
        "odata-version-unsupported",
        "9999.0",
        "is above every OData version",
    ),
];

/// The derived cases every variant runs, given the pack's first plain valid PATCH body (none
/// when the pack has no such case).
pub(crate) fn derived(pack: &Pack) -> Vec<Case> {
    let Some(example) = pack.suite.common.iter().find(|c| {
        c.kind == Kind::Accepted
            && c.request.id == IdChoice::Variant
            && c.request.auth == Auth::Valid
            && c.request.body_raw.is_none()
            && c.request
                .body
                .as_ref()
                .is_some_and(|b| b.as_object().is_some_and(|o| !o.is_empty()))
    }) else {
        return Vec::new();
    };
    UNSUPPORTED_VERSIONS
        .iter()
        .map(|(name, version, why)| Case {
            name: (*name).to_owned(),
            clause: "C3.14".to_owned(),
            level: Level::May,
            description: format!("OData-Version: {version} {why}: refused with 4xx, nothing changed (information only)."),
            kind: Kind::Refused,
            request: RequestSpec {
                headers: [("OData-Version".to_owned(), (*version).to_owned())].into(),
                body: example.request.body.clone(),
                ..RequestSpec::default()
            },
            status: (400..500).collect(),
            preferred_status: Vec::new(),
            bodies: Vec::new(),
            rounds: None,
        })
        .collect()
}
