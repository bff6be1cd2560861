"""The pre-flight estimate knows the model's cost drivers, keeps a margin of memory and asks before a long run.

Issue 18 item 6: ``staffing.fulltime_per_grid=10000`` on the county was estimated like one
worker per grid (2 s, 0.3 GB) and took 80 s and 1.47 GB; a 19.7 GB run was allowed against
19.2 GB available. The measured side of these figures is ``tests/validation/test_preflight_estimate.py``.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from sim.checks.cost import BYTES_PER_SERVER
from sim.checks.preflight import CONFIRM_SECONDS, MEMORY_SHARE, check_fits, estimate
from sim.engines.layout import build_layout
from sim.entry.cli import main
from sim.runs.config import load_config
from sim.scenario.territory import build_territory
from sim.util.errors import ConfigError


@pytest.mark.parametrize("overrides", [
    ["territory=township"], ["territory=township", "staffing.fulltime_per_grid=7", "staffing.committee_per_village=3",
                             "staffing.professional_per_township=9"],
    ["territory=township", "scenario=flood"], ["scenario=textbook", "textbook.servers=4"],
])
def test_the_servers_counted_are_the_layout_s(overrides: list[str]) -> None:
    cfg = load_config(overrides)
    layout = build_layout(cfg, build_territory(cfg))
    assert estimate(cfg).servers == pytest.approx(len(layout.server_role), abs=1e-6)


def test_head_counts_drive_time_and_memory() -> None:
    one = estimate(load_config(["territory=county", "engine=vector"]))
    many = estimate(load_config(["territory=county", "engine=vector", "staffing.fulltime_per_grid=10000"]))
    assert many.servers == pytest.approx(one.servers + 563 * 9999)
    # the run: 80 s and 1.47 GB against an estimate of 2 s and 0.3 GB
    assert many.seconds > 5 * one.seconds
    assert many.peak_bytes - one.peak_bytes >= 563 * 9999 * BYTES_PER_SERVER["vector"]
    agent = estimate(load_config(["territory=township", "engine=agent", "staffing.fulltime_per_grid=3000"]))
    agent1 = estimate(load_config(["territory=township", "engine=agent"]))
    assert agent.seconds > 3 * agent1.seconds  # every arrival looks at every server of its grid


def test_horizon_replications_and_engine_drive_time() -> None:
    base = estimate(load_config(["territory=township", "engine=agent", "run.horizon_days=100"]))
    longer = estimate(load_config(["territory=township", "engine=agent", "run.horizon_days=400"]))
    reps = estimate(load_config(["territory=township", "engine=agent", "run.horizon_days=100", "run.replications=4"]))
    vector = estimate(load_config(["territory=township", "engine=vector", "run.horizon_days=100"]))
    assert longer.seconds > 1.5 * base.seconds and reps.seconds > 1.5 * base.seconds
    assert vector.seconds < base.seconds and base.vector_seconds == pytest.approx(vector.seconds)
    assert longer.peak_bytes > base.peak_bytes


def test_a_run_may_take_at_most_80_percent_of_the_memory_available() -> None:
    cfg = load_config(["territory=township"])
    est = estimate(cfg)
    within = replace(est, available_bytes=est.peak_bytes / (MEMORY_SHARE - 0.01))
    check_fits(cfg, within)
    for available in (est.peak_bytes / (MEMORY_SHARE + 0.01), est.peak_bytes, est.peak_bytes * 0.97):
        with pytest.raises(ConfigError) as e:
            check_fits(cfg, replace(est, available_bytes=available))
        assert "80%" in str(e.value) and "\n" not in str(e.value)


def test_the_advice_names_the_head_count_that_fills_the_memory() -> None:
    cfg = load_config(["territory=county", "staffing.fulltime_per_grid=10000"])
    est = estimate(cfg)
    with pytest.raises(ConfigError) as e:
        check_fits(cfg, replace(est, available_bytes=est.peak_bytes))
    assert e.value.key == "staffing.fulltime_per_grid" and "5,630,000 servers" in str(e.value)


def test_a_long_run_asks_for_run_confirm() -> None:
    cfg = load_config(["territory=county", "engine=agent", "run.replications=5"])
    est = estimate(cfg)
    assert est.seconds > CONFIRM_SECONDS
    with pytest.raises(ConfigError) as e:
        check_fits(cfg, est)
    msg = str(e.value)
    assert e.value.key == "run.confirm" and "run.confirm=true" in msg and "engine=vector" in msg and "\n" not in msg
    check_fits(load_config(["territory=county", "engine=agent", "run.replications=5", "run.confirm=true"]), est)
    # the capacity check alone is never long
    check_fits(load_config(["territory=county", "engine=agent", "run.replications=5", "run.simulate=false"]), est)


def test_the_command_stops_before_a_long_run(capsys: pytest.CaptureFixture[str]) -> None:
    # long, but small in memory (a city of 10,000 workers a grid is both: which check speaks first
    # depends on the memory free at the time)
    code = main(["territory=county", "engine=agent", "run.replications=5", "run.results_dir=/nonexistent-never"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1 and "run.confirm" in err and "engine=vector" in err
    city = estimate(load_config(["territory=city", "staffing.fulltime_per_grid=10000"]))
    assert np.isfinite(city.seconds) and city.needs_confirm  # the city: killed at 300 s after "2 s"
