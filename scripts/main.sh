#!/usr/bin/env bash
# Sets up, builds and runs the main job: the Keras 2 MNIST MLP
# (examples/mnist_mlp.cc; MNIST when mnist.npz is in the Keras cache, else
# Fashion-MNIST). Builds only the library and that program, not the tests or
# the benchmarks. Arguments go to the program (--epochs N, --batch-size N,
# --verbose 0|1|2).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
build=${BUILD_DIR:-build}
# Same build folder as scripts/build.sh, which turns tests and benchmarks
# back on: the library's objects are shared, not rebuilt.
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DKERASPP_BUILD_EXAMPLES=ON \
  -DKERASPP_BUILD_TESTS=OFF -DKERASPP_BUILD_BENCH=OFF >/dev/null
cmake --build "$build" -j "$(nproc)" --target mnist_mlp
exec "$build/examples/mnist_mlp" "$@"
