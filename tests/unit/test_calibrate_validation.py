"""validation.json (exact keys, strict JSON), the measures, the baselines and the CLI's errors."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.calibrate.baselines import carry_forward, erlang_c, mmc, mmc_fit, mmc_sojourn_mean
from sim.calibrate.distances import backlog, censored_w1, on_time_rate, summary
from sim.calibrate.profile import Timebase
from sim.calibrate.validate import load_effect, strict, validation, write_validation

EXT = pd.Timestamp("2015-03-01")
TB = Timebase(t0=pd.Timestamp("2015-01-01"), train_from=pd.Timestamp("2015-01-01"),
              train_until=pd.Timestamp("2015-02-01"), extracted_at=EXT)
SAME = ("close_hours_p50", "close_hours_p90", "on_time_rate", "open_share")


def log(n: int, seed: int, scale: float = 24.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    created = pd.Timestamp("2015-01-01") + pd.to_timedelta(np.sort(rng.random(n)) * 58 * 24, unit="h")
    hours = rng.exponential(scale, n)
    closed = pd.Series(created + pd.to_timedelta(hours, unit="h"))
    closed = closed.where(closed <= EXT)
    due = pd.Series(created + pd.Timedelta(days=2))
    return pd.DataFrame({"created": created, "closed": closed.to_numpy(), "due": due.to_numpy(),
                         "category": "c", "department": np.where(rng.random(n) < 0.7, "A", "B"),
                         "is_open": closed.isna().to_numpy()})


def test_summary_by_hand() -> None:
    df = pd.DataFrame({"created": pd.to_datetime(["2015-01-01 00:00"] * 4),
                       "closed": pd.to_datetime(pd.Series(["2015-01-01 01:00", "2015-01-01 03:00",
                                                           "2015-01-03 00:00", None])),
                       "due": pd.to_datetime(["2015-01-02", "2015-01-02", "2015-01-02", "2015-01-02"])})
    s = summary(df, pd.Timestamp("2015-01-05"))
    assert s["close_hours_p50"] == 3.0 and s["open_share"] == 0.25
    assert s["on_time_rate"] == 0.5  # 2 of 4 known (the open one is past due: late)
    # an open case not yet due is left out of the on-time rate
    assert on_time_rate(df.iloc[[0, 1, 3]], pd.Timestamp("2015-01-01 12:00")) == 1.0
    assert summary(df.iloc[:0], EXT)["close_hours_p50"] is None
    assert list(backlog(df, pd.date_range("2015-01-01", "2015-01-03"))) == [2.0, 2.0, 1.0]


def test_censored_distance_is_zero_on_itself_and_grows_with_a_shift() -> None:
    a = log(2000, 1)
    assert censored_w1(a, a, EXT) == 0.0
    assert censored_w1(a, log(2000, 2, 24.0), EXT) < censored_w1(a, log(2000, 2, 48.0), EXT)
    assert math.isinf(censored_w1(a, a.iloc[:0], EXT))


def test_erlang_c_and_the_little_fit() -> None:
    # M/M/2 at a = 1: P(wait) = 1/3
    assert erlang_c(2, 1.0) == pytest.approx(1 / 3)
    c, mu = mmc_fit(lam=2.0, w=3.0)
    assert c == 6 and mmc_sojourn_mean(c, 2.0, mu) == pytest.approx(3.0, rel=1e-6) and c * mu > 2.0


def test_baselines_censor_like_the_log() -> None:
    full = log(4000, 3)
    tr, te = full[full["created"] < TB.train_until], full[full["created"] >= TB.train_until]
    cf = carry_forward(tr, te, EXT, seed=1)
    assert len(cf) == len(te) and (cf["closed"].dropna() <= EXT).all()
    assert (cf["closed"].dropna() >= cf.loc[cf["closed"].notna(), "created"]).all()
    m, params = mmc(tr, te, TB.train_from, TB.train_until, EXT, seed=1)
    assert set(params) == {"A", "B"} and (m["closed"].dropna() <= EXT).all()
    # the same seed gives the same forecast
    assert carry_forward(tr, te, EXT, seed=1)["closed"].equals(cf["closed"])


def _weeks(counts: list[int], hours: dict[int, float]) -> pd.DataFrame:
    """Cases of consecutive weeks from 2015-01-01, ``counts[w]`` in week w, each closed after ``hours[w]``
    hours (10 by default) and due after 24."""
    rows = []
    for week, n in enumerate(counts):
        for i in range(n):
            t = pd.Timestamp("2015-01-01") + pd.Timedelta(days=7 * week + i % 5, hours=9)
            rows.append((t, t + pd.Timedelta(hours=hours.get(week, 10.0)), t + pd.Timedelta(hours=24)))
    return pd.DataFrame(rows, columns=["created", "closed", "due"])


def test_load_effect_picks_the_busiest_and_quietest_weeks() -> None:
    # a level of 10 cases a week, two weeks of 20 (slow: 48 h, late) and two of 5 (quick: 4 h)
    counts = [10, 20, 10, 5, 10, 10, 20, 10, 5, 10]
    df = _weeks(counts, {1: 48.0, 6: 48.0, 3: 4.0, 8: 4.0})
    last = df["created"].max()
    tb = Timebase(TB.t0, TB.t0 - pd.Timedelta(days=30), TB.t0, pd.Timestamp("2015-03-31"), last_created=last)
    le = load_effect(df, tb)
    assert le == {"busy_on_time": 0.0, "quiet_on_time": 1.0, "busy_p50": 48.0, "quiet_p50": 4.0}
    # only the held-out window counts: training weeks, however busy and slow, change nothing
    early = pd.DataFrame({"created": TB.t0 - pd.to_timedelta(np.arange(200) % 20 + 1, unit="D"),
                          "due": TB.t0, "closed": TB.t0 + pd.Timedelta(days=40)})
    assert load_effect(pd.concat([early, df], ignore_index=True), tb) == le
    # a season within the window (40 cases a week falling by 2 a week, as from September to December)
    # is not load: the busy weeks are the three at 1.5 times their neighbours (2, 5, 8), the quiet ones
    # the three at 0.6 times (3, 7, 10); by count alone they would be weeks 0-2 and 9-11
    season = [40, 38, 54, 20, 32, 45, 28, 15, 36, 22, 12, 18, 16]
    seasonal = _weeks(season, {2: 48.0, 5: 48.0, 8: 48.0, 3: 4.0, 7: 4.0, 10: 4.0})
    tb12 = replace(tb, last_created=seasonal["created"].max())  # 12 whole weeks: a quarter is 3
    falling = load_effect(seasonal, tb12)
    assert falling == {"busy_on_time": 0.0, "quiet_on_time": 1.0, "busy_p50": 48.0, "quiet_p50": 4.0}
    # a week with a public holiday is quiet because the offices close: left out, whatever its count
    with_holiday = _weeks([10, 20, 10, 6, 10, 6, 20, 10, 5, 10], {1: 48.0, 6: 48.0, 3: 100.0, 5: 4.0, 8: 4.0})
    holiday = (tb.train_until + pd.Timedelta(days=22)).date()  # in week 3
    assert load_effect(with_holiday, replace(tb, holidays=(holiday,))) == le
    assert load_effect(with_holiday, tb)["quiet_p50"] == 100.0  # counted, the holiday week is one of the quiet
    # fewer than four whole held-out weeks: undefined
    short = Timebase(TB.t0, TB.t0, TB.t0 + pd.Timedelta(days=49), pd.Timestamp("2015-03-31"), last_created=last)
    assert set(load_effect(df, short).values()) == {None}


def test_validation_json_has_exactly_the_issue_keys(tmp_path: Path) -> None:
    obs, sim = log(3000, 4), log(3000, 5, 30.0)
    tr, te = obs[obs["created"] < TB.train_until], obs[obs["created"] >= TB.train_until]
    cf = carry_forward(tr, te, EXT, 2)
    mm, _ = mmc(tr, te, TB.train_from, TB.train_until, EXT, 2)
    rec = validation(obs, sim, cf, mm, TB, traced=sim)
    path = write_validation(rec, tmp_path / "validation.json")
    text = path.read_text()
    assert "NaN" not in text and "Infinity" not in text
    v = json.loads(text)
    assert set(v) == {"train", "test", "heldout", "departments", "distances", "load_effect"}
    assert set(v["train"]) == set(v["test"]) == {"from", "until", "matters"}
    assert v["train"]["matters"] + v["test"]["matters"] == len(obs)
    assert set(v["heldout"]) == {"observed", "simulated", "carry_forward", "mmc"}
    for k in v["heldout"].values():
        assert set(k) == set(SAME)
    assert list(v["departments"]) == ["A", "B"]  # the largest first (at most five)
    for d in v["departments"].values():
        assert set(d) == {"observed", "simulated"}
        assert set(d["observed"]) == set(d["simulated"]) == {"close_hours_p50", "close_hours_p90"}
    assert set(v["distances"]) == {"cycle_time_emd_hours", "absolute_hourly_emd", "circadian_emd"}
    for k in v["distances"].values():
        assert set(k) == {"model", "carry_forward", "mmc"}
    assert v["distances"]["cycle_time_emd_hours"]["model"] > 0
    assert set(v["load_effect"]) == {"observed", "simulated", "traced"}
    for k in v["load_effect"].values():
        assert set(k) == {"busy_on_time", "quiet_on_time", "busy_p50", "quiet_p50"}


def test_strict_json_replaces_nan_and_numpy() -> None:
    assert strict({"a": float("nan"), "b": np.float64(2.0), "c": [np.inf, np.int64(3)]}) == \
        {"a": None, "b": 2.0, "c": [None, 3]}


@pytest.mark.parametrize(("args", "key"), [
    (["log=x.csv", "mapping=boston311"], "name: is required"),
    (["log=x.csv", "mapping=boston311", "name=a b"], "name: must be"),
    (["log=x.csv", "mapping=boston311", "name=a", "trials=0"], "trials: must be a whole number >= 1"),
    (["log=x.csv", "mapping=boston311", "name=a", "colour=red"], "colour: is not an argument"),
    (["log=x.csv", "mapping=boston311", "name=a", "train_until=soon"], "train_until: must be a date"),
    (["oops"], "arguments are key=value"),
])
def test_cli_bad_arguments_one_line_exit_2(args: list[str], key: str, capsys: pytest.CaptureFixture[str]) -> None:
    from sim.calibrate.cli import main

    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("gridsim calibrate: error: ") and key in err


def test_cli_unreadable_log_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from sim.calibrate.cli import main

    assert main([f"log={tmp_path / 'missing.csv'}", "mapping=boston311", "name=a",
                 f"presets={tmp_path / 'p'}", f"results={tmp_path / 'r'}"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "missing.csv" in err
    assert not (tmp_path / "p").exists() and not (tmp_path / "r").exists()
