//! One generated trial: `--cases` inputs of a strategy against one variant, in batches that
//! share one verifying read (issue: fewer requests per verdict). Accepted inputs go one after
//! another, each PATCH's answer standing for the state the next starts from, and the batch's
//! last input reads back what is stored (C5.1); an input whose checks fail is run again with
//! every read, so the failure cites the clause that is really broken. Refused inputs of a batch
//! are sent at once and verified by one state read; a batch that changed state is re-run one
//! input at a time, with every read, to the input that did it.

use super::lanes::write_back;
use super::{conclude, conclude_with_lost, next_state, route, synthetic_case, Evidence, Runner};
use crate::client::curl_line;
use crate::executor::{Aborted, Reads};
use crate::generate::{self, BatchVerdict, Input, Strategy};
use crate::outcome::{Check, Exchange, Generated, Level, Outcome, TrialResult};
use crate::plan::{PlannedCase, Routing};
use crate::transcript::State;

/// What the inputs so far came to.
#[derive(Default)]
struct Log {
    state: Option<State>,
    /// The entity's state before the trial's first input.
    origin: Option<State>,
    failure: Option<(Vec<Check>, Vec<Exchange>, String)>,
    aborted: Option<Aborted>,
    warned: Option<Vec<Check>>,
    stopped: bool,
}

impl Runner {
    pub(super) fn run_generated(
        &self,
        pc: &PlannedCase,
        strategy: Strategy,
        routing: &Routing,
    ) -> TrialResult {
        let model = &self.pack.model;
        if let Some(reason) = generate::inapplicable(strategy, model) {
            return self.skipped(pc, reason);
        }
        let mut log = Log::default();
        let mut test = |inputs: &[Input]| -> BatchVerdict {
            // Once an input could not be sent, shrinking would only send more requests to a
            // target that is not answering: every further call "passes" without I/O, and the
            // input that stopped stays the one reported.
            if log.stopped || log.aborted.is_some() {
                return Ok(());
            }
            if *self.interrupted.borrow() {
                log.stopped = true;
                return Err((0, "the run was interrupted".into()));
            }
            // After a failure every call is a shrinking candidate: it starts from the state the
            // trial started from, not from what the failing input stored.
            if log.failure.is_some() && !self.back_to_origin(routing, &mut log) {
                log.stopped = true;
                return Ok(());
            }
            if strategy.expects_acceptance() {
                self.accepted_batch(pc, strategy, routing, inputs, &mut log)
            } else {
                self.refused_batch(pc, strategy, routing, inputs, &mut log)
            }
        };
        let summary = match self.replayed(pc, &mut test) {
            Some(s) => s,
            None => {
                let batch = if strategy.expects_acceptance() {
                    self.batch
                } else {
                    self.refusals
                };
                generate::run(strategy, model, self.seed, self.cases, batch, &mut test)
            }
        };
        if log.failure.is_some() {
            // Best effort: the trial has failed already, and a target that refuses the write
            // leaves the trials after it the state they find.
            self.back_to_origin(routing, &mut log);
        }
        self.generated_result(pc, summary, log)
    }

    /// Writes the state the trial started from back where the entity now differs. A failing
    /// input that stored its value would otherwise make every smaller input fail through
    /// properties it never sent (C4.5 standing in for the clause really broken), and leave
    /// the trials after this one failing for the same reason. False when it could not.
    fn back_to_origin(&self, routing: &Routing, log: &mut Log) -> bool {
        let Some(origin) = &log.origin else {
            return true;
        };
        log.state = None;
        self.restore_to(&routing.state, origin).is_ok()
    }

    /// Inputs saved by an earlier failing run (`--replay`) go first, unshrunk.
    fn replayed(
        &self,
        pc: &PlannedCase,
        test: &mut impl FnMut(&[Input]) -> BatchVerdict,
    ) -> Option<generate::RunSummary> {
        self.replay
            .get(&pc.name)
            .into_iter()
            .flatten()
            .find_map(|body| {
                let input = Input {
                    body: body.clone(),
                    properties: Vec::new(),
                    note: "replay".into(),
                };
                test(std::slice::from_ref(&input))
                    .err()
                    .map(|(_, message)| generate::RunSummary {
                        cases: 1,
                        passed: 0,
                        failure: Some(generate::Failure {
                            original: input.clone(),
                            input,
                            message,
                            shrink_steps: 0,
                        }),
                    })
            })
    }

