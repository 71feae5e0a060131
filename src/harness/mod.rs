//! Planned cases become libtest-mimic trials. Each trial locks the entities it writes, runs its
//! exchanges on the run's one tokio runtime, has them judged, and leaves its result in the sink
//! (libtest-mimic's `Conclusion` only counts). A trial that panics is a failed trial too.

mod generated;
mod isolation;
mod lanes;

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use libtest_mimic::{Completion, Failed, Trial};
use tokio::sync::watch;

use crate::case::{Auth, Case, Expectation, Judged, RequestSpec};
use crate::checks::Judge;
use crate::client::{curl_line, Client};
use crate::executor::{Aborted, Executor, Reads, Route, Target, Tokens};
use crate::generate::Strategy;
use crate::outcome::{Check, Level, Outcome, TrialResult};
use crate::pack::Pack;
use crate::plan::{Address, PlannedCase, Routing, Work};
use crate::transcript::Exchange;
use crate::transcript::{Shape, State, Transcript};
use lanes::{shareable, Access, Lanes};

/// Everything a trial needs, shared by all trials of a run.
pub struct Runner {
    pub(crate) runtime: tokio::runtime::Handle,
    pub(crate) client: Client,
    pub(crate) target: Target,
    pub(crate) tokens: Tokens,
    pub(crate) pack: Arc<Pack>,
    /// The pack's compiled schemas.
    pub(crate) schemas: Arc<crate::schema::Compiled>,
    pub(crate) strict: bool,
    pub(crate) allow_204: bool,
    pub(crate) retries: u32,
    pub(crate) seed: u64,
    pub(crate) cases: u32,
    /// Accepted generated inputs verified by one read.
    pub(crate) batch: usize,
    /// Refused generated inputs sent at once and verified by one read: they must change
    /// nothing, so they may overlap, and a throttled one delays its batch, not each input.
    pub(crate) refusals: usize,
    /// Failing inputs of an earlier run, by trial name, sent before the generated ones.
    pub(crate) replay: HashMap<String, Vec<String>>,
    pub(crate) interrupted: watch::Receiver<bool>,
    /// Consecutive trials that ended in `error`; at the limit the target is asked a request it
    /// has answered (`probe`), and only when that fails too is it deemed unusable.
    pub(crate) max_consecutive_errors: u32,
    /// A read the target answered before the run (the preflight's), to tell a target that
    /// stopped answering from requests that get no answer.
    pub(crate) probe: Option<Address>,
    pub(crate) sink: Mutex<Vec<TrialResult>>,
    /// Trials finished, for the progress line.
    pub(crate) done: AtomicUsize,
    consecutive_errors: AtomicU32,
    unusable: Mutex<Option<String>>,
    lanes: Lanes,
    entities: isolation::Entities,
}

/// What a [`Runner`] is built from.
pub struct Setup {
    pub runtime: tokio::runtime::Handle,
    pub client: Client,
    pub target: Target,
    pub tokens: Tokens,
    pub pack: Arc<Pack>,
    pub interrupted: watch::Receiver<bool>,
}

impl Runner {
    pub fn new(setup: Setup) -> Self {
        let pack = setup.pack;
        Self {
            schemas: Arc::clone(&pack.schemas),
            runtime: setup.runtime,
            client: setup.client,
            target: setup.target,
            tokens: setup.tokens,
            pack,
            strict: false,
            allow_204: false,
            retries: 0,
            seed: 0,
            cases: 256,
            batch: 16,
            refusals: 64,
            replay: HashMap::new(),
            interrupted: setup.interrupted,
            max_consecutive_errors: 5,
            probe: None,
            sink: Mutex::new(Vec::new()),
            done: AtomicUsize::new(0),
            consecutive_errors: AtomicU32::new(0),
            unusable: Mutex::new(None),
            lanes: Lanes::default(),
            entities: isolation::Entities::default(),
        }
    }

    pub fn results(&self) -> Vec<TrialResult> {
        std::mem::take(&mut *self.sink.lock().unwrap_or_else(|p| p.into_inner()))
    }

