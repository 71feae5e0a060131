//! One generated trial: `--cases` inputs of a strategy against one variant, in batches that
//! share one verifying read (issue: fewer requests per verdict). Accepted inputs go one after
//! another, each PATCH's answer standing for the state the next starts from, and the batch's
//! last input reads back what is stored (C5.1); an input whose checks fail is run again with
//! every read, so the failure cites the clause that is really broken. Refused inputs of a batch
//! are sent at once and verified by one state read; a batch that changed state is re-run one
//! input at a time, with every read, to the input that did it.

use super::lanes::write_back;
use super::{conclude, conclude_with_lost, next_state, route, Evidence, Runner, Synthetic};
use crate::client::curl_line;
use crate::executor::{Aborted, Reads};
use crate::generate::{self, BatchVerdict, Input, Strategy};
use crate::outcome::{Check, Generated, Level, Outcome, TrialResult};
use crate::plan::{PlannedCase, Routing};
use crate::transcript::Exchange;
use crate::transcript::State;

/// What the inputs so far came to.
struct Log {
    /// One per entity the trial's inputs run on (several: `PlannedCase::spread`).
    entities: Vec<Entity>,
    failure: Option<(Vec<Check>, Vec<Exchange>, String)>,
    aborted: Option<Aborted>,
    warned: Option<Vec<Check>>,
    stopped: bool,
}

/// One entity's part of a generated trial.
#[derive(Default)]
struct Entity {
    /// The state its next input starts from, when known without a read.
    state: Option<State>,
    /// Its state before the trial's first input on it.
    origin: Option<State>,
}

/// How an input ended its chain early.
enum Stop {
    /// Checks failed: the checks, the exchanges, the reproduce line and the message.
    Failed(Vec<Check>, Vec<Exchange>, String, String),
    Aborted(Box<Aborted>),
}

/// The generated trial a batch of inputs belongs to: its plan, its strategy, where it runs.
#[derive(Clone, Copy)]
struct Trial<'a> {
    pc: &'a PlannedCase,
    strategy: Strategy,
    routing: &'a Routing,
}

