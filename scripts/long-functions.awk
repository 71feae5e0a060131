# The counting half of long-functions.sh (which says what counts as a function and as test
# code): prints `lines  file:line  name` for each function longer than `limit` lines.

# Per file: no open functions, not inside test code.
FNR == 1 { depth = 0; skip_indent = ""; skipping = 0; pending_test = 0 }

function indent_of(line) { match(line, /^[ \t]*/); return substr(line, 1, RLENGTH) }

{
  line = $0
  ind = indent_of(line)

  # Inside a #[cfg(test)] item: skip to its closing brace at its own indentation.
  if (skipping) {
    if (line == skip_indent "}") skipping = 0
    next
  }
  if (line ~ /^[ \t]*#\[cfg\(test\)\]/) { pending_test = 1; next }
  if (pending_test) {
    if (line ~ /^[ \t]*#\[/) next              # further attributes of the same item
    pending_test = 0
    if (line ~ /;[ \t]*$/ || line ~ /}[ \t]*$/) next   # a one-line item
    skipping = 1; skip_indent = ind
    next
  }

  # A function starts: remember where, and whether its body has opened yet.
  if (line ~ /^[ \t]*(pub(\([a-z:]+\))? )?(const )?(async )?(unsafe )?(extern "[^"]*" )?fn [A-Za-z_][A-Za-z0-9_]*/) {
    name = line
    sub(/^.*fn /, "", name); sub(/[^A-Za-z0-9_].*$/, "", name)
    depth++
    f_indent[depth] = ind; f_start[depth] = FNR; f_name[depth] = name; f_open[depth] = 0
    if (line ~ /{[ \t]*$/) f_open[depth] = 1
    else if (line ~ /;[ \t]*$/) { depth--; next }          # no body
    else if (line ~ /}[ \t]*$/ && line ~ /{/) { depth--; next }   # one-line body
    next
  }

  if (depth > 0) {
    # A signature spread over several lines: it ends in `{` (a body) or `;` (none).
    if (!f_open[depth]) {
      if (line ~ /{[ \t]*$/) f_open[depth] = 1
      else if (line ~ /;[ \t]*$/ && ind == f_indent[depth]) { depth--; next }
    }
    if (line == f_indent[depth] "}") {
      n = FNR - f_start[depth] + 1
      if (n > limit) printf "%5d  %s:%d  %s\n", n, FILENAME, f_start[depth], f_name[depth]
      depth--
    }
  }
}
