"""Fixtures shared by several test folders (used by name; none is autouse), and how ``pytest -n`` shares the suite.

``scripts/test.sh`` runs the suite on two workers (pytest-xdist, ``--dist loadgroup``): each
test module goes whole to one worker (its module-scoped fixtures are built once), and the
modules that start a machine-wide service go to one worker together, one after another:
the browser tests (one workbench server and one chromium for the session) and those that
start a local Ray.
"""

from __future__ import annotations

from collections.abc import Iterator

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


#: test files (or folders) that must not run beside each other on two workers: group -> path prefixes
ONE_AT_A_TIME: dict[str, tuple[str, ...]] = {
    "browser": ("tests/browser/",),
    "ray": ("tests/unit/test_sweep_launchers.py", "tests/equivalence/test_streamed_ray.py",
            "tests/unit/test_ray_interrupt.py"),
}


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups into the node ids
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Give every test an ``xdist_group``: its module's, or the shared one of ``ONE_AT_A_TIME``."""
    if not config.pluginmanager.hasplugin("xdist"):
        return
    for item in items:
        if item.get_closest_marker("xdist_group") is not None:
            continue
        path = item.nodeid.split("::", 1)[0]
        group = next((name for name, prefixes in ONE_AT_A_TIME.items() if path.startswith(prefixes)), path)
        item.add_marker(pytest.mark.xdist_group(group))
