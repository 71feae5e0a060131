#!/usr/bin/env bash
# Lists the functions outside tests that are longer than a limit (80 lines by default), longest
# first, as `lines  file:line  name`: the measure behind the README's "no function over 80 lines".
#
#   scripts/long-functions.sh [DIR] [LIMIT]     DIR defaults to src/, LIMIT to 80
#
# A function runs from its `fn` line to the first later line that is a lone `}` at the same
# indentation (the shape rustfmt gives every body), so the count includes the signature and
# the closing brace. Test code does not count: files named tests.rs or *_tests.rs, and any item
# under `#[cfg(test)]` (a `mod tests { … }` or a single function). A declaration without a body
# (a trait's `fn f();`) and a one-line body are passed over. The counting is long-functions.awk.
#
# Exits 0 whatever it finds (the list is the result); 2 when DIR is not a folder.
set -euo pipefail

dir="${1:-src}"
limit="${2:-80}"
[ -d "$dir" ] || {
  echo "long-functions: $dir is not a folder; pass the source folder (default src/)" >&2
  exit 2
}

find "$dir" -name '*.rs' ! -name 'tests.rs' ! -name '*_tests.rs' -print0 | sort -z |
  xargs -0 awk -v limit="$limit" -f "$(dirname "${BASH_SOURCE[0]}")/long-functions.awk" | sort -rn
