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

/// The named faults; [`Named::info`] says what each breaks.
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

impl Named {
    /// Every named fault, in the order `serve --list-faults` shows them.
    pub const ALL: [Named; 69] = [
        Named::PrintedSpelling404,
        Named::NavigationWritesSource,
        Named::CastIgnored,
        Named::UnknownIdCreated,
        Named::NoAuthAccepted,
        Named::ExpiredAccepted,
        Named::ScopeIgnored,
        Named::Scope401,
        Named::ForbiddenWrites,
        Named::ContentTypeIgnored,
        Named::UnknownPropertyIgnored,
        Named::Int32StringAccepted,
        Named::Int32Wraps,
        Named::OffsetOptional,
        Named::IdWritable,
        Named::Patch204,
        Named::TextPlainResponse,
        Named::MissingProperty,
        Named::NoOdataType,
        Named::TruncateMilliseconds,
        Named::OffsetSignFlipped,
        Named::Int32MaxRefused,
        Named::Offset14Refused,
        Named::Feb29Refused,
        Named::PatchReplaces,
        Named::IdChanges,
        Named::NoRequestId,
        Named::NotPersisted,
        Named::RepeatRefused,
        Named::PartialApply,
        Named::InvalidZeroed,
        Named::LostUpdate,
        Named::PlainErrorBody,
        Named::ErrorWithoutCode,
        Named::NoInnerError,
        Named::ServerErrorOnBadJson,
        Named::MockLike,
        Named::TrailingTextIgnored,
        Named::NamesCaseInsensitive,
        Named::ServerErrorOnLongNumber,
        Named::ReadScopeWrites,
        Named::AppRolesRefused,
        Named::MediaTypeCaseSensitive,
        Named::MergePatchAccepted,
        Named::ExtraProperty,
        Named::WrongOdataTypeInAnswer,
        Named::ClientRequestIdNotEchoed,
        Named::NoOdataVersion,
        Named::EmptyErrorMessage,
        Named::OdataVersionIgnored,
        Named::ContextAfterProperties,
        Named::NoOdataMetadata,
        Named::StreamingOutOfOrder,
        Named::ErrorExtraMember,
        Named::ErrorDetailsObject,
        Named::DerivedTypeUnannounced,
        Named::JsonMediaPrefix,
        Named::TrailingWhitespaceRefused,
        Named::NamePrefixMatched,
        Named::PaddedBodyRefused,
        Named::LongStringRefused,
        Named::ServerErrorOnDeepNesting,
        Named::ServerErrorOnManyMembers,
        Named::ServerErrorOnMidLongNumber,
        Named::EnumSetRefused,
        Named::EnumSetAccepted,
        Named::ContextNotMetadataUrl,
        Named::NoOdataContext,
        Named::ErrorDetailWithoutCode,
    ];

