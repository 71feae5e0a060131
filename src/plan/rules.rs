//! Cases the contract asks of every pack that no case file needs to spell out: protocol rules
//! that do not depend on the page (C3.14's `OData-Version`) on every variant, and the ladders
//! and two-sided pairs (`ladders`) once. Each varies the pack's own example body, so what a
//! service does with the one thing varied is all that differs from a valid PATCH.

use serde_json::{Map, Value};

use crate::case::{Auth, Case, Expectation, IdChoice, RequestSpec};
use crate::contract::Level;
use crate::contract::C3_14;
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

/// The pack's first plain valid PATCH body: the example the derived cases vary.
fn example(pack: &Pack) -> Option<&Map<String, Value>> {
    pack.suite.common.iter().find_map(|c| {
        let plain = c.expect == Expectation::Accepted
            && c.request.id == IdChoice::Variant
            && c.request.auth == Auth::Valid
            && c.request.body_raw.is_none()
            && c.request.content_type.as_deref() == Some("application/json");
        c.request
            .body
            .as_ref()
            .and_then(Value::as_object)
            .filter(|b| plain && !b.is_empty())
    })
}

/// The derived cases the canonical variant runs once: the ladders and pairs (none without an
/// example body).
pub(crate) fn once(pack: &Pack) -> Vec<Case> {
    example(pack).map_or_else(Vec::new, |e| super::ladders::all(&pack.model, e))
}

/// The derived cases every variant runs (none without an example body).
pub(crate) fn derived(pack: &Pack) -> Vec<Case> {
    let Some(example) = example(pack) else {
        return Vec::new();
    };
    UNSUPPORTED_VERSIONS
        .iter()
        .map(|(name, version, why)| Case {
            name: (*name).to_owned(),
            clause: C3_14.to_owned(),
            level: Level::May,
            description: format!(
                "OData-Version: {version} {why}: refused with 4xx, nothing changed (information only)."
            ),
            request: RequestSpec {
                headers: [("OData-Version".to_owned(), (*version).to_owned())].into(),
                body: Some(Value::Object(example.clone())),
                ..RequestSpec::default()
            },
            expect: Expectation::Refused {
                status: (400..500).collect(),
                preferred_status: Vec::new(),
            },
        })
        .collect()
}
