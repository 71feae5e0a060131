//! The embedded service's switches: faults (`--fault NAME`, each breaks exactly one clause, so
//! the harness can be shown to catch it) and deviations (`--deviation NAME`, behaviour the
//! contract allows, so the harness can be shown not to fail a correct-but-different service).

use std::fmt;
use std::str::FromStr;

use super::type_faults::TypeFault;
use crate::contract::{
    C1_1, C1_2, C1_3, C2_1, C2_2, C2_3, C3_1, C3_11, C3_12, C3_14, C3_2, C3_3, C3_4, C3_5, C3_6,
    C4_1, C4_10, C4_2, C4_3, C4_4, C4_5, C4_6, C4_7, C4_8, C4_9, C5_1, C5_2, C5_3, C5_4, C6_1,
    C6_2, C6_3,
};
use crate::domain::Primitive;
use crate::outcome::Level;

/// What `serve --list-faults` shows about one of the named faults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FaultInfo {
    pub fault: Named,
    pub name: &'static str,
    /// The clause the harness cites when it catches the fault.
    pub clause: &'static str,
    pub level: Level,
    pub description: &'static str,
}

/// What `serve --list-deviations` shows about one deviation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeviationInfo {
    pub deviation: Deviation,
    pub name: &'static str,
    pub description: &'static str,
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

/// A deliberate bug of the embedded service; each breaks exactly one clause: one of the named
/// faults, or a type's fault (for every type a pack can use).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Fault {
    Named(Named),
    Type(TypeFault),
}

/// The named faults; [`FAULTS`] says what each breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Named {
    PrintedSpelling404,
    NavigationWritesSource,
    CastIgnored,
    UnknownIdCreated,
    NoAuthAccepted,
    ExpiredAccepted,
    ScopeIgnored,
    Scope401,
    ForbiddenWrites,
    ContentTypeIgnored,
    UnknownPropertyIgnored,
    Int32StringAccepted,
    Int32Wraps,
    OffsetOptional,
    IdWritable,
    Patch204,
    TextPlainResponse,
    MissingProperty,
    NoOdataType,
    TruncateMilliseconds,
    OffsetSignFlipped,
    Int32MaxRefused,
    Offset14Refused,
    Feb29Refused,
    PatchReplaces,
    IdChanges,
    NoRequestId,
    NotPersisted,
    RepeatRefused,
    PartialApply,
    InvalidZeroed,
    LostUpdate,
    PlainErrorBody,
    ErrorWithoutCode,
    NoInnerError,
    ServerErrorOnBadJson,
    MockLike,
    TrailingTextIgnored,
    NamesCaseInsensitive,
    ServerErrorOnLongNumber,
    ReadScopeWrites,
    AppRolesRefused,
    MediaTypeCaseSensitive,
    MergePatchAccepted,
    ExtraProperty,
    WrongOdataTypeInAnswer,
    ClientRequestIdNotEchoed,
    NoOdataVersion,
    EmptyErrorMessage,
    OdataVersionIgnored,
    ContextAfterProperties,
    NoOdataMetadata,
    StreamingOutOfOrder,
    ErrorExtraMember,
    ErrorDetailsObject,
    DerivedTypeUnannounced,
    JsonMediaPrefix,
    TrailingWhitespaceRefused,
    NamePrefixMatched,
    PaddedBodyRefused,
    LongStringRefused,
    ServerErrorOnDeepNesting,
    ServerErrorOnManyMembers,
    ServerErrorOnMidLongNumber,
    EnumSetRefused,
    EnumSetAccepted,
    ContextNotMetadataUrl,
    NoOdataContext,
    ErrorDetailWithoutCode,
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