    fn accepted_batch(
        &self,
        pc: &PlannedCase,
        strategy: Strategy,
        routing: &Routing,
        inputs: &[Input],
        log: &mut Log,
    ) -> BatchVerdict {
        let judge = self.judge();
        for (k, input) in inputs.iter().enumerate() {
            let case = synthetic_case(strategy, &pc.clause, &input.body);
            let reads = if k + 1 == inputs.len() {
                Reads::Full
            } else {
                Reads::Deferred
            };
            let t = match self.runtime.block_on(self.executor().run(
                &case,
                route(routing),
                log.state.take(),
                reads,
            )) {
                Ok(t) => t,
                Err(a) => return Err(self.abort(log, k, a)),
            };
            log.origin.get_or_insert_with(|| t.before.clone());
            let checks = judge.judge(&case, &t);
            let (outcome, _) = conclude(&checks);
            let t = if outcome == Outcome::Failed && reads == Reads::Deferred {
                // Run it again with every read: a state carried from the previous answer can
                // make a lost write look like a bad merge (C5.1 shown as C4.5).
                match self.runtime.block_on(self.executor().run(
                    &case,
                    route(routing),
                    None,
                    Reads::Full,
                )) {
                    Ok(t) => t,
                    Err(a) => return Err(self.abort(log, k, a)),
                }
            } else {
                t
            };
            let checks = if outcome == Outcome::Failed {
                judge.judge(&case, &t)
            } else {
                checks
            };
            if let Err(message) = note(log, &checks, &t) {
                return Err((k, message));
            }
            log.state = next_state(&t);
        }
        Ok(())
    }

    fn refused_batch(
        &self,
        pc: &PlannedCase,
        strategy: Strategy,
        routing: &Routing,
        inputs: &[Input],
        log: &mut Log,
    ) -> BatchVerdict {
        let judge = self.judge();
        let exec = self.executor();
        let before = match log.state.take() {
            Some(s) => s,
            None => match self
                .runtime
                .block_on(exec.read_state(&routing.state, &mut Vec::new()))
            {
                Ok(s) => s,
                Err(a) => return Err(self.abort(log, 0, a)),
            },
        };
        log.origin.get_or_insert_with(|| before.clone());
        let cases: Vec<_> = inputs
            .iter()
            .map(|i| synthetic_case(strategy, &pc.clause, &i.body))
            .collect();
        let sends = cases
            .iter()
            .map(|c| exec.run(c, route(routing), Some(before.clone()), Reads::Deferred));
        let transcripts = self.runtime.block_on(futures_util::future::join_all(sends));
        for (k, (case, t)) in cases.iter().zip(transcripts).enumerate() {
            let t = match t {
                Ok(t) => t,
                Err(a) => return Err(self.abort(log, k, a)),
            };
            if let Err(message) = note(log, &judge.judge(case, &t), &t) {
                return Err((k, message));
            }
        }
        let after = match self
            .runtime
            .block_on(exec.read_state(&routing.state, &mut Vec::new()))
        {
            Ok(s) => s,
            Err(a) => return Err(self.abort(log, 0, a)),
        };
        let model = &self.pack.model;
        if model
            .properties
            .iter()
            .all(|p| model.same_in(&p.name, &before, &after))
        {
            log.state = Some(after);
            return Ok(());
        }
        // Something in the batch changed state: each input again, alone and with every read,
        // from the state the batch started from. Writing that state back first matters: an
        // input that stored its value would store the same value again, unseen.
        let mut current = after.clone();
        for (k, case) in cases.iter().enumerate() {
            let restored =
                self.runtime
                    .block_on(write_back(&exec, model, &routing.state, &before, &current));
            if let Err(a) = restored {
                return Err(self.abort(log, k, a));
            }
            let t = match self
                .runtime
                .block_on(exec.run(case, route(routing), None, Reads::Full))
            {
                Ok(t) => t,
                Err(a) => return Err(self.abort(log, k, a)),
            };
            if let Err(message) = note(log, &judge.judge(case, &t), &t) {
                return Err((k, message));
            }
            current = next_state(&t).unwrap_or_else(|| before.clone());
        }
        // None did alone: the inputs changed it together, which no refused request may.
        let check = crate::checks::batch_unchanged(&judge, &pc.clause, &before, &after);
        let message = check.message.clone();
        log.failure = Some((vec![check], Vec::new(), String::new()));
        Err((0, message))
    }

