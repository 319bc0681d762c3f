#!/usr/bin/env bash
# Fuzzes every reader of outside bytes: builds the libFuzzer harnesses
# (tests/fuzz, one per row of fuzz_targets.cc) in the clang sanitizer tree of
# scripts/sanitize.sh (${ASAN_BUILD_DIR:-build-asan}, shared with the
# ASan + UBSan suite) and runs each for ${KERASPP_FUZZ_SECONDS:-45} seconds,
# nproc at a time (45 s: CI's 11 harnesses, 2 at a time on 2 cores, take
# about 4.5 minutes), from its seed corpus (tests/fuzz/corpus/<harness>) plus
# the inputs of earlier findings (tests/fuzz/regressions/<harness>). Any
# crash, sanitizer report, exception outside the error model, timeout (10 s
# per input) or out-of-memory fails; the input is kept in
# ${KERASPP_FUZZ_ARTIFACTS:-<build>/fuzz-artifacts} (fix it, then add it to
# tests/fuzz/regressions/<harness>/). Prints the executions per harness.
# Extra arguments go to cmake's configure step.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${ASAN_BUILD_DIR:-build-asan}
seconds=${KERASPP_FUZZ_SECONDS:-45}
artifacts=${KERASPP_FUZZ_ARTIFACTS:-$build/fuzz-artifacts}
KERASPP_SANITIZE_CONFIGURE_ONLY=1 bash scripts/sanitize.sh "$@" >/dev/null
cmake --build "$build" -j "$(nproc)" --target fuzzers
mkdir -p "$artifacts"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The checked-in corpora are only read: each run grows a copy.
mapfile -t harnesses < <(cd "$build/tests/fuzz" && ls fuzz_* | sed 's/^fuzz_//' | grep -vx make_seeds)
# max_allocation_size_mb: a C malloc above the RSS limit returns NULL at once.
# libhdf5 (prebuilt) mallocs the size a corrupt object header claims before
# it checks it against the file's end (H5C_protect: 8 GiB for an 11 kB file,
# found by the hdf5_model harness) and handles NULL as a read error; without
# this libFuzzer reports that malloc as out-of-memory. A C++ `new` that big
# (Keras++'s own code) is still reported.
export ASAN_OPTIONS="detect_leaks=1:allocator_may_return_null=1:max_allocation_size_mb=2560:halt_on_error=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
export LSAN_OPTIONS="suppressions=$PWD/scripts/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
# Before OMP_NUM_THREADS=1: GNU nproc honours it (and would answer 1).
jobs=$(nproc)
export OMP_NUM_THREADS=1 OMP_WAIT_POLICY=passive
fuzz_one() {  # harness -> "name executions status"
  local name=$1 corpus="$work/$1"
  mkdir -p "$corpus"
  cp tests/fuzz/corpus/"$name"/* "$corpus"/
  if [ -d tests/fuzz/regressions/"$name" ]; then cp tests/fuzz/regressions/"$name"/* "$corpus"/; fi
  local status=ok
  "$build/tests/fuzz/fuzz_$name" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2560 \
    -print_final_stats=1 -artifact_prefix="$artifacts/$name-" "$corpus" >"$work/$name.log" 2>&1 ||
    status=FAILED
  local execs
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$name.log" | tail -1)
  echo "$name ${execs:-0} $status"
  if [ "$status" != ok ]; then grep -A30 -m1 -E "ERROR|runtime error|outside the error model|deadly signal" \
    "$work/$name.log" | sed "s/^/  $name: /" >&2; fi
}
export -f fuzz_one
export build seconds artifacts work
results=$(printf '%s\n' "${harnesses[@]}" | xargs -P "$jobs" -I{} bash -c 'fuzz_one "$1"' _ {})
printf '%-18s %12s  %s\n' harness executions result
sort <<<"$results" | while read -r name execs status; do printf '%-18s %12s  %s\n' "$name" "$execs" "$status"; done
failed=$(grep -c ' FAILED$' <<<"$results" || true)
echo "fuzzing: ${#harnesses[@]} harnesses, ${seconds} s each, $failed failed"
[ "$failed" -eq 0 ]