    fn judge(&self) -> Judge<'_> {
        Judge {
            model: &self.pack.model,
            entity_schema: &self.schemas.entity,
            error_schema: &self.schemas.error,
            strict: self.strict,
            success: self.pack.meta.success,
            allow_204: self.allow_204,
        }
    }

    pub(crate) fn executor(&self) -> Executor<'_> {
        Executor {
            client: &self.client,
            target: &self.target,
            tokens: &self.tokens,
        }
    }

    /// Why the run stopped as unusable, if it did.
    pub(crate) fn unusable(&self) -> Option<String> {
        self.unusable
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Stops the run as unusable before any trial (the preflight failed): every trial is
    /// skipped with `why`, and the run exits 2.
    pub(crate) fn mark_unusable(&self, why: String) {
        self.unusable
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get_or_insert(why);
    }

    /// Counts trials in `error`; at the limit, asks the target a request it answered before
    /// the run. While it answers, the silent trials stay errors with their own message and the
    /// run goes on (a target silent on one kind of request only); when it does not, the target
    /// is gone and the run stops.
    fn note_outcome(&self, result: &TrialResult) {
        if result.outcome != Outcome::Error {
            self.consecutive_errors.store(0, Ordering::SeqCst);
            return;
        }
        let n = self.consecutive_errors.fetch_add(1, Ordering::SeqCst) + 1;
        if n < self.max_consecutive_errors.max(1) {
            return;
        }
        if let Some(probe) = &self.probe {
            let answered = self
                .runtime
                .block_on(self.executor().read_state(probe, &mut Vec::new()));
            if answered.is_ok() {
                self.consecutive_errors.store(0, Ordering::SeqCst);
                return;
            }
        }
        let mut unusable = self.unusable.lock().unwrap_or_else(|p| p.into_inner());
        unusable.get_or_insert_with(|| format!("{n} trials in a row could not complete their exchanges and the target no longer answers the read it answered before the run (last: {}); check that the target is up and answering, or raise --max-consecutive-errors", result.message.lines().next().unwrap_or_default()));
    }

    fn skip_reason(&self, pc: &PlannedCase) -> Option<String> {
        if let Some(why) = self.unusable() {
            return Some(format!("not run: the target is unusable ({why})"));
        }
        if *self.interrupted.borrow() {
            return Some("the run was interrupted before this trial started".into());
        }
        if let Err(reason) = &pc.routing {
            return Some(reason.clone());
        }
        if let Some(why) = self.quarantined(pc) {
            return Some(why);
        }
        match &pc.work {
            Work::Case(c) => match (
                c.request.auth.optional_token(),
                self.tokens.optional(c.request.auth),
            ) {
                (Some(env), None) => Some(format!(
                    "{env} is not set; set it to run this case ({})",
                    token_purpose(c.request.auth)
                )),
                _ => None,
            },
            Work::Generated(_) => None,
        }
    }

    /// Runs one planned case to a result, retrying a failure `retries` times (a pass on a retry
    /// is flaky). A refusal shares its entity with other refusals first; only when that fails
    /// is it judged alone, from the state it started from.
    pub fn run_trial(&self, pc: &PlannedCase) -> TrialResult {
        if let Some(reason) = self.skip_reason(pc) {
            return self.skipped(pc, reason);
        }
        let mut start = None;
        if let Some(case) = shareable(pc) {
            let (mut result, from) = self
                .lanes
                .hold(&pc.writes, Access::Shared, || self.shared_attempt(pc, case));
            if from.is_none() {
                if matches!(result.outcome, Outcome::Failed | Outcome::Error) {
                    self.lanes.hold(&pc.writes, Access::Alone, || {
                        self.isolate(pc, &mut result);
                    });
                }
                return result;
            }
            start = from;
        }
        self.lanes.hold(&pc.writes, Access::Alone, || {
            let mut result = self.settle(pc, start.as_ref());
            self.isolate(pc, &mut result);
            result
        })
    }

    /// A trial holding its entities alone, from `start` when given.
    fn settle(&self, pc: &PlannedCase, start: Option<&State>) -> TrialResult {
        // Asked again under the locks: a trial that waited for them while the run was
        // interrupted or the target turned unusable must not start its exchanges. The
        // outcome is noted before the locks are released, for the same reason.
        if let Some(reason) = self.skip_reason(pc) {
            return self.skipped(pc, reason);
        }
        if let (Some(start), Ok(routing)) = (start, &pc.routing) {
            if let Err(message) = self.restore_to(&routing.state, start) {
                let a = Aborted {
                    exchanges: Vec::new(),
                    message,
                    request: None,
                    answered: None,
                };
                let result = self.aborted(pc, level_of(pc), a);
                self.note_outcome(&result);
                return result;
            }
        }
        let mut result = self.attempt(pc);
        for attempt in 0..self.retries {
            if !matches!(result.outcome, Outcome::Failed | Outcome::Error)
                || *self.interrupted.borrow()
            {
                break;
            }
            let again = self.attempt(pc);
            if !matches!(again.outcome, Outcome::Failed | Outcome::Error) {
                result = TrialResult {
                    flaky: true,
                    flaky_reason: Some(format!(
                        "passed on retry {} of {}",
                        attempt + 1,
                        self.retries
                    )),
                    ..again
                };
                break;
            }
            result = again;
        }
        self.note_outcome(&result);
        result
    }

    fn skipped(&self, pc: &PlannedCase, reason: String) -> TrialResult {
        self.result(
            pc,
            level_of(pc),
            Outcome::Skipped,
            reason,
            Evidence::default(),
        )
    }

    fn attempt(&self, pc: &PlannedCase) -> TrialResult {
        let started = Instant::now();
        let Ok(routing) = &pc.routing else {
            return self.skipped(pc, "no routing".into());
        };
        let mut result = match &pc.work {
            Work::Case(case) => self.run_case(pc, case, routing),
            Work::Generated(strategy) => self.run_generated(pc, *strategy, routing),
        };
        result.duration_ms = started.elapsed().as_millis() as u64;
        result
    }

    fn run_case(&self, pc: &PlannedCase, case: &Case, routing: &Routing) -> TrialResult {
        self.run_case_from(pc, case, routing).0
    }

    /// A case's result, and the state its entity had before it when it was not the state
    /// after it (what a refusal sharing its entity is judged again from, alone).
    fn run_case_from(
        &self,
        pc: &PlannedCase,
        case: &Case,
        routing: &Routing,
    ) -> (TrialResult, Option<State>) {
        let scaled;
        let judged = match &case.expect {
            // Concurrency rounds scale with --cases, as the generated inputs do: a gentle run
            // against a real tenant (16 cases) makes one round, the default run all of them.
            Expectation::Concurrent {
                bodies,
                rounds: Some(rounds),
            } if self.cases < 256 => {
                scaled = Expectation::Concurrent {
                    bodies: bodies.clone(),
                    rounds: Some((rounds * self.cases / 256).max(1)),
                };
                Judged {
                    expect: &scaled,
                    ..Judged::from(case)
                }
            }
            _ => Judged::from(case),
        };
        match self.runtime.block_on(
            self.executor()
                .run(judged, route(routing), None, Reads::Full),
        ) {
            // A read answered without the entity, in a trial sharing it: another trial may
            // have left it so. Judged again alone, from the entity's recorded start state.
            Err(aborted) => {
                let start = aborted
                    .answered
                    .as_ref()
                    .and_then(|_| self.recorded_start(pc));
                (self.aborted(pc, case.level, aborted), start)
            }
            Ok(t) => {
                let checks = self.judge().judge(judged, &t);
                let reproduce = t
                    .steps()
                    .first()
                    .map(|s| curl_line(&s.request))
                    .unwrap_or_default();
                let (outcome, message) = conclude_with_lost(&checks, &t);
                let model = &self.pack.model;
                let changed = t.state_after().is_some_and(|after| {
                    !model
                        .writable()
                        .all(|(_, p)| model.same_in(&p.name, &t.before, &after))
                });
                let evidence = Evidence {
                    checks,
                    exchanges: t.exchanges,
                    reproduce,
                };
                let start = (changed || !t.unread.is_empty()).then_some(t.before);
                (
                    self.result(pc, case.level, outcome, message, evidence),
                    start,
                )
            }
        }
    }

    /// A trial whose exchanges stopped short: a failure on the clause a read's answer broke
    /// when it was answered (an answer is an answer), an error when nothing answered.
    fn aborted(&self, pc: &PlannedCase, level: Level, a: Aborted) -> TrialResult {
        let reproduce = a.request.as_ref().map(curl_line).unwrap_or_default();
        let verdict = a
            .answered
            .as_ref()
            .and_then(|u| crate::checks::unreadable_before(&self.judge(), u));
        if let Some(check) = verdict {
            let message = check.message.clone();
            let evidence = Evidence {
                checks: vec![check],
                exchanges: a.exchanges,
                reproduce,
            };
            return self.result(pc, Level::Must, Outcome::Failed, message, evidence);
        }
        let message = format!("{}; the trial could not be judged", a.message);
        let evidence = Evidence {
            exchanges: a.exchanges,
            reproduce,
            ..Evidence::default()
        };
        self.result(pc, level, Outcome::Error, message, evidence)
    }

    fn result(
        &self,
        pc: &PlannedCase,
        level: Level,
        outcome: Outcome,
        message: String,
        evidence: Evidence,
    ) -> TrialResult {
        TrialResult {
            name: pc.name.clone(),
            variant: pc.variant.name.clone(),
            clause: verdict_clause(&pc.clause, outcome, &evidence.checks),
            level,
            outcome,
            duration_ms: 0,
            message,
            checks: evidence.checks,
            exchanges: evidence.exchanges,
            reproduce: evidence.reproduce,
            flaky: false,
            flaky_reason: None,
            generated: None,
            seed: None,
        }
    }
}

