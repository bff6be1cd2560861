"""减县增乡 moves for any catalogue (``move_to_township``): who moves, at equal head-count."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from sim.experiment.moves import county_to_township
from sim.experiment.outputs import write_experiment
from sim.experiment.runner import run_experiment, scenario_overrides
from sim.experiment.spec import load_spec
from sim.runs.config import load_config
from sim.util.errors import ConfigError
from tests.catalogues import overrides, write_catalogue

SMALL = ["territory=township", "territory.counties=2", "run.horizon_days=20", "run.warmup_days=2",
         "run.progress=false"]


def _moved(ov: list[str]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {"department_staff": {}, "module_staff": {}}
    for o in ov:
        m = re.fullmatch(r"\+\+staffing\.(department_staff|module_staff)\.(\w+)=(\d+)", o)
        assert m, o
        out[m[1]][m[2]] = int(m[3])
    return out


def test_the_default_catalogue_moves_idle_departments_first_at_equal_head_count() -> None:
    base = ["territory=county", "run.horizon_days=30", "run.warmup_days=2"]
    cfg = load_config(base)
    moved = _moved(county_to_township(base, 1, "k"))
    d, m = moved["department_staff"], moved["module_staff"]
    # 12 townships: 12 leave the departments, one post more in one module of every township
    before, after = cfg.staffing.department_staff, {**cfg.staffing.department_staff, **d}
    assert sum(before.values()) - sum(after.values()) == 12
    assert len(m) == 1 and all(n == cfg.staffing.module_staff[k] + 1 for k, n in m.items())
    # the two departments that no category routes to go first, entirely
    assert d["industry"] == 0 and d["transport_culture"] == 0


def test_any_catalogue_moves_its_own_departments(tmp_path: Path) -> None:
    name = write_catalogue(tmp_path, 25, 5)
    base = [*overrides(tmp_path, name), *SMALL]
    cfg = load_config(base)
    moved = _moved(county_to_township(base, 2, "k"))
    assert set(moved["department_staff"]) <= set(cfg.staffing.department_staff)
    assert set(moved["module_staff"]) <= set(cfg.staffing.module_staff)
    after = {**cfg.staffing.department_staff, **moved["department_staff"]}
    # one township per county: 2 posts = 2 people per county
    assert sum(cfg.staffing.department_staff.values()) - sum(after.values()) == 2
    added = {k: n - cfg.staffing.module_staff[k] for k, n in moved["module_staff"].items()}
    assert sum(added.values()) == 2 and all(v > 0 for v in added.values())
    # the applied overrides give a valid config
    load_config([*base, *county_to_township(base, 2, "k")])


def test_moving_more_than_the_departments_have_names_the_lever(tmp_path: Path) -> None:
    name = write_catalogue(tmp_path, 3, 2)
    base = [*overrides(tmp_path, name), *SMALL]
    with pytest.raises(ConfigError) as info:
        county_to_township(base, 50, "experiment.scenarios.x.move_to_township")
    assert info.value.key == "experiment.scenarios.x.move_to_township" and "have 7" in info.value.problem
    assert county_to_township(base, 0, "k") == []


def test_a_negative_move_is_rejected(tmp_path: Path) -> None:
    spec = tmp_path / "s.yaml"
    spec.write_text("experiment:\n  baseline: a\n  kpis: [on_time_rate]\n  scenarios:\n"
                    "    a: {}\n    b: {move_to_township: -1}\n")
    with pytest.raises(ConfigError) as info:
        load_spec(str(spec))
    assert info.value.key == "experiment.scenarios.b.move_to_township"


def test_the_county_to_township_experiment_runs_on_a_catalogue_of_its_own(tmp_path: Path) -> None:
    name = write_catalogue(tmp_path, 3, 2)
    spec = load_spec("county_to_township")
    base = [*overrides(tmp_path, name), *SMALL, f"run.results_dir={tmp_path / 'results'}", "report.lang=zh"]
    spec = dataclasses.replace(spec, base=base, replications=2, workers=1)
    ov = scenario_overrides(spec)
    assert any("dept_0" in o for o in ov["move12"]) and not any("industry" in o for o in ov["move24"])
    res = run_experiment(spec)
    heads = {s: [r["headcount_staff"] for r in runs] for s, runs in res.runs.items()}
    # equal total head-count in every arm, the county smaller and the townships bigger
    assert heads["today"] == heads["move12"] == heads["move24"]
    cfgs = res.cfgs
    assert sum(cfgs["move24"].staffing.department_staff.values()) == \
        sum(cfgs["today"].staffing.department_staff.values()) - 2 * 1
    assert sum(cfgs["move24"].staffing.module_staff.values()) == sum(cfgs["today"].staffing.module_staff.values()) + 2
    # the results directory, its charts and the one-page briefing
    out = write_experiment(res)
    for name in ("briefing.png", "briefing.pdf", "comparison.csv", "scenarios.csv"):
        assert (out / name).stat().st_size > 0
    assert "dept_0" in (out / "scenarios.csv").read_text(encoding="utf-8")
