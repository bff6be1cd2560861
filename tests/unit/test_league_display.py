"""League tables as a planner reads them: rank and score first, places by name, whole people, rates in per
cent, headers in words in both languages, a search, the top and bottom ten; and no key in any label."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from sim.report.change import config_changes
from sim.report.labels import office_name
from sim.report.league import league_frame, league_header
from sim.report.names import category_name, kpi_label
from sim.report.places import place_names_of
from sim.runs.config import load_config

SNAKE = re.compile(r"\b[a-z0-9]+(?:_[a-z0-9]+)+\b")
LANGS = ("en", "zh")
GOLDEN_KPIS = ("matters closed open_at_horizon open_undiscovered open_in_transit open_queued open_in_service "
               "wait_hours_mean wait_hours_mean_served wait_positive_share abandoned_share resolution_hours_mean "
               "resolution_hours_p50 resolution_hours_p90 resolution_hours_p95 report_to_close_hours_mean "
               "discovery_hours_mean settled_share_grid settled_share_county settled_at_or_below_village on_time_rate "
               "satisfaction_rate reopen_rate petitions_per_10k transfers_per_matter escalations_per_matter "
               "utilization_grid utilization_department utilization_role_fulltime utilization_role_grid_leader "
               "staff_cost cost_per_settled on_time_rate_of_closed open_at_horizon_share backlog_growth_per_30d "
               "utilization_urban_construction resolution_hours_p90_above_horizon").split()


def _table(n: int) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    score = np.sort(rng.uniform(5, 99, n))[::-1]
    return pd.DataFrame({"rank": np.arange(1, n + 1), "code": [f"C01-T{1 + i // 50:02d}-V{1 + i % 50:02d}"
                                                               for i in range(n)],
                         "level": "village", "parent": [f"C01-T{1 + i // 50:02d}" for i in range(n)],
                         "residents": rng.uniform(500, 3000, n) + 0.5, "matters": rng.integers(10, 90, n) * 1.0,
                         "closed": rng.integers(5, 9, n) * 1.0, "on_time_rate": rng.uniform(0.6, 1.0, n),
                         "resolution_hours_mean": rng.uniform(10, 90, n),
                         "resolution_hours_p90": rng.uniform(50, 400, n),
                         "satisfaction_rate": rng.uniform(0.6, 1.0, n), "petitions_per_10k": rng.uniform(0, 30, n),
                         "settled_locally_share": rng.uniform(0.2, 1.0, n), "score": score,
                         "open_at_horizon_share": rng.uniform(0, 0.1, n)})


@pytest.mark.parametrize("lang", LANGS)
def test_the_league_frame_reads_as_a_planners_table(lang: str) -> None:
    cfg = load_config(["territory=county"])
    names = place_names_of(cfg, lang)
    raw = _table(120)
    frame = league_frame(raw, names, lang)
    cols = list(frame.columns)
    assert cols[:3] == [league_header(c, lang) for c in ("rank", "score", "place")]  # rank and score first
    assert not any(SNAKE.search(c) for c in cols), cols
    place = frame[league_header("place", lang)]
    assert place.iloc[0] == ("Village 1" if lang == "en" else "1号村")  # by name, never the code
    assert frame[league_header("parent", lang)].iloc[0] == ("Township 1" if lang == "en" else "1号乡镇")
    residents = frame[league_header("residents", lang)]
    assert str(residents.dtype) == "Int64" and residents.iloc[0] == round(raw["residents"].iloc[0])
    rate = frame[league_header("on_time_rate", lang)]
    assert rate.iloc[0] == round(raw["on_time_rate"].iloc[0] * 100, 1)  # per cent, one decimal
    assert frame[league_header("petitions_per_10k", lang)].iloc[0] == round(raw["petitions_per_10k"].iloc[0], 2)
    assert frame[league_header("score", lang)].iloc[0] == round(raw["score"].iloc[0], 1)
    band = frame[league_header("band", lang)]
    assert (band != "").sum() == 20 and band.iloc[0] and band.iloc[-1] and not band.iloc[10]


def test_search_and_highlight() -> None:
    from sim.app.league_view import search
    from sim.report.league import highlight_rows

    cfg = load_config(["territory=county"])
    frame = league_frame(_table(120), place_names_of(cfg, "en"), "en")
    hit = search(frame, "  TOWNSHIP 3 ", "en")  # by the parent's name, any case
    assert 0 < len(hit) < len(frame) and set(hit["part of"]) == {"Township 3"}
    assert len(search(frame, "", "en")) == len(frame)
    # a search typed in English still finds its rows once the names are in Chinese (a language switch)
    raw = _table(120)
    zh = league_frame(raw, place_names_of(cfg, "zh"), "zh")
    en_names = place_names_of(cfg, "en")
    pairs = zip(raw["code"], raw["parent"], strict=True)
    also = pd.Series([f"{en_names.get(c, c)} {en_names.get(p, p)}" for c, p in pairs], index=raw.index)
    assert search(zh, "township 3", "zh").empty
    assert set(search(zh, "township 3", "zh", also)[league_header("parent", "zh")]) == {"3号乡镇"}
    css = highlight_rows(frame, "en")
    assert css.count("background-color: #e3f1e6") == 10 and css.count("background-color: #f8e1df") == 10


@pytest.mark.parametrize("lang", LANGS)
def test_no_label_a_planner_reads_is_a_key(lang: str) -> None:
    from sim.checks.capacity import capacity_check
    from sim.engines.prepare import prepare
    from sim.matters.occur import generate_inputs
    from sim.runs.source import demand_rates_per_day
    from sim.scenario.territory import build_territory

    cfg = load_config(["territory=township", "run.horizon_days=14", "run.warmup_days=1"])
    terr = build_territory(cfg)
    p = prepare(cfg, terr, generate_inputs(cfg, terr, 0))
    rep = capacity_check(p, demand_rates_per_day(p))
    words = [office_name(s.name, lang, cfg.catalog) for s in rep.loads]
    words += [kpi_label(k, lang, cfg.catalog) for k in GOLDEN_KPIS]
    words += [category_name(k, cfg.catalog, lang) for k in cfg.catalog.categories]
    words += config_changes(cfg, load_config(["territory=township", "run.horizon_days=14", "run.warmup_days=1",
                                              "staffing.department_staff.urban_construction=20",
                                              "dispatch.grid_list_exclude=[enforcement,safety_hazard]",
                                              "dispatch.rule=least_loaded", "dispatch.reminders=false",
                                              "dispatch.escalation_limit_hours.1=48"]), lang)
    for text in words:
        assert not SNAKE.search(text), text
    assert len({office_name(s.name, lang, cfg.catalog) for s in rep.loads}) == len(rep.loads)  # told apart
    changes = " ".join(words[-6:])
    assert ("Housing and urban management" if lang == "en" else "住建城管") in changes
    assert ("Violations" if lang == "en" else "违法违规") in changes


@pytest.mark.parametrize("lang", LANGS)
def test_a_surge_change_names_the_field_that_differs(lang: str) -> None:
    base = ["territory=township", "scenario=flood", "run.horizon_days=14", "run.warmup_days=1"]
    a = load_config([*base, "scenario.surges.0.volunteers=false"])
    b = load_config([*base, "scenario.surges.0.multiplier=4"])
    changes = config_changes(a, b, lang)
    en = ["surge 1 (flood): multiplier 3 → 4", "surge 1 (flood): volunteers mobilised off → on"]
    zh = ["突发高峰1（flood）：倍数 3 → 4", "突发高峰1（flood）：动员志愿者 关闭 → 开启"]
    assert changes == (en if lang == "en" else zh)
    # a surge added or removed is the surges themselves
    assert len(config_changes(load_config(base[:1] + base[2:]), b, lang)) == 1
