//! Scale ladders and two-sided pairs derived from the pack (issue 23): each size-like dimension
//! of a request — padding, nesting depth, member count, digits, string length — probed on a
//! ladder of rungs instead of at one extreme, and the rules whose valid side no case file sent
//! probed from that side too. They do not depend on the path, so they run once, on the
//! canonical variant.

use serde_json::{Map, Value};

use crate::case::{Case, Expectation, RequestSpec};
use crate::contract::Level;
use crate::contract::{C3_1, C3_11, C3_2, C3_3, C6_2};
use crate::domain::{EntityModel, TypeRef};

/// Small rungs: what no parser or framework refuses; a valid body this size is accepted.
const SMALL: [usize; 7] = [32, 64, 128, 256, 512, 1000, 1024];
/// Rungs past the common limits. A store that keeps whatever it is sent would answer every
/// later read with what it kept, so what a rung could leave stored stays far below the answer
/// size the harness takes (`--max-body`, 1 MiB).
const LARGE: [usize; 5] = [2048, 4096, 8192, 10_000, 65_536];
/// Past the reference's 1 MiB body limit: whitespace only, which nothing keeps.
const HUGE: usize = 2 << 20;
/// An unknown member name, for bodies that must be refused whatever the pack.
const UNKNOWN: &str = "unknownProperty";

/// Every ladder and pair for a pack with this example body (a valid PATCH).
pub(crate) fn all(model: &EntityModel, example: &Map<String, Value>) -> Vec<Case> {
    let mut out = padding(example);
    out.extend(depth(model));
    out.extend(members());
    out.extend(digits(model));
    out.extend(strings(model));
    out.extend(pairs(model, example));
    out
}

fn case(name: String, clause: &str, expect: Expectation, request: RequestSpec) -> Case {
    Case {
        name,
        clause: clause.to_owned(),
        level: Level::Must,
        description: String::new(),
        request,
        expect,
    }
}

/// A pathological input (C6.2): refused with 400 or 413, never 5xx.
fn too_big(name: String, text: String) -> Case {
    case(name, C6_2, refused(&[400, 413]), raw(None, text))
}

/// Refused with one of `status`.
fn refused(status: &[u16]) -> Expectation {
    Expectation::Refused {
        status: status.to_vec(),
        preferred_status: Vec::new(),
    }
}

/// A request whose wire text is `raw`; `body` is what the checks compare (absent for bodies
/// that must be refused).
fn raw(body: Option<&Map<String, Value>>, raw: String) -> RequestSpec {
    RequestSpec {
        body: body.map(|b| Value::Object(b.clone())),
        body_raw: Some(raw),
        ..RequestSpec::default()
    }
}

/// Whitespace is part of JSON: the example padded on the small rungs is accepted (C3.2's valid
/// side); `{}` padded on the large ones is taken unchanged or refused, 413 or 400 (C6.2).
fn padding(example: &Map<String, Value>) -> Vec<Case> {
    let text = Value::Object(example.clone()).to_string();
    let mut out: Vec<Case> = SMALL
        .iter()
        .map(|&n| {
            let padded = format!("{{{}{}", " ".repeat(n), &text[1..]);
            let request = raw(Some(example), padded);
            case(
                format!("padded-body-{n}"),
                C3_2,
                Expectation::Accepted,
                request,
            )
        })
        .collect();
    // Whitespace before and after the object: the valid twin of text after it.
    let around = raw(Some(example), format!(" \r\n\t{text}\n\t \r\n"));
    out.push(case(
        "whitespace-around-object".into(),
        C3_2,
        Expectation::Accepted,
        around,
    ));
    out.extend(LARGE.iter().chain([&HUGE]).map(|&n| {
        let request = raw(None, format!("{{{}}}", " ".repeat(n)));
        case(
            format!("padded-empty-object-{n}"),
            C6_2,
            Expectation::Either {
                status: vec![200, 400, 413],
            },
            request,
        )
    }));
    out
}

/// The rungs of the refused ladders: small and large together.
fn every_rung() -> impl Iterator<Item = usize> {
    SMALL.into_iter().chain(LARGE)
}