    /// The fault's name, clause, level and description: a match, so a fault without them does
    /// not compile.
    pub fn info(self) -> FaultInfo {
        match self {
            Named::PrintedSpelling404 => FaultInfo {
                fault: self,
                    name: "printed-spelling-404",
            clause: C1_1,
            level: Level::Must,
            description: "only normalised paths route: a path with empty `//` segments or a trailing `/` answers 404",
            },
            Named::NavigationWritesSource => FaultInfo {
                fault: self,
                    name: "navigation-writes-source",
            clause: C1_2,
            level: Level::Must,
            description: "a navigation variant reads and writes the overview of {id} itself, not of the configuration it references",
            },
            Named::CastIgnored => FaultInfo {
                fault: self,
                    name: "cast-ignored",
            clause: C1_3,
            level: Level::Must,
            description: "a type-cast segment matches a configuration of any type; behind a cast that does not match, a missing navigation is not checked either and the request reaches {id}'s own overview",
            },
            Named::UnknownIdCreated => FaultInfo {
                fault: self,
                    name: "unknown-id-created",
            clause: C1_3,
            level: Level::Must,
            description: "an unknown {id} answers 200, creating a configuration and its overview on the spot",
            },
            Named::NoAuthAccepted => FaultInfo {
                fault: self,
                    name: "no-auth-accepted",
            clause: C2_1,
            level: Level::Must,
            description: "a request without an Authorization header is accepted as if it had a token with every scope",
            },
            Named::ExpiredAccepted => FaultInfo {
                fault: self,
                    name: "expired-accepted",
            clause: C2_1,
            level: Level::Must,
            description: "a token whose `exp` is in the past is accepted",
            },
            Named::ScopeIgnored => FaultInfo {
                fault: self,
                    name: "scope-ignored",
            clause: C2_2,
            level: Level::Must,
            description: "scopes are not checked: a readable token without DeviceManagementConfiguration.ReadWrite.All may PATCH",
            },
            Named::Scope401 => FaultInfo {
                fault: self,
                    name: "scope-401",
            clause: C2_2,
            level: Level::Should,
            description: "a token without the scope is refused with 401 instead of 403",
            },
            Named::ForbiddenWrites => FaultInfo {
                fault: self,
                    name: "forbidden-writes",
            clause: C2_3,
            level: Level::Must,
            description: "a PATCH refused with 403 (token without the scope) is applied anyway",
            },
            Named::ContentTypeIgnored => FaultInfo {
                fault: self,
                    name: "content-type-ignored",
            clause: C3_1,
            level: Level::Must,
            description: "the Content-Type of a PATCH is not checked: a text/plain (or absent) media type is read as JSON",
            },
            Named::UnknownPropertyIgnored => FaultInfo {
                fault: self,
                    name: "unknown-property-ignored",
            clause: C3_3,
            level: Level::Must,
            description: "a property the entity does not have is dropped silently instead of refused",
            },
            Named::Int32StringAccepted => FaultInfo {
                fault: self,
                    name: "int32-string-accepted",
            clause: C3_4,
            level: Level::Must,
            description: "an Int32 sent as a numeric string (\"4\") is accepted as the number",
            },
            Named::Int32Wraps => FaultInfo {
                fault: self,
                    name: "int32-wraps",
            clause: C3_4,
            level: Level::Must,
            description: "an integer outside the Int32 range is accepted and wrapped modulo 2^32 (2147483648 becomes -2147483648)",
            },
            Named::OffsetOptional => FaultInfo {
                fault: self,
                    name: "offset-optional",
            clause: C3_5,
            level: Level::Must,
            description: "a DateTimeOffset without an offset is accepted as UTC",
            },
            Named::IdWritable => FaultInfo {
                fault: self,
                    name: "id-writable",
            clause: C3_6,
            level: Level::Must,
            description: "a body whose `id` differs from the key is accepted with 200 and the `id` ignored",
            },
            Named::Patch204 => FaultInfo {
                fault: self,
                    name: "patch-204",
            clause: C4_1,
            level: Level::Must,
            description: "a valid PATCH answers 204 No Content without a body, as the live Intune service does",
            },
            Named::TextPlainResponse => FaultInfo {
                fault: self,
                    name: "text-plain-response",
            clause: C4_2,
            level: Level::Must,
            description: "a valid PATCH answers with Content-Type text/plain",
            },
            Named::MissingProperty => FaultInfo {
                fault: self,
                    name: "missing-property",
            clause: C4_3,
            level: Level::Must,
            description: "a PATCH response omits the entity's last property",
            },
            Named::NoOdataType => FaultInfo {
                fault: self,
                    name: "no-odata-type",
            clause: C4_3,
            level: Level::Should,
            description: "responses carry no `@odata.type`",
            },
            Named::TruncateMilliseconds => FaultInfo {
                fault: self,
                    name: "truncate-milliseconds",
            clause: C4_4,
            level: Level::Must,
            description: "times are stored truncated to whole milliseconds (a time already in whole milliseconds is unaffected)",
            },
            Named::OffsetSignFlipped => FaultInfo {
                fault: self,
                    name: "offset-sign-flipped",
            clause: C4_4,
            level: Level::Must,
            description: "the stored instant is computed with the offset's sign flipped (a UTC `Z` time is unaffected)",
            },
            Named::Int32MaxRefused => FaultInfo {
                fault: self,
                    name: "int32-max-refused",
            clause: C3_4,
            level: Level::Must,
            description: "exactly 2147483647, a valid Int32, is refused with 400",
            },
            Named::Offset14Refused => FaultInfo {
                fault: self,
                    name: "offset-14-refused",
            clause: C3_5,
            level: Level::Must,
            description: "a valid DateTimeOffset with offset +14:00 or -14:00 is refused with 400",
            },
            Named::Feb29Refused => FaultInfo {
                fault: self,
                    name: "feb29-refused",
            clause: C3_5,
            level: Level::Must,
            description: "a valid DateTimeOffset on 29 February is refused with 400",
            },
            Named::PatchReplaces => FaultInfo {
                fault: self,
                    name: "patch-replaces",
            clause: C4_5,
            level: Level::Must,
            description: "a PATCH that changes something resets every property it does not send to 0 / 0001-01-01T00:00:00Z",
            },
            Named::IdChanges => FaultInfo {
                fault: self,
                    name: "id-changes",
            clause: C4_6,
            level: Level::Must,
            description: "PATCH answers report an `id` that differs from the entity's key (each hex digit complemented); GET still shows the key",
            },
            Named::NoRequestId => FaultInfo {
                fault: self,
                    name: "no-request-id",
            clause: C4_7,
            level: Level::Should,
            description: "no `request-id` response header",
            },
            Named::NotPersisted => FaultInfo {
                fault: self,
                    name: "not-persisted",
            clause: C5_1,
            level: Level::Must,
            description: "a valid PATCH answers with the updated entity, but the store keeps the old values",
            },
            Named::RepeatRefused => FaultInfo {
                fault: self,
                    name: "repeat-refused",
            clause: C5_2,
            level: Level::Must,
            description: "a non-empty PATCH body identical to the last one applied to that overview is refused with 400",
            },
            Named::PartialApply => FaultInfo {
                fault: self,
                    name: "partial-apply",
            clause: C5_3,
            level: Level::Must,
            description: "a refused body's valid properties that come before the invalid one are applied before the 400",
            },
            Named::InvalidZeroed => FaultInfo {
                fault: self,
                    name: "invalid-zeroed",
            clause: C5_3,
            level: Level::Must,
            description: "a refused body's properties with an invalid value are reset to their type's plain value (0, false, the first member…) before the 400",
            },
            Named::LostUpdate => FaultInfo {
                fault: self,
                    name: "lost-update",
            clause: C5_4,
            level: Level::Must,
            description: "PATCH reads, waits 1 ms, then writes the whole entity back without a lock, so concurrent PATCHes of disjoint properties lose updates",
            },
            Named::PlainErrorBody => FaultInfo {
                fault: self,
                    name: "plain-error-body",
            clause: C6_1,
            level: Level::Must,
            description: "error answers are text/plain sentences instead of OData error bodies",
            },
            Named::ErrorWithoutCode => FaultInfo {
                fault: self,
                    name: "error-without-code",
            clause: C6_1,
            level: Level::Must,
            description: "error bodies lack `error.code`",
            },
            Named::NoInnerError => FaultInfo {
                fault: self,
                    name: "no-inner-error",
            clause: C6_1,
            level: Level::Should,
            description: "error bodies lack `innerError`",
            },
            Named::ServerErrorOnBadJson => FaultInfo {
                fault: self,
                    name: "server-error-on-bad-json",
            clause: C6_2,
            level: Level::Must,
            description: "a syntactically malformed JSON body answers 500 instead of 400",
            },
            Named::MockLike => FaultInfo {
                fault: self,
                    name: "mock-like",
            clause: C4_4,
            level: Level::Must,
            description: "a mock that ignores every PATCH, answering the page's example, and never answers a body that is not JSON (as Stoplight Prism's mock does)",
            },
            Named::TrailingTextIgnored => FaultInfo {
                fault: self,
                    name: "trailing-text-ignored",
            clause: C3_2,
            level: Level::Must,
            description: "a body that is one JSON object followed by more text is read as the object alone (a streaming parser that stops after the first value)",
            },
            Named::NamesCaseInsensitive => FaultInfo {
                fault: self,
                    name: "names-case-insensitive",
            clause: C3_3,
            level: Level::Must,
            description: "property names are matched ignoring letter case, so a name that differs from a real one only in case is taken for it",
            },
            Named::ServerErrorOnLongNumber => FaultInfo {
                fault: self,
                    name: "server-error-on-long-number",
            clause: C6_2,
            level: Level::Must,
            description: "a number literal of 1000 digits or more answers 500 (the parser overflows) instead of 400",
            },
            Named::ReadScopeWrites => FaultInfo {
                fault: self,
                    name: "read-scope-writes",
            clause: C2_2,
            level: Level::Must,
            description: "a token with only the read permission (…Read.All) may PATCH",
            },
            Named::AppRolesRefused => FaultInfo {
                fault: self,
                    name: "app-roles-refused",
            clause: C2_2,
            level: Level::Must,
            description: "only delegated scopes (scp) are read: an application token whose roles grant the permission is refused with 403",
            },
            Named::MediaTypeCaseSensitive => FaultInfo {
                fault: self,
                    name: "media-type-case-sensitive",
            clause: C3_1,
            level: Level::Must,
            description: "the media type is compared case-sensitively, so `Application/JSON` (the same media type) is refused with 415",
            },
            Named::MergePatchAccepted => FaultInfo {
                fault: self,
                    name: "merge-patch-accepted",
            clause: C3_1,
            level: Level::Must,
            description: "any media type ending in +json (application/merge-patch+json) is taken as application/json",
            },
            Named::ExtraProperty => FaultInfo {
                fault: self,
                    name: "extra-property",
            clause: C4_3,
            level: Level::Must,
            description: "PATCH answers carry a property the entity does not have",
            },
            Named::WrongOdataTypeInAnswer => FaultInfo {
                fault: self,
                    name: "wrong-odata-type-in-answer",
            clause: C4_3,
            level: Level::Must,
            description: "PATCH answers name another type in `@odata.type`",
            },
            Named::ClientRequestIdNotEchoed => FaultInfo {
                fault: self,
                    name: "client-request-id-not-echoed",
            clause: C4_7,
            level: Level::Should,
            description: "the client's `client-request-id` is not echoed",
            },
            Named::NoOdataVersion => FaultInfo {
                fault: self,
                    name: "no-odata-version",
            clause: C4_7,
            level: Level::Should,
            description: "no `OData-Version` response header",
            },
            Named::EmptyErrorMessage => FaultInfo {
                fault: self,
                    name: "empty-error-message",
            clause: C6_1,
            level: Level::Must,
            description: "error bodies carry an empty `error.message`",
            },
            Named::OdataVersionIgnored => FaultInfo {
                fault: self,
                    name: "odata-version-ignored",
            clause: C3_14,
            level: Level::May,
            description: "the OData-Version request header is not read: `x` or `9999.0` is served as if it were 4.0",
            },
            Named::ContextAfterProperties => FaultInfo {
                fault: self,
                    name: "context-after-properties",
            clause: C4_8,
            level: Level::Should,
            description: "entity answers carry `@odata.context` as their last member instead of their first",
            },
            Named::NoOdataMetadata => FaultInfo {
                fault: self,
                    name: "no-odata-metadata",
            clause: C4_9,
            level: Level::Should,
            description: "entity answers say `application/json; odata.streaming=true; charset=utf-8`, without `odata.metadata=minimal`",
            },
            Named::StreamingOutOfOrder => FaultInfo {
                fault: self,
                    name: "streaming-out-of-order",
            clause: C4_10,
            level: Level::Should,
            description: "entity answers advertise `odata.streaming=true` but write `@odata.type` after the properties",
            },
            Named::ErrorExtraMember => FaultInfo {
                fault: self,
                    name: "error-extra-member",
            clause: C6_3,
            level: Level::Must,
            description: "error bodies carry a second top-level member (`\"status\"`) beside `error`",
            },
            Named::ErrorDetailsObject => FaultInfo {
                fault: self,
                    name: "error-details-object",
            clause: C6_3,
            level: Level::Must,
            description: "error bodies carry `error.details` as one object instead of an array of objects",
            },
            Named::DerivedTypeUnannounced => FaultInfo {
                fault: self,
                    name: "derived-type-unannounced",
            clause: C4_3,
            level: Level::Must,
            description: "an entity of a type derived from the one its path declares answers without `@odata.type` (only for packs whose entity type is derived)",
            },
            Named::JsonMediaPrefix => FaultInfo {
                fault: self,
                    name: "json-media-prefix",
            clause: C3_1,
            level: Level::Must,
            description: "the media type is matched by its prefix, so `application/json-seq` is read as JSON",
            },
            Named::TrailingWhitespaceRefused => FaultInfo {
                fault: self,
                    name: "trailing-whitespace-refused",
            clause: C3_2,
            level: Level::Must,
            description: "a valid body that ends in whitespace after its object is refused with 400",
            },
            Named::NamePrefixMatched => FaultInfo {
                fault: self,
                    name: "name-prefix-matched",
            clause: C3_3,
            level: Level::Must,
            description: "a member name one character short of a property's name is taken for that property",
            },
            Named::PaddedBodyRefused => FaultInfo {
                fault: self,
                    name: "padded-body-refused",
            clause: C3_2,
            level: Level::Must,
            description: "a valid body with 256 bytes of whitespace or more between its members is refused with 400",
            },
            Named::LongStringRefused => FaultInfo {
                fault: self,
                    name: "long-string-refused",
            clause: C3_11,
            level: Level::Must,
            description: "a valid string of 256 characters or more is refused with 400 (a 255-character column)",
            },
            Named::ServerErrorOnDeepNesting => FaultInfo {
                fault: self,
                    name: "server-error-on-deep-nesting",
            clause: C6_2,
            level: Level::Must,
            description: "a body nested 64 to 999 levels deep answers 500 (deeper ones are refused with 400, as they should be)",
            },
            Named::ServerErrorOnManyMembers => FaultInfo {
                fault: self,
                    name: "server-error-on-many-members",
            clause: C6_2,
            level: Level::Must,
            description: "a body of 64 to 999 members answers 500 (more are refused with 400, as they should be)",
            },
            Named::ServerErrorOnMidLongNumber => FaultInfo {
                fault: self,
                    name: "server-error-on-64-digits",
            clause: C6_2,
            level: Level::Must,
            description: "a number literal of 64 to 999 digits answers 500 (longer ones are refused with 400, as they should be)",
            },
            Named::EnumSetRefused => FaultInfo {
                fault: self,
                    name: "enum-set-refused",
            clause: C3_12,
            level: Level::Must,
            description: "a flags enum value naming two or more members (`red,blue`) is refused with 400",
            },
            Named::EnumSetAccepted => FaultInfo {
                fault: self,
                    name: "enum-set-accepted",
            clause: C3_12,
            level: Level::Must,
            description: "a value naming two members of an enum that is not flags (`on,off`) is accepted as its first member",
            },
            Named::ContextNotMetadataUrl => FaultInfo {
                fault: self,
                    name: "context-not-metadata-url",
            clause: C4_8,
            level: Level::Should,
            description: "entity answers carry `@odata.context` first, but as a URL without `$metadata#`",
            },
            Named::NoOdataContext => FaultInfo {
                fault: self,
                    name: "no-odata-context",
            clause: C4_8,
            level: Level::May,
            description: "entity answers carry no `@odata.context` (as the page's example; information only)",
            },
            Named::ErrorDetailWithoutCode => FaultInfo {
                fault: self,
                    name: "error-detail-without-code",
            clause: C6_3,
            level: Level::Must,
            description: "error bodies carry `error.details` as an array whose entry has a message but no code",
            },
        }
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
    Named::ALL
        .into_iter()
        .map(|n| Fault::Named(n).listing())
        .chain(
            TypeFault::all()
                .into_iter()
                .map(|t| Fault::Type(t).listing()),
        )
        .collect()
}

impl Deviation {
    /// Every deviation, in the order `serve --list-faults` shows them.
    pub const ALL: [Deviation; 11] = [
        Deviation::UtcTimes,
        Deviation::SevenDigits,
        Deviation::PlainContentType,
        Deviation::ExtraAnnotations,
        Deviation::Reordered,
        Deviation::Throttle,
        Deviation::Media400,
        Deviation::Empty400,
        Deviation::InnererrorLowercase,
        Deviation::Throttle1s,
        Deviation::ReadOnly400,
    ];

