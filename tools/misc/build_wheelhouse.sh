#!/usr/bin/env bash
# Build a folder of wheels that installs mmpose-cl's OpenMMLab stack, with no
# network, on a machine that already has its own Python, torch and numpy (a
# GPU box or a container image), e.g. Python 3.12 + torch 2.11 + numpy 2.
#
#   mmcv 2.1.0       built here from its sdist against the target's torch
#                    (tools/misc/build_mmcv_wheel.sh), CPU ops only unless
#                    FORCE_CUDA=1: the pose models use no mmcv CUDA op, but
#                    mmpose imports mmcv.ops. Linked with -s (no debug symbols).
#   xtcocotools      built here against the target's numpy (its PyPI wheels
#                    are for numpy 1 and fail to import on numpy 2)
#   everything else  downloaded as wheels for the target's Python and platform
#
# The build venv (target Python + torch + numpy, several GB for a CUDA build
# of torch) and the two wheels built in it are kept in ~/.cache/mmpose-cl/
# (MMPOSE_CL_CACHE) and reused: a second run takes seconds.
#
# Usage (here, with network):
#   PYTHON=python3.12 TORCH=2.11.0 NUMPY=2.5.2 bash tools/misc/build_wheelhouse.sh OUT_DIR
# Then on the target, in this repo's root:
#   python3 -m pip install --no-index --no-deps --target /tmp/site OUT_DIR/*.whl
#   export PYTHONPATH=/tmp/site:$PWD
# (or `pip install --no-index --no-deps OUT_DIR/*.whl` into its environment,
# then `pip install --no-deps -e .`).
#
# PACKAGES overrides the downloaded list (name==version ...): by default, the
# pure-Python part of requirements.txt plus mmengine, mmpose and mmdet, but not
# what a PyTorch image has already (torch, numpy, scipy, matplotlib, opencv,
# pillow, pyyaml, rich, tqdm, six, pytest, hypothesis). setuptools < 81 is in
# it for pkg_resources (gone from setuptools 82 on), which MMEngine needs for
# `mmpose::` configs and mmpose.apis at import. albumentations 1.4.24 (RTMPose's
# and CLNet-CSPNeXt's pipelines) comes with what it needs that such an image
# lacks: albucore, pydantic and its core, stringzilla, simsimd (binary wheels
# for the target's Python; checked to import and transform with numpy 2.5.2).
set -euo pipefail
cd "$(dirname "$0")/../.."

OUT=${1:?usage: PYTHON=python3.X TORCH=x.y.z NUMPY=a.b.c $0 OUT_DIR}
PY=${PYTHON:?set PYTHON to the target Python (e.g. python3.12)}
TORCH=${TORCH:?set TORCH to the torch version on the target (e.g. 2.11.0)}
NUMPY=${NUMPY:?set NUMPY to the numpy version on the target (e.g. 2.5.2)}
MMCV_VERSION=2.1.0
XTCOCOTOOLS_VERSION=1.14.3
PACKAGES=${PACKAGES:-"mmengine==0.10.7 mmpose==1.3.2 mmdet==3.3.0 addict==2.4.0 \
yapf==0.43.0 platformdirs==4.14.8 termcolor==3.3.0 json_tricks==3.17.3 munkres==3.0.0 \
pycocotools==2.0.11 shapely==2.2.0 terminaltables==3.1.10 setuptools==80.10.2 \
albumentations==1.4.24 albucore==0.0.23 pydantic==2.14.4 pydantic-core==2.50.5 \
annotated-types==0.8.0 typing-inspection==0.4.5 stringzilla==5.3.2 simsimd==6.5.16"}

command -v "$PY" >/dev/null || { echo "PYTHON=$PY: no such interpreter" >&2; exit 2; }
pyver=$("$PY" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
pytag=cp${pyver/./}
if [ -e "$OUT" ] && [ -n "$(ls -A "$OUT")" ]; then
  if [ "${OVERWRITE:-0}" != 1 ]; then
    echo "$OUT is not empty; empty it, pick another folder, or set OVERWRITE=1" \
         "(which deletes the *.whl in it)" >&2
    exit 2
  fi
  rm -f "$OUT"/*.whl  # two versions of one package stop an install
fi
mkdir -p "$OUT"

venv="${MMPOSE_CL_CACHE:-$HOME/.cache/mmpose-cl}/build-$pytag-torch$TORCH-numpy$NUMPY"
if [ ! -x "$venv/bin/python" ]; then
  echo "[wheelhouse] creating the build venv $venv (torch $TORCH, numpy $NUMPY)"
  "$PY" -m venv "$venv.tmp"
  "$venv.tmp/bin/python" -m pip install -q --disable-pip-version-check \
    "torch==$TORCH" "numpy==$NUMPY" 'setuptools>=77.0.3,<81' wheel ninja Cython
  mv "$venv.tmp" "$venv"
fi
VPY="$venv/bin/python"
PIP=("$VPY" -m pip --disable-pip-version-check)

build=$(mktemp -d)
trap 'rm -rf "$build"' EXIT

echo "[wheelhouse] downloading $PACKAGES for $pytag"
# shellcheck disable=SC2086  # PACKAGES is a list
"${PIP[@]}" download -q --no-deps --only-binary=:all: --python-version "$pyver" \
  --implementation cp --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 \
  --platform manylinux2014_x86_64 -d "$OUT" $PACKAGES

# The two built wheels are kept beside the build venv: later runs copy them.
ops=$([ "${FORCE_CUDA:-0}" = 1 ] && echo cuda || echo cpu)
built="$venv/wheels-$ops-ops"
mkdir -p "$built"
if ! ls "$built"/xtcocotools-"$XTCOCOTOOLS_VERSION"-*.whl >/dev/null 2>&1; then
  echo "[wheelhouse] building xtcocotools==$XTCOCOTOOLS_VERSION against numpy $NUMPY"
  "${PIP[@]}" wheel -q --no-build-isolation --no-deps --no-binary xtcocotools \
    "xtcocotools==$XTCOCOTOOLS_VERSION" -w "$build/wheels"
  mv "$build"/wheels/xtcocotools-*.whl "$built/"
fi
if ! ls "$built"/mmcv-"$MMCV_VERSION"-*.whl >/dev/null 2>&1; then
  echo "[wheelhouse] building mmcv==$MMCV_VERSION with $ops ops against torch $TORCH" \
       "(about 30 min on 2 cores)"
  [ "$ops" = cuda ] || export CUDA_VISIBLE_DEVICES=
  LDFLAGS="${LDFLAGS:-} -s" bash tools/misc/build_mmcv_wheel.sh "$VPY" "$build/wheels"
  mv "$build"/wheels/mmcv-*.whl "$built/"
fi
cp "$built"/xtcocotools-"$XTCOCOTOOLS_VERSION"-*.whl "$built"/mmcv-"$MMCV_VERSION"-*.whl "$OUT/"

echo "[wheelhouse] $OUT ($(du -sh "$OUT" | cut -f1)):"
ls -1 "$OUT"
