//! The contract's clauses as CONTRACT.md numbers them: each clause's id, level and title, in one
//! catalogue that the harness and the service share (like `domain`), so reports can state a
//! verdict for every clause — including the ones a run never reached. The type clauses (C3.4,
//! C3.5, C3.8–C3.11) are titled in words: which Edm type each covers is said by the type's own
//! file in `domain/edm/`.

use serde::{Deserialize, Serialize};

/// MUST fails the run; SHOULD warns, and fails only under `--strict`; MAY is information only,
/// never a warning or a failure (what OData asks and Graph is not known to do).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Level {
    #[serde(rename = "MUST")]
    Must,
    #[serde(rename = "SHOULD")]
    Should,
    #[serde(rename = "MAY")]
    May,
}

impl Level {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Must => "MUST",
            Self::Should => "SHOULD",
            Self::May => "MAY",
        }
    }
}

/// One clause of CONTRACT.md: its id (`C4.8`), the level of its main promise, and a title a
/// reader can hand to a service's owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clause {
    pub id: &'static str,
    pub(crate) level: Level,
    pub(crate) title: &'static str,
}

/// The clause families of CONTRACT.md, each a constant like the clauses: routing, auth, the
/// request body, the answer, persistence, errors, and the harness's own behaviour.
pub(crate) const C1: &str = "C1";
pub(crate) const C2: &str = "C2";
pub(crate) const C3: &str = "C3";
pub(crate) const C4: &str = "C4";
pub(crate) const C5: &str = "C5";
pub(crate) const C6: &str = "C6";
pub(crate) const C7: &str = "C7";
pub(crate) const FAMILIES: [&str; 7] = [C1, C2, C3, C4, C5, C6, C7];

/// The family of a clause id: `C4` for `C4.4`.
pub(crate) fn family_of(clause: &str) -> &str {
    clause.split('.').next().unwrap_or(clause)
}

/// Sort key for clause ids: `C1.2` < `C1.10` < `C2.1`; anything unparsable goes last, by text.
pub(crate) fn clause_key(clause: &str) -> (u32, u32, u32, String) {
    let parse = || -> Option<(u32, u32)> {
        let rest = clause.strip_prefix('C')?;
        let mut parts = rest.splitn(2, '.');
        let family = parts.next()?.parse().ok()?;
        let number = match parts.next() {
            Some(n) => n.parse().ok()?,
            None => 0,
        };
        Some((family, number))
    };
    match parse() {
        Some((f, n)) => (0, f, n, String::new()),
        None => (1, 0, 0, clause.to_string()),
    }
}

impl Clause {
    /// The clause's family (`C4` for `C4.8`).
    pub(crate) fn family(&self) -> &'static str {
        family_of(self.id)
    }

    /// C7 and C1.4 describe the harness's own behaviour towards the target, not the target.
    pub(crate) fn about_the_harness(&self) -> bool {
        self.family() == C7 || self.id == C1_4
    }
}

const fn clause(id: &'static str, level: Level, title: &'static str) -> Clause {
    Clause { id, level, title }
}

use Level::{May, Must, Should};

// Each clause's id as a constant: code that cites a clause names one of these, so a clause
// CONTRACT.md does not have does not compile. report.json keeps the strings.
pub(crate) const C1_1: &str = "C1.1";
pub(crate) const C1_2: &str = "C1.2";
pub(crate) const C1_3: &str = "C1.3";
pub(crate) const C1_4: &str = "C1.4";
pub(crate) const C2_1: &str = "C2.1";
pub(crate) const C2_2: &str = "C2.2";
pub(crate) const C2_3: &str = "C2.3";
pub(crate) const C3_1: &str = "C3.1";
pub(crate) const C3_2: &str = "C3.2";
pub(crate) const C3_3: &str = "C3.3";
pub(crate) const C3_4: &str = "C3.4";
pub(crate) const C3_5: &str = "C3.5";
pub(crate) const C3_6: &str = "C3.6";
pub(crate) const C3_7: &str = "C3.7";
pub(crate) const C3_8: &str = "C3.8";
pub(crate) const C3_9: &str = "C3.9";
pub(crate) const C3_10: &str = "C3.10";
pub(crate) const C3_11: &str = "C3.11";
pub(crate) const C3_12: &str = "C3.12";
pub(crate) const C3_13: &str = "C3.13";
pub(crate) const C3_14: &str = "C3.14";
pub(crate) const C4_1: &str = "C4.1";
pub(crate) const C4_2: &str = "C4.2";
pub(crate) const C4_3: &str = "C4.3";
pub(crate) const C4_4: &str = "C4.4";
pub(crate) const C4_5: &str = "C4.5";
pub(crate) const C4_6: &str = "C4.6";
pub(crate) const C4_7: &str = "C4.7";
pub(crate) const C4_8: &str = "C4.8";
pub(crate) const C4_9: &str = "C4.9";
pub(crate) const C4_10: &str = "C4.10";
pub(crate) const C5_1: &str = "C5.1";
pub(crate) const C5_2: &str = "C5.2";
pub(crate) const C5_3: &str = "C5.3";
pub(crate) const C5_4: &str = "C5.4";
pub(crate) const C6_1: &str = "C6.1";
pub(crate) const C6_2: &str = "C6.2";
pub(crate) const C6_3: &str = "C6.3";
pub(crate) const C7_1: &str = "C7.1";
pub(crate) const C7_2: &str = "C7.2";

