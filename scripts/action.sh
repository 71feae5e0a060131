#!/usr/bin/env bash
# The GitHub Action's logic (action.yml calls one subcommand per step), kept here so it runs, and
# is tested, outside GitHub: tests/it/action.rs runs it the way action.yml does, with an installed
# binary, an empty working folder and GITHUB_OUTPUT / GITHUB_STEP_SUMMARY pointing at temp files.
#
#   action.sh resolve   the version to install and where it is cached (outputs: version, root, cache-key)
#   action.sh install   a graph-conformance of that version: on PATH, cached, a release binary, or built
#   action.sh run       the suite (or `report merge` of shards), step summary, outputs; never fails the step
#   action.sh verdict   the step's exit status from the run's exit code (and the `gate` input)
#
# Inputs come as INPUT_<NAME> variables (action.yml maps each `inputs.<name>` to one); tokens come
# from the environment (GRAPH_TOKEN, …) exactly as the binary reads them, and are never printed.
set -euo pipefail

ACTION_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN_NAME="graph-conformance"

die() {
  echo "::error::$*" >&2
  exit 2
}

# Appends name=value to the step's outputs (GITHUB_OUTPUT), and says it in the log.
output() {
  echo "$1=$2"
  if [ -n "${GITHUB_OUTPUT:-}" ]; then
    echo "$1=$2" >>"$GITHUB_OUTPUT"
  fi
}

# The version of the action's own checkout (Cargo.toml beside action.yml): the default pin, so
# `uses: …@vX.Y.Z` runs vX.Y.Z of the harness.
own_version() {
  sed -n 's/^version = "\(.*\)"$/\1/p' "$ACTION_DIR/Cargo.toml" | head -n 1
}

wanted_version() {
  local v="${INPUT_VERSION:-}"
  v="${v#v}"
  [ -n "$v" ] || v="$(own_version)"
  [ -n "$v" ] || die "no version: set the action's 'version' input (e.g. 0.1.0)"
  echo "$v"
}

install_root() {
  echo "${RUNNER_TOOL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}}/graph-conformance/$1"
}

# The version a binary reports on the first line of --version ("graph-conformance X.Y.Z").
version_of() {
  "$1" --version 2>/dev/null | head -n 1 | awk '{print $2}'
}

# The release asset's target triple for this runner, or nothing where no binary is released.
host_triple() {
  case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) echo "x86_64-unknown-linux-gnu" ;;
    Linux-aarch64 | Linux-arm64) echo "aarch64-unknown-linux-gnu" ;;
    Darwin-x86_64) echo "x86_64-apple-darwin" ;;
    Darwin-arm64) echo "aarch64-apple-darwin" ;;
    *) echo "" ;;
  esac
}

# Where releases and tags live: the repository the action was used from (GC_REPOSITORY, which
# the runner leaves empty in some composite-action contexts), else Cargo.toml's `repository`.
repository() {
  if [ -n "${GC_REPOSITORY:-}" ]; then
    echo "${GITHUB_SERVER_URL:-https://github.com}/$GC_REPOSITORY"
  else
    sed -n 's/^repository = "\(.*\)"$/\1/p' "$ACTION_DIR/Cargo.toml" | head -n 1
  fi
}

sha256_of() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | awk '{print $1}'
  else
    shasum -a 256 "$1" | awk '{print $1}'
  fi
}

# The release binary of `version` into root/bin, checked against its published sha256.
download() {
  local version="$1" root="$2" triple url tmp
  triple="$(host_triple)"
  [ -n "$triple" ] || return 1
  command -v curl >/dev/null 2>&1 || return 1
  url="$(repository)/releases/download/v$version/$BIN_NAME-$triple.tar.gz"
  tmp="$(mktemp -d)"
  echo "downloading $url"
  if ! curl -fsSL --retry 3 -o "$tmp/a.tar.gz" "$url" ||
    ! curl -fsSL --retry 3 -o "$tmp/a.sha256" "$url.sha256"; then
    rm -rf "$tmp"
    return 1
  fi
  if [ "$(awk '{print $1}' "$tmp/a.sha256")" != "$(sha256_of "$tmp/a.tar.gz")" ]; then
    rm -rf "$tmp"
    die "$url does not match its published sha256: not installed"
  fi
  mkdir -p "$root/bin"
  tar -xzf "$tmp/a.tar.gz" -C "$root/bin" "$BIN_NAME"
  rm -rf "$tmp"
}

# Built from source where no release binary fits: the action's own checkout when it is that
# version, else the tag of the repository (the README's install line).
build() {
  local version="$1" root="$2"
  command -v cargo >/dev/null 2>&1 ||
    die "no release binary of $version for $(uname -s)-$(uname -m) and no cargo to build one: install Rust first (dtolnay/rust-toolchain)"
  if [ "$(own_version)" = "$version" ]; then
    cargo install --locked --root "$root" --path "$ACTION_DIR"
  else
    cargo install --locked --root "$root" --git "$(repository)" --tag "v$version" "$BIN_NAME"
  fi
}

cmd_resolve() {
  local version
  version="$(wanted_version)"
  output version "$version"
  output root "$(install_root "$version")"
  output cache-key "graph-conformance-$version-$(uname -s)-$(uname -m)"
}

