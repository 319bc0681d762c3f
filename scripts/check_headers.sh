#!/usr/bin/env bash
# Checks the installed public headers, as a user's project sees them: each
# one compiles on its own in a fresh translation unit, and no internal
# header (graph internals, runtime/kernel internals) was installed.
# Usage: scripts/check_headers.sh PREFIX   (an install prefix of keraspp)
set -euo pipefail
prefix=$1
internal=(keraspp/graph/graph_impl.h keraspp/kernels/kernel.h)
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

# RAII guards are [[nodiscard]] down to their constructors: a guard dropped at
# once (`tf::name_scope("a");`, which scopes nothing) must not compile, while
# the named form must.
guards=('tf::name_scope("a")' 'tf::variable_scope("a")' 'g.as_default()'
        'tf::control_dependencies(std::vector<tf::Operation>{})'
        'tf::control_dependencies(nullptr)' 'tf::init_scope(g)' 's.as_default()')
guard_failed=0
compile_guard() {
  printf '#include <keraspp/tf.h>\nvoid f(tf::Graph& g, tf::Session& s) { %s; }\n' "$1" |
    ${CXX:-g++} -std=c++20 -fsyntax-only -fopenmp -Werror=unused-result -x c++ -I"$prefix/include" - 2>&1
}
for guard in "${guards[@]}"; do
  if ! compile_guard "auto kept = $guard" >/dev/null; then
    echo "guard does not compile when kept: $guard" >&2
    guard_failed=$((guard_failed + 1))
  elif ! grep -q nodiscard <<<"$(compile_guard "$guard")"; then
    echo "dropped guard compiles silently: $guard" >&2
    guard_failed=$((guard_failed + 1))
  fi
done
echo "nodiscard guards: $(( ${#guards[@]} - guard_failed )) passed, $guard_failed failed"
[ $((failed + guard_failed)) -eq 0 ]
