"""The page's history says what each run changed in the briefing's words (``sim.report.change.config_changes``)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sim.app.answer import history_words
from sim.app.workbench import Outcome
from sim.runs.config import load_config

BASE = ["territory=township", "scenario=baseline"]


def _outcome(name: str, overrides: list[str], baseline: Outcome | None = None) -> Outcome:
    return Outcome(name=name, overrides=overrides, base=BASE, kpis={}, ci={}, runs=[], out_dir=Path("."),
                   from_store=False, seconds=0.0, cfg=load_config([*BASE, *overrides]), baseline=baseline)


def test_history_names_the_change_in_words_in_both_languages() -> None:
    base = _outcome("baseline", [])
    fulltime = base.cfg.staffing.fulltime_per_grid
    run = _outcome("#1", [f"staffing.fulltime_per_grid={fulltime + 1}",
                          "staffing.module_staff.rural_revitalisation=9", "dispatch.rule=edf"], base)
    en, zh = history_words(run, "en"), history_words(run, "zh")
    assert f"full-time workers per grid {fulltime} → {fulltime + 1}" in en
    assert "earliest deadline first" in en and "edf" not in en.split("→")[-1]
    assert "rural_revitalisation" not in en and "staffing." not in en  # offices by name, never a key
    assert f"每网格专职网格员 {fulltime} → {fulltime + 1}" in zh
    assert "乡村振兴" in zh and "截止期限优先" in zh and "rural" not in zh
    assert "；" in zh and "; " in en


def test_a_run_without_changes_reads_as_the_baseline() -> None:
    base = _outcome("baseline", [])
    assert history_words(base, "en") == "baseline"
    assert history_words(_outcome("#2", [], base), "zh") == "基准"


def test_the_page_draws_every_office_so_one_left_without_staff_shows(tmp_path: Path) -> None:
    """The utilisation heatmap averages by role; the offices chart names a department with no staff."""
    from sim.app.workbench import CHARTS, _draw

    pd.DataFrame([
        {"kind": "module", "office": "public_service", "name_zh": "公共服务", "name_en": "Public services",
         "stations": 2, "busy_hours": 50.0, "capacity_hours": 100.0, "utilization": 0.5},
        {"kind": "department", "office": "urban_construction", "name_zh": "住建", "name_en": "Housing",
         "stations": 1, "busy_hours": 0.0, "capacity_hours": 0.0, "utilization": float("nan")},
    ]).to_csv(tmp_path / "offices.csv", index=False)
    o = _outcome("#1", [])
    o.out_dir = tmp_path
    assert "offices" in CHARTS
    for lang, words, name in (("en", "no staff", "Housing"), ("zh", "无人员", "住建")):
        fig = _draw(o, "offices", lang)
        assert fig is not None
        texts = [t.get_text() for t in fig.axes[0].texts]
        assert any(words in x for x in texts), texts
        assert name in [t.get_text() for t in fig.axes[0].get_yticklabels()]


def test_the_reporting_channels_and_categories_read_by_name() -> None:
    """The hotline lever moves the channel mix: the history names the channels and their shares, not a vector;
    a category left off the grid's list is named as the catalogue names it, in either language."""
    base = _outcome("baseline", [])
    run = _outcome("#1", ["discovery.channel_mix=[0,0.214,0.286,0.5,0]",
                          "dispatch.grid_list_exclude=[enforcement,dispute]"], base)
    en, zh = history_words(run, "en"), history_words(run, "zh")
    assert "how residents report walk-in 30%, app 40%, hotline 30% → walk-in 21%, app 29%, hotline 50%" in en
    assert "群众上报渠道" in zh and "热线 50%" in zh and "0.214" not in en + zh
    assert "Violations, Disputes" in en and "违法违规、矛盾纠纷" in zh and "enforcement" not in en
    # a calibrated mix may weigh patrols and reporters, which the residents' reports do not use
    calibrated = _outcome("#2", ["discovery.channel_mix=[0.5,0.1,0.2,0.2,0]"], base)
    assert "walk-in 20%, app 40%, hotline 40%" in history_words(calibrated, "en")


def test_the_answers_change_line_names_categories() -> None:
    from sim.app.decision import changes
    from sim.app.levers import Lever

    lever = Lever("dispatch.grid_list_exclude", "lever.grid_list", "multi", choices=("enforcement", "dispute"))
    said = changes([lever], {lever.key: ["enforcement"]}, {lever.key: ["enforcement", "dispute"]}, "zh",
                   lambda _l: "不列入网格事项清单的类别", {"enforcement": "违法违规", "dispute": "矛盾纠纷"})
    assert said == ["不列入网格事项清单的类别 违法违规 → 违法违规、矛盾纠纷"]