/// What one chain of accepted inputs came to: where it stopped (the input's index in the
/// chain), and its first warning.
struct Chain {
    stop: Option<(usize, Stop)>,
    warned: Option<Vec<Check>>,
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
        let mut log = Log {
            entities: (0..pc.spread.len().max(1))
                .map(|_| Entity::default())
                .collect(),
            failure: None,
            aborted: None,
            warned: None,
            stopped: false,
        };
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
            if log.failure.is_some() && !self.back_to_origin(pc, routing, &mut log) {
                log.stopped = true;
                return Ok(());
            }
            let trial = Trial {
                pc,
                strategy,
                routing,
            };
            if strategy.expects_acceptance() {
                self.accepted_batch(trial, inputs, &mut log)
            } else {
                self.refused_batch(trial, inputs, &mut log)
            }
        };
        let summary = match self.replayed(pc, &mut test) {
            Some(s) => s,
            None => {
                let batch = if strategy.expects_acceptance() && !pc.spread.is_empty() {
                    // Every input at once, a chain per entity: each chain goes on at its own
                    // pace (reading back every `self.batch` inputs), none waits at a batch's
                    // end for the slowest, which a throttling target makes slower by chance.
                    self.cases as usize
                } else if strategy.expects_acceptance() {
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
            self.back_to_origin(pc, routing, &mut log);
        }
        self.generated_result(pc, summary, log)
    }

    /// Writes the state the trial started from back where the entity now differs. A failing
    /// input that stored its value would otherwise make every smaller input fail through
    /// properties it never sent (C4.5 standing in for the clause really broken), and leave
    /// the trials after this one failing for the same reason. False when it could not.
    fn back_to_origin(&self, pc: &PlannedCase, routing: &Routing, log: &mut Log) -> bool {
        let mut restored = true;
        for (entity, r) in log.entities.iter_mut().zip(chains_of(pc, routing)) {
            entity.state = None;
            if let Some(origin) = &entity.origin {
                restored &= self.restore_to(&r.state, origin).is_ok();
            }
        }
        restored
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

    /// Accepted inputs as one chain per entity, the chains at once; a chain's inputs one after
    /// another, each answer standing for the state the next starts from. A single input (a
    /// shrinking step) runs on the first entity.
    fn accepted_batch(&self, trial: Trial<'_>, inputs: &[Input], log: &mut Log) -> BatchVerdict {
        let (pc, strategy) = (trial.pc, trial.strategy);
        let routings = chains_of(pc, trial.routing);
        let size = inputs.len().div_ceil(routings.len()).max(1);
        let chains = inputs
            .chunks(size)
            .zip(routings)
            .zip(log.entities.iter_mut())
            .enumerate()
            .map(|(j, ((chunk, r), entity))| async move {
                (j * size, self.chain(pc, strategy, r, chunk, entity).await)
            });
        let ended = self
            .runtime
            .block_on(futures_util::future::join_all(chains));
        let mut first: Option<(usize, Stop)> = None;
        for (offset, chain) in ended {
            if let Some(w) = chain.warned {
                log.warned.get_or_insert(w);
            }
            if let Some((k, stop)) = chain.stop {
                if first.as_ref().is_none_or(|(f, _)| offset + k < *f) {
                    first = Some((offset + k, stop));
                }
            }
        }
        match first {
            None => Ok(()),
            Some((k, stop)) => Err(record(log, k, stop)),
        }
    }

    /// One entity's chain; every `self.batch`-th input and the last read back what is stored
    /// (C5.1).
    async fn chain(
        &self,
        pc: &PlannedCase,
        strategy: Strategy,
        routing: &Routing,
        inputs: &[Input],
        entity: &mut Entity,
    ) -> Chain {
        let (judge, exec) = (self.judge(), self.executor());
        let mut warned = None;
        for (k, input) in inputs.iter().enumerate() {
            let case = Synthetic::new(strategy, &pc.clause, &input.body);
            let reads = if k + 1 == inputs.len() || (k + 1) % self.batch.max(1) == 0 {
                Reads::Full
            } else {
                Reads::Deferred
            };
            let judged = match exec
                .run(&case, route(routing), entity.state.take(), reads)
                .await
            {
                Ok(t) => {
                    entity.origin.get_or_insert_with(|| t.before.clone());
                    let checks = judge.judge(&case, &t);
                    if reads == Reads::Deferred && conclude(&checks).0 == Outcome::Failed {
                        // Run it again with every read: a state carried from the previous
                        // answer can make a lost write look like a bad merge (C5.1 as C4.5).
                        exec.run(&case, route(routing), None, Reads::Full)
                            .await
                            .map(|t| (judge.judge(&case, &t), t))
                            .map_err(|a| Stop::Aborted(Box::new(a)))
                    } else {
                        Ok((checks, t))
                    }
                }
                Err(a) => Err(Stop::Aborted(Box::new(a))),
            };
            let verdict = judged.and_then(|(checks, t)| {
                noted(&checks, &t).map(|w| (w.then_some(checks), next_state(&t)))
            });
            match verdict {
                Ok((w, next)) => {
                    if let Some(w) = w {
                        warned.get_or_insert(w);
                    }
                    entity.state = next;
                }
                Err(stop) => {
                    return Chain {
                        stop: Some((k, stop)),
                        warned,
                    }
                }
            }
        }
        Chain { stop: None, warned }
    }

    fn refused_batch(&self, trial: Trial<'_>, inputs: &[Input], log: &mut Log) -> BatchVerdict {
        let Trial {
            pc,
            strategy,
            routing,
        } = trial;
        let judge = self.judge();
        let exec = self.executor();
        let before = match log.entities[0].state.take() {
            Some(s) => s,
            None => match self
                .runtime
                .block_on(exec.read_state(&routing.state, &mut Vec::new()))
            {
                Ok(s) => s,
                Err(a) => return Err(record(log, 0, Stop::Aborted(Box::new(a)))),
            },
        };
        log.entities[0].origin.get_or_insert_with(|| before.clone());
        let cases: Vec<_> = inputs
            .iter()
            .map(|i| Synthetic::new(strategy, &pc.clause, &i.body))
            .collect();
        let sends = cases
            .iter()
            .map(|c| exec.run(c, route(routing), Some(before.clone()), Reads::Deferred));
        let transcripts = self.runtime.block_on(futures_util::future::join_all(sends));
        for (k, (case, t)) in cases.iter().zip(transcripts).enumerate() {
            let t = match t {
                Ok(t) => t,
                Err(a) => return Err(record(log, k, Stop::Aborted(Box::new(a)))),
            };
            note(log, k, &judge.judge(case, &t), &t)?;
        }
        let after = match self
            .runtime
            .block_on(exec.read_state(&routing.state, &mut Vec::new()))
        {
            Ok(s) => s,
            Err(a) => return Err(record(log, 0, Stop::Aborted(Box::new(a)))),
        };
        let model = &self.pack.model;
        if model
            .properties
            .iter()
            .all(|p| model.same_in(&p.name, &before, &after))
        {
            log.entities[0].state = Some(after);
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
                return Err(record(log, k, Stop::Aborted(Box::new(a))));
            }
            let t = match self
                .runtime
                .block_on(exec.run(case, route(routing), None, Reads::Full))
            {
                Ok(t) => t,
                Err(a) => return Err(record(log, k, Stop::Aborted(Box::new(a)))),
            };
            note(log, k, &judge.judge(case, &t), &t)?;
            current = next_state(&t).unwrap_or_else(|| before.clone());
        }
        // None did alone: the inputs changed it together, which no refused request may.
        let check = crate::checks::batch_unchanged(&judge, &pc.clause, &before, &after);
        let message = check.message.clone();
        log.failure = Some((vec![check], Vec::new(), String::new()));
        Err((0, message))
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

/// An input's verdict: whether it warned, or how it stops its chain. A read after the input
/// that got no answer stops the trial as an error, unless the input failed already.
fn noted(checks: &[Check], t: &crate::transcript::Transcript) -> Result<bool, Stop> {
    let (outcome, message) = conclude_with_lost(checks, t);
    match outcome {
        Outcome::Error => Err(Stop::Aborted(Box::new(Aborted {
            exchanges: t.exchanges.clone(),
            message,
            request: t.steps().first().map(|s| s.request.clone()),
            answered: None,
        }))),
        Outcome::Failed => {
            let reproduce = t
                .steps()
                .first()
                .map(|s| curl_line(&s.request))
                .unwrap_or_default();
            Err(Stop::Failed(
                checks.to_vec(),
                t.exchanges.clone(),
                reproduce,
                message,
            ))
        }
        Outcome::Warned => Ok(true),
        _ => Ok(false),
    }
}

/// Keeps what stopped the trial at input `k`: a failure its checks and exchanges (the latest
/// failing input is the shrunk one), an error what was sent.
fn record(log: &mut Log, k: usize, stop: Stop) -> (usize, String) {
    match stop {
        Stop::Failed(checks, exchanges, reproduce, message) => {
            log.failure = Some((checks, exchanges, reproduce));
            (k, message)
        }
        Stop::Aborted(a) => {
            let message = a.message.clone();
            log.aborted = Some(*a);
            (k, message)
        }
    }
}

/// [`noted`] and [`record`] for one input of a refused batch; a warning is remembered once.
fn note(
    log: &mut Log,
    k: usize,
    checks: &[Check],
    t: &crate::transcript::Transcript,
) -> Result<(), (usize, String)> {
    match noted(checks, t) {
        Ok(true) => {
            log.warned.get_or_insert_with(|| checks.to_vec());
            Ok(())
        }
        Ok(false) => Ok(()),
        Err(stop) => Err(record(log, k, stop)),
    }
}

/// The routings a generated trial's chains run on: one per entity, or its own.
fn chains_of<'p>(pc: &'p PlannedCase, routing: &'p Routing) -> Vec<&'p Routing> {
    if pc.spread.is_empty() {
        vec![routing]
    } else {
        pc.spread.iter().collect()
    }
}
