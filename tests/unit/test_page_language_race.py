"""A planner's change survives a language switch that reaches the page in the same rerun.

Widgets are keyed by language, so a switch redraws each under a new key. A value moved just
before the switch (the switch stopping the script, or both arriving in one rerun) used to be
read from the old widget only further down the script, and was lost. Streamlit's script
tester puts both changes into one rerun, which is the race made certain.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

PAGE = Path(__file__).resolve().parents[2] / "sim" / "app" / "page.py"


@pytest.fixture
def page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("GRIDSIM_WORKBENCH_RESULTS", str(tmp_path / "results"))
    at = AppTest.from_file(str(PAGE), default_timeout=240).run()
    assert not at.exception
    return at


def _field(at: Any, lever: str) -> Any:
    return next(w for w in at.number_input if w.key.endswith(f"|{lever}"))


def test_a_lever_moved_with_a_language_switch_is_kept(page: Any) -> None:
    _field(page, "staffing.fulltime_per_grid").set_value(3)
    page.radio(key="lang").set_value("zh")
    page.run()
    field = _field(page, "staffing.fulltime_per_grid")
    assert field.key.startswith("zh|") and field.value == 3
    assert page.session_state["settings"]["staffing.fulltime_per_grid"] == 3
    page.radio(key="lang").set_value("en").run()
    assert _field(page, "staffing.fulltime_per_grid").value == 3


def test_a_base_chosen_with_a_language_switch_is_kept(page: Any) -> None:
    page.selectbox(key="scenario.en").set_value("flood")
    page.radio(key="lang").set_value("zh")
    page.run()
    assert page.selectbox(key="scenario.zh").value == "flood"


def test_the_following_warm_up_field_keeps_a_planners_value_and_its_rule(page: Any) -> None:
    """The warm-up follows the horizon while left alone; emptied, it follows again; a value typed is kept."""
    default = _field(page, "run.warmup_days").value
    _field(page, "run.warmup_days").set_value(None)
    page.radio(key="lang").set_value("zh")
    page.run()
    assert "run.warmup_days" not in page.session_state["settings"]
    assert _field(page, "run.warmup_days").value == default
    _field(page, "run.warmup_days").set_value(default + 1)
    page.radio(key="lang").set_value("en")
    page.run()
    assert page.session_state["settings"]["run.warmup_days"] == default + 1
    assert _field(page, "run.warmup_days").value == default + 1


def test_the_compared_pair_is_kept_through_a_language_switch(page: Any) -> None:
    for lever, value in (("run.replications", 2), ("run.horizon_days", 20), ("run.warmup_days", 2)):
        _field(page, lever).set_value(value).run()
    for n in (2, 3):
        _field(page, "staffing.fulltime_per_grid").set_value(n).run()
        page.button(key="run").click().run()
    assert not page.exception
    assert page.selectbox(key="cmp_a.2.en").value == 0  # the newest two: #1 against #2
    page.selectbox(key="cmp_a.2.en").set_value(1)
    page.selectbox(key="show.2.en").set_value(0)
    page.radio(key="chart.en").set_value(page.radio(key="chart.en").options[-1])
    page.radio(key="lang").set_value("zh")
    page.run()
    assert page.selectbox(key="cmp_a.2.zh").value == 1
    assert page.selectbox(key="show.2.zh").value == 0
    chart = page.radio(key="chart.zh")
    assert chart.index == len(chart.options) - 1
