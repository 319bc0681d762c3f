#!/usr/bin/env bash
# The Python package: installs the wheel of scripts/build_wheel.sh (which
# makes the venv under build/ with the build and test tools from PyPI and
# builds the wheel in build-pip/ with CMake through scikit-build-core,
# incremental on later runs) into that venv, then runs pytest on
# tests/python, including the seed's programs in their short mode.
#
# Measured on the shared 2-core dev machine: the first wheel build compiles
# the whole library (30 minutes there with a cold ccache while three other
# builds ran; mostly ccache hits after scripts/build.sh); a later one with
# build-pip/ in place takes about 6 s, and pytest about 15 s (the seed's
# programs in short mode included).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build}
venv="$build/venv"
wheel=$(bash scripts/build_wheel.sh | tail -1)
"$venv/bin/pip" install -q --no-deps --force-reinstall "$wheel"
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive}
# From outside the source tree, so the installed package is what is tested.
(cd "$build" && "$OLDPWD/$venv/bin/python" -m pytest -q "$OLDPWD/tests/python")
