#!/usr/bin/env bash
# Interoperability tests with real Python Keras 2 (tf_keras): creates a
# virtual environment with pinned tensorflow-cpu, tf-keras and h5py (about
# 1.5 minutes of downloads and installs the first time; reused afterwards),
# then runs tests/interop with pytest against ${BUILD_DIR:-build} (scripts/build.sh first):
# files both ways, and the differential tests (the same programs under
# tf.compat.v1 + tf_keras and under keraspp).
#   KERASPP_INTEROP_VENV  where the environment lives (default build/interop-venv)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build}
venv=${KERASPP_INTEROP_VENV:-$build/interop-venv}
if [ ! -x "$venv/bin/pytest" ]; then
  start=$(date +%s)
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "tensorflow-cpu==2.15.1" "tf-keras==2.15.1" "h5py==3.10.0" "pytest==8.0.0"
  echo "interop environment installed in $(( $(date +%s) - start )) s"
fi
cmake --build "$build" --target test_keras_saving >/dev/null
# keraspp for the differential tests (tests/interop/test_differential.py):
# the development build's extension when the build has one
# (-DKERASPP_BUILD_PYTHON=ON), else `pip install .` into this venv (built in
# build-pip/ for this machine, as scripts/test_python.sh does, so ccache and
# build-pip/ are shared).
if [ -n "$(ls "$build"/python/keraspp/_core*.so 2>/dev/null)" ]; then
  cmake --build "$build" --target _core >/dev/null
  export PYTHONPATH="$PWD/python:$(cd "$build" && pwd)/python${PYTHONPATH:+:$PYTHONPATH}"
else
  "$venv/bin/pip" install -q "scikit-build-core>=0.10" "pybind11>=2.12"
  KERASPP_MARCH=${KERASPP_MARCH:-native} "$venv/bin/pip" install -q --no-build-isolation .
fi
KERASPP_BUILD=$(cd "$build" && pwd) "$venv/bin/pytest" -q tests/interop "$@"
