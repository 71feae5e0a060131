//! Entra-shaped access tokens for the embedded service: minting them (for the harness and
//! `graph-conformance token`) and reading their claims (for the service's C2 checks).
//!
//! A token is a JWS compact serialisation `header.payload.signature`, each part base64url:
//!
//! - header `{"typ":"JWT","alg":"RS256","kid":"graph-conformance-embedded"}`, shaped like
//!   Entra's so that tools which insist on a signed-looking token accept it;
//! - payload `aud` (`https://graph.microsoft.com`), `iss` (`https://sts.windows.net/<tenant>/`),
//!   `tid`, `iat`, `nbf`, `exp`, and `scp` (delegated, space-separated) or `roles` (application,
//!   an array);
//! - signature: a fixed dummy (`base64url("unsigned: graph-conformance embedded service")`).
//!   Nothing is signed: the embedded service reads the payload and ignores the signature
//!   segment, whatever it holds and whatever `alg` says. These tokens are worthless anywhere else.
//!
//! [`read_claims`] reads any such token (also one from Entra): it decodes the header and the
//! payload and checks their shape, never the signature.

use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, URL_SAFE_NO_PAD};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;
use serde_json::{json, Map, Value};

/// The audience of Microsoft Graph tokens, as minted here.
pub const GRAPH_AUDIENCE: &str = "https://graph.microsoft.com";
/// Microsoft Graph's application id, which Entra also puts in `aud`.
pub(crate) const GRAPH_APP_ID: &str = "00000003-0000-0000-c000-000000000000";
/// The made-up tenant of the embedded service.
pub(crate) const EMBEDDED_TENANT: &str = "c0f0e11a-0000-4000-8000-00000000e11a";
/// The made-up client application that minted tokens claim to come from.
pub(crate) const EMBEDDED_APP_ID: &str = "c0f0e11a-0000-4000-8000-0000000a9901";
const KID: &str = "graph-conformance-embedded";
const DUMMY_SIGNATURE: &[u8] = b"unsigned: graph-conformance embedded service";

/// Decodes base64url with or without `=` padding (Entra never pads; some tools do).
const URL_SAFE_ANY_PAD: GeneralPurpose = GeneralPurpose::new(
    &alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Why a token cannot be read; the message names the part that is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum JwtError {
    #[error("the token has {0} dot-separated parts; a JWT has three (header.payload.signature)")]
    Parts(usize),
    #[error("the token's {0} is not base64url")]
    Base64(&'static str),
    #[error("the token's {0} is not a JSON object")]
    NotJsonObject(&'static str),
    #[error("the token's claim {claim:?} is {problem}")]
    Claim {
        claim: &'static str,
        problem: &'static str,
    },
}

/// The claims the embedded service reads from a token.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Claims {
    /// `aud`, as one string or several (RFC 7519 allows an array).
    pub aud: Vec<String>,
    pub iss: Option<String>,
    pub tid: Option<String>,
    /// Expiry, seconds since the Unix epoch (required).
    pub exp: i64,
    pub nbf: Option<i64>,
    pub iat: Option<i64>,
    /// Delegated scopes (`scp`, space-separated in the token).
    pub scp: Vec<String>,
    /// Application roles (`roles`).
    pub roles: Vec<String>,
}

impl Claims {
    /// True when the token has expired at `now` (seconds since the epoch).
    pub(crate) fn expired_at(&self, now: i64) -> bool {
        self.exp <= now
    }

    /// True when the token is not valid yet at `now` (`nbf` in the future).
    pub(crate) fn not_yet_valid_at(&self, now: i64) -> bool {
        self.nbf.is_some_and(|nbf| nbf > now)
    }

    /// True when `aud` is absent or names Microsoft Graph (by URL or application id).
    pub(crate) fn audience_is_graph(&self) -> bool {
        self.aud.is_empty()
            || self.aud.iter().any(|a| {
                a.trim_end_matches('/').eq_ignore_ascii_case(GRAPH_AUDIENCE)
                    || a.eq_ignore_ascii_case(GRAPH_APP_ID)
            })
    }
}

/// Seconds since the Unix epoch, now.
pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// A delegated token (`scp`) for the embedded service, valid for `lifetime_secs` from now
/// (negative: already expired). `scopes` may be empty: a token without any scope.
pub fn mint(scopes: &[&str], lifetime_secs: i64) -> String {
    mint_at(Grant::Delegated(scopes), now(), lifetime_secs)
}

/// An application token (`roles`) for the embedded service, valid for `lifetime_secs`.
pub fn mint_app(roles: &[&str], lifetime_secs: i64) -> String {
    mint_at(Grant::Application(roles), now(), lifetime_secs)
}

/// A delegated token with `scopes` that expired an hour ago (C2.1).
pub fn mint_expired(scopes: &[&str]) -> String {
    mint_at(Grant::Delegated(scopes), now() - 2 * 3600, 3600)
}

/// A token with the given payload, as is (tests use it for odd claims).
pub fn mint_payload(payload: &Value) -> String {
    let header = json!({"typ": "JWT", "alg": "RS256", "kid": KID});
    format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(payload.to_string()),
        URL_SAFE_NO_PAD.encode(DUMMY_SIGNATURE)
    )
}

enum Grant<'a> {
    Delegated(&'a [&'a str]),
    Application(&'a [&'a str]),
}