/// Every named fault: its name, clause, level and description, in `--list-faults` order.
static FAULTS: &[FaultInfo] = &[
    FaultInfo {
        fault: Named::PrintedSpelling404,
        name: "printed-spelling-404",
        clause: C1_1,
        level: Level::Must,
        description: "only normalised paths route: a path with empty `//` segments or a trailing `/` answers 404",
    },
    FaultInfo {
        fault: Named::NavigationWritesSource,
        name: "navigation-writes-source",
        clause: C1_2,
        level: Level::Must,
        description: "a navigation variant reads and writes the overview of {id} itself, not of the configuration it references",
    },
    FaultInfo {
        fault: Named::CastIgnored,
        name: "cast-ignored",
        clause: C1_3,
        level: Level::Must,
        description: "a type-cast segment matches a configuration of any type; behind a cast that does not match, a missing navigation is not checked either and the request reaches {id}'s own overview",
    },
    FaultInfo {
        fault: Named::UnknownIdCreated,
        name: "unknown-id-created",
        clause: C1_3,
        level: Level::Must,
        description: "an unknown {id} answers 200, creating a configuration and its overview on the spot",
    },
    FaultInfo {
        fault: Named::NoAuthAccepted,
        name: "no-auth-accepted",
        clause: C2_1,
        level: Level::Must,
        description: "a request without an Authorization header is accepted as if it had a token with every scope",
    },
    FaultInfo {
        fault: Named::ExpiredAccepted,
        name: "expired-accepted",
        clause: C2_1,
        level: Level::Must,
        description: "a token whose `exp` is in the past is accepted",
    },
    FaultInfo {
        fault: Named::ScopeIgnored,
        name: "scope-ignored",
        clause: C2_2,
        level: Level::Must,
        description: "scopes are not checked: a readable token without DeviceManagementConfiguration.ReadWrite.All may PATCH",
    },
    FaultInfo {
        fault: Named::Scope401,
        name: "scope-401",
        clause: C2_2,
        level: Level::Should,
        description: "a token without the scope is refused with 401 instead of 403",
    },
    FaultInfo {
        fault: Named::ForbiddenWrites,
        name: "forbidden-writes",
        clause: C2_3,
        level: Level::Must,
        description: "a PATCH refused with 403 (token without the scope) is applied anyway",
    },
    FaultInfo {
        fault: Named::ContentTypeIgnored,
        name: "content-type-ignored",
        clause: C3_1,
        level: Level::Must,
        description: "the Content-Type of a PATCH is not checked: a text/plain (or absent) media type is read as JSON",
    },
    FaultInfo {
        fault: Named::UnknownPropertyIgnored,
        name: "unknown-property-ignored",
        clause: C3_3,
        level: Level::Must,
        description: "a property the entity does not have is dropped silently instead of refused",
    },
    FaultInfo {
        fault: Named::Int32StringAccepted,
        name: "int32-string-accepted",
        clause: C3_4,
        level: Level::Must,
        description: "an Int32 sent as a numeric string (\"4\") is accepted as the number",
    },
    FaultInfo {
        fault: Named::Int32Wraps,
        name: "int32-wraps",
        clause: C3_4,
        level: Level::Must,
        description: "an integer outside the Int32 range is accepted and wrapped modulo 2^32 (2147483648 becomes -2147483648)",
    },
    FaultInfo {
        fault: Named::OffsetOptional,
        name: "offset-optional",
        clause: C3_5,
        level: Level::Must,
        description: "a DateTimeOffset without an offset is accepted as UTC",
    },
    FaultInfo {
        fault: Named::IdWritable,
        name: "id-writable",
        clause: C3_6,
        level: Level::Must,
        description: "a body whose `id` differs from the key is accepted with 200 and the `id` ignored",
    },
    FaultInfo {
        fault: Named::Patch204,
        name: "patch-204",
        clause: C4_1,
        level: Level::Must,
        description: "a valid PATCH answers 204 No Content without a body, as the live Intune service does",
    },
    FaultInfo {
        fault: Named::TextPlainResponse,
        name: "text-plain-response",
        clause: C4_2,
        level: Level::Must,
        description: "a valid PATCH answers with Content-Type text/plain",
    },
    FaultInfo {
        fault: Named::MissingProperty,
        name: "missing-property",
        clause: C4_3,
        level: Level::Must,
        description: "a PATCH response omits the entity's last property",
    },
    FaultInfo {
        fault: Named::NoOdataType,
        name: "no-odata-type",
        clause: C4_3,
        level: Level::Should,
        description: "responses carry no `@odata.type`",
    },
    FaultInfo {
        fault: Named::TruncateMilliseconds,
        name: "truncate-milliseconds",
        clause: C4_4,
        level: Level::Must,
        description: "times are stored truncated to whole milliseconds (a time already in whole milliseconds is unaffected)",
    },
    FaultInfo {
        fault: Named::OffsetSignFlipped,
        name: "offset-sign-flipped",
        clause: C4_4,
        level: Level::Must,
        description: "the stored instant is computed with the offset's sign flipped (a UTC `Z` time is unaffected)",
    },
    FaultInfo {
        fault: Named::Int32MaxRefused,
        name: "int32-max-refused",
        clause: C3_4,
        level: Level::Must,
        description: "exactly 2147483647, a valid Int32, is refused with 400",
    },
    FaultInfo {
        fault: Named::Offset14Refused,
        name: "offset-14-refused",
        clause: C3_5,
        level: Level::Must,
        description: "a valid DateTimeOffset with offset +14:00 or -14:00 is refused with 400",
    },
    FaultInfo {
        fault: Named::Feb29Refused,
        name: "feb29-refused",
        clause: C3_5,
        level: Level::Must,
        description: "a valid DateTimeOffset on 29 February is refused with 400",
    },
    FaultInfo {
        fault: Named::PatchReplaces,
        name: "patch-replaces",
        clause: C4_5,
        level: Level::Must,
        description: "a PATCH that changes something resets every property it does not send to 0 / 0001-01-01T00:00:00Z",
    },
    FaultInfo {
        fault: Named::IdChanges,
        name: "id-changes",
        clause: C4_6,
        level: Level::Must,
        description: "PATCH answers report an `id` that differs from the entity's key (each hex digit complemented); GET still shows the key",
    },
    FaultInfo {
        fault: Named::NoRequestId,
        name: "no-request-id",
        clause: C4_7,
        level: Level::Should,
        description: "no `request-id` response header",
    },
    FaultInfo {
        fault: Named::NotPersisted,
        name: "not-persisted",
        clause: C5_1,
        level: Level::Must,
        description: "a valid PATCH answers with the updated entity, but the store keeps the old values",
    },
    FaultInfo {
        fault: Named::RepeatRefused,
        name: "repeat-refused",
        clause: C5_2,
        level: Level::Must,
        description: "a non-empty PATCH body identical to the last one applied to that overview is refused with 400",
    },
    FaultInfo {
        fault: Named::PartialApply,
        name: "partial-apply",
        clause: C5_3,
        level: Level::Must,
        description: "a refused body's valid properties that come before the invalid one are applied before the 400",
    },
    FaultInfo {
        fault: Named::InvalidZeroed,
        name: "invalid-zeroed",
        clause: C5_3,
        level: Level::Must,
        description: "a refused body's properties with an invalid value are reset to their type's plain value (0, false, the first member…) before the 400",
    },
    FaultInfo {
        fault: Named::LostUpdate,
        name: "lost-update",
        clause: C5_4,
        level: Level::Must,
        description: "PATCH reads, waits 1 ms, then writes the whole entity back without a lock, so concurrent PATCHes of disjoint properties lose updates",
    },
    FaultInfo {
        fault: Named::PlainErrorBody,
        name: "plain-error-body",
        clause: C6_1,
        level: Level::Must,
        description: "error answers are text/plain sentences instead of OData error bodies",
    },
    FaultInfo {
        fault: Named::ErrorWithoutCode,
        name: "error-without-code",
        clause: C6_1,
        level: Level::Must,
        description: "error bodies lack `error.code`",
    },
    FaultInfo {
        fault: Named::NoInnerError,
        name: "no-inner-error",
        clause: C6_1,
        level: Level::Should,
        description: "error bodies lack `innerError`",
    },
    FaultInfo {
        fault: Named::ServerErrorOnBadJson,
        name: "server-error-on-bad-json",
        clause: C6_2,
        level: Level::Must,
        description: "a syntactically malformed JSON body answers 500 instead of 400",
    },
    FaultInfo {
        fault: Named::MockLike,
        name: "mock-like",
        clause: C4_4,
        level: Level::Must,
        description: "a mock that ignores every PATCH, answering the page's example, and never answers a body that is not JSON (as Stoplight Prism's mock does)",
    },
    FaultInfo {
        fault: Named::TrailingTextIgnored,
        name: "trailing-text-ignored",
        clause: C3_2,
        level: Level::Must,
        description: "a body that is one JSON object followed by more text is read as the object alone (a streaming parser that stops after the first value)",
    },
    FaultInfo {
        fault: Named::NamesCaseInsensitive,
        name: "names-case-insensitive",
        clause: C3_3,
        level: Level::Must,
        description: "property names are matched ignoring letter case, so a name that differs from a real one only in case is taken for it",
    },
    FaultInfo {
        fault: Named::ServerErrorOnLongNumber,
        name: "server-error-on-long-number",
        clause: C6_2,
        level: Level::Must,
        description: "a number literal of 1000 digits or more answers 500 (the parser overflows) instead of 400",
    },
    FaultInfo {
        fault: Named::ReadScopeWrites,
        name: "read-scope-writes",
        clause: C2_2,
        level: Level::Must,
        description: "a token with only the read permission (…Read.All) may PATCH",
    },
    FaultInfo {
        fault: Named::AppRolesRefused,
        name: "app-roles-refused",
        clause: C2_2,
        level: Level::Must,
        description: "only delegated scopes (scp) are read: an application token whose roles grant the permission is refused with 403",
    },
    FaultInfo {
        fault: Named::MediaTypeCaseSensitive,
        name: "media-type-case-sensitive",
        clause: C3_1,
        level: Level::Must,
        description: "the media type is compared case-sensitively, so `Application/JSON` (the same media type) is refused with 415",
    },
    FaultInfo {
        fault: Named::MergePatchAccepted,
        name: "merge-patch-accepted",
        clause: C3_1,
        level: Level::Must,
        description: "any media type ending in +json (application/merge-patch+json) is taken as application/json",
    },
    FaultInfo {
        fault: Named::ExtraProperty,
        name: "extra-property",
        clause: C4_3,
        level: Level::Must,
        description: "PATCH answers carry a property the entity does not have",
    },
    FaultInfo {
        fault: Named::WrongOdataTypeInAnswer,
        name: "wrong-odata-type-in-answer",
        clause: C4_3,
        level: Level::Must,
        description: "PATCH answers name another type in `@odata.type`",
    },
    FaultInfo {
        fault: Named::ClientRequestIdNotEchoed,
        name: "client-request-id-not-echoed",
        clause: C4_7,
        level: Level::Should,
        description: "the client's `client-request-id` is not echoed",
    },
    FaultInfo {
        fault: Named::NoOdataVersion,
        name: "no-odata-version",
        clause: C4_7,
        level: Level::Should,
        description: "no `OData-Version` response header",
    },
    FaultInfo {
        fault: Named::EmptyErrorMessage,
        name: "empty-error-message",
        clause: C6_1,
        level: Level::Must,
        description: "error bodies carry an empty `error.message`",
    },
    FaultInfo {
        fault: Named::OdataVersionIgnored,
        name: "odata-version-ignored",
        clause: C3_14,
        level: Level::May,
        description: "the OData-Version request header is not read: `x` or `9999.0` is served as if it were 4.0",
    },
    FaultInfo {
        fault: Named::ContextAfterProperties,
        name: "context-after-properties",
        clause: C4_8,
        level: Level::Should,
        description: "entity answers carry `@odata.context` as their last member instead of their first",
    },
    FaultInfo {
        fault: Named::NoOdataMetadata,
        name: "no-odata-metadata",
        clause: C4_9,
        level: Level::Should,
        description: "entity answers say `application/json; odata.streaming=true; charset=utf-8`, without `odata.metadata=minimal`",
    },
    FaultInfo {
        fault: Named::StreamingOutOfOrder,
        name: "streaming-out-of-order",
        clause: C4_10,
        level: Level::Should,
        description: "entity answers advertise `odata.streaming=true` but write `@odata.type` after the properties",
    },
    FaultInfo {
        fault: Named::ErrorExtraMember,
        name: "error-extra-member",
        clause: C6_3,
        level: Level::Must,
        description: "error bodies carry a second top-level member (`\"status\"`) beside `error`",
    },
    FaultInfo {
        fault: Named::ErrorDetailsObject,
        name: "error-details-object",
        clause: C6_3,
        level: Level::Must,
        description: "error bodies carry `error.details` as one object instead of an array of objects",
    },
    FaultInfo {
        fault: Named::DerivedTypeUnannounced,
        name: "derived-type-unannounced",
        clause: C4_3,
        level: Level::Must,
        description: "an entity of a type derived from the one its path declares answers without `@odata.type` (only for packs whose entity type is derived)",
    },
    FaultInfo {
        fault: Named::JsonMediaPrefix,
        name: "json-media-prefix",
        clause: C3_1,
        level: Level::Must,
        description: "the media type is matched by its prefix, so `application/json-seq` is read as JSON",
    },
    FaultInfo {
        fault: Named::TrailingWhitespaceRefused,
        name: "trailing-whitespace-refused",
        clause: C3_2,
        level: Level::Must,
        description: "a valid body that ends in whitespace after its object is refused with 400",
    },
    FaultInfo {
        fault: Named::NamePrefixMatched,
        name: "name-prefix-matched",
        clause: C3_3,
        level: Level::Must,
        description: "a member name one character short of a property's name is taken for that property",
    },
    FaultInfo {
        fault: Named::PaddedBodyRefused,
        name: "padded-body-refused",
        clause: C3_2,
        level: Level::Must,
        description: "a valid body with 256 bytes of whitespace or more between its members is refused with 400",
    },
    FaultInfo {
        fault: Named::LongStringRefused,
        name: "long-string-refused",
        clause: C3_11,
        level: Level::Must,
        description: "a valid string of 256 characters or more is refused with 400 (a 255-character column)",
    },
    FaultInfo {
        fault: Named::ServerErrorOnDeepNesting,
        name: "server-error-on-deep-nesting",
        clause: C6_2,
        level: Level::Must,
        description: "a body nested 64 to 999 levels deep answers 500 (deeper ones are refused with 400, as they should be)",
    },
    FaultInfo {
        fault: Named::ServerErrorOnManyMembers,
        name: "server-error-on-many-members",
        clause: C6_2,
        level: Level::Must,
        description: "a body of 64 to 999 members answers 500 (more are refused with 400, as they should be)",
    },
    FaultInfo {
        fault: Named::ServerErrorOnMidLongNumber,
        name: "server-error-on-64-digits",
        clause: C6_2,
        level: Level::Must,
        description: "a number literal of 64 to 999 digits answers 500 (longer ones are refused with 400, as they should be)",
    },
    FaultInfo {
        fault: Named::EnumSetRefused,
        name: "enum-set-refused",
        clause: C3_12,
        level: Level::Must,
        description: "a flags enum value naming two or more members (`red,blue`) is refused with 400",
    },
    FaultInfo {
        fault: Named::EnumSetAccepted,
        name: "enum-set-accepted",
        clause: C3_12,
        level: Level::Must,
        description: "a value naming two members of an enum that is not flags (`on,off`) is accepted as its first member",
    },
    FaultInfo {
        fault: Named::ContextNotMetadataUrl,
        name: "context-not-metadata-url",
        clause: C4_8,
        level: Level::Should,
        description: "entity answers carry `@odata.context` first, but as a URL without `$metadata#`",
    },
    FaultInfo {
        fault: Named::NoOdataContext,
        name: "no-odata-context",
        clause: C4_8,
        level: Level::May,
        description: "entity answers carry no `@odata.context` (as the page's example; information only)",
    },
    FaultInfo {
        fault: Named::ErrorDetailWithoutCode,
        name: "error-detail-without-code",
        clause: C6_3,
        level: Level::Must,
        description: "error bodies carry `error.details` as an array whose entry has a message but no code",
    },
];

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
        description: "entity answers carry `@odata.etag` and a `<property>@odata.type` annotation before each DateTimeOffset property",
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

