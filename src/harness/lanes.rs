//! Who may use an entity at the same time. Trials that write an entity hold it alone; refused
//! cases on one entity (which must change nothing) hold it together, so their exchanges
//! overlap. A shared trial that fails is judged again alone, from the state it started from:
//! another trial holding the entity with it may have changed it, and writing the start state
//! back first keeps a fault that stores the same value every time from hiding.

use std::collections::HashMap;
use std::sync::{Condvar, Mutex};

use serde_json::{Map, Value};

use super::Runner;
use crate::case::Case;
use crate::contract::Level;
use crate::domain::EntityModel;
use crate::executor::{Aborted, Executor};
use crate::outcome::{Outcome, TrialResult};
use crate::plan::{Address, PlannedCase, Work};
use crate::transcript::State;

/// Who holds which entity, by its identity. A trial takes all its entities at once or waits
/// holding none: taken one by one, a trial that writes several (a generated trial's chains
/// on every entity of a variant) would hold the first idle while it waits for the others.
#[derive(Default)]
pub(crate) struct Lanes {
    held: Mutex<HashMap<String, Held>>,
    freed: Condvar,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    Shared,
    Alone,
}

/// An entity's holders: how many share it, or whether one holds it alone.
#[derive(Debug, Default, Clone, Copy)]
struct Held {
    shared: usize,
    alone: bool,
}

impl Held {
    fn allows(self, access: Access) -> bool {
        match access {
            Access::Shared => !self.alone,
            Access::Alone => !self.alone && self.shared == 0,
        }
    }
}

/// Entities taken; given back when dropped (a trial that panics gives them back too).
struct Taken<'l> {
    lanes: &'l Lanes,
    keys: &'l [String],
    access: Access,
}

impl Lanes {
    /// Runs `f` holding every entity in `keys`.
    pub(crate) fn hold<R>(&self, keys: &[String], access: Access, f: impl FnOnce() -> R) -> R {
        let _taken = self.take(keys, access);
        f()
    }

    fn take<'l>(&'l self, keys: &'l [String], access: Access) -> Taken<'l> {
        let mut held = self.held.lock().unwrap_or_else(|p| p.into_inner());
        while !keys
            .iter()
            .all(|k| held.get(k).copied().unwrap_or_default().allows(access))
        {
            held = self.freed.wait(held).unwrap_or_else(|p| p.into_inner());
        }
        for k in keys {
            let h = held.entry(k.clone()).or_default();
            match access {
                Access::Shared => h.shared += 1,
                Access::Alone => h.alone = true,
            }
        }
        Taken {
            lanes: self,
            keys,
            access,
        }
    }
}

impl Drop for Taken<'_> {
    fn drop(&mut self) {
        let mut held = self.lanes.held.lock().unwrap_or_else(|p| p.into_inner());
        for k in self.keys {
            if let Some(h) = held.get_mut(k) {
                match self.access {
                    Access::Shared => h.shared = h.shared.saturating_sub(1),
                    Access::Alone => h.alone = false,
                }
                if h.shared == 0 && !h.alone {
                    held.remove(k);
                }
            }
        }
        self.lanes.freed.notify_all();
    }
}

/// The case of a trial that may share its entity: a refusal (or C3.7's either) of one entity
/// whose state it reads before and after. Probes that watch a second entity stay alone, and so
/// do the scale cases (bodies built from repeated parts: depth, length, count): what a store
/// does with those is the likeliest to outlast the trial, and alone its consequences stay its
/// own (trial isolation names the trial that left an entity unreadable).
pub(crate) fn shareable(pc: &PlannedCase) -> Option<&Case> {
    let Work::Case(case) = &pc.work else {
        return None;
    };
    let single = pc.writes.len() == 1 && pc.routing.as_ref().is_ok_and(|r| r.watch.is_none());
    // A MAY refusal may rightly be taken and change the entity: it holds the entity alone.
    let refusal = case.expect.changes_nothing() && case.level != Level::May;
    let scale = case.request.body_parts.is_some();
    (single && refusal && !scale).then_some(case)
}