/// What a trial's result shows for its verdict: the checks, the exchanges, a reproduce line.
#[derive(Default)]
pub(crate) struct Evidence {
    checks: Vec<Check>,
    exchanges: Vec<Exchange>,
    reproduce: String,
}

/// A failed trial's clause is the one the failure breaks: a request that never reached the entity
/// (404 on a listed path, 401/403 to the token with the scope) cites that; else the trial's own
/// when a failing check cites it, else the first failing MUST check's (a valid value refused
/// cites the clause that makes it valid, not the trial's C4.4). Otherwise the trial's own.
fn verdict_clause(own: &str, outcome: Outcome, checks: &[Check]) -> String {
    if outcome != Outcome::Failed {
        return own.to_owned();
    }
    let failing = || checks.iter().filter(|c| c.outcome == Outcome::Failed);
    if let Some(root) = failing().find(|c| c.expected == crate::checks::ROUTE_OR_TOKEN) {
        return root.clause.clone();
    }
    if failing().any(|c| c.clause == own) {
        return own.to_owned();
    }
    failing()
        .next()
        .map_or_else(|| own.to_owned(), |c| c.clause.clone())
}

/// What the optional token of `auth` holds (for the message of a trial skipped without it).
fn token_purpose(auth: Auth) -> &'static str {
    match auth {
        Auth::NoScope => "a token without the pack's write permission",
        Auth::ReadOnly => "a token with the pack's read permission only",
        _ => "an application token whose roles hold the pack's write permission",
    }
}

