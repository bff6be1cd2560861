"""Extreme values for every numeric key (issue 13, item 2): the one-line error or a successful check,
never a traceback or a hang.

Every numeric leaf of the township config is a candidate key; each example sets one of
them to 0, a negative, 1e308, inf, nan, a huge integer or a tiny number and runs
``gridsim ... run.simulate=false`` in-process (composition, validation, bounds,
pre-flight estimate and the capacity check), bounded in time.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.entry.cli import main
from sim.runs.config import load_config
from sim.scenario.bounds import bound_of, numbers

BASE = ["territory=township", "run.simulate=false"]
#: seconds one example may take (a check, never a simulation)
BOUND_SECONDS = 30.0


def _hydra_key(key: str) -> str:
    """a.b[2].c -> a.b.2.c (Hydra's override syntax)."""
    return key.replace("[", ".").replace("]", "")


KEYS = sorted(_hydra_key(k) for k, _ in numbers(load_config(BASE)))
EXTREMES = st.sampled_from(["0", "-1", "-0.5", "1e308", "-1e308", "inf", "-inf", "nan", "1e-300",
                            "99999999999999999999999999", "-99999999999999999999", str(2**63), "1e15"])


pytestmark = pytest.mark.usefixtures("register_schema_once")  # tests/conftest.py


def test_every_numeric_key_has_a_bound() -> None:
    assert len(KEYS) > 100
    for key, _ in numbers(load_config(BASE)):
        hi, what = bound_of(key)
        assert 0 < hi < 1e300 and what


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(key=st.sampled_from(KEYS), value=EXTREMES | st.integers(-(10**30), 10**30).map(str)
       | st.floats(allow_nan=True, allow_infinity=True).map(repr))
def test_an_extreme_value_is_one_line_or_a_clean_check(tmp_path_factory: pytest.TempPathFactory,
                                                       capsys: pytest.CaptureFixture[str], key: str,
                                                       value: str) -> None:
    out_dir: Path = tmp_path_factory.mktemp("extreme")
    t0 = time.perf_counter()
    rc = main([*BASE, f"{key}={value}", f"run.results_dir={out_dir}"])
    seconds = time.perf_counter() - t0
    _, err = capsys.readouterr()
    assert "Traceback" not in err
    assert seconds < BOUND_SECONDS, f"{key}={value} took {seconds:.1f} s"
    if rc == 2:
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("gridsim: error: "), err
        assert not any(out_dir.iterdir())
    else:
        assert rc == 0, err
