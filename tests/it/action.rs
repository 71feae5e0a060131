//! The GitHub Action (issue 28) outside GitHub: action.yml's steps run as the runner runs them —
//! scripts/action.sh with the inputs mapped as action.yml maps them, `GITHUB_OUTPUT` and
//! `GITHUB_STEP_SUMMARY` as temporary files, an installed binary on `PATH`, an empty working
//! folder — with the inputs the documented workflows (docs/*.yml) give it, against `serve`.
//!
//! The binary is the one `.ci/run` installs with `cargo install --locked --path .` when
//! `GRAPH_CONFORMANCE_INSTALLED` names it, else the one cargo built for these tests.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use graph_conformance::pack::{builtins, Pack, Selection};
use yaml_rust2::{Yaml, YamlLoader};

use crate::support::{read_report, serve, text, token, trial_names, BIN};

const TOKENS: [&str; 4] = [
    "GRAPH_TOKEN",
    "GRAPH_TOKEN_NO_SCOPE",
    "GRAPH_TOKEN_READ_ONLY",
    "GRAPH_TOKEN_APP",
];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The binary under test: installed by `.ci/run`, else built by cargo.
fn installed() -> PathBuf {
    std::env::var_os("GRAPH_CONFORMANCE_INSTALLED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(BIN))
}

fn yaml(file: &str) -> Yaml {
    let text = std::fs::read_to_string(root().join(file)).unwrap();
    YamlLoader::load_from_str(&text)
        .unwrap_or_else(|e| panic!("{file}: {e}"))
        .remove(0)
}

fn string(y: &Yaml) -> String {
    match y {
        Yaml::String(s) => s.clone(),
        Yaml::Integer(i) => i.to_string(),
        Yaml::Boolean(b) => b.to_string(),
        Yaml::Null | Yaml::BadValue => String::new(),
        other => panic!("not a scalar: {other:?}"),
    }
}

fn map(y: &Yaml) -> Vec<(String, Yaml)> {
    y.as_hash()
        .map(|h| h.iter().map(|(k, v)| (string(k), v.clone())).collect())
        .unwrap_or_default()
}

/// A documented workflow's step that uses the action: its `with:` inputs and its `env:` names.
struct Use {
    inputs: BTreeMap<String, String>,
    env: Vec<String>,
}

/// The steps of `job` in the workflow `file` that use the action.
fn uses_of(file: &str, job: &str) -> Vec<Use> {
    let workflow = yaml(file);
    let steps = workflow["jobs"][job]["steps"]
        .as_vec()
        .unwrap_or_else(|| panic!("{file}: no job {job}"))
        .clone();
    steps
        .iter()
        .filter(|s| string(&s["uses"]).starts_with("graph-conformance/graph-conformance@"))
        .map(|s| Use {
            inputs: map(&s["with"])
                .into_iter()
                .map(|(k, v)| (k, string(&v)))
                .collect(),
            env: map(&s["env"]).into_iter().map(|(k, _)| k).collect(),
        })
        .collect()
}

/// What one run of the action left: its outputs, each run step's exit code, the step summary
/// and everything the steps printed.
struct ActionRun {
    outputs: BTreeMap<String, String>,
    codes: BTreeMap<String, i32>,
    summary: String,
    log: String,
}

/// A `${{ … }}` expression of action.yml, from the inputs and the earlier steps' outputs.
fn evaluate(
    value: &str,
    inputs: &BTreeMap<String, String>,
    steps: &BTreeMap<String, BTreeMap<String, String>>,
) -> String {
    let mut out = String::new();
    let mut rest = value;
    while let Some(start) = rest.find("${{") {
        out.push_str(&rest[..start]);
        let end = rest[start..].find("}}").expect("a closed expression") + start;
        let expr = rest[start + 3..end].trim();
        let parts: Vec<&str> = expr.split('.').collect();
        out.push_str(&match parts.as_slice() {
            ["inputs", name] => inputs[*name].clone(),
            ["steps", id, "outputs", name] => steps
                .get(*id)
                .and_then(|o| o.get(*name))
                .cloned()
                .unwrap_or_default(),
            // Empty for a local action: the installer then reads Cargo.toml's `repository`.
            ["github", "action_repository"] => String::new(),
            _ => panic!("action.yml uses `{expr}`, which this test does not evaluate: add it here"),
        });
        rest = &rest[end + 2..];
    }
    out.push_str(rest);
    out
}

/// Runs action.yml's steps in `work` with `given` inputs (the rest take action.yml's defaults)
/// and `env`: `run` steps as the runner does (bash, the step's env, a fresh GITHUB_OUTPUT each),
/// `uses` steps (cache, artifact upload) left to GitHub; after a failed step only `always()`
/// steps run.
fn run_action(work: &Path, given: &BTreeMap<String, String>, env: &[(&str, String)]) -> ActionRun {
    let action = yaml("action.yml");
    let mut inputs: BTreeMap<String, String> = map(&action["inputs"])
        .into_iter()
        .map(|(k, v)| (k, string(&v["default"])))
        .collect();
    for (k, v) in given {
        assert!(
            inputs.contains_key(k),
            "`{k}` is not an input of action.yml"
        );
        inputs.insert(k.clone(), v.clone());
    }
    let runner = tempfile::tempdir().unwrap();
    let bin_dir = runner.path().join("bin");
    std::fs::create_dir(&bin_dir).unwrap();
    std::os::unix::fs::symlink(installed(), bin_dir.join("graph-conformance")).unwrap();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let summary = runner.path().join("step-summary.md");
    std::fs::write(&summary, "").unwrap();
    let mut steps: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let mut codes = BTreeMap::new();
    let mut log = String::new();
    let mut failed = false;
    for (i, step) in action["runs"]["steps"].as_vec().unwrap().iter().enumerate() {
        let cond = string(&step["if"]);
        let run = string(&step["run"]);
        if run.is_empty() || (failed && !cond.contains("always()")) {
            continue;
        }
        assert!(
            cond.is_empty() || cond == "always()",
            "a run step's `if: {cond}` is not evaluated here: add it"
        );
        let id = string(&step["id"]);
        let id = if id.is_empty() { format!("{i}") } else { id };
        let output = runner.path().join(format!("output-{id}"));
        std::fs::write(&output, "").unwrap();
        let mut cmd = Command::new("bash");
        cmd.args(["--noprofile", "--norc", "-eo", "pipefail", "-c", &run])
            .current_dir(work)
            .env("PATH", &path)
            .env("GITHUB_ACTION_PATH", root())
            .env("GITHUB_OUTPUT", &output)
            .env("GITHUB_STEP_SUMMARY", &summary)
            .env("GITHUB_PATH", runner.path().join("path"))
            .env("RUNNER_TOOL_CACHE", runner.path().join("tool-cache"));
        for t in TOKENS {
            cmd.env_remove(t);
        }
        for (k, v) in map(&step["env"]) {
            cmd.env(k, evaluate(&string(&v), &inputs, &steps));
        }
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        log.push_str(&format!("--- step {id}\n{}", text(&out)));
        let code = out.status.code().unwrap_or(-1);
        failed |= code != 0;
        codes.insert(id.clone(), code);
        let written = std::fs::read_to_string(&output).unwrap();
        let outputs = written
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        steps.insert(id, outputs);
    }
    let outputs = map(&action["outputs"])
        .into_iter()
        .map(|(k, v)| (k, evaluate(&string(&v["value"]), &inputs, &steps)))
        .filter(|(_, v)| !v.is_empty())
        .collect();
    ActionRun {
        outputs,
        codes,
        summary: std::fs::read_to_string(&summary).unwrap(),
        log,
    }
}

/// The tokens a documented step sets, minted for the embedded service serving `pack`.
fn tokens_for(step: &Use, pack: &str) -> Vec<(&'static str, String)> {
    TOKENS
        .iter()
        .filter(|t| step.env.iter().any(|e| e == *t))
        .map(|t| (*t, token(pack, *t == "GRAPH_TOKEN_NO_SCOPE")))
        .collect()
}

/// The gate (docs/gate.yml) against the service it started: here `serve`, its ids file where
/// the user's checkout keeps `ids.json`.
fn gate(serve_args: &[&str], extra: &[(&str, &str)]) -> (ActionRun, PathBuf, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let served = serve(dir.path(), serve_args);
    let work = dir.path().join("work");
    std::fs::create_dir(&work).unwrap();
    let step = uses_of("docs/gate.yml", "gate").remove(0);
    assert_eq!(step.inputs["target"], "http://127.0.0.1:8080/beta");
    std::fs::copy(&served.ids, work.join(&step.inputs["ids"])).unwrap();
    let mut inputs = step.inputs.clone();
    inputs.insert("target".into(), served.url.clone());
    for (k, v) in extra {
        inputs.insert((*k).into(), (*v).into());
    }
    let run = run_action(&work, &inputs, &tokens_for(&step, "user-overview-2017"));
    let report_dir = work.join(&run.outputs["report-dir"]);
    (run, report_dir, dir)
}

#[test]
fn the_documented_gate_passes_against_the_reference_with_summary_and_outputs() {
    let (run, report_dir, _dir) = gate(&[], &[]);
    let log = &run.log;
    assert_eq!(run.outputs["exit-code"], "0", "{log}");
    assert_eq!(run.codes["verdict"], 0, "the gate passes: {log}");
    assert_eq!(run.outputs["version"], env!("CARGO_PKG_VERSION"));
    let report = read_report(&report_dir).expect("report.json in the working folder");
    assert_eq!(run.outputs["passed"], report.summary.passed.to_string());
    assert!(report.summary.passed > 0, "{log}");
    assert_eq!(run.outputs["failed"], "0");
    let md = std::fs::read_to_string(report_dir.join("summary.md")).unwrap();
    assert!(!md.is_empty());
    assert_eq!(run.summary, md, "summary.md is the step summary");
    // `findings` once report.json has that array, and not before.
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(report_dir.join("report.json")).unwrap())
            .unwrap();
    match json["findings"].as_array() {
        Some(f) => assert_eq!(run.outputs["findings"], f.len().to_string()),
        None => assert!(!run.outputs.contains_key("findings"), "{log}"),
    }
    // The install step names the binary's packs, as its runs do.
    let digest = json["pack"]["digest"].as_str().unwrap();
    assert!(
        log.contains(digest),
        "--version in the log names {digest}: {log}"
    );
    let minted = token("user-overview-2017", false);
    assert!(!log.contains(&minted) && !run.summary.contains(&minted));
}

