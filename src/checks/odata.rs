//! The OData JSON format of a 2xx entity answer: `@odata.context` (C4.8), the metadata level its
//! Content-Type names (C4.9), the order of control information under streaming (C4.10), and
//! the `@odata.type` a derived entity must carry (C4.3 with a pack). Order is judged on the
//! member names in the order the raw body has them, never on a re-ordered map.

use std::fmt;

use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::{Map, Value};

use crate::contract::Level;
use crate::outcome::Check;
use crate::transcript::Step;

use super::Judge;
use crate::contract::{C4_10, C4_3, C4_8, C4_9};

/// Every check of this file on one 2xx answer, `entity` its body as already parsed (member
/// order is read once more from the raw text, which a parsed map may not keep).
pub(crate) fn entity_answer(j: &Judge, step: &Step, entity: &Map<String, Value>) -> Vec<Check> {
    let Ok(Members(members)) = serde_json::from_slice::<Members>(&step.response.body) else {
        return Vec::new();
    };
    let content_type = step.response.header("content-type").unwrap_or_default();
    let mut out = context(j, entity.get("@odata.context"), &members);
    out.push(metadata_level(j, step, content_type));
    out.push(streaming_order(j, content_type, &members));
    out.push(derived_type(j, step, entity));
    out
}

/// The member names of a JSON object, in the order the text has them.
struct Members(Vec<String>);

impl<'de> Deserialize<'de> for Members {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Names;
        impl<'de> Visitor<'de> for Names {
            type Value = Members;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Members, A::Error> {
                let mut names = Vec::new();
                while let Some(name) = map.next_key::<String>()? {
                    map.next_value::<IgnoredAny>()?;
                    names.push(name);
                }
                Ok(Members(names))
            }
        }
        d.deserialize_map(Names)
    }
}

/// C4.8: `@odata.context`, when present, is the first member and names `$metadata#…`; its
/// absence is information only (the page's example omits it; live Graph sends it).
fn context(j: &Judge, value: Option<&Value>, members: &[String]) -> Vec<Check> {
    let Some(position) = members.iter().position(|m| m == "@odata.context") else {
        return vec![j.check(C4_8, Level::May, false, "@odata.context (live Graph sends it)", "(absent)", || {
            "C4.8: the answer carries no @odata.context; live Graph sends one on every entity answer (information only: the page's example omits it)".into()
        })];
    };
    let url = value.and_then(Value::as_str).unwrap_or_default();
    let names_metadata = url
        .split_once("$metadata#")
        .is_some_and(|(root, fragment)| {
            !fragment.is_empty() && (root.is_empty() || root.ends_with('/'))
        });
    vec![
        j.check(C4_8, Level::Should, position == 0, "@odata.context as the first member", format!("member {} of {}", position + 1, members.len()), || {
            format!("C4.8: @odata.context is member {} of the answer, after {:?}; write it first (OData JSON Format §4.5.1)", position + 1, members[0])
        }),
        j.check(C4_8, Level::Should, names_metadata, "a URL naming the service's $metadata#…", super::shown(value), || {
            format!("C4.8: @odata.context is {}, not a context URL; send the service root's `$metadata#` followed by what the answer is (e.g. `https://graph.microsoft.com/beta/$metadata#…/$entity`)", super::shown(value))
        }),
    ]
}

/// The value of a media-type parameter, named case-insensitively.
fn parameter<'a>(content_type: &'a str, name: &str) -> Option<&'a str> {
    content_type.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case(name)
            .then(|| v.trim().trim_matches('"'))
    })
}

/// C4.9: a 2xx entity answer names the metadata level it was written with: the one the
/// request's `Accept` asked for, else `minimal`, as Graph sends.
fn metadata_level(j: &Judge, step: &Step, content_type: &str) -> Check {
    let asked = step
        .request
        .headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("accept"))
        .and_then(|(_, v)| parameter(v, "odata.metadata"))
        .unwrap_or("minimal");
    let got = parameter(content_type, "odata.metadata");
    let ok = got.is_some_and(|g| g.eq_ignore_ascii_case(asked));
    j.check(C4_9, Level::Should, ok, format!("odata.metadata={asked}"), got.map_or("(absent)".into(), |g| format!("odata.metadata={g}")), || {
        format!("C4.9: the answer's Content-Type is {content_type:?}, without odata.metadata={asked}; name the metadata level the body was written with, as Graph does (`application/json;odata.metadata={asked}`)")
    })
}

