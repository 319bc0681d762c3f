#!/usr/bin/env bash
# The Python package: makes a venv under build/, installs the build tools and
# test tools from PyPI, `pip install .` (scikit-build-core drives CMake into
# build/pip, incremental on later runs), then runs pytest on tests/python,
# including the seed's programs in their short mode.
#
# Measured on the 2-core dev machine: the first install compiles the whole
# library (about 6 minutes with a cold ccache); later ones take seconds.
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
start=$(date +%s)
"$venv/bin/pip" install -q --no-build-isolation .
echo "pip install . took $(( $(date +%s) - start )) s"
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive}
# From outside the source tree, so the installed package is what is tested.
(cd "$build" && "$OLDPWD/$venv/bin/python" -m pytest -q "$OLDPWD/tests/python")