fn mint_at(grant: Grant<'_>, issued: i64, lifetime_secs: i64) -> String {
    let mut payload = json!({
        "aud": GRAPH_AUDIENCE,
        "iss": format!("https://sts.windows.net/{EMBEDDED_TENANT}/"),
        "iat": issued,
        "nbf": issued,
        "exp": issued.saturating_add(lifetime_secs),
        "appid": EMBEDDED_APP_ID,
        "tid": EMBEDDED_TENANT,
        "ver": "1.0",
    });
    let map = payload.as_object_mut().expect("a JSON object literal");
    match grant {
        Grant::Delegated(scopes) => {
            map.insert("scp".into(), Value::String(scopes.join(" ")));
        }
        Grant::Application(roles) => {
            map.insert("roles".into(), json!(roles));
            map.insert("idtyp".into(), Value::String("app".into()));
        }
    }
    mint_payload(&payload)
}

fn decode_object(part: &str, what: &'static str) -> Result<Map<String, Value>, JwtError> {
    let bytes = URL_SAFE_ANY_PAD
        .decode(part)
        .map_err(|_| JwtError::Base64(what))?;
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(JwtError::NotJsonObject(what)),
    }
}

/// A NumericDate (RFC 7519): a JSON number of seconds, whole or not; fractions are dropped.
fn numeric_date(map: &Map<String, Value>, claim: &'static str) -> Result<Option<i64>, JwtError> {
    let bad = |problem| JwtError::Claim { claim, problem };
    match map.get(claim) {
        None => Ok(None),
        Some(Value::Number(n)) => {
            if let Some(i) = n.as_i64() {
                return Ok(Some(i));
            }
            match n.as_f64() {
                Some(f) if f.is_finite() && f.abs() < 1e15 => Ok(Some(f.floor() as i64)),
                _ => Err(bad("not a usable number of seconds")),
            }
        }
        Some(_) => Err(bad("not a number")),
    }
}

fn string_claim(map: &Map<String, Value>, claim: &'static str) -> Result<Option<String>, JwtError> {
    match map.get(claim) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(JwtError::Claim {
            claim,
            problem: "not a string",
        }),
    }
}

fn strings_claim(map: &Map<String, Value>, claim: &'static str) -> Result<Vec<String>, JwtError> {
    let bad = || JwtError::Claim {
        claim,
        problem: "not a string or an array of strings",
    };
    match map.get(claim) {
        None => Ok(Vec::new()),
        Some(Value::String(s)) => Ok(vec![s.clone()]),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| v.as_str().map(str::to_owned).ok_or_else(bad))
            .collect(),
        Some(_) => Err(bad()),
    }
}

