#!/usr/bin/env bash
# Builds the library and every test with AddressSanitizer + UndefinedBehavior-
# Sanitizer (LeakSanitizer on) into ${ASAN_BUILD_DIR:-build-asan} at -O1 -g and
# runs the whole suite; any sanitizer report fails (halt_on_error, UBSan's
# -fno-sanitize-recover). Extra arguments go to cmake's configure step, e.g.
# -DCMAKE_CXX_COMPILER_LAUNCHER=ccache.
#
# CI (scripts/test.sh) runs this build and, in it, the fuzzers (scripts/
# fuzz.sh). ASan includes LeakSanitizer, so CI no longer runs --leaks.
#
# --leaks: the quick local variant (no clang build): the Release tree's tests
# (scripts/build.sh) run with GCC's LeakSanitizer runtime preloaded, which
# finds leaks without instrumented code (measured: 98 s for the 756 tests on
# 2 cores).
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ "${1:-}" == --leaks ]]; then
  shift
  export LD_PRELOAD="$(${CXX:-g++} -print-file-name=liblsan.so)"
  # allocator_may_return_null: libhdf5 (prebuilt) mallocs the sizes a corrupt
  # file claims and handles a NULL as a read error, as the Release run sees;
  # LSan's allocator would abort on them instead (the corrupt-file sweeps).
  export LSAN_OPTIONS="suppressions=$PWD/scripts/lsan.supp:allocator_may_return_null=1${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
  export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive}
  # errors_matrix is a shell script (bash, grep, xargs), not Keras++ code:
  # under the preloaded runtime those tools fail on their own.
  exec ctest --test-dir "${BUILD_DIR:-build}" -j "$(nproc)" --output-on-failure --timeout 900 -E errors_matrix "$@"
fi
build=${ASAN_BUILD_DIR:-build-asan}
# Debian's clang, so that one instrumented library serves both the suite and
# the libFuzzer harnesses (scripts/fuzz.sh): -fsanitize=fuzzer-no-link only
# adds coverage counters, which the ASan runtime accepts as no-ops when no
# fuzzer is linked. One tree instead of two saves a whole library build in CI.
flags="-fsanitize=address,undefined,fuzzer-no-link -fno-sanitize-recover=all -fno-omit-frame-pointer -g"
launcher=()
if command -v ccache >/dev/null; then
  export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$PWD}
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
# The sanitizer tree is its own build type: -O1 (not Release's -O2 -DNDEBUG),
# so asserts stay on and stacks stay readable.
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Asan -DCMAKE_CXX_COMPILER=clang++ \
  -DCMAKE_CXX_FLAGS_ASAN="-O1 $flags" "${launcher[@]}" \
  -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" \
  -DCMAKE_SHARED_LINKER_FLAGS="-fsanitize=address,undefined" \
  -DKERASPP_BUILD_TESTS=ON -DKERASPP_BUILD_FUZZ=ON -DKERASPP_BUILD_EXAMPLES=OFF \
  -DKERASPP_BUILD_BENCH=OFF "$@" >/dev/null
# scripts/fuzz.sh configures through here and builds only its harnesses.
if [[ "${KERASPP_SANITIZE_CONFIGURE_ONLY:-0}" == 1 ]]; then exit 0; fi
start=$(date +%s)
cmake --build "$build" -j "$(nproc)"
echo "sanitizer tree built in $(( $(date +%s) - start )) s"

# detect_leaks: LeakSanitizer (the graph-ownership cycle must stay fixed).
# OpenMP's and oneDNN's prebuilt libraries are not instrumented; their
# thread-pool and JIT allocations that live until exit are suppressed by
# scripts/lsan.supp, nothing of Keras++'s own.
# allocator_may_return_null: libhdf5 (prebuilt) mallocs the sizes a corrupt
# file claims and handles a NULL as a read error (the HDF5 corrupt-file
# sweeps), as --leaks allows too; a C++ `new` that fails is still reported
# (ASan's operator new reports out-of-memory whatever this option says).
export ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:abort_on_error=0:detect_stack_use_after_return=0:allocator_may_return_null=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
export LSAN_OPTIONS="suppressions=$PWD/scripts/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive}
# The resident-memory tests (2,000 graphs/models built and dropped, RSS flat
# within 5 MB) cannot hold under ASan's quarantine, which keeps freed blocks
# (256 MB) to catch use-after-free: they run on their own without it.
flat=ResidentMemoryFlat
start=$(date +%s)
ctest --test-dir "$build" -j "$(nproc)" --output-on-failure --timeout 1800 -E "$flat"
ASAN_OPTIONS="$ASAN_OPTIONS:quarantine_size_mb=0" \
  ctest --test-dir "$build" -j "$(nproc)" --output-on-failure --timeout 1800 -R "$flat"
echo "sanitizer suite ran in $(( $(date +%s) - start )) s"
