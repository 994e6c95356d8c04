#!/usr/bin/env bash
# Build mmcv 2.1.0 with its compiled ops from the sdist, against the torch
# installed in PYTHON's environment (no build isolation), into WHEEL_DIR.
# Used by tools/setup_env.sh and tools/misc/build_wheelhouse.sh.
#
# mmpose.models imports mmcv.ops (mmcv-lite breaks it), mmdet 3.3 needs
# mmcv < 2.2, and no prebuilt wheel matches a recent torch. torch >= 2.10
# headers need C++20, and mmcv 2.1.0's setup.py forces c++17.
#
# Usage: bash tools/misc/build_mmcv_wheel.sh PYTHON WHEEL_DIR
# Passed through from the environment: MAX_JOBS (default: all cores),
# FORCE_CUDA / CUDA_VISIBLE_DEVICES (which ops mmcv builds), LDFLAGS.
set -euo pipefail
PY=${1:?usage: $0 PYTHON WHEEL_DIR}
WHEELS=${2:?usage: $0 PYTHON WHEEL_DIR}
MMCV_VERSION=2.1.0
PIP=("$PY" -m pip --disable-pip-version-check)

build=$(mktemp -d)
trap 'rm -rf "$build"' EXIT
"${PIP[@]}" download -q --no-deps --no-binary :all: "mmcv==$MMCV_VERSION" -d "$build"
tar xzf "$build/mmcv-$MMCV_VERSION.tar.gz" -C "$build"
sed -i 's/-std=c++17/-std=c++20/g' "$build/mmcv-$MMCV_VERSION/setup.py"
mkdir -p "$WHEELS"
MMCV_WITH_OPS=1 MAX_JOBS=${MAX_JOBS:-$(nproc)} "${PIP[@]}" wheel -q \
  --no-build-isolation --no-deps "$build/mmcv-$MMCV_VERSION" -w "$WHEELS"
