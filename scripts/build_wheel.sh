#!/usr/bin/env bash
# Builds the keraspp wheel for the tests, once for both Python test steps
# (scripts/test_python.sh and scripts/interop_test.sh install this one file
# into their virtual environments instead of each running `pip install .`,
# whose second CMake run in another venv sees another pybind11 and Python and
# compiles the extension again). Prints the wheel's path as its last line.
#
# The wheel is built with the build tools of ${BUILD_DIR:-build}/venv (made
# here if missing) in build-pip/ (pyproject.toml), incremental on later runs,
# for this machine (-march=native, as scripts/build.sh builds, so the
# library's objects are ccache hits of the main build: same flags, and
# CCACHE_BASEDIR makes the paths relative to the two build folders, which
# sit at the same depth). A wheel for distribution leaves KERASPP_MARCH unset
# (x86-64-v3).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build}
venv="$build/venv"
if [[ ! -x "$venv/bin/python" ]]; then
  "${PYTHON:-/usr/bin/python3}" -m venv "$venv"
fi
"$venv/bin/pip" install -q --upgrade "scikit-build-core>=0.10" "pybind11>=2.12" numpy pytest >&2
if command -v ccache >/dev/null; then
  export CMAKE_CXX_COMPILER_LAUNCHER=${CMAKE_CXX_COMPILER_LAUNCHER:-ccache}
  export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$PWD}
fi
export KERASPP_MARCH=${KERASPP_MARCH:-native}
wheels="$build/wheel"
rm -rf "$wheels"
start=$(date +%s)
"$venv/bin/pip" wheel -q --no-build-isolation --no-deps -w "$wheels" . >&2
echo "keraspp wheel built in $(( $(date +%s) - start )) s" >&2
ls "$wheels"/keraspp-*.whl