impl Named {
    /// The fault's row in [`FAULTS`], found by the fault itself rather than by its position,
    /// so the table's order is free (a unit test shows every fault has exactly one row).
    pub fn info(self) -> &'static FaultInfo {
        FAULTS
            .iter()
            .find(|i| i.fault == self)
            .expect("every named fault has a row in FAULTS")
    }
}

/// What `serve --list-faults` shows about any fault, named or of a type.
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
            Fault::Named(n) => {
                let i = n.info();
                FaultListing {
                    fault: self,
                    name: i.name.to_owned(),
                    clause: i.clause,
                    level: i.level,
                    description: i.description.to_owned(),
                }
            }
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
        let model = &pack.model;
        let has = |p: Primitive| {
            model
                .writable()
                .any(|(_, prop)| prop.ty == crate::domain::TypeRef::Primitive(p))
        };
        match self {
            Fault::Type(t) => t.applies(model),
            Fault::Named(n) => match n {
                Named::PrintedSpelling404 => {
                    pack.variants.iter().any(|v| v.template.has_printed_form())
                }
                Named::NavigationWritesSource => pack
                    .fixtures
                    .variants
                    .iter()
                    .any(|(name, ids)| name != &pack.canonical().name && ids.reads.is_some()),
                Named::CastIgnored => pack
                    .fixtures
                    .variants
                    .values()
                    .any(|v| v.probes.contains_key("cast-mismatch")),
                Named::UnknownIdCreated => pack
                    .variants
                    .iter()
                    .any(|v| v.template.keys().next().is_some()),
                Named::Int32StringAccepted | Named::Int32Wraps | Named::Int32MaxRefused => {
                    has(Primitive::Int32)
                }
                Named::OffsetOptional
                | Named::TruncateMilliseconds
                | Named::OffsetSignFlipped
                | Named::Offset14Refused
                | Named::Feb29Refused => has(Primitive::DateTimeOffset),
                Named::PatchReplaces | Named::LostUpdate => model.writable().count() > 1,
                Named::ReadScopeWrites => !pack.meta.permissions.read.is_empty(),
                Named::AppRolesRefused => !pack.meta.permissions.application.is_empty(),
                Named::DerivedTypeUnannounced => pack.model.is_derived(),
                Named::LongStringRefused => has(Primitive::String),
                Named::EnumSetRefused => enum_property(model, true),
                Named::EnumSetAccepted => enum_property(model, false),
                // On a derived entity an answer without @odata.type breaks C4.3's MUST, which
                // derived-type-unannounced proves; this fault is the SHOULD of the others.
                Named::NoOdataType => !pack.model.is_derived(),
                _ => true,
            },
        }
    }
}

