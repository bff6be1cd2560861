"""One rounding rule for every figure a planner reads: the briefing's text, its bars and the league tables.

A figure with an interval is rounded so that the interval's half-width keeps two
significant figures and the estimate the same decimal places (``0.153`` -> ``± 0.15``,
``89.417`` -> ``89.42``); a figure without one keeps three significant figures. Each KPI
has one display unit: shares in per cent (their changes in percentage points), staff
cost in thousand yuan (English) or 万元 (Chinese), times in hours, or in days when the
reference value is three days or more. The same ``Unit`` goes to the text and the
bars, so the two never disagree. No scientific notation, thousands separated.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from sim.report.labels import check_lang

__all__ = ["Unit", "bare_name", "decimals_for", "fmt_change", "fmt_number", "fmt_value", "indistinguishable",
           "is_share", "shared_decimals", "unit_of", "zero_words"]

#: a time KPI is shown in days from this many hours of its reference value on
DAYS_FROM_HOURS = 72.0
#: KPIs that are money per run (the planner's unit); money per matter stays in yuan
MONEY_TOTALS = ("staff_cost", "staff_cost_per_year")
MAX_DECIMALS = 3

_WORDS: dict[str, dict[str, str]] = {
    "en": {"pct": "%", "pp": " pp", "days": " days", "hours": " h", "money": " thousand yuan", "yuan": " yuan",
           "above": "above the horizon", "missing": "–", "zero": "not distinguishable from zero", "same": "no change"},
    "zh": {"pct": "%", "pp": "个百分点", "days": "天", "hours": "小时", "money": "万元", "yuan": "元",
           "above": "超出仿真期", "missing": "–", "zero": "与零无显著差异", "same": "无变化"},
}


def bare_name(name: str) -> str:
    """A KPI's name without its unit in brackets: "mean resolution time (hours)" -> "mean resolution time"."""
    return re.sub(r"\s*[（(][^（()）]*[)）]\s*$", "", name)


def word(key: str, lang: str) -> str:
    """A unit word of this module in ``lang``."""
    return _WORDS[check_lang(lang)][key]


def is_share(kpi: str) -> bool:
    """True for a KPI that is a share of matters or of hours (shown in per cent)."""
    if kpi.endswith("_above_horizon"):
        return False
    return (kpi.endswith(("_rate", "_share")) or "_share_" in kpi or kpi.startswith(("settled_", "utilization"))
            or kpi in ("settled_locally_share", "open_at_horizon_share"))


@dataclass(frozen=True)
class Unit:
    """How a KPI is displayed: value x ``factor``, then ``suffix`` (``diff_suffix`` for a change)."""

    factor: float
    suffix: str
    diff_suffix: str


def unit_of(kpi: str, lang: str, reference: float | None = math.nan) -> Unit:
    """The display unit of ``kpi``; ``reference`` (hours, for a time KPI) picks hours or days."""
    if is_share(kpi):
        return Unit(100.0, word("pct", lang), word("pp", lang))
    if kpi in MONEY_TOTALS:
        factor = 1e-4 if lang == "zh" else 1e-3
        return Unit(factor, word("money", lang), word("money", lang))
    if "cost" in kpi:
        return Unit(1.0, word("yuan", lang), word("yuan", lang))
    if "hours" in kpi:
        ref = math.nan if reference is None else float(reference)
        if math.isfinite(ref) and abs(ref) >= DAYS_FROM_HOURS:
            return Unit(1.0 / 24.0, word("days", lang), word("days", lang))
        return Unit(1.0, word("hours", lang), word("hours", lang))
    return Unit(1.0, "", "")


def decimals_for(half_width: float, value: float = math.nan) -> int:
    """Decimals that keep two significant figures of ``half_width`` (three of ``value`` without one)."""
    if math.isfinite(half_width) and half_width > 0:
        return int(min(max(1 - math.floor(math.log10(half_width)), 0), MAX_DECIMALS))
    if math.isfinite(value) and value != 0:
        return int(min(max(2 - math.floor(math.log10(abs(value))), 0), MAX_DECIMALS))
    return 0


