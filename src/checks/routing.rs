//! C1.2: a write through a navigation variant is visible through the direct path of the
//! configuration it reached.

use serde_json::{Map, Value};

use crate::executor::Transcript;
use crate::outcome::{Check, Level};

use super::{shown, Judge};

pub fn alias(j: &Judge, sent: &Map<String, Value>, t: &Transcript) -> Vec<Check> {
    let Some(read) = &t.read_back else {
        return Vec::new();
    };
    let body = read.response.json();
    let Some(map) = body
        .as_ref()
        .and_then(Value::as_object)
        .filter(|_| read.response.status == 200)
    else {
        return vec![j.check("C1.2", Level::Must, false, "200 with the entity", read.response.status.to_string(), || {
            format!("C1.2: GET {} (the direct path of the configuration the variant reaches) answered {}", read.request.url, read.response.status)
        })];
    };
    let wrong: Vec<String> = sent
        .iter()
        .filter(|(k, _)| !k.starts_with('@') && **k != j.model.key)
        .filter(|(k, v)| {
            let prop = j.model.index_of(k).map(|i| j.model.properties[i].edm);
            let sent = prop.and_then(|e| crate::domain::EdmValue::from_json(e, v).ok());
            !matches!((sent, j.value(map, k)), (Some(a), Some(b)) if a.same_value(&b))
        })
        .map(|(k, v)| format!("{k}: sent {v}, direct path shows {}", shown(map.get(k))))
        .collect();
    vec![j.check("C1.2", Level::Must, wrong.is_empty(), "the write visible through the direct path of overviewOf", if wrong.is_empty() { "visible".into() } else { wrong.join("; ") }, || {
        format!(
            "C1.2: the PATCH through the variant did not reach the overview of the configuration it references ({}); a navigation variant must update the referenced configuration's overview, not {{id}}'s own",
            wrong.join("; ")
        )
    })]
}
