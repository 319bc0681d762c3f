#!/usr/bin/env bash
# Sets up, builds and runs the main job: the seed's MNIST MLP when the Keras
# programs are built, else the raw tf:: ops MLP; both on real data.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
build=${BUILD_DIR:-build}
if [ -x "$build/examples/mnist_mlp" ]; then
  exec "$build/examples/mnist_mlp" "$@"
else
  exec "$build/examples/raw_ops_mlp" "$@"
fi