    /// The deviation's name and description: a match, so a deviation without them does not
    /// compile.
    pub fn info(self) -> DeviationInfo {
        match self {
            Deviation::UtcTimes => DeviationInfo {
                deviation: self,
                    name: "utc-times",
            description: "times are answered re-expressed in UTC `Z` (same instant)",
            },
            Deviation::SevenDigits => DeviationInfo {
                deviation: self,
                    name: "seven-digits",
            description: "times are answered with all 7 fraction digits, trailing zeros kept",
            },
            Deviation::PlainContentType => DeviationInfo {
                deviation: self,
                    name: "plain-content-type",
            description: "successful answers say `Content-Type: application/json; odata.metadata=minimal` and no other parameter (no streaming, no charset)",
            },
            Deviation::ExtraAnnotations => DeviationInfo {
                deviation: self,
                    name: "extra-annotations",
            description: "entity answers carry `@odata.etag` and a `<property>@odata.type` annotation before each DateTimeOffset property",
            },
            Deviation::Reordered => DeviationInfo {
                deviation: self,
                    name: "reordered",
            description: "entity answers list their properties in reverse order, pretty-printed with whitespace, and do not advertise odata.streaming",
            },
            Deviation::Throttle => DeviationInfo {
                deviation: self,
                    name: "throttle",
            description: "every 7th request answers 429 with `Retry-After: 0.05` and an error body, and changes nothing",
            },
            Deviation::Media400 => DeviationInfo {
                deviation: self,
                    name: "media-400",
            description: "a PATCH with the wrong media type answers 400 instead of 415",
            },
            Deviation::Empty400 => DeviationInfo {
                deviation: self,
                    name: "empty-400",
            description: "a PATCH that changes no property (`{}`) answers 400 \"at least 1 property must be changed\"",
            },
            Deviation::InnererrorLowercase => DeviationInfo {
                deviation: self,
                    name: "innererror-lowercase",
            description: "error bodies spell `innererror` as OData does, instead of Graph's `innerError`",
            },
            Deviation::Throttle1s => DeviationInfo {
                deviation: self,
                    name: "throttle-1s",
            description: "every 7th request answers 429 with `Retry-After: 1`, as Graph does under load, and changes nothing",
            },
            Deviation::ReadOnly400 => DeviationInfo {
                deviation: self,
                    name: "read-only-400",
            description: "a PATCH that sets a read-only property to another value answers 400 instead of leaving it unchanged",
            },
        }
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
            Deviation::ALL.into_iter().map(|d| (d, d.name())),
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
pub fn deviations() -> Vec<DeviationInfo> {
    Deviation::ALL.into_iter().map(Deviation::info).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_switch_is_listed_once_and_its_name_parses_back() {
        let named: std::collections::HashSet<Named> = Named::ALL.into_iter().collect();
        assert_eq!(
            named.len(),
            Named::ALL.len(),
            "a named fault is listed twice"
        );
        for n in Named::ALL {
            let info = n.info();
            assert_eq!(info.fault, n);
            assert_eq!(info.name.parse::<Fault>().unwrap(), Fault::Named(n));
        }
        let deviations: std::collections::HashSet<Deviation> = Deviation::ALL.into_iter().collect();
        assert_eq!(deviations.len(), Deviation::ALL.len());
        for d in Deviation::ALL {
            assert_eq!(d.info().deviation, d);
            assert_eq!(d.name().parse::<Deviation>().unwrap(), d);
        }
        // ALL has a slot for every variant: the last variants' discriminants count them.
        assert_eq!(Named::ALL.len(), Named::ErrorDetailWithoutCode as usize + 1);
        assert_eq!(Deviation::ALL.len(), Deviation::ReadOnly400 as usize + 1);
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
