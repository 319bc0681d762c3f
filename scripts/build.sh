#!/usr/bin/env bash
# Configures and builds Keras++ (Release) into ${BUILD_DIR:-build}: the library,
# tests, examples and benchmarks. The parts are switched on explicitly because
# scripts/main.sh configures the same folder with tests and benchmarks off.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build}
# With ccache (scripts/setup.sh installs it) the later builds of the same
# sources — the Python package's pip build in build-pip/, rebuilds — are
# mostly cache hits. Paths are hashed relative to the repository.
launcher=()
if command -v ccache >/dev/null; then
  export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$PWD}
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release "${launcher[@]}" \
  -DKERASPP_BUILD_TESTS=ON -DKERASPP_BUILD_EXAMPLES=ON -DKERASPP_BUILD_BENCH=ON "$@" >/dev/null
cmake --build "$build" -j "$(nproc)"
