#!/usr/bin/env bash
# Installs Keras++'s build and test dependencies from Debian 12's packages
# (docs/design.md §5). Needs root; skips apt when everything is already there.
set -euo pipefail
pkgs=(cmake ninja-build g++ pkg-config libdnnl-dev zlib1g-dev libminizip-dev
      libgtest-dev libgmock-dev libbenchmark-dev nlohmann-json3-dev libhdf5-dev
      libprotobuf-dev protobuf-compiler dataset-fashion-mnist python3-dev python3-venv ccache
      clang libclang-rt-dev libomp-dev)
# clang, its sanitizer and libFuzzer runtimes (libclang-rt-dev) and its
# OpenMP (libomp-dev): the sanitizer build and the fuzzers (scripts/sanitize.sh).
if ! dpkg -s "${pkgs[@]}" >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${pkgs[@]}"
fi