impl Runner {
    /// The shared attempt of a shareable trial: its result, and the state it started from
    /// when it failed with its entity changed (another trial sharing the entity may have
    /// changed it: it is judged again alone from there). A failure with the entity unchanged
    /// is its own: a correct service answers one refusal the same beside others.
    pub(super) fn shared_attempt(
        &self,
        pc: &PlannedCase,
        case: &Case,
    ) -> (TrialResult, Option<State>) {
        if let Some(reason) = self.skip_reason(pc) {
            return (self.skipped(pc, reason), None);
        }
        let Ok(routing) = &pc.routing else {
            return (self.skipped(pc, "no routing".into()), None);
        };
        let started = std::time::Instant::now();
        let (mut result, start) = self.run_case_from(pc, case, routing);
        result.duration_ms = started.elapsed().as_millis() as u64;
        if result.outcome == Outcome::Failed && start.is_some() {
            return (result, start);
        }
        self.note_outcome(&result);
        (result, None)
    }

    /// Writes `start` back to the entity at `address` where it now differs; the error says
    /// why it could not. An entity that answers a read without itself gets every writable
    /// property of `start`, and the write's answer is not trusted either way (a store may answer
    /// 5xx to a write that took effect): the trial's own first read shows what it starts from.
    pub(super) fn restore_to(&self, address: &Address, start: &State) -> Result<(), String> {
        let exec = self.executor();
        self.runtime
            .block_on(async {
                match exec.read_state(address, &mut Vec::new()).await {
                    Ok(now) => write_back(&exec, &self.pack.model, address, start, &now).await,
                    Err(a) if a.answered.is_some() => {
                        let unknown = State::new();
                        let _ = write_back(&exec, &self.pack.model, address, start, &unknown).await;
                        Ok(())
                    }
                    Err(a) => Err(a),
                }
            })
            .map_err(|a| a.message)
    }
}

/// PATCHes back the writable properties in which `now` differs from `before`, if any.
pub(super) async fn write_back(
    exec: &Executor<'_>,
    model: &EntityModel,
    address: &Address,
    before: &State,
    now: &State,
) -> Result<(), Aborted> {
    let body: Map<String, Value> = model
        .writable()
        .filter(|(_, p)| !model.same_in(&p.name, before, now))
        .filter_map(|(_, p)| before.get(&p.name).map(|v| (p.name.clone(), v.clone())))
        .collect();
    if body.is_empty() {
        return Ok(());
    }
    exec.write_state(address, &Value::Object(body))
        .await
        .map_err(|e| Aborted {
            exchanges: Vec::new(),
            message: format!("writing back the state a trial started from failed ({e}), so it cannot be judged alone from there"),
            request: None,
            answered: None,
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;
    use std::time::Duration;

    fn keys(names: &[&str]) -> Vec<String> {
        names.iter().map(|n| (*n).to_owned()).collect()
    }

    #[test]
    fn a_trial_of_several_entities_waits_holding_none_of_them() {
        let lanes = std::sync::Arc::new(Lanes::default());
        let (held_b, b_is_held) = mpsc::channel();
        let (release_b, b_released) = mpsc::channel::<()>();
        let l = std::sync::Arc::clone(&lanes);
        let first = std::thread::spawn(move || {
            l.hold(&keys(&["b"]), Access::Alone, || {
                held_b.send(()).unwrap();
                b_released.recv().unwrap();
            });
        });
        b_is_held.recv().unwrap();
        let l = std::sync::Arc::clone(&lanes);
        let both = std::thread::spawn(move || l.hold(&keys(&["a", "b"]), Access::Alone, || ()));
        // Time for the second to start waiting for b; taken one by one, it would hold a now.
        std::thread::sleep(Duration::from_millis(100));
        let (done, finished) = mpsc::channel();
        let l = std::sync::Arc::clone(&lanes);
        std::thread::spawn(move || l.hold(&keys(&["a"]), Access::Alone, || done.send(()).unwrap()));
        let a_was_free = finished.recv_timeout(Duration::from_secs(10));
        release_b.send(()).unwrap();
        first.join().unwrap();
        both.join().unwrap();
        assert!(a_was_free.is_ok(), "a trial waiting for a and b held a");
    }

    #[test]
    fn shared_holders_exclude_one_alone_and_not_each_other() {
        let lanes = Lanes::default();
        let k = keys(&["e"]);
        let took = lanes.take(&k, Access::Shared);
        let also = lanes.take(&k, Access::Shared);
        {
            let held = lanes.held.lock().unwrap();
            assert_eq!(held["e"].shared, 2);
            assert!(!held["e"].allows(Access::Alone));
        }
        drop((took, also));
        assert!(lanes.held.lock().unwrap().is_empty());
    }
}
