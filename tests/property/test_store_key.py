"""The store's key changes with everything that changes results (issue 18, item 11: the store's part).

A store that hashed file names instead of contents, or left a result-changing key out of
the hash, would serve a stale run as if it were current. Each test here fails for one
such mutation of ``sim/runs/store.py``: an edited copy of a rule, every scalar config key
changed one at a time, an edited units table.
"""

from __future__ import annotations

import dataclasses
import enum
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sim.runs import store
from sim.runs.cached import run_cached
from sim.runs.config import load_config, resolve_defaults
from sim.scenario.schema import Config

SMALL = ["territory=township", "run.horizon_days=15", "run.warmup_days=2", "run.write_records=false",
         "report.charts=false", "run.progress=false"]
#: the keys that cannot change a run's results, and only those, are left out of the hash (run.confirm: only
#: whether a long run starts)
NOT_RESULTS = {"run.progress", "engine.workers", "run.reuse", "run.results_dir", "run.confirm"}


def _copy_of_the_package(tmp: Path) -> Path:
    copy = tmp / "sim"
    shutil.copytree(store.PACKAGE_ROOT, copy, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


def test_a_rule_edited_in_a_copy_of_the_code_is_a_miss(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    results = tmp_path / "results"
    run_cached([*SMALL, f"run.results_dir={results}"])
    cfg = resolve_defaults(load_config([*SMALL, f"run.results_dir={results}"]))[0]
    assert store.lookup(cfg) is not None
    copy = _copy_of_the_package(tmp_path)
    assert store.code_hash(copy) == store.code_hash()  # a copy is the same model: its hash is the model's
    rule = copy / "rules" / "routing.py"
    text = rule.read_text(encoding="utf-8")
    edited = text.replace(">=", ">", 1)
    assert edited != text
    rule.write_text(edited, encoding="utf-8")  # same name, same size class: only the content says it changed
    store.code_hash.cache_clear()
    edited_hash = store.code_hash(copy)
    assert edited_hash != store.code_hash()
    monkeypatch.setattr(store, "code_hash", lambda root=store.PACKAGE_ROOT: edited_hash)
    assert store.lookup(cfg) is None  # the edited model is not answered with the old model's run


def test_a_data_file_of_the_model_is_in_the_code_hash(tmp_path: Path) -> None:
    copy = _copy_of_the_package(tmp_path)
    before = store.code_hash(copy)
    mapping = next((copy / "logs" / "mappings").glob("*.yaml"))
    mapping.write_text(mapping.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    store.code_hash.cache_clear()
    assert store.code_hash(copy) != before


def _scalar_fields(obj: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        key = f"{prefix}{f.name}"
        if dataclasses.is_dataclass(value):
            yield from _scalar_fields(value, key + ".")
        elif value is None or isinstance(value, bool | int | float | str | enum.Enum):
            yield key, value


def _changed(value: Any) -> Any:
    if isinstance(value, bool):
        return not value
    if isinstance(value, enum.Enum):
        return next(m for m in type(value) if m != value)
    if isinstance(value, int | float):
        return value + 1
    if isinstance(value, str):
        return value + "x"
    return 1.0  # None: a value where there was none


def _replaced(obj: Any, path: list[str], value: Any) -> Any:
    head, *rest = path
    new = value if not rest else _replaced(getattr(obj, head), rest, value)
    return dataclasses.replace(obj, **{head: new})


def test_every_scalar_key_is_in_the_hash_but_those_that_cannot_change_results() -> None:
    cfg = resolve_defaults(load_config(SMALL))[0]
    base = store.config_hash(cfg)
    keys = dict(_scalar_fields(cfg))
    assert "run.warmup_days" in keys and len(keys) > 60
    excluded = {".".join(k) for k in store.HASH_EXCLUDED}
    assert excluded == NOT_RESULTS
    for key, value in keys.items():
        if key == "territory.units_file":
            continue  # a path: its file's content is hashed (the next test)
        other: Config = _replaced(cfg, key.split("."), _changed(value))
        changed = store.config_hash(other) != base
        assert changed == (key not in NOT_RESULTS), key


def test_the_warm_up_given_or_by_default_is_in_the_hash() -> None:
    two = store.config_hash(resolve_defaults(load_config(SMALL))[0])
    three = store.config_hash(resolve_defaults(load_config([*SMALL, "run.warmup_days=3"]))[0])
    default = store.config_hash(resolve_defaults(load_config([*SMALL, "run.warmup_days=null"]))[0])
    assert len({two, three, default}) == 3


def test_an_edited_units_table_is_a_different_key(tmp_path: Path) -> None:
    units = tmp_path / "units.csv"
    units.write_text("county,township,village,urban,households\nC,T,V1,1,800\nC,T,V2,0,600\n")
    cfg = resolve_defaults(load_config([*SMALL, f"territory.units_file={units}"]))[0]
    before = store.config_hash(cfg)
    assert store.config_hash(cfg) == before  # stable while the file is
    units.write_text("county,township,village,urban,households\nC,T,V1,1,800\nC,T,V2,0,700\n")
    assert store.config_hash(cfg) != before
