//! Planned cases become libtest-mimic trials. Each trial locks the overviews it writes, runs its
//! exchanges on the run's one tokio runtime, has them judged, and leaves its result in the sink
//! (libtest-mimic's `Conclusion` only counts).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use libtest_mimic::{Completion, Failed, Trial};
use serde_json::{Map, Value};
use tokio::sync::watch;

use crate::case::{Auth, Case, Kind, RequestSpec};
use crate::checks::Judge;
use crate::client::{curl_line, Client};
use crate::domain::EntityModel;
use crate::executor::{Aborted, Executor, Target, Tokens, Transcript};
use crate::generate::{self, Strategy};
use crate::outcome::{Check, Exchange, Generated, Level, Outcome, TrialResult};
use crate::plan::{PlannedCase, Work};
use crate::schema::Schema;

/// Everything a trial needs, shared by all trials of a run.
pub struct Runner {
    pub runtime: tokio::runtime::Handle,
    pub client: Client,
    pub target: Target,
    pub tokens: Tokens,
    pub model: Arc<EntityModel>,
    pub entity_schema: Schema,
    pub error_schema: Schema,
    pub strict: bool,
    pub allow_204: bool,
    pub retries: u32,
    pub seed: u64,
    pub cases: u32,
    /// Failing inputs of an earlier run, by trial name, sent before the generated ones.
    pub replay: HashMap<String, Vec<String>>,
    pub interrupted: watch::Receiver<bool>,
    /// Consecutive trials that ended in `error`; at the limit the target is deemed unusable and
    /// the remaining trials are skipped rather than each waiting out its own timeouts.
    pub max_consecutive_errors: u32,
    pub sink: Mutex<Vec<TrialResult>>,
    consecutive_errors: AtomicU32,
    unusable: Mutex<Option<String>>,
    locks: Mutex<HashMap<String, Arc<Mutex<()>>>>,
}

#[allow(clippy::too_many_arguments)]
impl Runner {
    pub fn new(
        runtime: tokio::runtime::Handle,
        client: Client,
        target: Target,
        tokens: Tokens,
        model: Arc<EntityModel>,
        entity_schema: Schema,
        error_schema: Schema,
        interrupted: watch::Receiver<bool>,
    ) -> Self {
        Self {
            runtime,
            client,
            target,
            tokens,
            model,
            entity_schema,
            error_schema,
            strict: false,
            allow_204: false,
            retries: 0,
            seed: 0,
            cases: 256,
            replay: HashMap::new(),
            interrupted,
            max_consecutive_errors: 5,
            sink: Mutex::new(Vec::new()),
            consecutive_errors: AtomicU32::new(0),
            unusable: Mutex::new(None),
            locks: Mutex::new(HashMap::new()),
        }
    }

    pub fn results(&self) -> Vec<TrialResult> {
        std::mem::take(&mut *self.sink.lock().unwrap_or_else(|p| p.into_inner()))
    }

