//! The embedded service's switches: faults (`--fault NAME`, each breaks exactly one clause, so
//! the harness can be shown to catch it) and deviations (`--deviation NAME`, behaviour the
//! contract allows, so the harness can be shown not to fail a correct-but-different service).
//!
//! A fault lives at the point of the service where it acts, one file per point: `route`,
//! `auth`, `body`, `store` (the write), `render` (entity answers and headers), `errors` (error
//! bodies), and `types` (each Edm type's faults, at the body and in the answer). Each file holds
//! its faults' enum, their catalogue rows and their behaviour; the service calls one hook of
//! the point where it does the thing a fault breaks. This file gathers the catalogue.

pub(crate) mod auth;
pub(crate) mod body;
pub(crate) mod errors;
mod measure;
pub(crate) mod render;
pub(crate) mod route;
pub(crate) mod store;
mod types;

use std::fmt;
use std::str::FromStr;

pub use auth::AuthFault;
pub use body::BodyFault;
pub use errors::ErrorFault;
pub use render::RenderFault;
pub use route::RouteFault;
pub use store::StoreFault;
pub use types::{Mishandling, TypeFault};

pub(crate) use auth::Gate;

use crate::contract::{Level, C3_4, C3_5, C4_4};

/// One fault's row in its point's catalogue: what `serve --list-faults` shows about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Row<F: 'static> {
    pub fault: F,
    pub name: &'static str,
    /// The clause the harness cites when it catches the fault.
    pub clause: &'static str,
    pub level: Level,
    pub description: &'static str,
}

impl<F: Copy + PartialEq> Row<F> {
    /// `fault`'s row in `rows`, found by the fault itself rather than by its position, so a
    /// table's order is free (a unit test shows every fault has exactly one row).
    fn of(rows: &'static [Row<F>], fault: F) -> &'static Row<F> {
        rows.iter()
            .find(|r| r.fault == fault)
            .expect("every fault has a row in its point's ROWS")
    }

    fn listed(&self, fault: Fault) -> FaultListing {
        FaultListing {
            fault,
            name: self.name.to_owned(),
            clause: self.clause,
            level: self.level,
            description: self.description.to_owned(),
        }
    }
}

/// What `serve --list-deviations` shows about one deviation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeviationInfo {
    pub deviation: Deviation,
    pub name: &'static str,
    pub(crate) description: &'static str,
}

/// A `--fault` or `--deviation` name that does not exist; the message lists the valid names.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} {given:?}; give {flag} one of: {valid}")]
pub struct UnknownSwitch {
    pub(crate) kind: &'static str,
    pub(crate) flag: &'static str,
    pub(crate) given: String,
    pub(crate) valid: String,
}

/// A deliberate bug of the embedded service; each breaks exactly one clause. The variant says
/// the point where it acts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Fault {
    Route(RouteFault),
    Auth(AuthFault),
    Body(BodyFault),
    Store(StoreFault),
    Render(RenderFault),
    Errors(ErrorFault),
    /// A type's fault, for every type a pack can use.
    Type(TypeFault),
}

/// Behaviour the contract allows but the default service does not show; several may be on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Deviation {
    UtcTimes,
    SevenDigits,
    PlainContentType,
    ExtraAnnotations,
    Reordered,
    Throttle,
    Media400,
    Empty400,
    InnererrorLowercase,
    Throttle1s,
    ReadOnly400,
}

/// A retired name that `--fault` still takes: the fault it stands for now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Alias {
    pub name: &'static str,
    /// The name of the fault it stands for.
    pub fault: &'static str,
    /// The clause the retired fault broke, which the fault it stands for breaks too.
    pub clause: &'static str,
}

/// The seed types' own faults, retired for the per-type faults that break the same clause with
/// the same kind of mistake (a valid edge refused, an invalid form accepted, the echo changed),
/// though not at the same value: `int32-wraps` now drops a fraction, `feb29-refused` now
/// refuses years 0001 and 9999, `truncate-milliseconds` now changes the PATCH answer and not
/// what is stored. Their names stay, so scripts that pass them keep working.
static ALIASES: &[Alias] = &[
    alias("int32-string-accepted", "int32-invalid-accepted", C3_4),
    alias("int32-wraps", "int32-invalid-accepted", C3_4),
    alias("int32-max-refused", "int32-edge-refused", C3_4),
    alias("offset-optional", "datetimeoffset-invalid-accepted", C3_5),
    alias("offset-14-refused", "datetimeoffset-edge-refused", C3_5),
    alias("feb29-refused", "datetimeoffset-edge-refused", C3_5),
    alias("truncate-milliseconds", "datetimeoffset-echo-mangled", C4_4),
    alias("offset-sign-flipped", "datetimeoffset-echo-mangled", C4_4),
];

const fn alias(name: &'static str, fault: &'static str, clause: &'static str) -> Alias {
    Alias {
        name,
        fault,
        clause,
    }
}