    fn abort(&self, log: &mut Log, k: usize, a: Aborted) -> (usize, String) {
        let message = a.message.clone();
        log.aborted = Some(a);
        (k, message)
    }

    fn generated_result(
        &self,
        pc: &PlannedCase,
        summary: generate::RunSummary,
        log: Log,
    ) -> TrialResult {
        let generated = |failing: Option<String>| Generated {
            cases: summary.cases,
            passed: summary.passed,
            failing_input: failing,
        };
        let mut result = match (summary.failure, log.failure, log.aborted) {
            (Some(f), Some((checks, exchanges, reproduce)), _) => {
                let message = format!(
                    "{}\nminimal failing input (after {} shrink steps, seed {}): {}\nreplay with: --seed {} --cases {} {}",
                    f.message, f.shrink_steps, self.seed, f.input.body, self.seed, self.cases, pc.name
                );
                let mut r = self.result(
                    pc,
                    Level::Must,
                    Outcome::Failed,
                    message,
                    Evidence {
                        checks,
                        exchanges,
                        reproduce,
                    },
                );
                r.generated = Some(generated(Some(f.input.body)));
                r
            }
            (Some(f), None, Some(a)) => {
                let mut r = self.aborted(pc, Level::Must, a);
                r.generated = Some(generated(Some(f.input.body)));
                r
            }
            (Some(f), _, _) => {
                let mut r = self.result(
                    pc,
                    Level::Must,
                    Outcome::Error,
                    f.message,
                    Evidence::default(),
                );
                r.generated = Some(generated(Some(f.input.body)));
                r
            }
            (None, _, _) => {
                let checks = log.warned.unwrap_or_default();
                let (outcome, message) = conclude(&checks);
                let mut r = self.result(
                    pc,
                    Level::Must,
                    outcome,
                    message,
                    Evidence {
                        checks,
                        ..Evidence::default()
                    },
                );
                r.generated = Some(generated(None));
                r
            }
        };
        if result.outcome == Outcome::Passed {
            result.message = format!(
                "{} of {} generated inputs kept the contract",
                summary.passed, summary.cases
            );
        }
        result
    }
}

/// Records an input's verdict: a failure keeps its checks and exchanges (the latest failing
/// input is the shrunk one), a warning is remembered once. A read after the input that got no
/// answer stops the trial as an error, unless the input failed already.
fn note(log: &mut Log, checks: &[Check], t: &crate::transcript::Transcript) -> Result<(), String> {
    let (outcome, message) = conclude_with_lost(checks, t);
    if outcome == Outcome::Error {
        log.aborted = Some(Aborted {
            exchanges: t.exchanges.clone(),
            message: message.clone(),
            request: t.steps().first().map(|s| s.request.clone()),
            answered: None,
        });
        return Err(message);
    }
    match outcome {
        Outcome::Failed => {
            let reproduce = t
                .steps()
                .first()
                .map(|s| curl_line(&s.request))
                .unwrap_or_default();
            log.failure = Some((checks.to_vec(), t.exchanges.clone(), reproduce));
            Err(message)
        }
        Outcome::Warned if log.warned.is_none() => {
            log.warned = Some(checks.to_vec());
            Ok(())
        }
        _ => Ok(()),
    }
}
