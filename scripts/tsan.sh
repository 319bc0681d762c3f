#!/usr/bin/env bash
# Builds the library and the runtime and hardening tests with ThreadSanitizer
# into ${TSAN_BUILD_DIR:-build-tsan} and runs the concurrency tests (one
# session run from many threads, two Keras models trained in two threads,
# graphs built while other threads run them). Extra arguments go to cmake's configure step, e.g.
# -DCMAKE_CXX_COMPILER_LAUNCHER=ccache or -DCMAKE_CXX_COMPILER=clang++.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${TSAN_BUILD_DIR:-build-tsan}
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_CXX_FLAGS="-fsanitize=thread -g" \
  -DCMAKE_EXE_LINKER_FLAGS=-fsanitize=thread -DCMAKE_SHARED_LINKER_FLAGS=-fsanitize=thread \
  -DKERASPP_BUILD_EXAMPLES=OFF -DKERASPP_BUILD_BENCH=OFF "$@" >/dev/null
# The hardening suite's concurrency tests join with KERASPP_TSAN_HARDENING=1:
# they have not had a clean TSan run yet (a bug between two concurrent fits
# is open: KerasConcurrency.DISABLED_TwoModelsTrainedInTwoThreads...).
targets=(test_runtime)
[[ "${KERASPP_TSAN_HARDENING:-0}" == 0 ]] || targets+=(test_hardening)
cmake --build "$build" -j "$(nproc)" --target "${targets[@]}"

# libgomp and oneDNN (OpenMP-threaded) are not built with TSan, so it cannot
# see how their worker threads synchronise and would report races inside
# every parallel region. With one OpenMP thread each region runs on the
# calling thread, which leaves exactly the races this checks: between
# threads calling Session::run.
export OMP_NUM_THREADS=1
export OMP_WAIT_POLICY=passive
# The in-place element updates of optimizer kernels race by design (TF's
# use_locking=false); src/runtime/plan.cc has TSan ignore those kernels.
export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$PWD/scripts/tsan.supp ${TSAN_OPTIONS:-}"
"$build/tests/test_runtime" --gtest_filter='SessionConcurrency.*:DnnlContext.*:DeviceTest.*:SessionTest.*'
[[ "${KERASPP_TSAN_HARDENING:-0}" == 0 ]] ||
  "$build/tests/test_hardening" --gtest_filter='KerasConcurrency.*:GraphConcurrency.*:CrashThreads.*'
