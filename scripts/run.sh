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
# installed once, and again only when pyproject.toml changes (the install is editable: the code
# itself is read from the checkout), so that each later call starts gridsim at once
stamp=.venv/.gridsim-installed
if [[ ! -x .venv/bin/gridsim || ! "$stamp" -nt pyproject.toml ]]; then
    .venv/bin/pip install -q -e .
    : > "$stamp"
fi
exec .venv/bin/gridsim "$@"