def test_runs_of_different_territories_or_horizons_are_not_paired() -> None:
    from sim.app import answer
    from sim.app.decision import decision_rows

    town = _outcome("#2", [])
    county = Outcome(name="#4", overrides=[], base=["territory=county", "scenario=baseline"], kpis={}, ci={}, runs=[],
                     out_dir=Path("."), from_store=False, seconds=0.0,
                     cfg=load_config(["territory=county", "scenario=baseline"]))
    assert not answer.comparable(town, county) and answer.comparable(town, _outcome("#3", []))
    assert answer.base_words(town, county, "en") == "territory township → county"
    assert answer.base_words(town, county, "zh") == "区域 乡镇 → 县"
    runs = [{"on_time_rate": 0.9}, {"on_time_rate": 0.91}]
    rows = decision_rows({"on_time_rate": 0.905}, runs, {"on_time_rate": 0.88}, [], "en")  # as the table calls it
    assert rows[0].verdict == "unpaired"


def test_a_stable_run_mostly_open_at_its_end_is_not_said_to_read_as_it_is() -> None:
    from sim.app import answer

    said: list[tuple[str, str]] = []
    box = type("Box", (), {k: staticmethod(lambda text, k=k: said.append((k, text)))
                           for k in ("error", "warning", "success")})
    stable = {"verdict": "stable", "rule": "none", "reasons": []}
    answer.verdict_block(box, "#1", stable, None, "en", 0.486)
    assert said[-1][0] == "warning" and "49% of the window's matters are still open" in said[-1][1]
    answer.verdict_block(box, "#1", stable, None, "en", 0.012)
    assert said[-1][0] == "success" and "can be read as they are" in said[-1][1]


def test_a_surge_says_whether_it_calls_out_volunteers() -> None:
    from sim.report.change import value_words

    flood = load_config(["territory=township", "scenario=flood"])
    assert flood.scenario.surges and flood.scenario.surges[0].volunteers
    assert value_words("scenario.surges", flood.scenario.surges, flood, "en").endswith("volunteers called out")
    assert value_words("scenario.surges", flood.scenario.surges, flood, "zh").endswith("动员志愿者")


def test_runs_of_different_scenarios_or_presets_are_not_paired_and_say_so() -> None:
    """Another scenario is not a lever: "no lever differs" alone would hide it, and pairing would call a change."""
    from sim.app import answer

    town = _outcome("#1", [])
    base = [b for b in BASE if not b.startswith("scenario=")]
    moved = Outcome(name="#2", overrides=[], base=[*base, "scenario=relocation"], kpis={}, ci={}, runs=[],
                    out_dir=Path("."), from_store=False, seconds=0.0,
                    cfg=load_config([*base, "scenario=relocation"]))
    assert town.cfg.scenario.name != "relocation"
    assert not answer.comparable(town, moved)
    assert "scenario" in answer.base_words(town, moved, "en") and "relocation" in answer.base_words(town, moved, "en")
    assert "搬迁安置" in answer.base_words(town, moved, "zh")
    preset = Outcome(name="#3", overrides=[], base=[*BASE, "calibrated=harbour"], kpis={}, ci={}, runs=[],
                     out_dir=Path("."), from_store=False, seconds=0.0, cfg=town.cfg)
    assert not answer.comparable(town, preset)
    assert answer.base_words(town, preset, "en") == "calibrated preset (none) → harbour"


def test_a_surge_named_surge_is_a_name_in_the_words_not_a_phrase_with_blanks() -> None:
    from sim.report.change import value_words

    cfg = load_config(BASE)
    for lang in ("en", "zh"):
        words = value_words("scenario.surges[0].name", "surge", cfg, lang)
        assert "{" not in words and words
    assert value_words("dispatch.rule", "edf", cfg, "en") == "earliest deadline first"  # a choice still in words


def test_rows_of_runs_that_simulate_different_things_give_that_reason() -> None:
    from sim.app.decision import decision_rows

    rows = decision_rows({"on_time_rate": 0.9}, [], {"on_time_rate": 0.8}, [], "en", comparable=False)
    assert rows[0].change == "not paired: they simulate different things"
    rows = decision_rows({"on_time_rate": 0.9}, [{"on_time_rate": 0.9}], {"on_time_rate": 0.8}, [], "en")
    assert rows[0].change == "not paired: the replications differ"
