"""The answer as a decision: baseline | variant | change per headline KPI, in the planner's units.

Pure functions over KPI dictionaries and replication lists (no Streamlit), so the page, the
screenshots and the tests read the same figures. Each headline KPI has a direction (is more
better?), a unit the planner reads (a share in per cent and its change in points, money in
万元 in Chinese and thousand yuan in English, a time in hours or days) and a plain fixed-point
format: never scientific notation. A change whose 95% interval covers zero is "not
distinguishable from zero" in words, not a coloured number; a KPI the run could not
measure (a percentile above the horizon: ``None``) says so.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sim.app.labels import t
from sim.metrics.replications import paired_difference
from sim.report.labels import items

__all__ = ["DIRECTION", "HEADLINE", "Change", "Row", "changes", "decision_rows", "fmt_number", "fmt_value",
           "value_rows"]

#: the KPIs the answer leads with, in order; the trust definitions' additions are shown when a run has them
HEADLINE: tuple[str, ...] = ("on_time_rate", "resolution_hours_p90", "satisfaction_rate", "petitions_per_10k",
                             "open_at_horizon_share", "backlog_growth_per_30d", "staff_cost_per_year")
#: +1: more is better; -1: less is better
DIRECTION: dict[str, int] = {"on_time_rate": 1, "satisfaction_rate": 1, "resolution_hours_p90": -1,
                             "petitions_per_10k": -1, "open_at_horizon_share": -1, "backlog_growth_per_30d": -1,
                             "staff_cost_per_year": -1}
#: a time at or above this many hours reads in days
DAYS_FROM_HOURS = 72.0
SHARES = frozenset({"on_time_rate", "satisfaction_rate", "open_at_horizon_share"})
HOURS = frozenset({"resolution_hours_p90"})
MONEY = frozenset({"staff_cost", "staff_cost_per_year"})


def fmt_number(x: float, decimals: int = 1, sign: bool = False) -> str:
    """``x`` in fixed point with thousands separators (``122,022`` not ``1.22e+05``)."""
    if round(x, decimals) == 0:
        x = 0.0  # "0.0", never "−0.0" or "+0.0"
        sign = False
    text = f"{x:+,.{decimals}f}" if sign else f"{x:,.{decimals}f}"
    return text.replace("-", "−")  # a true minus: a planner reads "−5.5", not a hyphen


def _finite(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)


def _money_scale(lang: str) -> float:
    return 1e4 if lang == "zh" else 1e3  # 万元 | thousand yuan


def _hour_scale(hours: float) -> tuple[float, str]:
    """(divisor, unit key): days for long times, hours for short ones."""
    return (24.0, "u.days") if abs(hours) >= DAYS_FROM_HOURS else (1.0, "u.hours")


def fmt_value(kpi: str, value: Any, lang: str, time_scale: tuple[float, str] | None = None) -> str:
    """One KPI value as the planner reads it, with its unit."""
    if value is None:
        return t("dec.above_horizon", lang)
    if not _finite(value):
        return "–"
    x = float(value)
    if kpi in SHARES:
        return f"{fmt_number(100 * x)} %"
    if kpi in HOURS:
        div, unit = time_scale or _hour_scale(x)
        return f"{fmt_number(x / div)} {t(unit, lang)}"
    if kpi in MONEY:
        return f"{fmt_number(x / _money_scale(lang), 0)} {t('u.money', lang)}"
    if kpi == "backlog_growth_per_30d":
        return f"{fmt_number(x, 0, sign=True)} {t('u.per_30d', lang)}"
    return fmt_number(x, 2)


def value_rows(kpis: Mapping[str, Any], ci: Mapping[str, Any], lang: str) -> list[tuple[str, str, str]]:
    """``(name, value, ± 95%)`` of each headline KPI one run measured, in the units of the comparison's table
    (the baseline's own answer: it has nothing to compare with). No interval with one replication: "–"."""
    rows = []
    for k in HEADLINE:
        if k not in kpis:
            continue
        v: Any = None if _above(kpis, k) else kpis[k]  # None: past the horizon
        got = ci.get(k)
        scale = _hour_scale(float(v)) if _finite(v) else (1.0, "u.hours")
        hw = float(got) if got is not None and _finite(got) else math.nan
        if not math.isfinite(hw) or not _finite(v):  # None (past the horizon) is not finite
            bound = "–"
        elif hw <= EXACT * abs(float(v)):  # the same in every replication: no interval, not "± 0"
            bound = t("dec.same_each", lang)
        else:
            if k in SHARES:
                text, unit = fmt_number(100 * hw), t("u.points", lang)
            elif k in HOURS:
                text, unit = fmt_number(hw / scale[0]), t(scale[1], lang)
            elif k in MONEY:
                text, unit = fmt_number(hw / _money_scale(lang), 0), t("u.money", lang)
            else:
                text, unit = fmt_number(hw, 0 if k == "backlog_growth_per_30d" else 2), ""
            if not text.strip("0.,"):  # below the figure's last digit: its bound, never "± 0.0"
                text = f"<{text[:-1]}1"
            bound = f"± {text} {unit}".rstrip()
        rows.append((t(f"dkpi.{k}", lang), fmt_value(k, v, lang, scale), bound))
    return rows


@dataclass(frozen=True)
class Change:
    """A paired difference ``variant − baseline`` and what it means for the planner."""

    mean: float
    half_width: float  # NaN with one replication
    verdict: str  # better | worse | none (not distinguishable from zero) | not_growing | single | unpaired | unknown


@dataclass(frozen=True)
class Row:
    kpi: str
    name: str
    baseline: str
    variant: str
    change: str
    verdict: str


def _change(kpi: str, a_runs: Sequence[Mapping[str, Any]], b_runs: Sequence[Mapping[str, Any]]) -> Change:
    if len(a_runs) != len(b_runs) or not a_runs:
        return Change(math.nan, math.nan, "unpaired")
    if any(not _finite(r.get(kpi)) for r in (*a_runs, *b_runs)):
        return Change(math.nan, math.nan, "unknown")  # e.g. a percentile above the horizon on one side
    d = paired_difference([dict(r) for r in a_runs], [dict(r) for r in b_runs], kpi)
    if len(a_runs) < 2 or not math.isfinite(d.half_width):
        return Change(d.mean, math.nan, "single")
    if abs(d.mean) <= d.half_width:
        return Change(d.mean, d.half_width, "none")
    if kpi in FALLING_IS_NOT_BETTER and all(_mean_of(runs, kpi) <= 0 for runs in (a_runs, b_runs)):
        return Change(d.mean, d.half_width, "not_growing")
    better = d.mean * DIRECTION.get(kpi, 1) > 0
    return Change(d.mean, d.half_width, "better" if better else "worse")


#: figures whose change means nothing while both sides are at or below zero: open matters falling faster
#: on one side is no better (it may have started with more of them), and a slower fall is no worse
FALLING_IS_NOT_BETTER = frozenset({"backlog_growth_per_30d"})


def _mean_of(runs: Sequence[Mapping[str, Any]], kpi: str) -> float:
    return sum(float(r[kpi]) for r in runs) / len(runs)


#: a half-width below this share of its change is floating-point noise: the change is the same in every replication
EXACT = 1e-9


def _fmt_change(kpi: str, c: Change, lang: str, time_scale: tuple[float, str]) -> str:
    if c.verdict == "unpaired":
        return t("dec.unpaired", lang)
    if c.verdict == "unknown":
        return t("dec.unknown", lang)
    if kpi in SHARES:
        d, hw, unit = 100 * c.mean, 100 * c.half_width, t("u.points", lang)
        text = f"{fmt_number(d, sign=True)} {unit}"
        hw_text = fmt_number(hw)
    elif kpi in HOURS:
        div, key = time_scale
        text, hw_text = f"{fmt_number(c.mean / div, sign=True)} {t(key, lang)}", fmt_number(c.half_width / div)
    elif kpi in MONEY:
        s = _money_scale(lang)
        text, hw_text = (f"{fmt_number(c.mean / s, 0, sign=True)} {t('u.money', lang)}",
                         fmt_number(c.half_width / s, 0))
    elif kpi == "backlog_growth_per_30d":  # in the unit both sides are given in
        text = f"{fmt_number(c.mean, 0, sign=True)} {t('u.per_30d', lang)}"
        hw_text = fmt_number(c.half_width, 0)
    else:
        text, hw_text = fmt_number(c.mean, 2, sign=True), fmt_number(c.half_width, 2)
    op, cp, colon = ("（", "）", "：") if lang == "zh" else (" (", ")", ": ")
    if c.verdict == "single":
        return f"{text}{op}{t('dec.single', lang)}{cp}"
    if c.half_width <= EXACT * abs(c.mean) or c.half_width == 0:  # no interval to give: say so, not "± 0"
        return t("dec.no_change", lang) if c.verdict == "none" else f"{text}{op}{t('dec.exact', lang)}{cp}"
    if not hw_text.strip("0.,"):  # an interval below the figure's last digit: its bound, never "± 0.0"
        hw_text = f"<{hw_text[:-1]}1"
    if c.verdict in ("none", "too_small"):
        return f"{text} ± {hw_text}{colon}{t('dec.none' if c.verdict == 'none' else 'dec.too_small', lang)}"
    if c.verdict == "not_growing":
        return f"{text} ± {hw_text}{colon}{t('dec.not_growing', lang)}"
    return f"{text} ± {hw_text}"


def _shown_as_zero(kpi: str, c: Change, time_scale: tuple[float, str], lang: str) -> bool:
    """Whether a change rounds to zero in the digits the table gives it (a planner reads "0.0 points")."""
    if kpi in SHARES:
        x, decimals = 100 * c.mean, 1
    elif kpi in HOURS:
        x, decimals = c.mean / time_scale[0], 1
    elif kpi in MONEY:  # in the language's own unit: thousand yuan, or 万元 (ten thousand)
        x, decimals = c.mean / _money_scale(lang), 0
    else:
        x, decimals = c.mean, 0 if kpi == "backlog_growth_per_30d" else 2
    return math.isfinite(x) and round(x, decimals) == 0


def _above(kpis: Mapping[str, Any], kpi: str) -> bool:
    """Whether a run's ``kpi`` (a percentile) lies above the horizon in any replication (its flag's mean > 0)."""
    flag = kpis.get(f"{kpi}_above_horizon")
    return flag is not None and _finite(flag) and float(flag) > 0


def decision_rows(a_kpis: Mapping[str, Any], a_runs: Sequence[Mapping[str, Any]], b_kpis: Mapping[str, Any],
                  b_runs: Sequence[Mapping[str, Any]], lang: str, comparable: bool = True,
                  a_side: str = "dec.col.baseline") -> list[Row]:
    """One row per headline KPI either side measured: names, both values, the change and its verdict.

    ``comparable``: False for runs of different territories or horizons (the caller passes no runs to
    pair): then nothing is called better or worse, a percentile past one side's horizon included.
    ``a_side``: what the first run's column is called (the baseline, or a reference run)."""
    rows = []
    for k in HEADLINE:
        if k not in a_kpis and k not in b_kpis:
            continue  # a KPI these runs do not have (older definitions)
        # a percentile the curve does not reach is "above the horizon" (None), not unmeasured
        a = None if _above(a_kpis, k) else a_kpis.get(k, math.nan)
        b = None if _above(b_kpis, k) else b_kpis.get(k, math.nan)
        ref = a if _finite(a) else b
        scale = _hour_scale(float(ref)) if ref is not None and _finite(ref) else (1.0, "u.hours")
        c = _change(k, a_runs, b_runs)
        if c.verdict in ("better", "worse") and _shown_as_zero(k, c, scale, lang):
            c = replace(c, verdict="too_small")  # "0.0 points … better" reads as nothing called better
        change = _fmt_change(k, c, lang, scale)
        if not comparable and c.verdict == "unpaired":  # the bases differ, whatever the replications
            change = t("dec.unpaired_base", lang)
        if comparable and (a is None) != (b is None) and c.verdict in ("unknown", "unpaired"):
            # one side's percentile passed the horizon: a change to a worse figure than any measured
            worse = b is None if DIRECTION.get(k, 1) < 0 else a is None
            c = replace(c, verdict="worse" if worse else "better")
            change = t("dec.past_horizon", lang).format(t("dec.col.variant" if b is None else a_side,
                                                          lang))
        rows.append(Row(kpi=k, name=t(f"dkpi.{k}", lang), baseline=fmt_value(k, a, lang, scale),
                        variant=fmt_value(k, b, lang, scale), change=change, verdict=c.verdict))
    return rows


def changes(levers: Sequence[Any], old: Mapping[str, Any], new: Mapping[str, Any], lang: str,
            name_of: Any, names: Mapping[str, str] | None = None) -> list[str]:
    """The levers that differ, in words: "full-time workers per grid 1 → 2" (``name_of(lever)``: its name;
    ``names``: the display name of a choice, such as a category's, by its key)."""
    out = []
    for lever in levers:
        a, b = old.get(lever.key), new.get(lever.key)
        if a is None or b is None or a == b:
            continue
        out.append(f"{name_of(lever)} {_show(a, lang, names or {})} → {_show(b, lang, names or {})}")
    return out


def _show(v: Any, lang: str, names: Mapping[str, str]) -> str:
    if isinstance(v, bool):
        return t("yes" if v else "no", lang)
    if isinstance(v, float):
        return f"{v:,.4f}".rstrip("0").rstrip(".")
    if isinstance(v, int):
        return f"{v:,}"
    if isinstance(v, list | tuple):
        return items((names.get(str(x), str(x)) for x in v), lang) or "—"
    if str(v) in names:
        return names[str(v)]
    key = f"choice.{v}"
    text = t(key, lang)
    return str(v) if text == key else text
