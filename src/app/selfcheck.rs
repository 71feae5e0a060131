//! The self-check that ends `import`: the new pack's suite, a short run (a few generated inputs
//! per strategy), against the embedded service serving that same pack, in process. A pack that
//! does not pass its own reference cannot be what its page says, so `import` does not write it.

use std::path::Path;
use std::sync::{Arc, Mutex};

use tokio::sync::watch;

use super::{load_pack, minted_tokens, preflight, runtime, AppError};
use crate::client::{Client, ClientOptions};
use crate::executor::Target;
use crate::harness::{Runner, Setup};
use crate::import::Verdict;
use crate::outcome::{Outcome, TrialResult};
use crate::plan::{plan, PlannedCase};
use crate::service::{self, ServiceOptions};

/// Generated inputs per strategy and variant: edges come first, so a few reach both ends of
/// every type's domain.
const CASES: u32 = 4;
/// A fixed seed, so the same page always gets the same verdict.
const SEED: u64 = 21;
/// Worker threads: trials wait on loopback, not on the CPU.
const THREADS: usize = 8;

/// Runs the pack in `dir` against `serve --pack` of itself: how many trials ran, and the
/// failing ones (failed, error or warned, with their messages).
pub(super) fn check(dir: &Path) -> Result<Verdict, AppError> {
    let pack = load_pack(Some(&dir.display().to_string()), None, None)?;
    let rt = runtime()?;
    let running = rt.block_on(service::start(
        Arc::clone(&pack),
        ServiceOptions::default(),
        0,
    ))?;
    let tokens = minted_tokens(&pack);
    let (_keep, cancel) = watch::channel(false);
    let options = ClientOptions {
        no_proxy: true,
        ..ClientOptions::default()
    };
    let client = Client::new(options, tokens.secrets(), cancel.clone())?;
    let mut runner = Runner::new(Setup {
        runtime: rt.handle().clone(),
        client,
        target: Target {
            base_url: running.base_url.clone(),
        },
        tokens,
        pack: Arc::clone(&pack),
        interrupted: cancel,
    });
    runner.cases = CASES;
    runner.seed = SEED;
    let planned = plan(&pack, &running.ids, true).cases;
    let addresses = preflight::addresses(&planned);
    let unusable = rt
        .block_on(preflight::preflight(&runner.executor(), &addresses))
        .err();
    let trials = planned.len();
    let failures = match unusable {
        Some(why) => vec![format!(
            "the service of the pack cannot be read, so no trial can run: {why}"
        )],
        None => failures(&run_all(&runner, planned)),
    };
    rt.block_on(running.shutdown());
    Ok(Verdict { trials, failures })
}

/// Every planned trial, on a few threads; each trial takes its entity's lane itself.
fn run_all(runner: &Runner, planned: Vec<PlannedCase>) -> Vec<TrialResult> {
    let queue = Mutex::new(planned);
    let results = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..THREADS {
            s.spawn(|| loop {
                let next = queue.lock().unwrap_or_else(|p| p.into_inner()).pop();
                let Some(pc) = next else { break };
                let result = runner.run_trial(&pc);
                results
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(result);
            });
        }
    });
    results.into_inner().unwrap_or_else(|p| p.into_inner())
}

fn failures(results: &[TrialResult]) -> Vec<String> {
    let mut out: Vec<String> = results
        .iter()
        .filter(|r| {
            matches!(
                r.outcome,
                Outcome::Failed | Outcome::Error | Outcome::Warned
            )
        })
        .map(|r| format!("{} ({:?}): {}", r.name, r.outcome, first_line(&r.message)))
        .collect();
    out.sort();
    out
}

fn first_line(message: &str) -> &str {
    message.lines().next().unwrap_or("")
}
