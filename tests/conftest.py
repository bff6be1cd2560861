"""Fixtures shared by several test folders (used by name; none is autouse).

``scripts/test.sh`` runs the suite on two workers (pytest-xdist, ``--dist loadfile``): each test
module goes whole to one worker, so a module-scoped fixture is built once; a session-scoped one
(the browser tests' workbench server and chromium) once per worker that needs it. Tests that start
a local Ray give it a temporary directory of their own, so two can run at once.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from sim.scenario import compose


@pytest.fixture(scope="module")
def register_schema_once() -> Iterator[None]:
    """``compose_config`` re-registers the schema on every call (~80 ms); once per module is enough
    for files that compose hundreds of configs (``pytestmark = pytest.mark.usefixtures(...)``)."""
    compose.register()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(compose, "register", lambda: None)
        yield



@pytest.fixture
def short_dir() -> Iterator[Path]:
    """A directory with a short path under /tmp, for a local Ray's session: its socket paths must stay
    under 108 bytes, which the test directories' paths leave no room for under xdist."""
    d = Path(tempfile.mkdtemp(prefix="gs-", dir="/tmp"))
    yield d
    shutil.rmtree(d, ignore_errors=True)