#[test]
fn the_documented_gate_fails_on_a_broken_must_clause() {
    let fault = graph_conformance::service::all_faults()
        .into_iter()
        .find(|f| f.name == "not-persisted")
        .expect("the fault exists");
    let (run, report_dir, _dir) = gate(&["--fault", &fault.name], &[("args", "--cases 8")]);
    let log = &run.log;
    assert_eq!(run.outputs["exit-code"], "1", "{log}");
    assert_eq!(run.codes["verdict"], 1, "the gate fails the job: {log}");
    assert_ne!(run.outputs["failed"], "0");
    let md = std::fs::read_to_string(report_dir.join("summary.md")).unwrap();
    assert_eq!(run.summary, md);
    assert!(
        md.contains(fault.clause),
        "the summary names {}: {md}",
        fault.clause
    );
}

#[test]
fn a_target_that_cannot_be_reached_fails_the_gate_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    // The service's ids file, then its port closed: a target that answers nothing.
    let mut served = serve(dir.path(), &[]);
    served.stop();
    let work = dir.path().join("work");
    std::fs::create_dir(&work).unwrap();
    std::fs::copy(&served.ids, work.join("ids.json")).unwrap();
    let inputs = BTreeMap::from([
        ("target".into(), served.url.clone()),
        ("ids".into(), "ids.json".into()),
    ]);
    let run = run_action(
        &work,
        &inputs,
        &[("GRAPH_TOKEN", token("user-overview-2017", false))],
    );
    assert_eq!(run.outputs["exit-code"], "2", "{}", run.log);
    assert_eq!(run.codes["verdict"], 2, "{}", run.log);
    assert!(!run.summary.is_empty(), "the step summary says something");
}