fn route(r: &Routing) -> Route<'_> {
    Route {
        request: (&r.request, &r.keys),
        state: &r.state,
        watch: r.watch.as_ref(),
    }
}

fn level_of(pc: &PlannedCase) -> Level {
    match &pc.work {
        Work::Case(c) => c.level,
        Work::Generated(_) => Level::Must,
    }
}

/// The state after an input that kept the contract: what was read back, or the answer of an
/// accepted PATCH whose read was left to the batch's last input.
pub(crate) fn next_state(t: &Transcript) -> Option<State> {
    t.state_after().or_else(|| match &t.shape {
        Shape::Accepted { step, .. } if step.response.status == 200 => match step.response.json() {
            Some(serde_json::Value::Object(m)) => Some(m),
            _ => None,
        },
        _ => None,
    })
}

/// A generated input as the checks judge it: its request (`body` sent verbatim, its parsed
/// form for the checks) and what its strategy expects, accepted for a valid strategy, refused
/// with 400 otherwise, on the trial's clause.
pub(crate) struct Synthetic {
    clause: String,
    request: RequestSpec,
    expect: Expectation,
}

impl Synthetic {
    pub(crate) fn new(strategy: Strategy, clause: &str, body: &str) -> Self {
        let expect = if strategy.expects_acceptance() {
            Expectation::Accepted
        } else {
            Expectation::Refused {
                status: vec![400],
                preferred_status: Vec::new(),
            }
        };
        Synthetic {
            clause: clause.to_owned(),
            request: RequestSpec {
                body: serde_json::from_str(body).ok(),
                body_raw: Some(body.to_owned()),
                ..RequestSpec::default()
            },
            expect,
        }
    }
}

impl<'a> From<&'a Synthetic> for Judged<'a> {
    fn from(s: &'a Synthetic) -> Self {
        Judged {
            clause: &s.clause,
            level: Level::Must,
            request: &s.request,
            expect: &s.expect,
        }
    }
}

