#!/usr/bin/env bash
# Set up .venv with slmc and its ML + dev extras on a fresh machine (CPU only, offline models).
# Usage: bash scripts/bootstrap.sh            (idempotent: a second run only re-checks)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
export PIP_CONSTRAINT="$PWD/constraints.txt" PIP_DISABLE_PIP_VERSION_CHECK=1
.venv/bin/python -m pip install -q --upgrade pip
# torch first, from the pinned CPU build; then the project with its extras.
.venv/bin/python -m pip install -q "torch==2.13.0"
.venv/bin/python -m pip install -q -e ".[ml,dev]"
# An editable install writes no bytecode; compile slmc once so that `slmc lint`'s cold start does not compile ~30
# modules on every run where the environment forbids writing it (PYTHONDONTWRITEBYTECODE).
.venv/bin/python -m compileall -q -j 0 slmc >/dev/null
echo "slmc ready: $(.venv/bin/slmc --version)"