/// The first property a PATCH may set, for values that break its type.
fn first_writable(model: &EntityModel) -> Option<&str> {
    model.writable().map(|(_, p)| p.name.as_str()).next()
}

/// A value nested `n` arrays deep: no property's type takes it; refused, never 5xx.
fn depth(model: &EntityModel) -> Vec<Case> {
    let name = first_writable(model).unwrap_or(UNKNOWN);
    every_rung()
        .map(|n| {
            let text = format!("{{\"{name}\": {}1{}}}", "[".repeat(n), "]".repeat(n));
            too_big(format!("nesting-depth-{n}"), text)
        })
        .collect()
}

/// `n` members the entity does not have: refused, never 5xx. Up to 10 000 members (a quarter
/// MiB): more could not come back within `--max-body` from a store that keeps them.
fn members() -> Vec<Case> {
    every_rung()
        .filter(|&n| n <= 10_000)
        .map(|n| {
            let body: Vec<String> = (0..n).map(|i| format!("\"{UNKNOWN}{i}\": 1")).collect();
            let text = format!("{{{}}}", body.join(", "));
            too_big(format!("members-{n}"), text)
        })
        .collect()
}

/// An integer of `n` digits (past every integer type's range) for the first integer property:
/// refused, never 5xx.
fn digits(model: &EntityModel) -> Vec<Case> {
    let integer = |ty: &TypeRef| matches!(ty, TypeRef::Primitive(p) if p.spec().range.is_some());
    let name = model
        .writable()
        .find(|(_, p)| integer(&p.ty))
        .map_or(UNKNOWN, |(_, p)| p.name.as_str());
    every_rung()
        .map(|n| {
            let text = format!("{{\"{name}\": 1{}}}", "0".repeat(n - 1));
            too_big(format!("number-digits-{n}"), text)
        })
        .collect()
}

/// A String property takes any string: accepted and echoed on the small rungs (C3.11's valid
/// side); on the large rungs an unknown member's string is refused, 413 or 400, never 5xx.
fn strings(model: &EntityModel) -> Vec<Case> {
    let string = model.writable().find(|(_, p)| {
        matches!(p.ty, TypeRef::Primitive(t) if t.takes_any_string()) && !p.read_only
    });
    let mut out: Vec<Case> = string
        .into_iter()
        .flat_map(|(_, p)| {
            SMALL.iter().map(move |&n| {
                let body: Map<String, Value> = [(p.name.clone(), Value::String("x".repeat(n)))]
                    .into_iter()
                    .collect();
                let request = RequestSpec {
                    body: Some(Value::Object(body)),
                    ..RequestSpec::default()
                };
                case(
                    format!("string-length-{n}"),
                    C3_11,
                    Expectation::Accepted,
                    request,
                )
            })
        })
        .collect();
    out.extend(LARGE.iter().map(|&n| {
        let text = format!("{{\"{UNKNOWN}\": \"{}\"}}", "x".repeat(n));
        too_big(format!("string-length-{n}"), text)
    }));
    out
}

/// The refused twins of rules whose valid side the case files send: a media type that only
/// starts like JSON's (C3.1), and a real name cut one character short (C3.3).
fn pairs(model: &EntityModel, example: &Map<String, Value>) -> Vec<Case> {
    let media = RequestSpec {
        content_type: Some("application/json-seq".into()),
        body: Some(Value::Object(example.clone())),
        ..RequestSpec::default()
    };
    let mut out = vec![case(
        "json-media-prefix".into(),
        C3_1,
        refused(&[400, 415]),
        media,
    )];
    let cut = example.iter().find_map(|(name, value)| {
        let short = name.get(..name.len().checked_sub(1)?)?;
        let usable = model.property(name).is_some() && !short.is_empty();
        (usable && model.property(short).is_none()).then(|| (short.to_owned(), value.clone()))
    });
    if let Some((short, value)) = cut {
        let body: Map<String, Value> = [(short, value)].into_iter().collect();
        let request = RequestSpec {
            body: Some(Value::Object(body)),
            ..RequestSpec::default()
        };
        out.push(case(
            "name-cut-short".into(),
            C3_3,
            refused(&[400]),
            request,
        ));
    }
    out
}
