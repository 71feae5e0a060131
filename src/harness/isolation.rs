//! Trial isolation: each entity's start state (the preflight's read), written back after a trial
//! that may have changed it and read to confirm; a *baseline* when the write-back cannot undo
//! something (a member a merging store never drops); quarantine only when the entity can no
//! longer be read as an object. One bad value never decides the verdict of trials that did not
//! send it.

use std::collections::HashMap;
use std::sync::Mutex;

use serde_json::{Map, Value};

use super::Runner;
use crate::contract::{family_of, C2, C2_3, C4_5, C5_3};
use crate::domain::EntityModel;
use crate::executor::Executor;
use crate::outcome::{Check, Level, Outcome, TrialResult};
use crate::plan::{Address, PlannedCase, Work};
use crate::transcript::{State, Unread};

/// One entity the run writes.
struct Entity {
    address: Address,
    /// The state written back after a trial: the preflight's read, or the baseline.
    start: State,
    /// Why its remaining trials are skipped, when it can no longer be read as an object (or
    /// the preflight got no answer for it).
    quarantined: Option<String>,
}

/// Every entity's start state and what became of it, by identity.
#[derive(Default)]
pub(crate) struct Entities(Mutex<HashMap<String, Entity>>);

impl Entities {
    fn with<R>(&self, f: impl FnOnce(&mut HashMap<String, Entity>) -> R) -> R {
        f(&mut self.0.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

/// What the confirming read after a write-back showed.
enum Confirmed {
    /// The start state (and nothing the entity did not have before).
    Clean,
    /// An object that keeps something the write-back could not undo: members the start state
    /// did not have, and writable properties that did not go back.
    Kept {
        state: State,
        added: Vec<String>,
        unrestored: Vec<String>,
    },
    /// No object: the read's answer (or why there was none).
    Unreadable(Unread),
}

impl Runner {
    /// Records an entity's start state (the preflight's read of it).
    pub(crate) fn start_state(&self, identity: String, address: Address, state: State) {
        self.entities.with(|m| {
            m.insert(
                identity,
                Entity {
                    address,
                    start: state,
                    quarantined: None,
                },
            )
        });
    }

    /// Skips the trials of an entity the preflight could not reach, with `why`.
    pub(crate) fn unreachable(&self, identity: String, address: Address, why: String) {
        self.entities.with(|m| {
            m.insert(
                identity,
                Entity {
                    address,
                    start: State::new(),
                    quarantined: Some(why),
                },
            )
        });
    }

    /// Why the trial cannot run: an entity it writes is quarantined.
    pub(super) fn quarantined(&self, pc: &PlannedCase) -> Option<String> {
        self.entities.with(|m| {
            pc.writes
                .iter()
                .find_map(|w| m.get(w).and_then(|e| e.quarantined.clone()))
        })
    }

    /// The state the entity of a single-entity trial is written back to: its start state, or
    /// its baseline once it has one.
    pub(super) fn recorded_start(&self, pc: &PlannedCase) -> Option<State> {
        let [identity] = pc.writes.as_slice() else {
            return None;
        };
        self.entities.with(|m| {
            m.get(identity)
                .filter(|e| e.quarantined.is_none())
                .map(|e| e.start.clone())
        })
    }

    /// After a trial that may have left its entities different (it failed or errored), writes
    /// each one's start state back and reads it to confirm, noting on the result what could not
    /// be undone (a baseline) or that the entity can no longer be read (quarantine). Called
    /// holding the entities alone. A faithful service fails no trial, so costs nothing here.
    pub(super) fn isolate(&self, pc: &PlannedCase, result: &mut TrialResult) {
        if !matches!(result.outcome, Outcome::Failed | Outcome::Error) {
            return;
        }
        for identity in &pc.writes {
            let Some((address, start)) = self.entities.with(|m| {
                m.get(identity)
                    .filter(|e| e.quarantined.is_none())
                    .map(|e| (e.address.clone(), e.start.clone()))
            }) else {
                continue;
            };
            let exec = self.executor();
            let confirmed = self.runtime.block_on(write_back_and_confirm(
                &exec,
                &self.pack.model,
                &address,
                &start,
            ));
            self.note_isolation(pc, identity, confirmed, result);
        }
    }

    fn note_isolation(
        &self,
        pc: &PlannedCase,
        identity: &str,
        confirmed: Confirmed,
        result: &mut TrialResult,
    ) {
        match confirmed {
            Confirmed::Clean => {}
            Confirmed::Kept {
                state,
                added,
                unrestored,
            } => {
                // Members a trial sharing the entity may have added are left to that trial to
                // claim; the members this trial sent, and values that will not go back, are its.
                let (mine, _others): (Vec<String>, Vec<String>) =
                    added.into_iter().partition(|k| sent_member(result, k));
                if mine.is_empty() && unrestored.is_empty() {
                    return;
                }
                self.entities.with(|m| {
                    if let Some(e) = m.get_mut(identity) {
                        e.start = state;
                    }
                });
                let mut left = Vec::new();
                if !mine.is_empty() {
                    left.push(format!("the members {} this trial sent", mine.join(", ")));
                }
                if !unrestored.is_empty() {
                    left.push(format!(
                        "values of {} it will not take back",
                        unrestored.join(", ")
                    ));
                }
                let clause = left_clause(pc);
                let message = format!("{clause}: after this trial the entity keeps {}, which writing its start state back cannot undo; this is the entity's baseline from here, and later trials of it are judged against it", left.join(" and "));
                add_failure(result, failed(clause, message));
            }
            // No answer at all: not the entity's state but the target's; the run's count of
            // errors in a row decides whether the target is still there.
            Confirmed::Unreadable(Unread { answer: Err(e), .. }) => {
                result.message.push_str(&format!(
                    "\nafterwards writing its start state back, or reading it, got no answer ({e})"
                ));
            }
            // An answer without the entity: a verdict on its clause, and the entity's end.
            Confirmed::Unreadable(u) => {
                let Some(check) = crate::checks::unreadable_before(&self.judge(), &u) else {
                    return;
                };
                self.entities.with(|m| {
                    if let Some(e) = m.get_mut(identity) {
                        e.quarantined = Some(format!(
                            "quarantined: the entity can no longer be read as an object since trial {} ({})",
                            result.name, check.message
                        ));
                    }
                });
                add_failure(result, check);
            }
        }
    }
}

/// The clause a trial breaks by leaving its entity changed: a refusal must change nothing
/// (C5.3, C2.3 for auth, C1.x for routing); an accepted write changes only what it sends
/// (C4.5).
fn left_clause(pc: &PlannedCase) -> &'static str {
    match &pc.work {
        Work::Case(c) if c.expect.changes_nothing() => {
            if family_of(&c.clause) == C2 {
                C2_3
            } else {
                C5_3
            }
        }
        Work::Generated(s) if !s.expects_acceptance() => C5_3,
        _ => C4_5,
    }
}

fn failed(clause: &str, message: String) -> Check {
    Check {
        clause: clause.to_owned(),
        level: Level::Must,
        outcome: Outcome::Failed,
        expected: crate::outcome::LEFT_BEHIND.into(),
        actual: message.clone(),
        message,
    }
}

/// Adds a failed check to a trial's result: the trial is failed (a failure stays a failure;
/// an error that left its entity changed is a failure too), its message says so.
fn add_failure(result: &mut TrialResult, check: Check) {
    if result.outcome == Outcome::Error {
        result.outcome = Outcome::Failed;
        result.clause = check.clause.clone();
    }
    result.message.push('\n');
    result.message.push_str(&check.message);
    result.checks.push(check);
}

/// PATCHes the writable properties of `start` and reads the entity back. The write's answer is
/// not trusted either way: a store may answer 5xx to a write that took effect, so the read
/// decides. A 5xx read is asked once more before the entity counts as unreadable.
async fn write_back_and_confirm(
    exec: &Executor<'_>,
    model: &EntityModel,
    address: &Address,
    start: &State,
) -> Confirmed {
    let body: Map<String, Value> = model
        .writable()
        .filter_map(|(_, p)| start.get(&p.name).map(|v| (p.name.clone(), v.clone())))
        .collect();
    if let Err(e) = exec.write_state(address, &Value::Object(body)).await {
        if e.contains("did not complete") {
            let request = exec.state_read(address);
            return Confirmed::Unreadable(Unread {
                request,
                answer: Err(e),
            });
        }
    }
    let mut read = exec.try_read(address, &mut Vec::new()).await;
    if let Err(Unread { answer: Ok(r), .. }) = &read {
        if r.status >= 500 {
            read = exec.try_read(address, &mut Vec::new()).await;
        }
    }
    match read {
        Err(u) => Confirmed::Unreadable(u),
        Ok(state) => compare(model, start, state),
    }
}

/// Whether `now` is the start state (the baseline, once there is one). Annotations that come
/// and go are not the entity's.
fn compare(model: &EntityModel, start: &State, now: State) -> Confirmed {
    let unrestored: Vec<String> = model
        .writable()
        .filter(|(_, p)| !model.same_in(&p.name, start, &now))
        .map(|(_, p)| p.name.clone())
        .collect();
    // The key and other members a PATCH may not change (C3.6): a store that took a new value
    // for one keeps it, whatever is written back.
    let fixed = start.iter().filter(|(k, v)| {
        !k.contains('@')
            && model
                .property(k)
                .is_none_or(|p| p.read_only || p.name == model.key)
            && now.get(*k) != Some(*v)
    });
    let unrestored: Vec<String> = unrestored
        .into_iter()
        .chain(fixed.map(|(k, _)| k.clone()))
        .collect();
    let added: Vec<String> = now
        .keys()
        .filter(|k| !k.contains('@') && !start.contains_key(*k))
        .cloned()
        .collect();
    if unrestored.is_empty() && added.is_empty() {
        return Confirmed::Clean;
    }
    Confirmed::Kept {
        state: now,
        added,
        unrestored,
    }
}

/// Whether one of the trial's requests carried `member`: as a member name, or as an index of
/// an array body (which a store that merges anything keeps as members "0", "1", …).
fn sent_member(result: &TrialResult, member: &str) -> bool {
    let quoted = format!("\"{member}\"");
    let index = member.parse::<usize>().is_ok();
    result
        .exchanges
        .iter()
        .filter_map(|e| e.request.body.as_deref())
        .any(|b| b.contains(&quoted) || (index && b.trim_start().starts_with('[')))
}
