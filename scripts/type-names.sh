#!/usr/bin/env bash
# How many files of src/ name each Edm type in code: as a Primitive or Scalar variant, as
# "Edm.<Type>", or as the bare word for the names Rust's std does not also use (Duration and
# String are std types, so for them only the first two forms count). Comments, test files and a
# file's trailing `#[cfg(test)] mod tests` are left out; strings count.
set -euo pipefail
dir="${1:-src}"
types="Boolean Byte SByte Int16 Int32 Int64 Single Double DateTimeOffset Date TimeOfDay Duration Guid Binary String"
for t in $types; do
  case "$t" in
    Duration | String) pattern="(Primitive|Scalar)::$t\\b|Edm\\.$t\\b" ;;
    *) pattern="\\b$t\\b" ;;
  esac
  files=$(for f in $(find "$dir" -name '*.rs' | grep -vE '(^|/)tests(\.rs|/)|_tests\.rs$' | sort); do
    awk '/^#\[cfg\(test\)\]$/ { getline next_line; if (next_line ~ /^mod tests \{/) exit; print next_line; next }
         /^[[:space:]]*\/\// { next } { print }' "$f" | grep -qE "$pattern" && echo "$f"
  done || true)
  printf '%-15s %2d  %s\n' "$t" "$(printf '%s' "$files" | grep -c . || true)" "$(echo $files)"
done