/// Where a member may stand under streaming: control information first, in OData's order,
/// then the properties (a property's own annotations right before it).
fn rank(member: &str) -> u8 {
    match member {
        "@odata.context" => 0,
        "@odata.type" => 1,
        "@odata.id" | "@odata.etag" | "@odata.editLink" | "@odata.readLink" => 2,
        m if m.starts_with('@') => 3,
        _ => 4,
    }
}

/// The first member out of streaming order, with the reason.
fn out_of_order(members: &[String]) -> Option<String> {
    for (i, pair) in members.windows(2).enumerate() {
        let (a, b) = (&pair[0], &pair[1]);
        if rank(b) < rank(a) {
            return Some(format!("{b:?} (member {}) comes after {a:?}", i + 2));
        }
        if let Some((property, _)) = a.split_once('@').filter(|(p, _)| !p.is_empty()) {
            let next_is_own = b == property || b.starts_with(&format!("{property}@"));
            if !next_is_own {
                return Some(format!(
                    "the annotation {a:?} is not followed by its property {property:?}"
                ));
            }
        }
    }
    None
}

/// C4.10: under `odata.streaming=true`, control information comes before the properties.
fn streaming_order(j: &Judge, content_type: &str, members: &[String]) -> Check {
    let streaming =
        parameter(content_type, "odata.streaming").is_some_and(|v| v.eq_ignore_ascii_case("true"));
    if !streaming {
        return j.not_applicable(C4_10, "the answer does not advertise odata.streaming=true");
    }
    let problem = out_of_order(members);
    j.check(C4_10, Level::Should, problem.is_none(), "control information first: @odata.context, @odata.type, @odata.id/@odata.etag, then properties", members.join(", "), || {
        format!("C4.10: the answer says odata.streaming=true but {}; under streaming a client reads control information before the properties (OData JSON Format §4.4): write it first, or do not advertise streaming", problem.clone().unwrap_or_default())
    })
}

/// C4.3 with a pack: an entity whose type derives from the type its path declares carries
/// `@odata.type` naming its own type in every answer, or a client cannot know the type.
fn derived_type(j: &Judge, step: &Step, entity: &Map<String, Value>) -> Check {
    let model = j.model;
    let cast = step
        .request
        .url
        .split('/')
        .any(|segment| segment.eq_ignore_ascii_case(&model.type_name));
    if !model.is_derived() || cast {
        return j.not_applicable(
            C4_3,
            "the entity's type is the type its path declares, so @odata.type may be omitted",
        );
    }
    let named = entity.get("@odata.type").and_then(|t| t.as_str());
    let ok = named.is_some_and(|t| {
        let t = t.trim_start_matches('#');
        model.types.is_a(t, &model.type_name)
    });
    j.check(C4_3, Level::Must, ok, model.odata_type.clone(), named.unwrap_or("(absent)"), || {
        format!("C4.3: the entity is a {} reached through a path that declares its base type, but the answer's @odata.type is {}; a derived entity must name its type in every answer (OData JSON Format §4.5.3)", model.type_name, named.unwrap_or("absent"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn streaming_order_is_judged_on_the_members_as_sent() {
        let ok = names(&[
            "@odata.context",
            "@odata.type",
            "@odata.etag",
            "a@odata.type",
            "a",
            "b",
        ]);
        assert_eq!(out_of_order(&ok), None);
        assert!(out_of_order(&names(&["a", "@odata.type"])).is_some());
        assert!(out_of_order(&names(&["@odata.type", "@odata.context", "a"])).is_some());
        assert!(out_of_order(&names(&["@odata.type", "a@odata.type", "b", "a"])).is_some());
        assert_eq!(
            out_of_order(&names(&["@odata.type", "@odata.etag", "@odata.id", "a"])),
            None
        );
    }

    #[test]
    fn members_keep_the_order_and_the_duplicates_of_the_text() {
        let Members(m) = serde_json::from_str(r#"{"b":1,"@odata.type":"x","b":2}"#).unwrap();
        assert_eq!(m, ["b", "@odata.type", "b"]);
    }

    #[test]
    fn media_type_parameters_are_read_case_insensitively() {
        let ct = "application/json; ODATA.Metadata=\"minimal\";odata.streaming=true";
        assert_eq!(parameter(ct, "odata.metadata"), Some("minimal"));
        assert_eq!(parameter(ct, "odata.streaming"), Some("true"));
        assert_eq!(parameter("application/json", "odata.metadata"), None);
    }
}
