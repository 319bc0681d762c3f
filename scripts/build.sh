#!/usr/bin/env bash
# Configures and builds Keras++ (Release) into ${BUILD_DIR:-build}: the library,
# tests, examples and benchmarks. The parts are switched on explicitly because
# scripts/main.sh configures the same folder with tests and benchmarks off.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build}
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DKERASPP_BUILD_TESTS=ON -DKERASPP_BUILD_EXAMPLES=ON -DKERASPP_BUILD_BENCH=ON "$@" >/dev/null
cmake --build "$build" -j "$(nproc)"