/// Reads a token's claims without checking its signature. The token must be three base64url
/// parts (the signature may be empty), header and payload JSON objects, with an `exp`.
pub(crate) fn read_claims(token: &str) -> Result<Claims, JwtError> {
    let parts: Vec<&str> = token.split('.').collect();
    if parts.len() != 3 {
        return Err(JwtError::Parts(parts.len()));
    }
    decode_object(parts[0], "header")?;
    let payload = decode_object(parts[1], "payload")?;
    let exp = numeric_date(&payload, "exp")?.ok_or(JwtError::Claim {
        claim: "exp",
        problem: "missing",
    })?;
    let scp = string_claim(&payload, "scp")?
        .map(|s| s.split_whitespace().map(str::to_owned).collect())
        .unwrap_or_default();
    let roles = match payload.get("roles") {
        Some(Value::String(_)) => {
            return Err(JwtError::Claim {
                claim: "roles",
                problem: "not an array of strings",
            })
        }
        _ => strings_claim(&payload, "roles")?,
    };
    Ok(Claims {
        aud: strings_claim(&payload, "aud")?,
        iss: string_claim(&payload, "iss")?,
        tid: string_claim(&payload, "tid")?,
        exp,
        nbf: numeric_date(&payload, "nbf")?,
        iat: numeric_date(&payload, "iat")?,
        scp,
        roles,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const READ_WRITE_ALL: &str = "DeviceManagementConfiguration.ReadWrite.All";
    const READ_ALL: &str = "DeviceManagementConfiguration.Read.All";

    #[test]
    fn a_minted_token_reads_back() {
        let t = mint(&[READ_WRITE_ALL, "User.Read"], 600);
        let c = read_claims(&t).unwrap();
        assert_eq!(c.scp, [READ_WRITE_ALL, "User.Read"]);
        assert!(!c.scp.iter().any(|s| s == READ_ALL));
        assert!(!c.expired_at(now()));
        assert!(c.audience_is_graph());
        assert_eq!(
            c.iss.as_deref(),
            Some(&*format!("https://sts.windows.net/{EMBEDDED_TENANT}/"))
        );
    }

    #[test]
    fn application_tokens_carry_roles() {
        let c = read_claims(&mint_app(&[READ_WRITE_ALL], 600)).unwrap();
        assert_eq!(c.roles, vec![READ_WRITE_ALL.to_owned()]);
        assert!(c.scp.is_empty());
    }

    #[test]
    fn expired_tokens_read_but_are_expired() {
        let c = read_claims(&mint_expired(&[READ_WRITE_ALL])).unwrap();
        assert!(c.expired_at(now()));
    }

    #[test]
    fn the_signature_is_ignored_and_padding_tolerated() {
        let t = mint(&[READ_ALL], 600);
        let (head, _) = t.rsplit_once('.').unwrap();
        assert!(read_claims(&format!("{head}.")).is_ok());
        assert!(read_claims(&format!("{head}.!!not-base64!!")).is_ok());
        let mut parts: Vec<String> = t.split('.').map(str::to_owned).collect();
        while !parts[1].len().is_multiple_of(4) {
            parts[1].push('=');
        }
        assert!(read_claims(&parts.join(".")).is_ok());
    }

    #[test]
    fn unreadable_tokens_are_refused() {
        assert_eq!(read_claims("abc"), Err(JwtError::Parts(1)));
        assert_eq!(read_claims("a.b.c.d.e"), Err(JwtError::Parts(5)));
        assert_eq!(read_claims("!.e30.x"), Err(JwtError::Base64("header")));
        let e30 = URL_SAFE_NO_PAD.encode("{}");
        let arr = URL_SAFE_NO_PAD.encode("[1]");
        assert_eq!(
            read_claims(&format!("{e30}.{arr}.x")),
            Err(JwtError::NotJsonObject("payload"))
        );
        assert!(matches!(
            read_claims(&format!("{e30}.{e30}.x")),
            Err(JwtError::Claim { claim: "exp", .. })
        ));
        assert!(read_claims(&mint_payload(&json!({"exp": "tomorrow"}))).is_err());
        assert!(read_claims(&mint_payload(&json!({"exp": 1, "scp": ["a"]}))).is_err());
        assert!(read_claims(&mint_payload(&json!({"exp": 1, "roles": "a"}))).is_err());
    }

    #[test]
    fn fractional_numeric_dates_are_read() {
        let c = read_claims(&mint_payload(&json!({"exp": 4102444800.5}))).unwrap();
        assert_eq!(c.exp, 4_102_444_800);
    }
}
