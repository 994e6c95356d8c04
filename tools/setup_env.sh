#!/usr/bin/env bash
# Create (or update) ./.venv with everything mmpose-cl needs and install
# mmpose-cl into it in editable mode. Idempotent: a second run checks a stamp
# and the imports (seconds).
#
# The first run on a fresh machine builds mmcv 2.1.0 with its compiled ops from
# the sdist (15-25 min on 2 cores): MMPose 1.3.2 imports mmcv.ops, mmdet 3.3 needs
# mmcv < 2.2 and no prebuilt wheel matches torch 2.14. The wheel is kept in
# ~/.cache/mmpose-cl/wheels (MMPOSE_CL_WHEELHOUSE), so later venvs on the same
# machine install it in seconds.
#
# Usage: bash tools/setup_env.sh        (PYTHON=python3.11 picks the Python)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
VENV="$ROOT/.venv"
PY=${PYTHON:-python3}
MMCV_VERSION=2.1.0
MMPOSE_VERSION=1.3.2
MMDET_VERSION=3.3.0

if [ ! -x "$VENV/bin/python" ]; then
  echo "[setup] creating $VENV"
  "$PY" -m venv "$VENV"
fi
VPY="$VENV/bin/python"
PIP=("$VPY" -m pip --disable-pip-version-check)

want=$(cat requirements.txt tools/setup_env.sh tools/misc/build_mmcv_wheel.sh setup.py |
       sha256sum | cut -c1-16)
have=$(cat "$VENV/.mmpose_cl_stamp" 2>/dev/null || true)
if [ "$want" != "$have" ]; then
  echo "[setup] installing requirements.txt"
  "${PIP[@]}" install -q -r requirements.txt

  if ! "$VPY" -c "import mmcv, mmcv.ops; assert mmcv.__version__ == '$MMCV_VERSION'" 2>/dev/null; then
    tags=$("$VPY" -c "import sys, torch; print(f'cp{sys.version_info[0]}{sys.version_info[1]}', torch.__version__.split('+')[0])")
    read -r pytag torchver <<< "$tags"
    wheelhouse="${MMPOSE_CL_WHEELHOUSE:-$HOME/.cache/mmpose-cl/wheels}/torch-$torchver"
    wheel=$(ls "$wheelhouse"/mmcv-"$MMCV_VERSION"-"$pytag"-*.whl 2>/dev/null | head -n 1 || true)
    if [ -z "$wheel" ]; then
      echo "[setup] building mmcv==$MMCV_VERSION with ops for torch $torchver" \
           "(first time on this machine: 15-25 min on 2 cores)"
      bash tools/misc/build_mmcv_wheel.sh "$VPY" "$wheelhouse"
      wheel=$(ls "$wheelhouse"/mmcv-"$MMCV_VERSION"-"$pytag"-*.whl | head -n 1)
    fi
    "${PIP[@]}" install -q --no-deps --force-reinstall "$wheel"
  fi
  "${PIP[@]}" install -q --no-deps "mmpose==$MMPOSE_VERSION" "mmdet==$MMDET_VERSION"
  "${PIP[@]}" install -q --no-deps --no-build-isolation -e .
  echo "$want" > "$VENV/.mmpose_cl_stamp"
fi

# Fail here, with the real error, rather than later as "not in the registry".
"$VPY" - <<'PY'
import mmcv.ops  # noqa: F401  (mmpose.models needs the compiled ops)
import mmdet.models  # noqa: F401
import mmpose.models  # noqa: F401
import mmcv, mmengine, mmpose, torch
import mmpose_cl
print(f'[setup] ok: torch {torch.__version__}, mmengine {mmengine.__version__}, '
      f'mmcv {mmcv.__version__}, mmpose {mmpose.__version__}, '
      f'mmpose_cl {mmpose_cl.__version__}')
PY
