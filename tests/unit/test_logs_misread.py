"""A time format the import cannot parse with is one line naming the mapping file and key.

Other cities' exports wrote epoch seconds (``%s``) or MySQL's ``%i``: ``strftime`` took them,
so the mapping's check passed, and pandas then crashed the import with a traceback.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from sim.logs import load_mapping
from sim.logs.__main__ import main as logs_main
from sim.util.errors import ConfigError


def _error(call: Callable[[], object]) -> str:
    with pytest.raises(ConfigError) as e:
        call()
    msg = str(e.value)
    assert "\n" not in msg
    return msg


def _write(tmp: Path, time_format: str, written: str = "%d/%m/%Y %H:%M", n: int = 3000,
           extra: dict[str, object] | None = None) -> list[str]:
    """A year's log of ``n`` cases with times written as ``written``, its mapping reading ``time_format``."""
    rng = np.random.default_rng(7)
    created = pd.Timestamp("2024-01-01") + pd.to_timedelta(np.sort(rng.random(n)) * 365 * 24, unit="h")
    closed = created + pd.to_timedelta(rng.exponential(30.0, n), unit="h")
    df = pd.DataFrame({"id": [f"C{i}" for i in range(n)], "opened": created.strftime(written),
                       "finished": closed.strftime(written), "kind": np.where(rng.random(n) < 0.5, "pothole", "noise"),
                       "office": "PWD"})
    (tmp / "log.csv").write_text(df.to_csv(index=False), encoding="utf-8")
    mapping = {"name": "city", "columns": {"case_id": "id", "created": "opened", "closed": "finished", "type": "kind",
                                           "department": "office"},
               "time": {"format": time_format}, **(extra or {})}
    (tmp / "map.yaml").write_text(yaml.safe_dump(mapping), encoding="utf-8")
    return [f"log={tmp / 'log.csv'}", f"mapping={tmp / 'map.yaml'}"]


# ------------------------------------------------------------------ 1. a directive pandas does not know
@pytest.mark.parametrize(("fmt", "directive"), [("%s", "%s"), ("%Y-%m-%d %H:%i:%s", "%i"),
                                                (["%Y-%m-%d %H:%M:%S", "%d.%m.%Y %H:%i"], "%i")])
def test_a_directive_pandas_does_not_know_is_a_mapping_error(tmp_path: Path, fmt: str | list[str],
                                                             directive: str) -> None:
    _write(tmp_path, "%Y")
    raw = yaml.safe_load((tmp_path / "map.yaml").read_text(encoding="utf-8"))
    raw["time"]["format"] = fmt
    (tmp_path / "map.yaml").write_text(yaml.safe_dump(raw), encoding="utf-8")
    msg = _error(lambda: load_mapping(tmp_path / "map.yaml"))
    key = "time.format[1]" if isinstance(fmt, list) else "time.format"
    assert msg.startswith(f"map.yaml: {key}: directive {directive} ") and "not supported" in msg


def test_a_bad_directive_stops_both_commands_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from sim.calibrate.cli import main as calibrate_main

    args = _write(tmp_path, "%s", written="%s")  # epoch seconds, as some exports write them
    assert logs_main([*args, f"results_dir={tmp_path / 'results'}"]) == 2
    assert calibrate_main([*args, "name=city", f"presets={tmp_path / 'presets'}", f"results={tmp_path / 'results'}",
                           "trials=2"]) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 2 and "Traceback" not in captured.out + captured.err
    for line, prog in zip(lines, ("gridsim logs", "gridsim calibrate"), strict=True):
        assert line.startswith(f"{prog}: error: map.yaml: time.format: directive %s ") and "epoch" in line
    assert not (tmp_path / "presets").exists()
    assert not (tmp_path / "results").exists() or not any((tmp_path / "results").iterdir())


def test_the_formats_pandas_reads_still_pass() -> None:
    for fmt in ("%Y-%m-%d %H:%M:%S", "%d/%m/%Y %I:%M %p", "%Y-%m-%dT%H:%M:%S.%f%z", "%Y%m%d", "%d.%m.%Y %H:%M %%"):
        load_mapping({"columns": {"created": "t"}, "time": {"format": fmt}})
    assert "time.format" in _error(lambda: load_mapping({"columns": {"created": "t"}, "time": {"format": "%Y %"}}))