cmd_install() {
  local version root on_path bin installed=false
  version="$(wanted_version)"
  root="$(install_root "$version")"
  on_path="$(command -v "$BIN_NAME" || true)"
  if [ -n "$on_path" ] && [ "$(version_of "$on_path")" = "$version" ]; then
    bin="$on_path"
  elif [ -x "$root/bin/$BIN_NAME" ] && [ "$(version_of "$root/bin/$BIN_NAME")" = "$version" ]; then
    bin="$root/bin/$BIN_NAME"
  else
    download "$version" "$root" || build "$version" "$root"
    bin="$root/bin/$BIN_NAME"
    installed=true
  fi
  [ "$(version_of "$bin")" = "$version" ] ||
    die "$bin reports version '$(version_of "$bin")', not $version: remove it or set the 'version' input"
  if [ -n "${GITHUB_PATH:-}" ]; then
    dirname "$bin" >>"$GITHUB_PATH"
  fi
  "$bin" --version
  output bin "$bin"
  output installed "$installed"
}

is_true() {
  case "${1:-}" in
    true | True | TRUE | yes | 1) return 0 ;;
    *) return 1 ;;
  esac
}

# The suite's arguments from the inputs (the binary checks them; a bad one ends with exit 2).
run_args() {
  args=(run --report-dir "$REPORT_DIR")
  [ -z "${INPUT_TARGET:-}" ] || args+=(--target "$INPUT_TARGET")
  [ -z "${INPUT_IDS:-}" ] || args+=(--ids "$INPUT_IDS")
  [ -z "${INPUT_PACK:-}" ] || args+=(--pack "$INPUT_PACK")
  [ -z "${INPUT_PARTITION:-}" ] || args+=(--partition "$INPUT_PARTITION")
  if is_true "${INPUT_STRICT:-false}"; then
    args+=(--strict)
  fi
  if [ -n "${INPUT_BASELINE:-}" ]; then
    if [ -f "$INPUT_BASELINE" ]; then
      args+=(--baseline "$INPUT_BASELINE")
      [ -z "${INPUT_FAIL_ON:-}" ] || args+=(--fail-on "$INPUT_FAIL_ON")
    else
      # The first night has no last night: run without, and say so.
      echo "::notice::baseline $INPUT_BASELINE does not exist (a first run?): running without a baseline"
    fi
  fi
  local extra=()
  read -r -a extra <<<"${INPUT_ARGS:-}"
  # Guarded: an empty array under `set -u` is an error in the bash 3.2 of macOS.
  [ "${#extra[@]}" -eq 0 ] || args+=("${extra[@]}")
}

# `report merge` of every report.json the `merge` input's patterns match.
merge_args() {
  local pattern file patterns=() matched
  args=(report merge)
  # Split on blanks without globbing (read does not glob), then glob each pattern itself, so a
  # pattern that matches nothing is named rather than dropped.
  read -r -a patterns <<<"$INPUT_MERGE"
  for pattern in "${patterns[@]}"; do
    matched=0
    while IFS= read -r file; do
      args+=("$file")
      matched=$((matched + 1))
    done < <(compgen -G "$pattern" || true)
    [ "$matched" -gt 0 ] || die "merge: no report matches '$pattern' (were the shards' artifacts downloaded?)"
  done
  args+=(--out "$REPORT_DIR")
}

summarise() {
  local code="$1"
  [ -n "${GITHUB_STEP_SUMMARY:-}" ] || return 0
  if [ -f "$REPORT_DIR/summary.md" ]; then
    cat "$REPORT_DIR/summary.md" >>"$GITHUB_STEP_SUMMARY"
  else
    printf '### graph-conformance\n\nThe run could not be made (exit %s) and wrote no report: the step log says why.\n' \
      "$code" >>"$GITHUB_STEP_SUMMARY"
  fi
}

# passed, failed, … from report.json's summary, and findings once the report has that array.
report_outputs() {
  local report="$REPORT_DIR/report.json" field
  [ -f "$report" ] || return 0
  if ! command -v jq >/dev/null 2>&1; then
    echo "::warning::jq is not installed: only exit-code and report-dir are set"
    return 0
  fi
  for field in passed failed errors warned skipped; do
    output "$field" "$(jq -r ".summary.$field // 0" "$report")"
  done
  if [ "$(jq -r '.findings | type' "$report")" = "array" ]; then
    output findings "$(jq -r '.findings | length' "$report")"
  fi
}

cmd_run() {
  local bin="${GC_BIN:-$BIN_NAME}" code
  REPORT_DIR="${INPUT_REPORT_DIR:-graph-conformance-report}"
  if [ -n "${INPUT_MERGE:-}" ]; then
    merge_args
  else
    run_args
  fi
  echo "$BIN_NAME ${args[*]}"
  set +e
  "$bin" "${args[@]}"
  code=$?
  set -e
  summarise "$code"
  output exit-code "$code"
  output report-dir "$REPORT_DIR"
  report_outputs
}

cmd_verdict() {
  local code="${EXIT_CODE:-}"
  case "$code" in
    "") die "the run step set no exit code: see its log" ;;
    0) echo "every MUST clause held" ;;
    1)
      if is_true "${INPUT_GATE:-true}"; then
        echo "::error::a clause failed: the step summary and the report artifact say which"
        exit 1
      fi
      echo "::notice::a clause failed; gate is off, so the verdict is left to the exit-code output"
      ;;
    *)
      echo "::error::the run could not be made or finished (exit $code): see the run step's log"
      exit "$code"
      ;;
  esac
}

case "${1:-}" in
  resolve) cmd_resolve ;;
  install) cmd_install ;;
  run) cmd_run ;;
  verdict) cmd_verdict ;;
  *) die "usage: action.sh resolve|install|run|verdict" ;;
esac