    fn judge(&self) -> Judge<'_> {
        Judge {
            model: &self.model,
            entity_schema: &self.entity_schema,
            error_schema: &self.error_schema,
            strict: self.strict,
            allow_204: self.allow_204,
        }
    }

    fn executor(&self) -> Executor<'_> {
        Executor {
            client: &self.client,
            target: &self.target,
            tokens: &self.tokens,
        }
    }

    /// Runs `f` holding the locks of every overview in `keys` (taken in sorted order, so two
    /// trials can never wait on each other).
    fn with_locks<R>(&self, keys: &[String], f: impl FnOnce() -> R) -> R {
        let mutexes: Vec<Arc<Mutex<()>>> = {
            let mut map = self.locks.lock().unwrap_or_else(|p| p.into_inner());
            keys.iter()
                .map(|k| Arc::clone(map.entry(k.clone()).or_default()))
                .collect()
        };
        let _guards: Vec<_> = mutexes
            .iter()
            .map(|m| m.lock().unwrap_or_else(|p| p.into_inner()))
            .collect();
        f()
    }

    /// Why the run stopped as unusable, if it did.
    pub fn unusable(&self) -> Option<String> {
        self.unusable
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Stops the run as unusable before any trial (the preflight failed): every trial is
    /// skipped with `why`, and the run exits 2.
    pub fn mark_unusable(&self, why: String) {
        self.unusable
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get_or_insert(why);
    }

    fn note_outcome(&self, result: &TrialResult) {
        if result.outcome != Outcome::Error {
            self.consecutive_errors.store(0, Ordering::SeqCst);
            return;
        }
        let n = self.consecutive_errors.fetch_add(1, Ordering::SeqCst) + 1;
        if n >= self.max_consecutive_errors.max(1) {
            let mut unusable = self.unusable.lock().unwrap_or_else(|p| p.into_inner());
            unusable.get_or_insert_with(|| format!("{n} trials in a row could not complete their exchanges (last: {}); check that the target is up and answering, or raise --max-consecutive-errors", result.message.lines().next().unwrap_or_default()));
        }
    }

    fn skip_reason(&self, pc: &PlannedCase) -> Option<String> {
        if let Some(why) = self.unusable() {
            return Some(format!("not run: the target is unusable ({why})"));
        }
        if *self.interrupted.borrow() {
            return Some("the run was interrupted before this trial started".into());
        }
        if let Some(reason) = &pc.skip {
            return Some(reason.clone());
        }
        match &pc.work {
            Work::Case(c) if c.request.auth == Auth::NoScope && self.tokens.no_scope.is_none() => Some(
                "GRAPH_TOKEN_NO_SCOPE is not set; set it to a token without DeviceManagementConfiguration.ReadWrite.All to run the C2.2 cases".into(),
            ),
            _ => None,
        }
    }

    /// Runs one planned case to a result, retrying a failure `retries` times (a pass on a retry
    /// is flaky).
    pub fn run_trial(&self, pc: &PlannedCase) -> TrialResult {
        if let Some(reason) = self.skip_reason(pc) {
            return self.skipped(pc, reason);
        }
        self.with_locks(&pc.writes, || {
            // Asked again under the locks: a trial that waited for them while the run was
            // interrupted or the target turned unusable must not start its exchanges. The
            // outcome is noted before the locks are released, for the same reason.
            if let Some(reason) = self.skip_reason(pc) {
                return self.skipped(pc, reason);
            }
            let mut result = self.attempt(pc);
            for _ in 0..self.retries {
                if !matches!(result.outcome, Outcome::Failed | Outcome::Error)
                    || *self.interrupted.borrow()
                {
                    break;
                }
                let again = self.attempt(pc);
                if !matches!(again.outcome, Outcome::Failed | Outcome::Error) {
                    result = TrialResult {
                        flaky: true,
                        ..again
                    };
                    break;
                }
                result = again;
            }
            self.note_outcome(&result);
            result
        })
    }

    fn skipped(&self, pc: &PlannedCase, reason: String) -> TrialResult {
        self.result(
            pc,
            level_of(pc),
            Outcome::Skipped,
            reason,
            Vec::new(),
            Vec::new(),
            String::new(),
            0,
        )
    }

    fn attempt(&self, pc: &PlannedCase) -> TrialResult {
        let started = Instant::now();
        let mut result = match &pc.work {
            Work::Case(case) => self.run_case(pc, case),
            Work::Generated(strategy) => self.run_generated(pc, *strategy),
        };
        result.duration_ms = started.elapsed().as_millis() as u64;
        result
    }

    fn run_case(&self, pc: &PlannedCase, case: &Case) -> TrialResult {
        match self
            .runtime
            .block_on(self.executor().run(case, &pc.variant, None))
        {
            Err(aborted) => self.aborted(pc, case.level, aborted),
            Ok(t) => {
                let checks = self.judge().judge(case, &t);
                let reproduce = t
                    .steps
                    .first()
                    .map(|s| curl_line(&s.request))
                    .unwrap_or_default();
                let (outcome, message) = conclude(&checks);
                self.result(
                    pc,
                    case.level,
                    outcome,
                    message,
                    checks,
                    t.exchanges,
                    reproduce,
                    0,
                )
            }
        }
    }

    fn aborted(&self, pc: &PlannedCase, level: Level, a: Aborted) -> TrialResult {
        let reproduce = a.request.as_ref().map(curl_line).unwrap_or_default();
        let message = format!("{}; the trial could not be judged", a.message);
        self.result(
            pc,
            level,
            Outcome::Error,
            message,
            Vec::new(),
            a.exchanges,
            reproduce,
            0,
        )
    }

    /// One generated trial: `--cases` inputs of the strategy, the state carried from one input
    /// to the next. Passing inputs keep counts; the failing one keeps its shrunk input,
    /// checks and exchanges.
    fn run_generated(&self, pc: &PlannedCase, strategy: Strategy) -> TrialResult {
        if let Some(reason) = generate::inapplicable(strategy, &self.model) {
            return self.skipped(pc, reason);
        }
        let mut state: Option<Map<String, Value>> = None;
        let mut failure: Option<(Vec<Check>, Vec<Exchange>, String)> = None;
        let mut aborted: Option<Aborted> = None;
        let mut warned: Option<Vec<Check>> = None;
        let judge = self.judge();
        let mut stopped = false;
        let mut test = |input: &generate::Input| {
            // Once an input could not be sent, shrinking would only send more requests to a
            // target that is not answering (each waiting out its timeout): every further call is
            // a shrink step, so it "passes" without I/O and the input that stopped stays the one
            // reported.
            if stopped || aborted.is_some() {
                return Ok(());
            }
            if *self.interrupted.borrow() {
                stopped = true;
                return Err("the run was interrupted".into());
            }
            let case = synthetic_case(strategy, &pc.clause, &input.body);
            match self
                .runtime
                .block_on(self.executor().run(&case, &pc.variant, state.take()))
            {
                Err(a) => {
                    let message = a.message.clone();
                    aborted = Some(a);
                    Err(message)
                }
                Ok(t) => {
                    let checks = judge.judge(&case, &t);
                    let (outcome, message) = conclude(&checks);
                    match outcome {
                        Outcome::Failed => {
                            let reproduce = t
                                .steps
                                .first()
                                .map(|s| curl_line(&s.request))
                                .unwrap_or_default();
                            failure = Some((checks, t.exchanges, reproduce));
                            Err(message)
                        }
                        _ => {
                            if outcome == Outcome::Warned && warned.is_none() {
                                warned = Some(checks);
                            }
                            state = next_state(&t);
                            Ok(())
                        }
                    }
                }
            }
        };
        // Inputs saved by an earlier failing run (--replay) go first, unshrunk.
        let replayed = self
            .replay
            .get(&pc.name)
            .into_iter()
            .flatten()
            .find_map(|body| {
                let input = generate::Input {
                    body: body.clone(),
                    properties: Vec::new(),
                    note: "replay".into(),
                };
                test(&input).err().map(|message| (input, message))
            });
        let summary = match replayed {
            Some((input, message)) => generate::RunSummary {
                cases: 1,
                passed: 0,
                failure: Some(generate::Failure {
                    original: input.clone(),
                    input,
                    message,
                    shrink_steps: 0,
                }),
            },
            None => generate::run(strategy, &self.model, self.seed, self.cases, &mut test),
        };
        let generated = |failing: Option<String>| Generated {
            cases: summary.cases,
            passed: summary.passed,
            failing_input: failing,
        };
        let mut result = match (summary.failure, failure, aborted) {
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
                    checks,
                    exchanges,
                    reproduce,
                    0,
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
                    Vec::new(),
                    Vec::new(),
                    String::new(),
                    0,
                );
                r.generated = Some(generated(Some(f.input.body)));
                r
            }
            (None, _, _) => {
                let checks = warned.unwrap_or_default();
                let (outcome, message) = conclude(&checks);
                let mut r = self.result(
                    pc,
                    Level::Must,
                    outcome,
                    message,
                    checks,
                    Vec::new(),
                    String::new(),
                    0,
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

    #[allow(clippy::too_many_arguments)]
    fn result(
        &self,
        pc: &PlannedCase,
        level: Level,
        outcome: Outcome,
        message: String,
        checks: Vec<Check>,
        exchanges: Vec<Exchange>,
        reproduce: String,
        duration_ms: u64,
    ) -> TrialResult {
        TrialResult {
            name: pc.name.clone(),
            variant: pc.variant.name.clone(),
            clause: pc.clause.clone(),
            level,
            outcome,
            duration_ms,
            message,
            checks,
            exchanges,
            reproduce,
            flaky: false,
            flaky_reason: None,
            generated: None,
        }
    }
}

fn level_of(pc: &PlannedCase) -> Level {
    match &pc.work {
        Work::Case(c) => c.level,
        Work::Generated(_) => Level::Must,
    }
}

/// The state after an input that kept the contract: the read-back of an accepted PATCH, or the
/// state read after a refused one.
pub(crate) fn next_state(t: &Transcript) -> Option<Map<String, Value>> {
    match (&t.after, &t.read_back) {
        (Some(after), _) => Some(after.clone()),
        (None, Some(read)) => match read.response.json() {
            Some(Value::Object(m)) => Some(m),
            _ => None,
        },
        (None, None) => None,
    }
}

/// The case a generated input is judged as: accepted for a valid strategy, refused with 400
/// otherwise. `body` is sent verbatim; its parsed form feeds the checks.
pub(crate) fn synthetic_case(strategy: Strategy, clause: &str, body: &str) -> Case {
    let accepted = strategy.expects_acceptance();
    Case {
        name: strategy.name().into(),
        clause: clause.to_owned(),
        level: Level::Must,
        description: String::new(),
        kind: if accepted {
            Kind::Accepted
        } else {
            Kind::Refused
        },
        request: RequestSpec {
            body: serde_json::from_str(body).ok(),
            body_raw: Some(body.to_owned()),
            ..RequestSpec::default()
        },
        status: if accepted { Vec::new() } else { vec![400] },
        preferred_status: Vec::new(),
        bodies: Vec::new(),
        rounds: None,
    }
}

/// A trial's outcome from its checks: failed if any check failed, warned if any warned.
pub fn conclude(checks: &[Check]) -> (Outcome, String) {
    let failed: Vec<&str> = checks
        .iter()
        .filter(|c| c.outcome == Outcome::Failed)
        .map(|c| c.message.as_str())
        .collect();
    if !failed.is_empty() {
        return (Outcome::Failed, failed.join("\n"));
    }
    let warned: Vec<&str> = checks
        .iter()
        .filter(|c| c.outcome == Outcome::Warned)
        .map(|c| c.message.as_str())
        .collect();
    if !warned.is_empty() {
        return (Outcome::Warned, warned.join("\n"));
    }
    (Outcome::Passed, String::new())
}

/// The libtest-mimic trials of a plan; each records its result in the runner's sink.
pub fn trials(runner: &Arc<Runner>, plan: Vec<PlannedCase>) -> Vec<Trial> {
    plan.into_iter()
        .map(|pc| {
            let runner = Arc::clone(runner);
            let kind = match pc.work {
                Work::Generated(_) => "generated",
                Work::Case(_) => "",
            };
            Trial::ignorable_test(pc.name.clone(), move || {
                let result = runner.run_trial(&pc);
                let (outcome, message) = (result.outcome, result.message.clone());
                runner
                    .sink
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(result);
                match outcome {
                    Outcome::Passed | Outcome::Warned => Ok(Completion::Completed),
                    Outcome::Skipped => Ok(Completion::ignored_with(message)),
                    Outcome::Failed | Outcome::Error => Err(Failed::from(message)),
                }
            })
            .with_kind(kind)
        })
        .collect()
}
