"""The workbench page under Streamlit's script tester (``AppTest``), for the unit tests of its state.

The tester runs the page's script in this process, one rerun per ``run()``, with every widget
change made before it in that one rerun; ``SESSION`` is the session id it gives its one session.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

PAGE = Path(__file__).resolve().parents[1] / "sim" / "app" / "page.py"
#: the session id Streamlit's script tester gives its one session (the page keys server-side facts by it)
SESSION = "test session id"


def open_page_script(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The page after its first run, writing its results under ``tmp_path``."""
    monkeypatch.setenv("GRIDSIM_WORKBENCH_RESULTS", str(tmp_path / "results"))
    at = AppTest.from_file(str(PAGE), default_timeout=240).run()
    assert not at.exception
    return at


def lever_field(at: Any, lever: str) -> Any:
    """The number field of ``lever`` (its key ends with ``|<lever>``, whatever the language and base)."""
    return next(w for w in at.number_input if w.key.endswith(f"|{lever}"))


def set_run_fields(at: Any, replications: int, horizon: int, warmup: int) -> None:
    """A short run: replications, simulated days and warm-up days, one rerun each."""
    for lever, value in (("run.replications", replications), ("run.horizon_days", horizon),
                         ("run.warmup_days", warmup)):
        lever_field(at, lever).set_value(value).run()