/// A generated input as a case named after its strategy, for the benchmark, which runs one as
/// a trial does.
pub(crate) fn synthetic_case(strategy: Strategy, clause: &str, body: &str) -> Case {
    let Synthetic {
        clause,
        request,
        expect,
    } = Synthetic::new(strategy, clause, body);
    Case {
        name: strategy.name(),
        clause,
        level: Level::Must,
        description: String::new(),
        request,
        expect,
    }
}

/// A trial's outcome from its checks: failed if any check failed, warned if any warned.
pub(crate) fn conclude(checks: &[Check]) -> (Outcome, String) {
    for outcome in [Outcome::Failed, Outcome::Warned] {
        let said: Vec<&str> = checks
            .iter()
            .filter(|c| c.outcome == outcome)
            .map(|c| c.message.as_str())
            .collect();
        if !said.is_empty() {
            return (outcome, said.join("\n"));
        }
    }
    (Outcome::Passed, String::new())
}

/// [`conclude`], with the reads after the request under test that got no answer: added to
/// the message of a failed trial (a failure stays a failure), else the trial is an error.
pub(crate) fn conclude_with_lost(checks: &[Check], t: &Transcript) -> (Outcome, String) {
    let (outcome, message) = conclude(checks);
    let Some(lost) = lost_reads(t) else {
        return (outcome, message);
    };
    if outcome == Outcome::Failed {
        (outcome, format!("{message}\nthen: {lost}"))
    } else {
        (
            Outcome::Error,
            format!("{lost}; the trial could not be judged"),
        )
    }
}

/// The reads after the request under test that got no answer, said in one line.
pub(crate) fn lost_reads(t: &Transcript) -> Option<String> {
    let lost: Vec<String> = t
        .unread
        .iter()
        .filter_map(|u| {
            let e = u.answer.as_ref().err()?;
            Some(format!(
                "{} {} did not complete: {e}",
                u.request.method, u.request.url
            ))
        })
        .collect();
    (!lost.is_empty()).then(|| lost.join("; "))
}

/// A failed result for a trial whose run panicked: a harness bug, reported as such.
fn panicked(pc: &PlannedCase, payload: &(dyn std::any::Any + Send)) -> TrialResult {
    let what = payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".into());
    TrialResult {
        name: pc.name.clone(),
        variant: pc.variant.name.clone(),
        clause: pc.clause.clone(),
        level: level_of(pc),
        outcome: Outcome::Failed,
        duration_ms: 0,
        message: format!("the harness panicked while running this trial ({what}); this is a bug in graph-conformance, not in the target: please report it with the trial's name and the seed"),
        checks: Vec::new(),
        exchanges: Vec::new(),
        reproduce: String::new(),
        flaky: false,
        flaky_reason: None,
        generated: None,
        seed: None,
    }
}

/// The libtest-mimic trials of a plan; each records its result in the runner's sink, a panic
/// included (as a failed trial).
pub(crate) fn trials(runner: &Arc<Runner>, plan: Vec<PlannedCase>) -> Vec<Trial> {
    let run = {
        let runner = Arc::clone(runner);
        Arc::new(move |pc: &PlannedCase| runner.run_trial(pc))
    };
    trials_with(runner, plan, run)
}

/// [`trials`] with the function that runs a planned case given (tests give one that panics).
pub fn trials_with(
    runner: &Arc<Runner>,
    plan: Vec<PlannedCase>,
    run: Arc<dyn Fn(&PlannedCase) -> TrialResult + Send + Sync>,
) -> Vec<Trial> {
    plan.into_iter()
        .map(|pc| {
            let runner = Arc::clone(runner);
            let run = Arc::clone(&run);
            let kind = match pc.work {
                Work::Generated(_) => "generated",
                Work::Case(_) => "",
            };
            Trial::ignorable_test(pc.name.clone(), move || {
                let result = std::panic::catch_unwind(AssertUnwindSafe(|| run(&pc)))
                    .unwrap_or_else(|payload| panicked(&pc, payload.as_ref()));
                let (outcome, message) = (result.outcome, result.message.clone());
                runner
                    .sink
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(result);
                runner.done.fetch_add(1, Ordering::Relaxed);
                match outcome {
                    // A trial's outcome is never a check's own `info` or `not_applicable`.
                    Outcome::Passed | Outcome::Warned | Outcome::Info | Outcome::NotApplicable => {
                        Ok(Completion::Completed)
                    }
                    Outcome::Skipped => Ok(Completion::ignored_with(message)),
                    Outcome::Failed | Outcome::Error => Err(Failed::from(message)),
                }
            })
            .with_kind(kind)
        })
        .collect()
}
