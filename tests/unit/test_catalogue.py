"""The catalogue as data: defaults, presets of its own, and one-line messages for bad ones."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from sim.checks.capacity import _width, format_capacity
from sim.engines.prepare import prepare
from sim.matters.occur import generate_inputs
from sim.runs.config import load_config
from sim.runs.source import capacity_of as capacity_check
from sim.scenario.catalogue import department_names, label_of, module_names, office_labels
from sim.scenario.constants import DEPARTMENTS, DEPARTMENTS_ZH, MODULES, MODULES_ZH
from sim.scenario.schema import CATALOGUE_KEYS, Config, OfficeConfig
from sim.scenario.territory import build_territory
from sim.util.errors import ConfigError
from tests.catalogues import catalogue_spec, overrides, write_catalogue

SMALL = ["territory=township", "run.horizon_days=10", "run.warmup_days=1"]


def config_error(ovr: list[str]) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        load_config(ovr)
    err = info.value
    assert "\n" not in str(err) and str(err) == f"{err.key}: {err.problem}"
    return err


def _preset(tmp_path: Path, body: dict[str, object], name: str = "mine") -> list[str]:
    path = tmp_path / "catalog" / f"{name}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("# @package _global_\n" + yaml.safe_dump(body, allow_unicode=True), encoding="utf-8")
    return overrides(tmp_path, name)


# --------------------------------------------------------------------- defaults
def test_the_default_preset_is_todays_ten_modules_and_seven_departments_in_order() -> None:
    cfg = load_config([])
    assert module_names(cfg) == MODULES and len(MODULES) == 10
    assert department_names(cfg) == DEPARTMENTS and len(DEPARTMENTS) == 7
    assert [o.name_zh for o in cfg.catalog.modules] == list(MODULES_ZH)
    assert [o.name_zh for o in cfg.catalog.departments] == list(DEPARTMENTS_ZH)
    # composed through Hydra (catalog=default) it is exactly the Python defaults
    d = Config()
    for c in (cfg, load_config(["catalog=default"])):
        assert c.catalog == d.catalog and list(c.catalog.categories) == list(d.catalog.categories)
        for section, key in CATALOGUE_KEYS:
            assert getattr(getattr(c, section), key) == getattr(getattr(d, section), key), (section, key)


def test_labels_fall_back_to_the_name() -> None:
    assert label_of(OfficeConfig("housing", "住建"), "zh") == "住建"
    assert label_of(OfficeConfig("housing", "住建"), "en") == "housing"
    assert label_of(OfficeConfig("welfare", ""), "zh") == "welfare"
    assert label_of(OfficeConfig("social_welfare", "", "Social welfare"), "zh") == "Social welfare"  # English next
    assert label_of(OfficeConfig("social_welfare", "社会福利"), "en") == "social welfare"  # the key in words
    labels = office_labels(load_config([]), "zh")
    assert labels["module:governance"] == "综合治理" and labels["department:politics_law"] == "政法"


# ------------------------------------------------------------ presets of its own
def test_a_preset_replaces_the_catalogue_instead_of_merging_into_it(tmp_path: Path) -> None:
    name = write_catalogue(tmp_path, 3, 2)
    cfg = load_config([*overrides(tmp_path, name), *SMALL])
    assert department_names(cfg) == ("dept_00", "dept_01", "dept_02")
    assert module_names(cfg) == ("mod_00", "mod_01")
    # nothing of the default catalogue is left over
    assert list(cfg.catalog.categories) == ["cat_00", "cat_01", "cat_02"]
    assert set(cfg.staffing.department_staff) == {"dept_00", "dept_01", "dept_02"}
    assert set(cfg.staffing.module_staff) == {"mod_00", "mod_01"}
    # the rest of the config is still the default one, and overrides still apply on top
    assert cfg.staffing.fulltime_per_grid == Config().staffing.fulltime_per_grid
    cfg = load_config([*overrides(tmp_path, name), *SMALL, "staffing.department_staff.dept_01=9"])
    assert cfg.staffing.department_staff["dept_01"] == 9


def test_the_capacity_check_lists_every_department_of_a_large_catalogue(tmp_path: Path) -> None:
    name = write_catalogue(tmp_path, 25, 5)
    cfg = load_config([*overrides(tmp_path, name), *SMALL, "territory.counties=2", "run.simulate=false"])
    terr = build_territory(cfg)
    p = prepare(cfg, terr, generate_inputs(cfg, terr, 0))
    rep = capacity_check(p)
    depts = [s for s in rep.loads if s.name.startswith("department:")]
    assert [s.name for s in depts] == [f"department:dept_{d:02d}" for d in range(25)]
    assert all(s.stations == 2 and s.servers > 0 and s.arrivals_per_day > 0 for s in depts)
    mods = [s for s in rep.loads if s.name.startswith("module:")]
    assert [s.name for s in mods] == [f"module:mod_{m:02d}" for m in range(5)]
    assert terr.county_departments.shape == (2, 25) and terr.township_modules.shape == (2, 5)


# ------------------------------------------------------------- bad catalogues
@pytest.mark.parametrize(("ovr", "key", "words"), [
    (["catalog.departments=[{name: a}, {name: b}, {name: a}]"], "catalog.departments[2].name",
     "repeats 'a' of catalog.departments[0]"),
    (["catalog.modules=[{name: x}, {name: x}]"], "catalog.modules[1].name", "repeats 'x'"),
    (["catalog.modules=[]"], "catalog.modules", "is empty: at least one module"),
    (["catalog.departments=[]"], "catalog.departments", "is empty: at least one department"),
    (["catalog.departments=[{name: 'a.b'}]"], "catalog.departments[0].name", "letters, digits"),
    (["catalog.departments=[{name: ''}]"], "catalog.departments[0].name", "non-empty"),
    (["catalog.categories.dispute.module=tea"], "catalog.categories.dispute.module",
     "must be a module of catalog.modules"),
    (["catalog.categories.repair.department=tea"], "catalog.categories.repair.department",
     "must be a department of catalog.departments"),
    (["+staffing.department_staff.tea=1"], "staffing.department_staff.tea",
     "unknown department: not in catalog.departments"),
    (["+staffing.module_staff.tea=1"], "staffing.module_staff.tea", "unknown module: not in catalog.modules"),
    # a catalogue without a department the (default) staffing still names
    ([f"catalog.departments=[{', '.join('{name: ' + d + '}' for d in DEPARTMENTS[1:])}]"],
     "staffing.department_staff.industry", "unknown department"),
    (["staffing.professional_department=tea"], "staffing.professional_department", "department of catalog"),
    (["catalog=empty"], "catalog.categories", "is empty"),
    (["catalog=nope"], "catalog", "unknown preset 'nope'; available: default, empty"),
])
def test_a_bad_catalogue_names_its_key(ovr: list[str], key: str, words: str) -> None:
    err = config_error(ovr)
    assert err.key == key and words in err.problem, str(err)


def test_an_unknown_department_in_a_category_of_a_preset_names_the_key(tmp_path: Path) -> None:
    body = catalogue_spec(3, 2)
    body["catalog"]["categories"]["cat_01"]["department"] = "police"
    err = config_error([*_preset(tmp_path, body), *SMALL])
    assert err.key == "catalog.categories.cat_01.department"
    assert "dept_00|dept_01|dept_02" in err.problem and "'police'" in err.problem


def test_a_long_catalogue_is_listed_short(tmp_path: Path) -> None:
    body = catalogue_spec(25, 5)
    body["staffing"]["department_staff"]["dept_99"] = 1
    err = config_error([*_preset(tmp_path, body), *SMALL])
    assert err.key == "staffing.department_staff.dept_99"
    assert "25 in all" in err.problem and "dept_00" in err.problem and "dept_24" not in err.problem


def test_a_preset_of_its_own_may_leave_the_professional_department_unset_without_professionals(
        tmp_path: Path) -> None:
    body = catalogue_spec(3, 2)
    del body["staffing"]["professional_department"]
    ovr = [*_preset(tmp_path, body), *SMALL]
    assert load_config(ovr).staffing.professional_department == ""
    err = config_error([*ovr, "staffing.professional_per_township=2"])
    assert err.key == "staffing.professional_department" and "got ''" in err.problem


def test_a_category_naming_a_default_key_is_caught_in_a_preset_of_its_own(tmp_path: Path) -> None:
    body = catalogue_spec(3, 2)
    body["dispatch"]["grid_list_exclude"] = ["enforcement"]
    err = config_error([*_preset(tmp_path, body), *SMALL])
    assert err.key == "dispatch.grid_list_exclude[0]" and "cat_00|cat_01|cat_02" in err.problem


# ------------------------------------------------------------------ outputs
def test_the_office_table_and_chart_cover_any_catalogue(tmp_path: Path) -> None:
    import sim
    from sim.metrics.tables import office_table
    from sim.report.charts import office_chart

    name = write_catalogue(tmp_path, 25, 5)
    res = sim.run([*overrides(tmp_path, name), *SMALL, "engine=vector", "run.progress=false"], write=False)
    assert res.records is not None
    table = office_table(res.records, res.cfg.catalog)
    assert table["office"].tolist() == list(module_names(res.cfg)) + list(department_names(res.cfg))
    assert table["kind"].tolist() == ["module"] * 5 + ["department"] * 25
    # the busy hours of the offices are those of every module and department station
    st = res.records.stations
    kinds = list(st.kind)
    cap = sum(c for c, k in zip(st.capacity_hours, kinds, strict=True) if k in ("module", "department"))
    assert abs(table["capacity_hours"].sum() - cap) < 1e-6 * cap
    for lang in ("en", "zh"):
        fig = office_chart(table, lang)
        ticks = [t.get_text() for t in fig.axes[0].get_yticklabels()]
        # Chinese labels where the catalogue has them, the name in words where it has none (never the key)
        assert ticks[0] == ("模块0" if lang == "zh" else "mod 00") and ticks[1] == "mod 01"
        assert ticks[5] == ("部门0" if lang == "zh" else "dept 00") and len(ticks) == 30
        fig.savefig(tmp_path / f"offices_{lang}.png")
        assert (tmp_path / f"offices_{lang}.png").stat().st_size > 0
        # an office left with no one is said so in red, not drawn as an empty bar with a dash
        starved = table.assign(capacity_hours=[0.0] + list(table["capacity_hours"][1:]),
                               utilization=[float("nan")] + list(table["utilization"][1:]))
        texts = [a.get_text() for a in office_chart(starved, lang).axes[0].texts]
        assert texts[0] == ("无人员" if lang == "zh" else "no staff") and "-" not in texts


def test_chinese_and_numeric_office_names_work_in_a_preset(tmp_path: Path) -> None:
    body: dict[str, Any] = {  # a preset's YAML body, edited below
        "catalog": {"modules": [{"name": "综合服务"}], "departments": [{"name": "住建委"}, {"name": "12345"}],
                    "categories": {"repair": {"share": 0.5, "module": "综合服务", "department": "住建委"},
                                   "help": {"share": 0.5, "module": "综合服务", "department": "12345"}}},
        "staffing": {"module_staff": {"综合服务": 8}, "department_staff": {"住建委": 20, "12345": 3}},
    }
    cfg = load_config([*_preset(tmp_path, body), *SMALL, "staffing.department_staff.12345=5"])
    assert department_names(cfg) == ("住建委", "12345") and cfg.staffing.department_staff["12345"] == 5
    terr = build_territory(cfg)
    rep = capacity_check(prepare(cfg, terr, generate_inputs(cfg, terr, 0)))
    names = [s.name for s in rep.loads]
    assert "department:住建委" in names and "department:12345" in names and "module:综合服务" in names
    # the printed table stays aligned with wide (CJK) names: every row as wide as the header
    lines = format_capacity(rep).splitlines()
    head = next(i for i, ln in enumerate(lines) if ln.startswith("station type"))
    rows = [ln.removesuffix("  UNSTABLE") for ln in lines[head:head + 1 + len(rep.loads)]]
    assert len({_width(ln) for ln in rows}) == 1 and any("住建委" in ln for ln in rows)
    body["catalog"]["departments"][1]["name"] = "12 345"
    err = config_error([*_preset(tmp_path, body), *SMALL])
    assert err.key == "catalog.departments[1].name" and "letters, digits" in err.problem


def test_a_preset_of_another_group_brings_its_own_catalogue_with_override_catalog_empty(tmp_path: Path) -> None:
    # how a calibrated scenario (or any `# @package _global_` preset) replaces the catalogue
    body = catalogue_spec(3, 2)
    path = tmp_path / "scenario" / "fitted.yaml"
    path.parent.mkdir(parents=True)
    path.write_text("# @package _global_\ndefaults:\n  - override /catalog: empty\n"
                    + yaml.safe_dump({**body, "scenario": {"name": "fitted"}}, allow_unicode=True), encoding="utf-8")
    cfg = load_config([f"hydra.searchpath=[file://{tmp_path}]", "scenario=fitted", *SMALL])
    assert list(cfg.catalog.categories) == ["cat_00", "cat_01", "cat_02"]
    assert set(cfg.staffing.department_staff) == {"dept_00", "dept_01", "dept_02"}
    # without the override the default categories would merge in, and validation says so
    path.write_text("# @package _global_\n" + yaml.safe_dump(body, allow_unicode=True), encoding="utf-8")
    err = config_error([f"hydra.searchpath=[file://{tmp_path}]", "scenario=fitted", *SMALL])
    assert err.key.startswith(("staffing.module_staff.", "staffing.department_staff.", "catalog.categories."))