/// `gate: false` leaves a failed clause to the exit-code output; a run that could not be made
/// fails the step whatever the gate.
#[test]
fn the_verdict_step_follows_the_gate_input() {
    let verdict = |code: &str, gate: &str| {
        Command::new("bash")
            .arg(root().join("scripts/action.sh"))
            .arg("verdict")
            .env("EXIT_CODE", code)
            .env("INPUT_GATE", gate)
            .output()
            .unwrap()
            .status
            .code()
    };
    assert_eq!(verdict("0", "true"), Some(0));
    assert_eq!(verdict("1", "true"), Some(1));
    assert_eq!(verdict("1", "false"), Some(0));
    assert_eq!(verdict("2", "false"), Some(2));
    assert_eq!(
        verdict("", "true"),
        Some(2),
        "no exit code: the run step broke"
    );
}

/// docs/reports-ci.yml: each shard runs the action with its partition, the artifacts travel
/// (upload, then download into `shards/<artifact>/`), and the report job's action merges them
/// into the whole suite.
#[test]
fn the_documented_shard_workflow_merges_into_the_whole_suite() {
    let work = tempfile::tempdir().unwrap();
    let shard = uses_of("docs/reports-ci.yml", "shard").remove(0);
    for k in 1..=3 {
        let inputs: BTreeMap<String, String> = shard
            .inputs
            .iter()
            .map(|(n, v)| (n.clone(), v.replace("${{ matrix.k }}", &k.to_string())))
            .collect();
        let run = run_action(work.path(), &inputs, &[]);
        assert_eq!(run.outputs["exit-code"], "0", "shard {k}: {}", run.log);
        assert_eq!(run.codes["verdict"], 0, "shard {k}: {}", run.log);
        let into = work.path().join("shards").join(&inputs["artifact-name"]);
        std::fs::create_dir_all(&into).unwrap();
        std::fs::copy(
            work.path().join(&inputs["report-dir"]).join("report.json"),
            into.join("report.json"),
        )
        .unwrap();
    }
    let merge = uses_of("docs/reports-ci.yml", "report").remove(0);
    let run = run_action(work.path(), &merge.inputs, &[]);
    assert_eq!(run.outputs["exit-code"], "0", "merge: {}", run.log);
    assert_eq!(run.codes["verdict"], 0, "merge: {}", run.log);
    let merged_dir = work.path().join(&merge.inputs["report-dir"]);
    let merged = read_report(&merged_dir).expect("the merged report");
    let names: BTreeSet<String> = merged.results.iter().map(|r| r.name.clone()).collect();
    assert_eq!(names.len(), merged.results.len(), "no trial twice");
    let whole: BTreeSet<String> = trial_names(&[]).into_iter().collect();
    assert_eq!(names, whole, "the shards together are the whole suite");
    assert!(
        merged
            .results
            .iter()
            .filter(|r| r.generated.is_some())
            .all(|r| r.seed.is_some()),
        "each generated trial keeps its shard's seed"
    );
    let md = std::fs::read_to_string(merged_dir.join("summary.md")).unwrap();
    assert_eq!(run.summary, md, "the merged summary is the step summary");
    assert_eq!(run.outputs["passed"], merged.summary.passed.to_string());
}

