//! Before and after the trials: one GET of every entity the run may write (it shows whether the
//! target answers at all, and records the originals), and the originals written back at the end
//! against a real target.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::domain::EntityModel;
use crate::executor::Executor;
use crate::outcome::Restored;
use crate::plan::{Address, PlannedCase};
use crate::transcript::Exchange;
use crate::transcript::{State, Unread};

/// An entity's original state, by the address identity, with the variant that named it.
pub(super) type Originals = BTreeMap<String, (String, Address, State)>;

/// The entities the planned trials may write, each once, with the first variant naming it.
pub(super) fn addresses(planned: &[PlannedCase]) -> Vec<(String, Address)> {
    let mut seen = BTreeMap::new();
    for pc in planned {
        // A generated trial spread over a variant's entities writes each of them.
        let spread = pc.spread.iter().map(|r| &r.state);
        if let Ok(r) = &pc.routing {
            for a in std::iter::once(&r.state).chain(&r.watch).chain(spread) {
                seen.entry(a.identity())
                    .or_insert_with(|| (pc.variant.name.clone(), a.clone()));
            }
        }
    }
    seen.into_values().collect()
}

/// What the preflight found: the originals of the entities it read, and the entities that got
/// no answer at all (identity, address, why), whose trials are skipped.
pub(super) struct Found {
    pub(crate) originals: Originals,
    pub(crate) unreached: Vec<(String, Address, String)>,
}

/// Reads every entity before any trial. An entity answered without itself (404, 5xx, not JSON)
/// is said on stderr and its trials run: each is judged on that answer. An entity that gets no
/// answer is left out (its trials are skipped, with why). The run cannot be made (`Err`, why)
/// when no entity could be read at all: at the first read without an answer when none has been
/// answered yet (a silent target costs one timeout, not one per entity), or at the end when no
/// answer carried an entity (nothing the trials could start from).
pub(super) async fn preflight(
    exec: &Executor<'_>,
    addresses: &[(String, Address)],
) -> Result<Found, String> {
    let mut found = Found {
        originals: Originals::new(),
        unreached: Vec::new(),
    };
    let mut first_why = None;
    for ((variant, address), (read, log)) in addresses.iter().zip(read_all(exec, addresses).await) {
        let unread = match read {
            Ok(state) => {
                let entry = (variant.clone(), address.clone(), state);
                found.originals.insert(address.identity(), entry);
                continue;
            }
            Err(u) => u,
        };
        let url = &unread.request.url;
        match &unread.answer {
            Ok(resp) => {
                let what = if (200..300).contains(&resp.status) {
                    " without a JSON object"
                } else {
                    " without the entity"
                };
                let why = format!(
                    "variant {variant}: the state read GET {url} answered {}{what}{}",
                    resp.status,
                    redirect_hint(&log)
                );
                eprintln!("preflight: {why}; its trials run and are judged on that answer");
                first_why.get_or_insert(why);
            }
            Err(e) => {
                let why =
                    format!("variant {variant}: the state read GET {url} did not complete: {e}");
                if first_why.is_none() && found.originals.is_empty() {
                    return Err(why);
                }
                eprintln!("preflight: {why}; the trials of this entity are skipped");
                found.unreached.push((
                    address.identity(),
                    address.clone(),
                    format!("not run: the preflight could not read this entity ({why})"),
                ));
            }
        }
    }
    match first_why {
        Some(why) if found.originals.is_empty() => Err(format!("{why}; no entity could be read as a JSON object, so no trial has a state to start from (check that the ids file names entities that exist on the target and that GRAPH_TOKEN may read them)")),
        _ => Ok(found),
    }
}

/// Every address read, with each read's log: the first alone (a target that does not answer
/// costs one timeout, not one per entity), the others at once (a distant target answers them
/// side by side).
async fn read_all(
    exec: &Executor<'_>,
    addresses: &[(String, Address)],
) -> Vec<(Result<State, Unread>, Vec<Exchange>)> {
    let Some(((_, first), rest)) = addresses.split_first() else {
        return Vec::new();
    };
    let first = read_one(exec, first).await;
    let unanswered = matches!(&first.0, Err(u) if u.answer.is_err());
    let mut all = vec![first];
    if !unanswered {
        let reads = rest.iter().map(|(_, a)| read_one(exec, a));
        all.extend(futures_util::future::join_all(reads).await);
    }
    all
}

async fn read_one(
    exec: &Executor<'_>,
    address: &Address,
) -> (Result<State, Unread>, Vec<Exchange>) {
    let mut log = Vec::new();
    let result = exec.try_read(address, &mut log).await;
    (result, log)
}

/// Why a read answered with a redirect gives no entity.
fn redirect_hint(log: &[Exchange]) -> String {
    log.iter()
        .filter_map(|e| e.response.as_ref())
        .find_map(|r| {
            let to = r.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case("location"));
            ((300..400).contains(&r.status)).then(|| {
                format!(" (a redirect to {}, which the harness never follows, so a token cannot leak to another host: point --target at the final URL)", to.map_or("nowhere", |(_, v)| v.as_str()))
            })
        })
        .unwrap_or_default()
}

/// PATCHes every recorded original back (writable properties only), after failures and
/// interruptions too. Always written, never judged by a read first: a replica may still show the
/// old state, or a write the run gave up on may land late. Only when writing back fails does a
/// read decide whether that matters (`unchanged`: a target that refused every write) or not
/// (`failed`).
pub(super) async fn restore(
    exec: &Executor<'_>,
    model: &EntityModel,
    originals: &Originals,
) -> Vec<Restored> {
    let writes = originals
        .values()
        .map(|(variant, address, original)| restore_one(exec, model, variant, address, original));
    futures_util::future::join_all(writes).await
}

/// Writes one original back; on failure, a read says whether that matters.
async fn restore_one(
    exec: &Executor<'_>,
    model: &EntityModel,
    variant: &str,
    address: &Address,
    original: &State,
) -> Restored {
    let body: Map<String, Value> = model
        .writable()
        .filter_map(|(_, p)| original.get(&p.name).map(|v| (p.name.clone(), v.clone())))
        .collect();
    let url = exec.state_url(address);
    let status = match exec
        .write_state(address, &Value::Object(body.clone()))
        .await
    {
        Ok(()) => "restored".to_owned(),
        Err(e) => {
            let now = exec.read_state(address, &mut Vec::new()).await;
            if now.is_ok_and(|now| body.keys().all(|k| model.same_in(k, &body, &now))) {
                format!("unchanged: writing it back failed ({e}), but it reads back as it was")
            } else {
                format!("failed: {e}; restore it by hand from report.json's first exchange of this variant")
            }
        }
    };
    Restored {
        variant: variant.to_owned(),
        url,
        status,
    }
}
