"""A planner's change survives a language switch that reaches the page with it, or stops its script run.

Widgets are keyed by language, so a switch redraws each under a new key. A value moved just
before the switch used to reach the planner's settings only further down the script, and was
lost when the switch arrived in the same rerun (Streamlit's script tester puts both changes
into one rerun: the race made certain) or stopped that script run. A stopped run also leaves
its widgets' states behind (``on_script_finished`` without removing stale widgets, patched in
here), and a key drawn again after a switch back must not bring an old value back.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from streamlit.runtime.state.session_state import SessionState

from sim.app.progress import CANCELLED, RUN_WANTED
from sim.app.workbench import CHARTS
from tests.page_script import SESSION, open_page_script, set_run_fields
from tests.page_script import lever_field as _field

FULLTIME = "staffing.fulltime_per_grid"


@pytest.fixture
def page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    return open_page_script(tmp_path, monkeypatch)


def _one(widgets: Any, pattern: str) -> Any:
    """The widget whose key matches ``pattern`` (a regular expression over the whole key)."""
    found = [w for w in widgets if re.fullmatch(pattern, w.key or "")]
    assert len(found) == 1, [w.key for w in widgets]
    return found[0]


@contextmanager
def _runs_stopped_early() -> Iterator[None]:
    """Each script run ends as one stopped for the next action does: its stale widgets stay."""
    finished = SessionState.on_script_finished

    def stopped(self: SessionState, ids: frozenset[str], *, remove_stale_widgets: bool = True) -> None:
        finished(self, ids, remove_stale_widgets=False)

    with mock.patch.object(SessionState, "on_script_finished", stopped):
        yield


def test_a_lever_moved_with_a_language_switch_is_kept(page: Any) -> None:
    _field(page, FULLTIME).set_value(3)
    page.radio(key="lang").set_value("zh")
    page.run()
    field = _field(page, FULLTIME)
    assert field.key.startswith("zh") and field.value == 3
    assert page.session_state["settings"][FULLTIME] == 3
    page.radio(key="lang").set_value("en").run()
    assert _field(page, FULLTIME).value == 3


def test_a_change_between_two_switches_is_kept_when_each_run_was_stopped(page: Any) -> None:
    with _runs_stopped_early():
        page.radio(key="lang").set_value("zh").run()
        _field(page, FULLTIME).set_value(3).run()
        _one(page.selectbox, r"scenario\.zh\d+").set_value("flood").run()
    page.radio(key="lang").set_value("en").run()
    assert _field(page, FULLTIME).value == 3  # not the English field's 1, left behind by a stopped run
    assert _one(page.selectbox, r"scenario\.en\d+").value == "flood"
    assert page.session_state["settings"][FULLTIME] == 3


def test_a_base_chosen_with_a_language_switch_is_kept(page: Any) -> None:
    _one(page.selectbox, r"scenario\.en\d+").set_value("flood")
    page.radio(key="lang").set_value("zh")
    page.run()
    assert _one(page.selectbox, r"scenario\.zh\d+").value == "flood"


def test_a_lever_set_back_to_its_default_takes_the_next_bases_value(page: Any) -> None:
    """Ticked and unticked, then another base chosen in the same rerun: the lever is the new base's."""
    surge = _one(page.checkbox, r".*\|surge\.on")
    default = surge.value
    surge.set_value(not default).run()
    surge = _one(page.checkbox, r".*\|surge\.on")
    surge.set_value(default)
    _one(page.selectbox, r"scenario\.en\d+").set_value("flood")
    page.run()
    assert "surge.on" not in page.session_state["settings"]


def test_a_lever_equal_to_another_bases_value_survives_a_trip_there_and_back(page: Any) -> None:
    _one(page.checkbox, r".*\|surge\.on").set_value(True).run()
    _one(page.selectbox, r"scenario\.en\d+").set_value("flood").run()
    assert _one(page.checkbox, r".*\|surge\.on").value  # flood's own surge is on too
    _one(page.selectbox, r"scenario\.en\d+").set_value("baseline").run()
    assert _one(page.checkbox, r".*\|surge\.on").value and page.session_state["settings"]["surge.on"] is True


def test_the_following_warm_up_field_keeps_a_planners_value_and_its_rule(page: Any) -> None:
    """The warm-up follows the horizon while left alone; a value typed is kept through a switch."""
    default = _field(page, "run.warmup_days").value
    _field(page, "run.warmup_days").set_value(default + 1)
    page.radio(key="lang").set_value("zh")
    page.run()
    assert page.session_state["settings"]["run.warmup_days"] == default + 1
    assert _field(page, "run.warmup_days").value == default + 1
    _field(page, "run.warmup_days").set_value(default)  # back at the value it follows: following again
    page.radio(key="lang").set_value("en")
    page.run()
    assert "run.warmup_days" not in page.session_state["settings"]
    _field(page, "run.horizon_days").set_value(40).run()
    assert _field(page, "run.warmup_days").value < default  # it follows the shorter horizon


def test_a_click_on_run_kept_from_a_stopped_script_run_is_run(page: Any) -> None:
    set_run_fields(page, 1, 10, 1)
    RUN_WANTED.add(SESSION)  # what Run's callback keeps, before the script run it asked for was stopped
    page.run()
    assert not page.exception
    assert len(page.session_state["history"]) == 1
    assert SESSION not in RUN_WANTED  # run once, not again on the next rerun
    page.run()
    assert len(page.session_state["history"]) == 1


def test_a_cancel_is_said_until_the_next_run_starts(page: Any) -> None:
    """A rerun right after a cancel (a language switch that stopped the run) must not hide the message."""
    set_run_fields(page, 1, 10, 1)
    CANCELLED.add(SESSION)
    for _ in range(2):
        page.run()
        assert any("cancelled" in w.value for w in page.sidebar.warning)
    RUN_WANTED.add(SESSION)
    page.run()
    assert SESSION not in CANCELLED and not any("cancelled" in w.value for w in page.sidebar.warning)


def test_a_click_on_a_page_with_errors_is_not_kept_for_later(page: Any) -> None:
    _field(page, "run.replications").set_value(0)
    RUN_WANTED.add(SESSION)
    page.run()
    assert SESSION not in RUN_WANTED and not page.session_state["history"]


def test_the_compared_pair_is_kept_through_a_language_switch(page: Any) -> None:
    set_run_fields(page, 2, 20, 2)
    for n in (2, 3):
        _field(page, FULLTIME).set_value(n).run()
        page.button(key="run").click().run()
    assert not page.exception
    assert _one(page.selectbox, r"cmp_a\.2\.en\d+").value == 0  # the newest two: #1 against #2
    _one(page.selectbox, r"cmp_a\.2\.en\d+").set_value(1)
    _one(page.selectbox, r"show\.2\.en\d+").set_value(0)
    _one(page.radio, r"chart\.en\d+").set_value(CHARTS[-1])
    page.radio(key="lang").set_value("zh")
    page.run()
    assert _one(page.selectbox, r"cmp_a\.2\.zh\d+").value == 1
    assert _one(page.selectbox, r"show\.2\.zh\d+").value == 0
    assert _one(page.radio, r"chart\.zh\d+").value == CHARTS[-1]