/// docs/nightly.yml: the first night has no baseline and runs without one; each night's report
/// (uploaded, then downloaded into `baseline/` the next night) is the next one's baseline, and
/// `fail-on: new` fails only what broke since.
#[test]
fn the_documented_nightly_carries_each_report_forward_as_the_baseline() {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("work");
    std::fs::create_dir(&work).unwrap();
    let step = uses_of("docs/nightly.yml", "conformance").remove(0);
    assert_eq!(step.inputs["target"], "${{ secrets.GRAPH_TARGET }}");
    assert_eq!(step.inputs["fail-on"], "new");
    let night = |serve_args: &[&str]| {
        let served = serve(dir.path(), serve_args);
        std::fs::copy(&served.ids, work.join(&step.inputs["ids"])).unwrap();
        let mut inputs = step.inputs.clone();
        inputs.insert("target".into(), served.url.clone());
        let run = run_action(&work, &inputs, &tokens_for(&step, "user-overview-2017"));
        // What the artifact upload tonight and the download step tomorrow do.
        let baseline = work.join(&step.inputs["baseline"]);
        std::fs::create_dir_all(baseline.parent().unwrap()).unwrap();
        std::fs::copy(
            work.join(&run.outputs["report-dir"]).join("report.json"),
            baseline,
        )
        .unwrap();
        run
    };
    let first = night(&[]);
    assert_eq!(first.outputs["exit-code"], "0", "{}", first.log);
    assert!(
        first.log.contains("running without a baseline"),
        "{}",
        first.log
    );
    let broken = night(&["--fault", "not-persisted"]);
    assert_eq!(
        broken.outputs["exit-code"], "1",
        "new since last night: {}",
        broken.log
    );
    assert_eq!(broken.codes["verdict"], 1);
    let still = night(&["--fault", "not-persisted"]);
    assert_eq!(still.outputs["exit-code"], "0", "not new: {}", still.log);
    assert_ne!(still.outputs["failed"], "0", "still failing, and reported");
    assert_eq!(still.codes["verdict"], 0);
}

