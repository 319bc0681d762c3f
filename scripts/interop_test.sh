#!/usr/bin/env bash
# Interoperability tests with real Python Keras 2 (tf_keras), Keras 3 (keras)
# and TensorFlow: creates a virtual environment with pinned versions that
# install together (tensorflow-cpu 2.16 with tf-keras 2.16 and keras 3;
# TensorFlow 2.16 is the first whose own Keras is Keras 3), then runs
# tests/interop with pytest against ${BUILD_DIR:-build} (scripts/build.sh
# first). The install downloads about 600 MB and takes about 2 minutes on
# an idle machine (11 minutes measured on a busy shared one); the
# environment is reused while the pins below are unchanged.
# Then the differential tests (tests/interop/test_differential.py): the same
# programs under tf.compat.v1 + tf_keras and under keraspp.
#   KERASPP_INTEROP_VENV  where the environment lives (default build/interop-venv)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build}
venv=${KERASPP_INTEROP_VENV:-$build/interop-venv}
pins=("tensorflow-cpu==2.16.2" "tf-keras==2.16.0" "keras==3.3.3" "h5py==3.11.0" "pytest==8.0.0")
if [ ! -x "$venv/bin/pytest" ] || [ "$(cat "$venv/keraspp-pins" 2>/dev/null)" != "${pins[*]}" ]; then
  start=$(date +%s)
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install -q "${pins[@]}"
  echo "${pins[*]}" > "$venv/keraspp-pins"
  echo "interop environment installed in $(( $(date +%s) - start )) s"
fi
cmake --build "$build" --target test_keras_saving test_train >/dev/null
# keraspp for the differential tests (tests/interop/test_differential.py):
# the development build's extension when the build has one
# (-DKERASPP_BUILD_PYTHON=ON), else the wheel scripts/test_python.sh installs
# too (scripts/build_wheel.sh: built once in build-pip/, shared by both).
if [ -n "$(ls "$build"/python/keraspp/_core*.so 2>/dev/null)" ]; then
  cmake --build "$build" --target _core >/dev/null
  export PYTHONPATH="$PWD/python:$(cd "$build" && pwd)/python${PYTHONPATH:+:$PYTHONPATH}"
else
  wheel=$(bash scripts/build_wheel.sh | tail -1)
  "$venv/bin/python" -m pip install -q --no-deps --force-reinstall "$wheel"
fi
export KERASPP_BUILD=$(cd "$build" && pwd)
# The differential tests switch TensorFlow to graph mode for the whole
# process (tf.compat.v1, as TF 1.x ran) and need TF 2.16's Keras 2 behind
# tf.compat.v1.layers (TF_USE_LEGACY_KERAS=1); the file tests need eager mode
# and Keras 3. So two pytest processes.
"$venv/bin/python" -m pytest -q tests/interop --ignore=tests/interop/test_differential.py "$@"
TF_USE_LEGACY_KERAS=1 "$venv/bin/python" -m pytest -q tests/interop/test_differential.py "$@"
