"""Names, not keys: every office and category has an English and a Chinese name, and no label a planner
reads (charts, league tables, briefing, capacity names, KPI names, changes in words) is a snake_case key."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from sim.runs.config import load_config
from sim.scenario.catalogue import category_label, humanize, label_of
from sim.scenario.schema import CatalogConfig, CategoryConfig, OfficeConfig

#: a snake_case key: lower-case words joined by underscores
SNAKE = re.compile(r"\b[a-z0-9]+(?:_[a-z0-9]+)+\b")
LANGS = ("en", "zh")


def _no_key(text: str) -> None:
    assert not SNAKE.search(text), f"a key in {text!r}"


def test_every_default_office_and_category_has_both_names() -> None:
    cat = CatalogConfig()
    for office in (*cat.modules, *cat.departments):
        assert office.name_en and office.name_zh, office.name
        assert office.name_en != office.name and not SNAKE.search(office.name_en)
        assert all("\u4e00" <= ch <= "\u9fff" for ch in office.name_zh), office.name_zh
    for key, c in cat.categories.items():
        assert c.name_en and c.name_zh and c.name_zh != "其他", key
        _no_key(c.name_en)


def test_the_composed_default_catalogue_keeps_the_english_names() -> None:
    cfg = load_config(["territory=township"])
    assert [o.name_en for o in cfg.catalog.modules] == [o.name_en for o in CatalogConfig().modules]
    assert cfg.catalog.categories["help_request"].name_en == "Requests for help"
    assert label_of(cfg.catalog.departments[3], "en") == "Housing and urban management"
    assert label_of(cfg.catalog.departments[3], "zh") == "住建城管"


@pytest.mark.parametrize("lang", LANGS)
def test_a_catalogue_without_names_is_still_said_in_words(lang: str) -> None:
    assert humanize("urban_construction") == "urban construction" and humanize("a__b ") == "a b"
    _no_key(label_of(OfficeConfig("social_welfare"), lang))
    _no_key(category_label("noise_complaint", CategoryConfig(name_zh=""), lang))
    assert category_label("noise_complaint", CategoryConfig(name_zh="噪声投诉"), "zh") == "噪声投诉"
    assert category_label("noise_complaint", CategoryConfig(name_zh="噪声投诉"), "en") == "noise complaint"
    assert category_label("noise", CategoryConfig(name_zh="", name_en="Noise"), "zh") == "Noise"


def test_a_name_that_is_not_a_string_names_its_key() -> None:
    from dataclasses import replace

    from sim.scenario.validate import validate
    from sim.util.errors import ConfigError

    cfg = load_config(["territory=township"])
    bad = [replace(cfg.catalog.departments[0], name_en=12), *cfg.catalog.departments[1:]]  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match=r"catalog.departments\[0\].name_en"):
        validate(replace(cfg, catalog=replace(cfg.catalog, departments=bad)))
    cats = dict(cfg.catalog.categories, repair=replace(cfg.catalog.categories["repair"], name_en=None))  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match=r"catalog.categories.repair.name_en"):
        validate(replace(cfg, catalog=replace(cfg.catalog, categories=cats)))


def test_a_calibrated_catalogue_takes_the_logs_own_labels(tmp_path: Path) -> None:
    import pandas as pd

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "validation"))
    from test_calibration_recovery import CATS, DAILY, EXTRACTED, HOUR, PLACES, SEASON, T0, TRAIN_UNTIL, TRUTH, WEEK

    from sim.calibrate.model import build_config, scenario_values, write_units
    from sim.calibrate.profile import ArrivalFit, CategoryFit, Timebase

    tb = Timebase(t0=T0, train_from=T0, train_until=TRAIN_UNTIL, extracted_at=EXTRACTED)
    cats = {k: CategoryFit(name=f"Log label {k}", key=k, department=d, rows=1, share=s, fast_share=f, fast_hours=0.01,
                           due_share=1.0, deadline_days=5.0, deadline_rows=1, open_share=0.3)
            for k, (d, s, f) in CATS.items()}
    fit = ArrivalFit(tb=tb, rows=1, days=1.0, daily_rate=DAILY, hour_profile=HOUR, weekday_profile=WEEK,
                     season_profile=SEASON, months_seen=list(range(12)), categories=cats,
                     channel_mix=[0.2, 0.0, 0.4, 0.4, 0.0],
                     places=pd.DataFrame(PLACES, columns=["place1", "place2", "rows"]), working_days=True)
    cfg = build_config(scenario_values(fit, TRUTH, write_units(fit, tmp_path / "u.csv", "u"), "u", 7))
    for key, c in cfg.catalog.categories.items():
        assert c.name_en == c.name_zh == f"Log label {key.split('__')[0]}"  # the log's label in either language
    for o in (*cfg.catalog.modules, *cfg.catalog.departments):
        assert o.name_en and o.name_zh, o.name
    assert {o.name_en for o in cfg.catalog.departments} >= set(TRUTH)  # the log's department labels
