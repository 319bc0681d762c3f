#!/usr/bin/env bash
# The Python package: makes a venv under build/, installs the build tools and
# test tools from PyPI, `pip install .` (scikit-build-core drives CMake into
# build-pip/, incremental on later runs), then runs pytest on tests/python,
# including the seed's programs in their short mode.
#
# Measured on the shared 2-core dev machine: the first install compiles the
# whole library (30 minutes there with a cold ccache while three other builds
# ran); a later install with build-pip/ in place takes about 6 s, and pytest
# about 15 s (the seed's programs in short mode included).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build}
venv="$build/venv"
python=${PYTHON:-/usr/bin/python3}
if [[ ! -x "$venv/bin/python" ]]; then
  "$python" -m venv "$venv"
fi
"$venv/bin/pip" install -q --upgrade "scikit-build-core>=0.10" "pybind11>=2.12" numpy pytest
if command -v ccache >/dev/null; then export CMAKE_CXX_COMPILER_LAUNCHER=${CMAKE_CXX_COMPILER_LAUNCHER:-ccache}; fi
# Tests build for this machine (as scripts/build.sh does, so ccache can reuse
# its objects); a wheel for distribution leaves KERASPP_MARCH unset (x86-64-v3).
export KERASPP_MARCH=${KERASPP_MARCH:-native}
start=$(date +%s)
"$venv/bin/pip" install -q --no-build-isolation .
echo "pip install . took $(( $(date +%s) - start )) s"
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive}
# From outside the source tree, so the installed package is what is tested.
(cd "$build" && "$OLDPWD/$venv/bin/python" -m pytest -q "$OLDPWD/tests/python")