/// Every clause of CONTRACT.md, in its order. A clause whose main promise is MUST may carry a
/// SHOULD part (C2.2's 403, C4.3's `@odata.type`, C6.1's innerError); its checks say which.
pub static CATALOGUE: &[Clause] = &[
    clause(
        C1_1,
        Must,
        "every path variant accepts PATCH, as printed and normalised",
    ),
    clause(
        C1_2,
        Must,
        "a navigation variant addresses the referenced entity",
    ),
    clause(
        C1_3,
        Must,
        "a cast, key or navigation that does not match answers 404 or 400 and changes nothing",
    ),
    clause(C1_4, Must, "only the target's version prefix is used"),
    clause(
        C2_1,
        Must,
        "a missing, malformed, unreadable or expired token answers 401",
    ),
    clause(
        C2_2,
        Must,
        "a token without the write permission is refused (403)",
    ),
    clause(C2_3, Must, "a rejected request changes nothing"),
    clause(C3_1, Must, "Content-Type must be application/json"),
    clause(C3_2, Must, "the body must be one JSON object"),
    clause(C3_3, Must, "only the entity's properties and @odata.type"),
    clause(C3_4, Must, "32-, 16- and 8-bit integer values in range"),
    clause(
        C3_5,
        Must,
        "date-time-with-offset values keep the OData grammar",
    ),
    clause(C3_6, Must, "the key is read-only"),
    clause(C3_7, Must, "an empty object changes nothing"),
    clause(C3_8, Must, "boolean values"),
    clause(
        C3_9,
        Must,
        "64-bit integer values in range, read from their text",
    ),
    clause(C3_10, Must, "floating-point values"),
    clause(
        C3_11,
        Must,
        "date, time-of-day, duration, GUID, binary and string values",
    ),
    clause(
        C3_12,
        Must,
        "enum members, case-sensitive; flags joined by commas",
    ),
    clause(
        C3_13,
        Must,
        "collections and complex values keep their element and member types",
    ),
    clause(
        C3_14,
        May,
        "an OData-Version the service cannot honour is refused with 4xx",
    ),
    clause(
        C4_1,
        Must,
        "a valid PATCH answers 200 with the updated entity",
    ),
    clause(C4_2, Must, "the answer's Content-Type is application/json"),
    clause(
        C4_3,
        Must,
        "the answer is the whole entity, with no other members",
    ),
    clause(
        C4_4,
        Must,
        "every property sent comes back with the value sent",
    ),
    clause(C4_5, Must, "every property not sent comes back unchanged"),
    clause(C4_6, Must, "the key comes back unchanged"),
    clause(
        C4_7,
        Should,
        "request-id, client-request-id echoed, OData-Version: 4.0",
    ),
    clause(
        C4_8,
        Should,
        "@odata.context, when present, comes first and names $metadata",
    ),
    clause(
        C4_9,
        Should,
        "a 2xx entity answer's Content-Type names odata.metadata",
    ),
    clause(
        C4_10,
        Should,
        "under odata.streaming=true, control information comes first",
    ),
    clause(
        C5_1,
        Must,
        "a GET right after a PATCH returns the PATCH's values",
    ),
    clause(
        C5_2,
        Must,
        "the same PATCH twice leaves the same state as once",
    ),
    clause(C5_3, Must, "a rejected request changes nothing"),
    clause(
        C5_4,
        Must,
        "concurrent PATCHes of disjoint properties all take effect",
    ),
    clause(C6_1, Must, "every 4xx/5xx answer has the OData error body"),
    clause(
        C6_2,
        Must,
        "no valid request answers 5xx; no invalid request answers 2xx or 5xx",
    ),
    clause(
        C6_3,
        Must,
        "the error body is exactly the OData error shape",
    ),
    clause(
        C7_1,
        Must,
        "the harness waits as told on 429/503 and retries",
    ),
    clause(C7_2, Must, "the harness can cap its own request rate"),
];

/// The catalogue's entry for `id`, if CONTRACT.md has such a clause.
pub(crate) fn find(id: &str) -> Option<&'static Clause> {
    CATALOGUE.iter().find(|c| c.id == id)
}

/// The level a check of `id` reports at by default: the clause's own.
pub(crate) fn level_of(id: &str) -> Option<Level> {
    find(id).map(|c| c.level)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clauses_sort_numerically() {
        let mut c = vec!["C2.1", "C1.10", "C1.2", "X", "C1"];
        c.sort_by_key(|c| clause_key(c));
        assert_eq!(c, ["C1", "C1.2", "C1.10", "C2.1", "X"]);
        assert_eq!(family_of("C4.4"), C4);
    }

    #[test]
    fn ids_are_unique_and_in_contract_order_within_families() {
        let mut seen = std::collections::BTreeSet::new();
        for c in CATALOGUE {
            assert!(seen.insert(c.id), "{} twice", c.id);
            assert!(c.id.starts_with('C') && c.id.contains('.'), "{}", c.id);
        }
        assert_eq!(find("C4.10").map(|c| c.level), Some(Level::Should));
        assert_eq!(level_of("C3.14"), Some(Level::May));
        assert_eq!(find("C4.33"), None);
        assert_eq!(find("C6.3").map(Clause::family), Some("C6"));
    }

    #[test]
    fn levels_order_by_weight() {
        assert!(Level::Must < Level::Should && Level::Should < Level::May);
        assert_eq!(serde_json::to_string(&Level::May).unwrap(), "\"MAY\"");
    }
}