/// True when a writable property is an enum that is (or is not) flags, with two members or more.
fn enum_property(model: &crate::domain::EntityModel, flags: bool) -> bool {
    model.writable().any(|(_, p)| match &p.ty {
        crate::domain::TypeRef::Enum(name) => model
            .types
            .enums
            .get(name)
            .is_some_and(|e| e.flags == flags && e.members.len() > 1),
        _ => false,
    })
}

/// Every fault: the named ones, then every type's.
pub fn all_faults() -> Vec<FaultListing> {
    FAULTS
        .iter()
        .map(|i| Fault::Named(i.fault).listing())
        .chain(
            TypeFault::all()
                .into_iter()
                .map(|t| Fault::Type(t).listing()),
        )
        .collect()
}

impl Deviation {
    /// The deviation's row in [`DEVIATIONS`], found by the deviation itself.
    pub fn info(self) -> &'static DeviationInfo {
        DEVIATIONS
            .iter()
            .find(|i| i.deviation == self)
            .expect("every deviation has a row in DEVIATIONS")
    }

    pub fn name(self) -> &'static str {
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

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let all = all_faults();
        let named: Vec<(Fault, &str)> = all.iter().map(|f| (f.fault, f.name.as_str())).collect();
        find(s, "fault", "--fault", named.into_iter())
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
    use super::*;

    #[test]
    fn every_switch_has_one_row_and_its_name_parses_back() {
        let faults: std::collections::HashSet<Named> = FAULTS.iter().map(|i| i.fault).collect();
        assert_eq!(faults.len(), FAULTS.len(), "a fault has two rows");
        for info in FAULTS {
            assert_eq!(info.fault.info(), info);
            assert_eq!(
                info.name.parse::<Fault>().unwrap(),
                Fault::Named(info.fault)
            );
        }
        let deviations: std::collections::HashSet<Deviation> =
            DEVIATIONS.iter().map(|i| i.deviation).collect();
        assert_eq!(
            deviations.len(),
            DEVIATIONS.len(),
            "a deviation has two rows"
        );
        for info in DEVIATIONS {
            assert_eq!(info.deviation.info(), info);
            assert_eq!(info.name.parse::<Deviation>().unwrap(), info.deviation);
        }
        // Distinct rows as many as the variants (the last variants' discriminants count them):
        // every variant has its row.
        assert_eq!(faults.len(), Named::ErrorDetailWithoutCode as usize + 1);
        assert_eq!(deviations.len(), Deviation::ReadOnly400 as usize + 1);
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