/// Every deviation, in declaration order.
static DEVIATIONS: &[DeviationInfo] = &[
    DeviationInfo {
        deviation: Deviation::UtcTimes,
        name: "utc-times",
        description: "times are answered re-expressed in UTC `Z` (same instant)",
    },
    DeviationInfo {
        deviation: Deviation::SevenDigits,
        name: "seven-digits",
        description: "times are answered with all 7 fraction digits, trailing zeros kept",
    },
    DeviationInfo {
        deviation: Deviation::PlainContentType,
        name: "plain-content-type",
        description: "successful answers say `Content-Type: application/json; odata.metadata=minimal` and no other parameter (no streaming, no charset)",
    },
    DeviationInfo {
        deviation: Deviation::ExtraAnnotations,
        name: "extra-annotations",
        description: "entity answers carry `@odata.etag` and a `<property>@odata.type` annotation before each property of a type Graph annotates (date-times)",
    },
    DeviationInfo {
        deviation: Deviation::Reordered,
        name: "reordered",
        description: "entity answers list their properties in reverse order, pretty-printed with whitespace, and do not advertise odata.streaming",
    },
    DeviationInfo {
        deviation: Deviation::Throttle,
        name: "throttle",
        description: "every 7th request answers 429 with `Retry-After: 0.05` and an error body, and changes nothing",
    },
    DeviationInfo {
        deviation: Deviation::Media400,
        name: "media-400",
        description: "a PATCH with the wrong media type answers 400 instead of 415",
    },
    DeviationInfo {
        deviation: Deviation::Empty400,
        name: "empty-400",
        description: "a PATCH that changes no property (`{}`) answers 400 \"at least 1 property must be changed\"",
    },
    DeviationInfo {
        deviation: Deviation::InnererrorLowercase,
        name: "innererror-lowercase",
        description: "error bodies spell `innererror` as OData does, instead of Graph's `innerError`",
    },
    DeviationInfo {
        deviation: Deviation::Throttle1s,
        name: "throttle-1s",
        description: "every 7th request answers 429 with `Retry-After: 1`, as Graph does under load, and changes nothing",
    },
    DeviationInfo {
        deviation: Deviation::ReadOnly400,
        name: "read-only-400",
        description: "a PATCH that sets a read-only property to another value answers 400 instead of leaving it unchanged",
    },
];

/// What `serve --list-faults` shows about any fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultListing {
    pub fault: Fault,
    pub name: String,
    pub clause: &'static str,
    pub level: Level,
    pub description: String,
}

impl Fault {
    pub fn listing(self) -> FaultListing {
        match self {
            Fault::Route(f) => f.row().listed(self),
            Fault::Auth(f) => f.row().listed(self),
            Fault::Body(f) => f.row().listed(self),
            Fault::Store(f) => f.row().listed(self),
            Fault::Render(f) => f.row().listed(self),
            Fault::Errors(f) => f.row().listed(self),
            Fault::Type(t) => FaultListing {
                fault: self,
                name: t.name(),
                clause: t.clause(),
                level: Level::Must,
                description: t.description(),
            },
        }
    }

    pub fn name(self) -> String {
        self.listing().name
    }

    /// True when the fault can show on `pack` (its entity has what the fault mishandles, or a
    /// variant has the shape it breaks), so a run against the pack must catch it.
    pub fn applies(self, pack: &crate::pack::Pack) -> bool {
        match self {
            Fault::Route(f) => f.applies(pack),
            Fault::Auth(f) => f.applies(pack),
            Fault::Body(f) => f.applies(pack),
            Fault::Store(f) => f.applies(pack),
            Fault::Render(f) => f.applies(pack),
            Fault::Errors(_) => true,
            Fault::Type(t) => t.applies(&pack.model),
        }
    }
}

/// Every fault, point by point (route, auth, body, store, render, errors), then every type's.
pub fn all_faults() -> Vec<FaultListing> {
    let listed =
        |rows: &mut dyn Iterator<Item = Fault>| rows.map(Fault::listing).collect::<Vec<_>>();
    [
        listed(&mut route::ROWS.iter().map(|r| Fault::Route(r.fault))),
        listed(&mut auth::ROWS.iter().map(|r| Fault::Auth(r.fault))),
        listed(&mut body::ROWS.iter().map(|r| Fault::Body(r.fault))),
        listed(&mut store::ROWS.iter().map(|r| Fault::Store(r.fault))),
        listed(&mut render::ROWS.iter().map(|r| Fault::Render(r.fault))),
        listed(&mut errors::ROWS.iter().map(|r| Fault::Errors(r.fault))),
        listed(&mut TypeFault::all().into_iter().map(Fault::Type)),
    ]
    .concat()
}

/// The retired names `--fault` still takes, each with the fault it stands for.
pub fn aliases() -> &'static [Alias] {
    ALIASES
}

