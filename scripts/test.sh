#!/usr/bin/env bash
# The test command on a fresh machine: Debian's chromium where it is missing (the workbench's
# browser tests drive it; Playwright never downloads a browser), the venv, then pytest.
#   scripts/test.sh                 # the whole default run
#   scripts/test.sh tests/unit -x   # arguments go to pytest
# Only bash builtins besides apt-get, the interpreter and the venv's own programs, so that
# tests/packaging/test_scripts.py can run it with stubs on a PATH of its own.
set -euo pipefail
here="${BASH_SOURCE[0]}"
[[ "$here" == */* ]] && cd "${here%/*}"
cd ..
PYTHON="${PYTHON:-python3.12}"

if ! command -v chromium >/dev/null 2>&1; then
    echo "scripts/test.sh: installing Debian's chromium for the browser tests" >&2
    if (( EUID == 0 )); then
        apt-get update && apt-get install -y chromium
    else
        sudo apt-get update && sudo apt-get install -y chromium
    fi
fi
if [[ ! -x .venv/bin/python ]]; then
    if ! command -v "$PYTHON" >/dev/null 2>&1; then
        echo "scripts/test.sh: $PYTHON is missing: install Python 3.12 (or set PYTHON to one)" >&2
        exit 2
    fi
    "$PYTHON" -m venv .venv
fi
.venv/bin/pip install -e '.[test]'
# two workers (pytest-xdist), a test module whole on one; "-n 0" among the arguments runs serially
exec .venv/bin/pytest -n "${GRIDSIM_TEST_WORKERS:-2}" --dist loadfile "$@"
