//! The embedded service's switches: faults (`--fault NAME`, each breaks exactly one clause, so
//! the harness can be shown to catch it) and deviations (`--deviation NAME`, behaviour the
//! contract allows, so the harness can be shown not to fail a correct-but-different service).

use std::fmt;
use std::str::FromStr;

use crate::outcome::Level;

/// What `serve --list-faults` shows about one fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FaultInfo {
    pub name: &'static str,
    /// The clause the harness cites when it catches the fault.
    pub clause: &'static str,
    pub level: Level,
    pub description: &'static str,
}

/// What `serve --list-deviations` shows about one deviation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeviationInfo {
    pub name: &'static str,
    pub description: &'static str,
}

macro_rules! switches {
    (
        $(#[$meta:meta])* $vis:vis enum $enum:ident, $info:ident, $table:ident,
        $kind:literal, $flag:literal {
            $( $variant:ident = $name:literal $(, $clause:literal, $level:ident)? : $desc:literal ; )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        $vis enum $enum { $( $variant, )* }

        static $table: &[$info] = &[
            $( $info { name: $name, $( clause: $clause, level: Level::$level, )? description: $desc }, )*
        ];

        impl $enum {
            pub const ALL: &'static [$enum] = &[ $( $enum::$variant, )* ];

            pub fn name(self) -> &'static str {
                match self { $( $enum::$variant => $name, )* }
            }

            pub fn info(self) -> &'static $info {
                let i = Self::ALL.iter().position(|x| *x == self).expect("every switch is listed");
                &$table[i]
            }
        }

        impl fmt::Display for $enum {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.name())
            }
        }

        impl FromStr for $enum {
            type Err = UnknownSwitch;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::ALL
                    .iter()
                    .copied()
                    .find(|x| x.name() == s.trim())
                    .ok_or_else(|| UnknownSwitch {
                        kind: $kind,
                        flag: $flag,
                        given: s.to_owned(),
                        valid: Self::ALL.iter().map(|x| x.name()).collect::<Vec<_>>().join(", "),
                    })
            }
        }
    };
}

/// A `--fault` or `--deviation` name that does not exist; the message lists the valid names.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} {given:?}; give {flag} one of: {valid}")]
pub struct UnknownSwitch {
    pub kind: &'static str,
    pub flag: &'static str,
    pub given: String,
    pub valid: String,
}

switches! {
    /// A deliberate bug of the embedded service; each breaks exactly one clause.
    pub enum Fault, FaultInfo, FAULTS, "fault", "--fault" {
        PrintedSpelling404 = "printed-spelling-404", "C1.1", Must:
            "only normalised paths route: a path with empty `//` segments or a trailing `/` answers 404";
        NavigationWritesSource = "navigation-writes-source", "C1.2", Must:
            "a navigation variant reads and writes the overview of {id} itself, not of the configuration it references";
        CastIgnored = "cast-ignored", "C1.3", Must:
            "a type-cast segment matches a configuration of any type; behind a cast that does not match, a missing navigation is not checked either and the request reaches {id}'s own overview";
        UnknownIdCreated = "unknown-id-created", "C1.3", Must:
            "an unknown {id} answers 200, creating a configuration and its overview on the spot";
        NoAuthAccepted = "no-auth-accepted", "C2.1", Must:
            "a request without an Authorization header is accepted as if it had a token with every scope";
        ExpiredAccepted = "expired-accepted", "C2.1", Must:
            "a token whose `exp` is in the past is accepted";
        ScopeIgnored = "scope-ignored", "C2.2", Must:
            "scopes are not checked: a readable token without DeviceManagementConfiguration.ReadWrite.All may PATCH";
        Scope401 = "scope-401", "C2.2", Should:
            "a token without the scope is refused with 401 instead of 403";
        ForbiddenWrites = "forbidden-writes", "C2.3", Must:
            "a PATCH refused with 403 (token without the scope) is applied anyway";
        ContentTypeIgnored = "content-type-ignored", "C3.1", Must:
            "the Content-Type of a PATCH is not checked: a text/plain (or absent) media type is read as JSON";
        UnknownPropertyIgnored = "unknown-property-ignored", "C3.3", Must:
            "a property the entity does not have is dropped silently instead of refused";
        Int32StringAccepted = "int32-string-accepted", "C3.4", Must:
            "an Int32 sent as a numeric string (\"4\") is accepted as the number";
        Int32Wraps = "int32-wraps", "C3.4", Must:
            "an integer outside the Int32 range is accepted and wrapped modulo 2^32 (2147483648 becomes -2147483648)";
        OffsetOptional = "offset-optional", "C3.5", Must:
            "a DateTimeOffset without an offset is accepted as UTC";
        IdWritable = "id-writable", "C3.6", Must:
            "a body whose `id` differs from the key is accepted with 200 and the `id` ignored";
        Patch204 = "patch-204", "C4.1", Must:
            "a valid PATCH answers 204 No Content without a body, as the live Intune service does";
        TextPlainResponse = "text-plain-response", "C4.2", Must:
            "a valid PATCH answers with Content-Type text/plain";
        MissingProperty = "missing-property", "C4.3", Must:
            "a PATCH response omits the entity's last property";
        NoOdataType = "no-odata-type", "C4.3", Should:
            "responses carry no `@odata.type`";
        TruncateMilliseconds = "truncate-milliseconds", "C4.4", Must:
            "times are stored truncated to whole milliseconds (a time already in whole milliseconds is unaffected)";
        OffsetSignFlipped = "offset-sign-flipped", "C4.4", Must:
            "the stored instant is computed with the offset's sign flipped (a UTC `Z` time is unaffected)";
        Int32MaxRefused = "int32-max-refused", "C4.1", Must:
            "exactly 2147483647, a valid Int32, is refused with 400";
        Offset14Refused = "offset-14-refused", "C4.1", Must:
            "a valid DateTimeOffset with offset +14:00 or -14:00 is refused with 400";
        Feb29Refused = "feb29-refused", "C4.1", Must:
            "a valid DateTimeOffset on 29 February is refused with 400";
        PatchReplaces = "patch-replaces", "C4.5", Must:
            "a PATCH that changes something resets every property it does not send to 0 / 0001-01-01T00:00:00Z";
        IdChanges = "id-changes", "C4.6", Must:
            "PATCH answers report an `id` that differs from the entity's key (each hex digit complemented); GET still shows the key";
        NoRequestId = "no-request-id", "C4.7", Should:
            "no `request-id` response header";
        NotPersisted = "not-persisted", "C5.1", Must:
            "a valid PATCH answers with the updated entity, but the store keeps the old values";
        RepeatRefused = "repeat-refused", "C5.2", Must:
            "a non-empty PATCH body identical to the last one applied to that overview is refused with 400";
        PartialApply = "partial-apply", "C5.3", Must:
            "a refused body's valid properties that come before the invalid one are applied before the 400";
        LostUpdate = "lost-update", "C5.4", Must:
            "PATCH reads, waits 1 ms, then writes the whole entity back without a lock, so concurrent PATCHes of disjoint properties lose updates";
        PlainErrorBody = "plain-error-body", "C6.1", Must:
            "error answers are text/plain sentences instead of OData error bodies";
        ErrorWithoutCode = "error-without-code", "C6.1", Must:
            "error bodies lack `error.code`";
        NoInnerError = "no-inner-error", "C6.1", Should:
            "error bodies lack `innerError`";
        ServerErrorOnBadJson = "server-error-on-bad-json", "C6.2", Must:
            "a syntactically malformed JSON body answers 500 instead of 400";
    }
}