impl Deviation {
    /// The deviation's row in [`DEVIATIONS`], found by the deviation itself.
    pub(crate) fn info(self) -> &'static DeviationInfo {
        DEVIATIONS
            .iter()
            .find(|i| i.deviation == self)
            .expect("every deviation has a row in DEVIATIONS")
    }

    pub(crate) fn name(self) -> &'static str {
        self.info().name
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

impl fmt::Display for Deviation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Fault {
    type Err = UnknownSwitch;

    /// A fault's name, or a retired name standing for one.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = ALIASES
            .iter()
            .find(|a| a.name == s.trim())
            .map_or(s, |a| a.fault);
        let all = all_faults();
        let named = all.iter().map(|f| (f.fault, f.name.as_str()));
        find(wanted, "fault", "--fault", named).map_err(|e| UnknownSwitch {
            given: s.to_owned(),
            valid: format!(
                "{} (or a retired name: {})",
                e.valid,
                ALIASES
                    .iter()
                    .map(|a| a.name)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            ..e
        })
    }
}

impl FromStr for Deviation {
    type Err = UnknownSwitch;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        find(
            s,
            "deviation",
            "--deviation",
            DEVIATIONS.iter().map(|i| (i.deviation, i.name)),
        )
    }
}

/// The switch named `given`, or an error that lists every valid name.
fn find<'n, T: Copy>(
    given: &str,
    kind: &'static str,
    flag: &'static str,
    switches: impl Iterator<Item = (T, &'n str)> + Clone,
) -> Result<T, UnknownSwitch> {
    let wanted = given.trim();
    switches
        .clone()
        .find(|(_, name)| *name == wanted)
        .map(|(switch, _)| switch)
        .ok_or_else(|| UnknownSwitch {
            kind,
            flag,
            given: given.to_owned(),
            valid: switches
                .map(|(_, name)| name)
                .collect::<Vec<_>>()
                .join(", "),
        })
}

/// Every deviation, in the order `serve --list-deviations` shows them.
pub fn deviations() -> &'static [DeviationInfo] {
    DEVIATIONS
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use strum::IntoEnumIterator;

    use super::*;

    /// Every variant of every point's enum has exactly one row, found by its variant, with a
    /// name of its own that parses back to it.
    #[test]
    fn every_fault_has_one_row_and_its_name_parses_back() {
        // Each enum's variants, as the compiler lists them.
        let variants = RouteFault::iter().count()
            + AuthFault::iter().count()
            + BodyFault::iter().count()
            + StoreFault::iter().count()
            + RenderFault::iter().count()
            + ErrorFault::iter().count();
        let listed: Vec<FaultListing> = all_faults()
            .into_iter()
            .filter(|f| !matches!(f.fault, Fault::Type(_)))
            .collect();
        let distinct: HashSet<Fault> = listed.iter().map(|f| f.fault).collect();
        assert_eq!(distinct.len(), listed.len(), "a fault has two rows");
        assert_eq!(distinct.len(), variants, "a fault has no row");
        for f in &listed {
            assert_eq!(f.fault.listing(), *f, "{} is found by its variant", f.name);
            assert_eq!(f.name.parse::<Fault>().unwrap(), f.fault);
        }
        let names: HashSet<String> = all_faults().into_iter().map(|f| f.name).collect();
        assert_eq!(names.len(), all_faults().len(), "two faults share a name");
    }

    #[test]
    fn every_deviation_has_one_row_and_its_name_parses_back() {
        let deviations: HashSet<Deviation> = DEVIATIONS.iter().map(|i| i.deviation).collect();
        assert_eq!(
            deviations.len(),
            DEVIATIONS.len(),
            "a deviation has two rows"
        );
        for info in DEVIATIONS {
            assert_eq!(info.deviation.info(), info);
            assert_eq!(info.name.parse::<Deviation>().unwrap(), info.deviation);
        }
        assert_eq!(deviations.len(), Deviation::ReadOnly400 as usize + 1);
    }

    /// A retired name stands for a fault that breaks the clause it broke, is no fault's own
    /// name, and is not listed as a fault of its own.
    #[test]
    fn every_alias_names_a_fault_of_the_same_clause() {
        let all = all_faults();
        for alias in ALIASES {
            let fault: Fault = alias.name.parse().unwrap();
            assert_eq!(fault.listing().name, alias.fault, "{}", alias.name);
            assert_eq!(fault.listing().clause, alias.clause, "{}", alias.name);
            assert!(matches!(fault, Fault::Type(_)), "{}", alias.name);
            assert!(!all.iter().any(|f| f.name == alias.name), "{}", alias.name);
        }
    }

    #[test]
    fn unknown_names_list_the_valid_ones() {
        let e = "nope".parse::<Fault>().unwrap_err().to_string();
        assert!(e.contains("unknown fault \"nope\""), "{e}");
        assert!(
            e.contains("lost-update") && e.contains("int32-wraps"),
            "{e}"
        );
        let e = "nope".parse::<Deviation>().unwrap_err().to_string();
        assert!(e.contains("--deviation") && e.contains("utc-times"), "{e}");
    }
}
