"""Replay of a work-order log as the matter inputs (scenario.replay.*)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.engines.prepare import prepare
from sim.entry.cli import main as cli_main
from sim.logs import load_log
from sim.logs.replay import replay_origin, replay_window
from sim.logs.territory import place_names, units_from_log
from sim.runs.config import load_config
from sim.runs.source import scenario_inputs
from sim.scenario.constants import CHANNELS
from sim.scenario.territory import build_territory
from sim.scenario.units import load_villages
from sim.util.errors import ConfigError
from sim.util.rng import Streams

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "12345_sample.csv"
BOSTON = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "boston311_2015.csv.gz"
BASE = ["run.horizon_days=40", "run.warmup_days=0", f"scenario.replay.log={SAMPLE}", "scenario.replay.mapping=12345",
        "scenario.replay.catch_all=dispute"]


@pytest.fixture(scope="module")
def units(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("units") / "units.csv"
    units_from_log(load_log(SAMPLE, "12345"), path, grids_per_village=3)
    return path


def _inputs(overrides: list[str], rep: int = 0):
    cfg = load_config(overrides)
    terr = build_territory(cfg)
    return cfg, terr, scenario_inputs(cfg, terr, rep)


def test_cases_become_matters_at_their_place_time_category_and_channel(units: Path) -> None:
    cfg, terr, m = _inputs([*BASE, f"territory.units_file={units}"])
    w = replay_window(cfg)
    cases = w.cases
    assert m.n == len(cases) == load_log(SAMPLE, "12345").report.imported
    assert w.origin == pd.Timestamp("2024-02-26") and w.origin.weekday() == 0  # the Monday before 2024-03-01
    hours = (cases["created"] - w.origin) / pd.Timedelta(1, unit="h")
    np.testing.assert_array_equal(m.t_occur, hours.to_numpy())
    names = list(cfg.catalog.categories)
    expected = cases["category"].where(cases["category"].isin(names), "dispute")
    assert [names[k] for k in m.category] == expected.tolist()
    # each matter is in a grid of its own village (by name)
    table = load_villages(units)
    town, village = place_names(cases)
    got_village = terr.grid_village[m.grid]
    got = [(table.township_names[table.village_township[v]], table.village_names[v]) for v in got_village]
    assert got == list(zip(town, village, strict=True))
    # discovered when created, through the log's channel
    p = prepare(cfg, terr, m)
    np.testing.assert_array_equal(p.found.t_discover, m.t_occur)
    assert [CHANNELS[c] for c in p.found.channel] == cases["channel"].tolist()
    assert (p.found.severity == m.severity).all()  # found at once: nothing grows


def test_replications_share_the_cases_not_the_draws(units: Path) -> None:
    over = [*BASE, f"territory.units_file={units}"]
    _, _, a = _inputs(over, 0)
    _, _, again = _inputs(over, 0)
    _, _, b = _inputs(over, 1)
    np.testing.assert_array_equal(a.t_occur, b.t_occur)
    np.testing.assert_array_equal(a.category, b.category)
    np.testing.assert_array_equal(a.u_service, again.u_service)
    assert not np.array_equal(a.u_service, b.u_service)
    assert not np.array_equal(a.u_satisfy, b.u_satisfy)


def test_window_start_and_until(units: Path) -> None:
    cfg, _, m = _inputs([*BASE, f"territory.units_file={units}", "scenario.replay.start=2024-03-05",
                         "scenario.replay.until=2024-03-12 12:00"])
    w = replay_window(cfg)
    created = load_log(SAMPLE, "12345").cases["created"]
    inside = (created >= pd.Timestamp("2024-03-05")) & (created < pd.Timestamp("2024-03-12 12:00"))
    assert m.n == int(inside.sum()) > 0
    assert w.origin == pd.Timestamp("2024-03-04")  # Monday
    assert m.t_occur.min() >= 24.0  # the first day (Monday) is before the start


def test_without_a_units_file_grids_are_drawn_by_residents() -> None:
    cfg, terr, m = _inputs([*BASE, "territory=township"])
    assert cfg.scenario.replay.places == "auto"
    _, _, again = _inputs([*BASE, "territory=township"])
    np.testing.assert_array_equal(m.grid, again.grid)  # a named stream: the same draw every time
    _, _, other = _inputs([*BASE, "territory=township"], 1)
    assert not np.array_equal(m.grid, other.grid)


@pytest.mark.skipif(not BOSTON.exists(), reason="the shared Boston 311 log is not on this machine")
def test_drawn_grids_follow_the_residents() -> None:
    cfg, terr, m = _inputs(["territory=township", "run.horizon_days=60", "run.warmup_days=0",
                            f"scenario.replay.log={BOSTON}", "scenario.replay.mapping=boston311",
                            "scenario.replay.catch_all=repair"])
    n = m.n
    share = terr.grid_residents / terr.grid_residents.sum()
    counts = np.bincount(m.grid, minlength=terr.n_grids)
    z = (counts - n * share) / np.sqrt(n * share * (1 - share))
    # 44 binomial counts: |z| beyond 4 has a chance of ~0.3% for all of them together
    assert np.abs(z).max() < 4.0, z


def test_without_a_channel_discovery_is_drawn(tmp_path: Path) -> None:
    mapping = tmp_path / "no_channel.yaml"
    mapping.write_text("columns: {case_id: 工单编号, created: 受理时间, type: 诉求类型}\n"
                       "time: {format: ['%Y-%m-%d %H:%M:%S', '%Y/%m/%d %H:%M']}\n"
                       "categories: {unmapped: repair}\n", encoding="utf-8")
    over = ["territory=township", "run.horizon_days=40", "run.warmup_days=0", f"scenario.replay.log={SAMPLE}",
            f"scenario.replay.mapping={mapping}"]
    cfg, terr, m = _inputs(over)
    p = prepare(cfg, terr, m)
    assert (p.found.t_discover >= m.t_occur).all() and (p.found.t_discover > m.t_occur).any()
    # the discovery uniforms are the streams' own, untouched
    s = Streams(cfg.run.seed, 0)
    for name in ("u_report", "u_channel", "u_patrol"):
        np.testing.assert_array_equal(getattr(m, name), s(f"replay:{name}").random(m.n, dtype=np.float32))
    np.testing.assert_array_equal(m.e_report, s("replay:e_report").standard_exponential(m.n, dtype=np.float32))


def test_with_a_channel_only_the_discovery_inputs_are_set(units: Path) -> None:
    cfg, _, m = _inputs([*BASE, f"territory.units_file={units}"])
    s = Streams(cfg.run.seed, 0)
    # what the log cannot say is drawn from the replay streams as for a generated matter
    for name in ("u_satisfy", "u_reopen", "u_petition", "u_misclass", "u_hotline_settle"):
        np.testing.assert_array_equal(getattr(m, name), s(f"replay:{name}").random(m.n, dtype=np.float32))
    np.testing.assert_array_equal(m.u_service, s("replay:u_service").random((m.n, 4), dtype=np.float32))


def test_capacity_check_counts_the_replayed_cases(units: Path) -> None:
    from sim.runs.source import demand_rates_per_day as category_rates_per_day

    cfg, terr, m = _inputs([*BASE, f"territory.units_file={units}"])
    p = prepare(cfg, terr, m)
    w = replay_window(cfg)
    days = (w.until - w.start) / pd.Timedelta(1, unit="D")
    assert category_rates_per_day(p).sum() == pytest.approx(m.n / days)


# ------------------------------------------------------------------ errors: one line, exit 2
@pytest.mark.parametrize(("extra", "key", "words"), [
    (["scenario.replay.log=/no/such/log.csv"], "scenario.replay.log", "not found"),
    (["scenario.replay.start=2025-01-01"], "scenario.replay", "no case"),
    (["scenario.replay.catch_all=null"], "scenario.replay.log", "噪音扰民"),
    (["scenario.replay.catch_all=nonsense"], "scenario.replay.catch_all", "nonsense"),
    (["scenario.replay.mapping=null"], "scenario.replay.mapping", "required"),
    (["scenario.replay.until=2024-06-01"], "scenario.replay.until", "horizon"),
    (["scenario.replay.places=names"], "scenario.replay.places", "units_file"),
    (["scenario.replay.places=everywhere"], "scenario.replay.places", "auto"),
    (["scenario.replay.start=someday"], "scenario.replay.start", "someday"),
])
def test_bad_replay_config(extra: list[str], key: str, words: str) -> None:
    with pytest.raises(ConfigError) as e:
        load_config(["territory=township", *BASE, *extra])
    assert e.value.key == key and words in str(e.value) and "\n" not in str(e.value)


def test_replay_keys_need_a_log() -> None:
    with pytest.raises(ConfigError) as e:
        load_config(["territory=township", "scenario.replay.mapping=12345"])
    assert e.value.key == "scenario.replay.mapping"


@pytest.mark.parametrize(("extra", "key"), [
    (["staffing.patrol_share=0"], "staffing.patrol_share"),
    (["discovery.instant=true"], "discovery.instant"),
    (["discovery.channel_mix=[0,0.3,0.7,0,0]"], "discovery.channel_mix"),
    (["staffing.parttime_per_grid=0"], "staffing.parttime_per_grid"),
])
def test_channels_the_scenario_cannot_produce(extra: list[str], key: str) -> None:
    with pytest.raises(ConfigError) as e:
        _inputs(["territory=township", *BASE, *extra])
    assert e.value.key == key


def test_command_line_error_is_one_line_and_exit_2(capsys: pytest.CaptureFixture) -> None:
    assert cli_main(["territory=township", *BASE, "scenario.replay.start=2025-01-01"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "no case" in err
    assert cli_main(["territory=township", *BASE, "scenario.replay.log=missing.csv"]) == 2


def test_replay_origin_is_a_monday() -> None:
    for day in pd.date_range("2024-01-01", periods=14):
        o = replay_origin(day + pd.Timedelta(13, unit="h"))
        assert o.weekday() == 0 and o <= day and day - o < pd.Timedelta(7, unit="D") and o == o.normalize()


def test_the_check_alone_of_a_replay_counts_the_logs_cases(units: Path) -> None:
    # run.simulate=false draws no full inputs, but a replay's demand is its log's: the check alone
    # must give the loads the check of the full run gives
    import sim
    from sim.engines.prepare import prepare
    from sim.runs.source import capacity_of as capacity_check

    ov = [*BASE, f"territory.units_file={units}"]
    cfg, terr, inp = _inputs(ov)
    full = capacity_check(prepare(cfg, terr, inp))
    alone = sim.run([*ov, "run.simulate=false"], write=False).capacity
    assert alone.matters_per_day == pytest.approx(full.matters_per_day, rel=1e-12)
    assert {s.name: s.arrivals_per_day for s in alone.loads} == pytest.approx(
        {s.name: s.arrivals_per_day for s in full.loads}, rel=1e-12)