switches! {
    /// Behaviour the contract allows but the default service does not show; several may be on.
    pub enum Deviation, DeviationInfo, DEVIATIONS, "deviation", "--deviation" {
        UtcTimes = "utc-times":
            "times are answered re-expressed in UTC `Z` (same instant)";
        SevenDigits = "seven-digits":
            "times are answered with all 7 fraction digits, trailing zeros kept";
        PlainContentType = "plain-content-type":
            "successful answers say `Content-Type: application/json` with no parameters";
        ExtraAnnotations = "extra-annotations":
            "entity answers carry `@odata.context`, `@odata.etag` and a `<property>@odata.type` annotation on each DateTimeOffset property";
        Reordered = "reordered":
            "entity answers list their keys in reverse order, pretty-printed with whitespace";
        Throttle = "throttle":
            "every 7th request answers 429 with `Retry-After: 0.05` and an error body, and changes nothing";
        Media400 = "media-400":
            "a PATCH with the wrong media type answers 400 instead of 415";
        Empty400 = "empty-400":
            "a PATCH that changes no property (`{}`) answers 400 \"at least 1 property must be changed\"";
        InnererrorLowercase = "innererror-lowercase":
            "error bodies spell `innererror` as OData does, instead of Graph's `innerError`";
    }
}

/// Every fault, in the order `serve --list-faults` shows them.
pub fn faults() -> &'static [FaultInfo] {
    FAULTS
}

/// Every deviation, in the order `serve --list-deviations` shows them.
pub fn deviations() -> &'static [DeviationInfo] {
    DEVIATIONS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_tables_line_up() {
        for f in Fault::ALL {
            assert_eq!(f.name().parse::<Fault>().unwrap(), *f);
            assert_eq!(f.info().name, f.name());
        }
        for d in Deviation::ALL {
            assert_eq!(d.name().parse::<Deviation>().unwrap(), *d);
            assert_eq!(d.info().name, d.name());
        }
        assert_eq!(faults().len(), Fault::ALL.len());
        assert_eq!(deviations().len(), Deviation::ALL.len());
    }

    #[test]
    fn unknown_names_list_the_valid_ones() {
        let e = "nope".parse::<Fault>().unwrap_err().to_string();
        assert!(e.contains("unknown fault \"nope\""), "{e}");
        assert!(e.contains("lost-update"), "{e}");
        let e = "nope".parse::<Deviation>().unwrap_err().to_string();
        assert!(e.contains("--deviation") && e.contains("utc-times"), "{e}");
    }
}