/// The install step passes over a binary of another version on PATH and takes the pinned one
/// where the cache step restores it, installing nothing.
#[test]
fn the_installer_takes_the_pinned_version_from_the_cache_over_another_on_path() {
    use std::os::unix::fs::PermissionsExt;
    let runner = tempfile::tempdir().unwrap();
    let old = runner.path().join("old");
    std::fs::create_dir(&old).unwrap();
    let stub = old.join("graph-conformance");
    std::fs::write(&stub, "#!/bin/sh\necho 'graph-conformance 0.0.1'\n").unwrap();
    std::fs::set_permissions(&stub, std::fs::Permissions::from_mode(0o755)).unwrap();
    let cache = runner.path().join("tool-cache");
    let cached = cache.join(format!(
        "graph-conformance/{}/bin",
        env!("CARGO_PKG_VERSION")
    ));
    std::fs::create_dir_all(&cached).unwrap();
    std::os::unix::fs::symlink(installed(), cached.join("graph-conformance")).unwrap();
    let output = runner.path().join("output");
    let out = Command::new("bash")
        .arg(root().join("scripts/action.sh"))
        .arg("install")
        .current_dir(runner.path())
        .env(
            "PATH",
            format!("{}:{}", old.display(), std::env::var("PATH").unwrap()),
        )
        .env("RUNNER_TOOL_CACHE", &cache)
        .env("GITHUB_OUTPUT", &output)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let written = std::fs::read_to_string(&output).unwrap();
    let bin = format!("bin={}", cached.join("graph-conformance").display());
    assert!(written.lines().any(|l| l == bin), "{written}");
    assert!(written.lines().any(|l| l == "installed=false"), "{written}");
}

#[test]
fn version_names_the_version_and_every_built_in_packs_digest() {
    let out = Command::new(installed()).arg("--version").output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let printed = String::from_utf8(out.stdout).unwrap();
    let mut lines = printed.lines();
    assert_eq!(
        lines.next(),
        Some(concat!("graph-conformance ", env!("CARGO_PKG_VERSION")))
    );
    let rest: Vec<&str> = lines.collect();
    assert_eq!(rest.len(), builtins().len(), "{printed}");
    for b in builtins() {
        let pack = Pack::load(&Selection {
            pack: Some(b.name.to_owned()),
            ..Selection::default()
        })
        .unwrap();
        let line = format!("pack {} sha256:{}", b.name, pack.digest);
        assert!(
            rest.iter().any(|l| l.starts_with(&line)),
            "{line} in {printed}"
        );
    }
}
