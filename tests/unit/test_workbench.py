"""The workbench's logic without a browser: levers to overrides, the quick config, sentences, serve's options."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from sim.app import levers as lv
from sim.app import serve
from sim.app import workbench as wb
from sim.runs.config import load_config
from sim.runs.store import config_hash
from sim.scenario.compose import compose_dictconfig
from sim.util.errors import ConfigError

BASE = ["territory=township", "scenario=baseline"]


@pytest.fixture(scope="module")
def base() -> tuple[object, object]:
    return compose_dictconfig(BASE), load_config(BASE)


def test_an_unchanged_page_is_the_base_run(base: tuple) -> None:
    _dc, cfg = base
    assert lv.overrides_for(cfg, lv.base_levers(cfg)) == []


def test_the_quick_config_is_the_config_hydra_composes(base: tuple) -> None:
    dc, cfg = base
    values = lv.base_levers(cfg)
    values.update({"staffing.fulltime_per_grid": 3, "territory.households_per_grid": 250,
                   "staffing.module_staff.governance": 9, "staffing.department_staff.livelihood": 20,
                   "dispatch.mode": "unified", "dispatch.escalation_limit_hours.1": 48.0,
                   "discovery.hotline_share": 0.6, "dispatch.grid_list_exclude": [], "surge.on": True,
                   "surge.volunteers": False, "run.replications": 2, "dispatch.reminders": False})
    overrides = lv.overrides_for(cfg, values)
    assert len(overrides) == 11  # the two surge levers make one override
    quick, composed = lv.quick_config(dc, overrides), load_config([*BASE, *overrides])
    assert quick == composed and config_hash(quick) == config_hash(composed)
    assert composed.dispatch.escalation_limit_hours[1] == 48.0 and composed.scenario.surges[0].volunteers is False
    mix = composed.discovery.channel_mix
    assert mix[lv.HOTLINE] / sum(mix) == pytest.approx(0.6)
    # the other resident channels keep their proportion (walk-in : app = 0.3 : 0.4)
    assert mix[1] / mix[2] == pytest.approx(0.75, rel=1e-4)  # weights are written to 6 decimals


def test_bad_values_name_their_key_and_land_beside_their_lever(base: tuple) -> None:
    dc, cfg = base
    levers = lv.levers_for(cfg)
    with pytest.raises(ConfigError) as err:
        lv.quick_config(dc, ["staffing.fulltime_per_grid=-1"])
    assert str(err.value) == "staffing.fulltime_per_grid: must be a whole number >= 0, got -1"
    assert lv.lever_of(err.value.key, levers) == "staffing.fulltime_per_grid"
    assert lv.lever_of("discovery.channel_mix", levers) == "discovery.hotline_share"
    assert lv.lever_of("scenario.surges[0].multiplier", levers) == "surge.multiplier"
    assert lv.lever_of("demand.rate_per_1000_per_day", levers) == ""
    bad = lv.check_ranges(levers, {"staffing.fulltime_per_grid": 10_001, "run.replications": 0})
    assert bad == {"staffing.fulltime_per_grid": "staffing.fulltime_per_grid: must be from 0 to 10,000, got 10,001",
                   "run.replications": "run.replications: must be from 1 to 10,000, got 0"}


def test_lever_ranges_are_the_schemas_bounds(base: tuple) -> None:
    """The page allows what the CLI allows: a calibrated department of 2,849 is inside its range."""
    from sim.scenario.bounds import bound_of

    _dc, cfg = base
    by_key = {x.key: x for x in lv.levers_for(cfg)}
    for key, lever in by_key.items():
        if lever.kind in ("int", "float") and key not in ("discovery.hotline_share",):
            config_key = lv._BOUND_KEY.get(key, key)
            if key.startswith("dispatch.escalation_limit_hours."):
                config_key = f"dispatch.escalation_limit_hours[{key.rsplit('.', 1)[1]}]"
            assert lever.hi == bound_of(config_key)[0], key
    dept = next(k for k in by_key if k.startswith("staffing.department_staff."))
    assert lv.check_ranges(list(by_key.values()), {dept: 2849}) == {}
    assert lv.plain(1e7) == "10,000,000" and lv.plain(0.05) == "0.05"
    assert lv.plain(1e308) == "more than 1,000,000,000,000,000"  # not 309 digits across the sidebar


def test_every_lever_has_a_label_in_both_languages(base: tuple) -> None:
    from sim.app.labels import TEXT

    _dc, cfg = base
    for lever in lv.levers_for(cfg):
        assert lever.label in TEXT and (not lever.unit or lever.unit in TEXT), lever.key
    assert all(en and zh and en != zh or "{}" in en or "/" in en or "±" in en for en, zh in TEXT.values())


def test_the_planners_sentence() -> None:
    o = wb.Outcome(name="#1", overrides=[], base=[], kpis={}, ci={}, runs=[], out_dir=Path("."), from_store=False,
                   seconds=0.0, cfg=load_config(BASE),
                   diffs={"on_time_rate": (0.021, 0.004), "staff_cost": (120000.0, 200000.0),
                          "satisfaction_rate": (0.01, math.nan)})
    en = wb.sentences(o, "en")
    assert en[0] == "on-time rate +2.1 points ± 0.4"
    assert en[1].startswith("staff cost of the KPI window (yuan) +1.2e+05 ± ") and en[1].endswith("(not significant)")
    assert en[2] == "satisfaction rate +1.0 points (one replication: no interval)"
    assert wb.sentences(o, "zh")[0] == "按期办结率 +2.1 个百分点 ± 0.4"


def test_presets_list_the_bases() -> None:
    p = wb.presets()
    assert p["territory"][:3] == ["township", "county", "city"]
    assert "baseline" in p["scenario"] and "textbook" not in p["scenario"]


def test_serve_checks_its_options(capsys: pytest.CaptureFixture[str]) -> None:
    assert serve.main(["port=http"]) == 2
    assert "port: must be a whole number from 1 to 65535" in capsys.readouterr().err
    assert serve.main(["colour=red"]) == 2
    assert "'colour=red': expected host=ADDRESS" in capsys.readouterr().err
    cmd = serve.streamlit_command("127.0.0.1", 8600)
    assert cmd[cmd.index("--server.address") + 1] == "127.0.0.1"
    assert cmd[cmd.index("--browser.gatherUsageStats") + 1] == "false"


def test_the_staged_page_serves_the_bundled_font(tmp_path: Path) -> None:
    page = serve.stage(tmp_path)
    assert page.read_text(encoding="utf-8") == serve.PAGE.read_text(encoding="utf-8")
    assert (tmp_path / "static" / serve.FONT.name).stat().st_size == serve.FONT.stat().st_size
    config = (tmp_path / ".streamlit" / "config.toml").read_text(encoding="utf-8")
    assert "gatherUsageStats = false" in config and "app/static/" + serve.FONT.name in config


@pytest.mark.parametrize("how", ["ctrl-c", "sigterm"])
def test_serve_stops_cleanly(tmp_path: Path, how: str) -> None:
    import os
    import signal
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    root = Path(__file__).resolve().parents[2]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")]))
    command = [sys.executable, "-m", "sim.entry.cli", "serve", f"port={port}", f"results={tmp_path}"]
    p = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                         start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2):
                break
        except OSError:
            time.sleep(0.3)
    if how == "ctrl-c":
        os.killpg(p.pid, signal.SIGINT)  # a terminal's Ctrl-C reaches the whole foreground group
    else:
        p.terminate()  # the parent alone
    out, _ = p.communicate(timeout=30)
    assert p.returncode == 0, out
    lines = out.splitlines()
    assert lines[0] == f"gridsim workbench: http://127.0.0.1:{port}  (Ctrl-C stops it)"
    assert lines[-1] == "gridsim workbench: stopped"
    time.sleep(1)
    with pytest.raises(OSError):  # nothing listens any more: Streamlit stopped with it
        urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2)
