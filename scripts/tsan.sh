#!/usr/bin/env bash
# Builds the library and the runtime and hardening tests with ThreadSanitizer
# into ${TSAN_BUILD_DIR:-build-tsan} and runs every concurrency test: one
# session run from many threads (tests/runtime), two Keras models trained in
# two threads, graphs built in threads while other threads run them, and one
# graph built from two threads (tests/hardening), concurrent runs of a while
# loop's plan (tests/control_flow) and random draws from threads (tests/np).
# Any report fails. Extra
# arguments go to cmake's configure step, e.g. -DCMAKE_CXX_COMPILER=clang++.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${TSAN_BUILD_DIR:-build-tsan}
launcher=()
if command -v ccache >/dev/null; then
  export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$PWD}
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
# -O1 -g1 (line tables only): TSan needs no -O3 code to find races, and
# the tree builds faster.
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Tsan "${launcher[@]}" \
  -DCMAKE_CXX_FLAGS_TSAN="-O1 -g1 -fsanitize=thread" \
  -DCMAKE_EXE_LINKER_FLAGS=-fsanitize=thread -DCMAKE_SHARED_LINKER_FLAGS=-fsanitize=thread \
  -DKERASPP_BUILD_EXAMPLES=OFF -DKERASPP_BUILD_BENCH=OFF "$@" >/dev/null
# Only the test programs that hold concurrency tests.
cmake --build "$build" -j "$(nproc)" --target test_runtime test_hardening test_control_flow test_np

# libgomp and oneDNN (OpenMP-threaded) are not built with TSan, so it cannot
# see how their worker threads synchronise and would report races inside
# every parallel region. With one OpenMP thread each region runs on the
# calling thread, which leaves exactly the races this checks: between
# threads calling Session::run or building graphs.
export OMP_NUM_THREADS=1
export OMP_WAIT_POLICY=passive
# The in-place element updates of optimizer kernels race by design (TF's
# use_locking=false); src/runtime/plan.cc has TSan ignore those kernels.
export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$PWD/scripts/tsan.supp ${TSAN_OPTIONS:-}"
"$build/tests/test_runtime" --gtest_filter='SessionConcurrency.*:DnnlContext.*:DeviceTest.*:SessionTest.*'
"$build/tests/test_hardening" --gtest_filter='KerasConcurrency.*:GraphConcurrency.*:CrashThreads.*'
"$build/tests/test_control_flow" --gtest_filter='WhileLoop.ConcurrentRunsOfOnePlanAgree'
"$build/tests/test_np" --gtest_filter='Random.ThreadsDrawDistinctNumbers'