def fmt_number(x: float, decimals: int, sign: bool = False) -> str:
    """``x`` with ``decimals`` decimals and thousands separators (never ``-0``, never ``1e+07``)."""
    if round(x, decimals) == 0:
        x = 0.0  # not "-0.0"
    return f"{x:{'+' if sign else ''},.{decimals}f}"


def _plain(x: float | None) -> float:
    return math.nan if x is None else float(x)


#: a half-width below this share of the values it goes with is floating-point noise, not an interval
NOISE = 1e-9


def _no_noise(half_width: float, value: float) -> float:
    """``half_width``, or 0 where it is rounding noise beside ``value`` (a staff cost the same in every
    replication has a half-width of 1e-13 yuan: "± 0.000" is no interval)."""
    return 0.0 if math.isfinite(half_width) and abs(half_width) <= NOISE * abs(value) else half_width


def shared_decimals(means: Sequence[float | None], half_widths: Sequence[float | None], unit: Unit) -> int:
    """Decimals for several values of one KPI shown side by side: by the widest interval (else the
    largest value), so the two sides of a comparison are rounded alike."""
    vals = [abs(_plain(m)) * unit.factor for m in means if math.isfinite(_plain(m))]
    # an interval of rounding noise (a staff cost the same in every replication: 1e-13 yuan) is no interval
    noise = NOISE * max(vals, default=0.0)
    hws = [abs(_plain(h)) * unit.factor for h in half_widths if math.isfinite(_plain(h)) and _plain(h) > 0]
    hws = [h for h in hws if h > noise]
    if hws:
        return decimals_for(max(hws))
    return decimals_for(math.nan, max(vals)) if vals else 0


def fmt_value(kpi: str, x: float | None, lang: str, half_width: float | None = math.nan,
              unit: Unit | None = None, decimals: int | None = None, interval: bool = True) -> str:
    """A KPI's value in its unit, rounded by the rule (``None``: a percentile above the horizon); with
    ``interval``, its half-width after ``±`` (left out when it is zero: nothing varied)."""
    if x is None:
        return word("above", lang)
    v, hw = _plain(x), _plain(half_width)
    if not math.isfinite(v):
        return word("missing", lang)
    hw = _no_noise(hw, v)
    u = unit or unit_of(kpi, lang, v)
    d = decimals_for(hw * u.factor, v * u.factor) if decimals is None else decimals
    text = fmt_number(v * u.factor, d) + u.suffix
    if interval and math.isfinite(hw) and hw > 0:
        text += f" ± {fmt_number(hw * u.factor, d)}"
    return text


def zero_words(lang: str) -> str:
    """"(not distinguishable from zero)" in ``lang``, as the text and the bars say it."""
    return f"({word('zero', lang)})" if lang == "en" else f"（{word('zero', lang)}）"


def indistinguishable(diff: float, half_width: float) -> bool:
    """True when the 95% interval of a change includes zero."""
    return math.isfinite(half_width) and abs(diff) <= half_width


def fmt_change(kpi: str, diff: float | None, half_width: float | None, lang: str, unit: Unit | None = None,
               words: bool = True) -> str:
    """A change with its interval: ``+2.1 pp ± 0.4``; with ``words``, says when it is not distinguishable
    from zero."""
    if diff is None:
        return word("above", lang)
    d, hw = _plain(diff), _plain(half_width)
    if not math.isfinite(d):
        return word("missing", lang)
    hw = _no_noise(hw, d)
    if d == 0 and (hw == 0 or not math.isfinite(hw)):
        return word("same", lang)  # identical replications: no interval to speak of
    u = unit or unit_of(kpi, lang)
    dec = decimals_for(hw * u.factor, d * u.factor)
    text = fmt_number(d * u.factor, dec, sign=True) + u.diff_suffix
    if math.isfinite(hw) and hw > 0:
        text += f" ± {fmt_number(hw * u.factor, dec)}"
    if math.isfinite(hw):
        if words and indistinguishable(d, hw):
            text += " " + zero_words(lang) if lang == "en" else zero_words(lang)
    return text
