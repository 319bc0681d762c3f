#!/usr/bin/env bash
# Checks the installed public headers, as a user's project sees them: each
# one compiles on its own in a fresh translation unit, and no internal
# header (graph internals, runtime/kernel internals) was installed.
# Usage: scripts/check_headers.sh PREFIX   (an install prefix of keraspp)
set -euo pipefail
prefix=$1
internal=(keraspp/graph/graph_impl.h keraspp/kernels/fusion.h)
failed=0
for h in "${internal[@]}"; do
  if [ -e "$prefix/include/$h" ]; then
    echo "internal header installed: $h" >&2
    failed=$((failed + 1))
  fi
done
mapfile -t headers < <(cd "$prefix/include" && find keraspp -name '*.h' | sort)
compile_one() {
  if out=$(printf '#include <%s>\nint main() { return 0; }\n' "$2" |
           ${CXX:-g++} -std=c++20 -fsyntax-only -fopenmp -x c++ -I"$1/include" - 2>&1); then
    echo "ok $2"
  else
    printf '%s\n' "$out" | head -20 | sed "s|^|$2: |" >&2
    echo "FAILED $2"
  fi
}
export -f compile_one
results=$(printf '%s\n' "${headers[@]}" | xargs -P "$(nproc)" -I{} bash -c 'compile_one "$0" "$1"' "$prefix" {})
grep '^FAILED' <<<"$results" >&2 || true
bad=$(grep -c '^FAILED' <<<"$results" || true)
failed=$((failed + bad))
echo "public headers: $(( ${#headers[@]} - bad )) passed, $failed failed"
[ "$failed" -eq 0 ]
