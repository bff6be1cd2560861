#!/usr/bin/env bash
# The run command on a fresh machine: the venv with gridsim installed, then gridsim.
#   scripts/run.sh                     # the default scenario (a county, one simulated year)
#   scripts/run.sh territory=township  # arguments go to gridsim
set -euo pipefail
here="${BASH_SOURCE[0]}"
[[ "$here" == */* ]] && cd "${here%/*}"
cd ..
PYTHON="${PYTHON:-python3.12}"

if [[ ! -x .venv/bin/python ]]; then
    if ! command -v "$PYTHON" >/dev/null 2>&1; then
        echo "scripts/run.sh: $PYTHON is missing: install Python 3.12 (or set PYTHON to one)" >&2
        exit 2
    fi
    "$PYTHON" -m venv .venv
fi
.venv/bin/pip install -e .
exec .venv/bin/gridsim "$@"
