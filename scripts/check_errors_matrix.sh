#!/usr/bin/env bash
# Checks the bad-input matrix of docs/errors.md: every row of a table whose
# last column is "Test" names at least one test (`Suite.Name`, or `Suite.*`
# for a whole suite), and each one is a test defined under tests/ (TEST,
# TEST_F or TEST_P; a DISABLED_ test does not count). Prints the counts the
# issue's closing note gives. ctest runs it (errors_matrix).
set -euo pipefail
cd "$(dirname "$0")/.."
doc=${1:-docs/errors.md}
# Every defined test as "Suite.Name", one a line (declarations may wrap).
defined=$(find tests -name '*.cc' -exec cat {} + | tr '\n' ' ' |
  grep -oE 'TEST(_F|_P)? *\( *[A-Za-z0-9_]+ *, *[A-Za-z0-9_]+ *\)' |
  sed -E 's/TEST(_F|_P)? *\( *([A-Za-z0-9_]+) *, *([A-Za-z0-9_]+) *\)/\2.\3/' | sort -u)

rows=0 names=0 bad=0 in_table=0 test_table=0
while IFS= read -r line; do
  if [[ $line != '|'* ]]; then in_table=0; continue; fi
  [[ $line =~ ^\|[-\ |]+\|?$ ]] && continue  # the |---|---| line
  cells=${line%|}
  last=${cells##*|}
  if (( !in_table )); then  # a table's header row
    in_table=1
    [[ $(echo "$last" | xargs) == Test ]] && test_table=1 || test_table=0
    continue
  fi
  (( test_table )) || continue
  rows=$((rows + 1))
  found=$(grep -oE '`[A-Za-z0-9_]+\.([A-Za-z][A-Za-z0-9_]*|\*)`' <<<"$last" | tr -d '`' || true)
  if [[ -z $found ]]; then
    echo "errors.md: row names no test: $line" >&2
    bad=$((bad + 1))
    continue
  fi
  for name in $found; do
    names=$((names + 1))
    if [[ $name == *'.*' ]]; then
      grep -q "^${name%.\*}\." <<<"$defined" && continue
    else
      grep -qxF "$name" <<<"$defined" && continue
    fi
    echo "errors.md: no such test: $name (row: ${line:0:80}...)" >&2
    bad=$((bad + 1))
  done
done <"$doc"
echo "errors.md: $rows rows naming $names tests; $bad problems"
(( bad == 0 && rows > 0 ))
