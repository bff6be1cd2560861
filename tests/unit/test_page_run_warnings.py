"""A surge the planner adds on the page falls inside the run asked for, and a run's warnings reach the page.

A surge added by the page used to start half-way through the base's horizon (day 182.5 of a
year) whatever the horizon field said, so a 40-day run with "add a surge" changed nothing
while its levers line said it did; and the page showed none of a run's warnings (a flood
scenario's surge on day 180 of a 30-day run).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sim.app import levers as lv
from sim.app import workbench as wb
from tests.page_script import open_page_script, set_run_fields


def test_a_surge_added_on_the_page_starts_half_way_through_the_runs_horizon() -> None:
    _dc, cfg = wb.base_config(wb.base_overrides("township", "baseline", None, "results"))
    values = {**lv.base_levers(cfg), "surge.on": True, "run.horizon_days": 40.0, "run.warmup_days": 2.0}
    surge = [o for o in lv.overrides_for(cfg, values) if o.startswith("scenario.surges=")]
    assert surge and "start_day:20.0" in surge[0]
    quick = lv.quick_config(wb.base_config(wb.base_overrides("township", "baseline", None, "results"))[0],
                            lv.overrides_for(cfg, values))
    assert quick.scenario.surges[0].start_day < quick.run.horizon_days


@pytest.fixture
def page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    return open_page_script(tmp_path, monkeypatch)


def test_a_scenario_surge_after_the_runs_end_is_said_on_the_page(page: Any) -> None:
    next(w for w in page.selectbox if w.key.startswith("scenario.")).set_value("flood").run()
    set_run_fields(page, 1, 30, 2)
    page.button(key="run").click().run()
    assert not page.exception and len(page.session_state["history"]) == 1
    said = [w.value for w in page.warning]
    assert any(w.startswith("Changes nothing in this run:") and "at or after the horizon" in w for w in said), said


def test_a_base_s_own_surge_keeps_its_name_and_day_when_its_levers_change() -> None:
    dc, cfg = wb.base_config(wb.base_overrides("township", "flood", None, "results"))
    values = {**lv.base_levers(cfg), "surge.multiplier": 5.0}
    quick = lv.quick_config(dc, lv.overrides_for(cfg, values))
    (surge,) = quick.scenario.surges
    assert (surge.name, surge.start_day, surge.multiplier) == ("flood", 180.0, 5.0)


@pytest.mark.parametrize("name", ["storm: Kai-tak, 2024", "it's {big}", "台风", "a\\b", "C:\\new\\'x'", "ends\\",
                                  "[a], \"b\""])
def test_a_surge_of_any_name_survives_the_page_s_overrides(name: str) -> None:
    dc, cfg = wb.base_config(wb.base_overrides("township", "flood", None, "results"))
    dc.scenario.surges[0].name = name
    cfg = lv.quick_config(dc, [])
    quick = lv.quick_config(dc, lv.overrides_for(cfg, {**lv.base_levers(cfg), "surge.days": 4.0}))
    assert quick.scenario.surges[0].name == name and quick.scenario.surges[0].days == 4.0
