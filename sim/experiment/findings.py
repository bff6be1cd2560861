"""Plain-language findings with numbers, one per non-baseline scenario (English or Chinese).

Every change is a paired difference over replications (scenario - baseline, replication
r with replication r, which is what common random numbers buy) with its 95% Student-t
half-width. Shares and rates change in percentage points; everything else changes
relative to the baseline mean (paired difference mean / baseline mean, and the
half-width over the same mean). A change whose interval includes zero is reported as
"no clear change" with its numbers, e.g.:

    Unified dispatch (一体派单) lowers the 90th percentile resolution time by 31% ± 4%
    (95% CI, 10 paired replications) and escalations per matter from 0.50 to 0.07;
    on-time rate +1.2 points ± 0.4.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sim.metrics.replications import Summary, paired_difference, summary_of
from sim.metrics.stability import Stability
from sim.report.labels import kpi_name, role_name

__all__ = ["Effect", "baseline_line", "effect", "finding", "findings", "headlines", "method_line", "name_of"]

Runs = Sequence[Mapping[str, float]]

#: names of the runner's derived KPIs (``sim.experiment.runner``)
DERIVED_NAMES: dict[str, tuple[str, str]] = {
    "clear_days": ("days to clear the surge backlog (days)", "高峰后积压消化天数（天）"),
    "backlog_peak": ("peak open matters", "高峰期最多未办结事项数"),
    "headcount_fulltime": ("full-time grid workers", "专职网格员人数"),
    "headcount_staff": ("staff head-count", "办事人员总数"),
}
#: sentence names where the chart label reads badly in a sentence
SENTENCE_NAMES: dict[str, tuple[str, str]] = {
    "open_at_horizon": ("matters open at the horizon", "期末未办结事项数"),
}
_COUNTS = ("matters", "closed", "open_", "headcount", "backlog_peak")
_UNIT = re.compile(r"\s*[（(][^（）()]*[）)]\s*$")


def name_of(kpi: str, lang: str) -> str:
    """The KPI's readable name without its unit (for sentences)."""
    if kpi in DERIVED_NAMES or kpi in SENTENCE_NAMES:
        full = {**DERIVED_NAMES, **SENTENCE_NAMES}[kpi][1 if lang == "zh" else 0]
    elif kpi.startswith("utilization_"):  # "platform dispatcher utilisation", not "utilisation: ..."
        who = role_name(kpi.removeprefix("utilization_").removeprefix("role_"), lang)
        full = f"{who}利用率" if lang == "zh" else f"{who} utilisation"
    else:
        full = kpi_name(kpi, lang)
    return _UNIT.sub("", full)


def display_name(kpi: str, lang: str) -> str:
    """The KPI's readable name with its unit (for chart axes)."""
    return DERIVED_NAMES[kpi][1 if lang == "zh" else 0] if kpi in DERIVED_NAMES else kpi_name(kpi, lang)


def is_share(kpi: str) -> bool:
    return any(w in kpi for w in ("rate", "share", "settled_at_or_below", "utilization"))


def fmt_value(kpi: str, x: float, lang: str) -> str:
    """A KPI value with its unit: shares as %, hours, days, yuan, counts, ratios."""
    if not math.isfinite(x):
        return "n/a"
    zh = lang == "zh"
    if is_share(kpi):
        return f"{x:.1%}"
    if "cost" in kpi:
        if abs(x) >= 1e5:
            return f"{x / 1e4:,.0f}万元" if zh else f"{x / 1e6:,.1f} million yuan"
        return f"{x:,.0f}元" if zh else f"{x:,.0f} yuan"
    if "hours" in kpi:
        return f"{x:.0f}小时" if zh and abs(x) >= 100 else f"{x:.1f}小时" if zh else (
            f"{x:.0f} h" if abs(x) >= 100 else f"{x:.1f} h")
    if "days" in kpi:
        return f"{x:.1f}天" if zh else f"{x:.1f} days"
    if any(kpi.startswith(c) for c in _COUNTS):
        return f"{x:,.0f}"
    return f"{x:.2f}" if abs(x) < 10 else f"{x:.1f}" if abs(x) < 100 else f"{x:,.0f}"


def _pct(x: float) -> str:
    """A percentage (or points) with sensible digits: 31, 4.2, 0.35, 0.04."""
    a = abs(x)
    if a >= 10:
        return f"{x:.0f}"
    if a >= 1 or a == 0:
        return f"{x:.1f}"
    return f"{x:.2g}" if a >= 0.01 else f"{x:.1g}"


@dataclass(frozen=True)
class Effect:
    """A KPI of one scenario against the baseline: both means and the paired difference."""

    kpi: str
    base: float
    value: float
    diff: Summary
    total: int = 0  # paired replications run (diff.n counts those where the KPI was defined in both)

    @property
    def fixed(self) -> bool:
        """A non-zero difference, the same in every replication (a head-count, a design choice)."""
        return self.diff.n >= 2 and self.diff.half_width == 0.0 and self.diff.mean != 0.0

    @property
    def unchanged(self) -> bool:
        """Exactly the same value in every replication pair (the lever does not touch it)."""
        d = self.diff
        return d.n >= 1 and d.mean == 0.0 and (d.n == 1 or d.half_width == 0.0)

    @property
    def clear(self) -> bool:
        """The 95% interval of the paired difference excludes zero."""
        d = self.diff
        return math.isfinite(d.mean) and math.isfinite(d.half_width) and abs(d.mean) > d.half_width

    @property
    def relative(self) -> bool:
        return not is_share(self.kpi) and math.isfinite(self.base) and abs(self.base) > 1e-12

    def change(self, lang: str, signed: bool = True) -> str:
        """``+31% ± 4%``, ``+1.2 points ± 0.4`` (zh: 个百分点), or an absolute change; sign optional."""
        d, hw = self.diff.mean, self.diff.half_width
        if not math.isfinite(d):
            return "n/a"
        if is_share(self.kpi):
            body, tail = _pct(abs(d) * 100), _pct(hw * 100)
            unit = "个百分点" if lang == "zh" else " points"
            text = f"{body}{unit}" + ("" if self.fixed or not math.isfinite(hw) else f" ± {tail}")
        elif self.relative:
            rel, rhw = abs(d) / abs(self.base) * 100, hw / abs(self.base) * 100
            text = f"{_pct(rel)}%" + ("" if self.fixed or not math.isfinite(hw) else f" ± {_pct(rhw)}%")
        else:
            text = fmt_value(self.kpi, abs(d), lang) + (
                "" if self.fixed or not math.isfinite(hw) else f" ± {fmt_value(self.kpi, hw, lang)}")
        return (("+" if d >= 0 else "-") + text) if signed else text


def effect(base_runs: Runs, runs: Runs, kpi: str) -> Effect:
    """Baseline mean, scenario mean and the paired difference of ``kpi``."""
    base = summary_of([float(r.get(kpi, math.nan)) for r in base_runs]).mean
    value = summary_of([float(r.get(kpi, math.nan)) for r in runs]).mean
    diff = paired_difference([dict(r) for r in base_runs], [dict(r) for r in runs], kpi)
    return Effect(kpi, base, value, diff, min(len(base_runs), len(runs)))


def _undefined(kpi: str, lang: str) -> str:
    if kpi != "clear_days":
        return ""
    return "：高峰积压在期末前未消化" if lang == "zh" else ": the surge backlog had not cleared by the horizon"


def _ci_note(e: Effect, lang: str) -> str:
    if e.fixed:
        return "固定差值" if lang == "zh" else "the same in every replication"
    n, total = e.diff.n, e.total
    if lang == "zh":
        return f"95%置信区间，{n}次配对重复" + (f"（共{total}次，其余无定义{_undefined(e.kpi, lang)}）"
                                                 if 0 < n < total else "")
    return f"95% CI, {n} paired replications" + (f" of {total} (undefined in the others{_undefined(e.kpi, lang)})"
                                                  if 0 < n < total else "")


def _head(label: str, e: Effect, lang: str) -> str:
    name = name_of(e.kpi, lang)
    up = e.diff.mean >= 0
    if e.diff.n == 0:
        why = _undefined(e.kpi, lang)
        return (f"{label}：{name}无法比较（各次重复均无定义{why}）" if lang == "zh"
                else f"{label}: the {name} cannot be compared (undefined in every replication{why})")
    if e.unchanged:
        v = fmt_value(e.kpi, e.base, lang)
        return f"{label}：{name}不变（{v}）" if lang == "zh" else f"{label} leaves the {name} unchanged ({v})"
    if lang == "zh":
        if not e.clear and not e.fixed:
            return f"{label}：{name}无明显变化（{e.change(lang)}，{_ci_note(e, lang)}）"
        verb = ("提高" if up else "降低") if is_share(e.kpi) else ("上升" if up else "下降")
        return f"{label}使{name}{verb}{e.change(lang, signed=False)}（{_ci_note(e, lang)}）"
    if not e.clear and not e.fixed:
        return f"{label}: no clear change in the {name} ({e.change(lang)}, {_ci_note(e, lang)})"
    verb = "raises" if up else "lowers"
    return f"{label} {verb} the {name} by {e.change(lang, signed=False)} ({_ci_note(e, lang)})"


def _second(e: Effect, lang: str) -> str:
    name = name_of(e.kpi, lang)
    a, b = fmt_value(e.kpi, e.base, lang), fmt_value(e.kpi, e.value, lang)
    if e.unchanged:
        return f"，{name}不变（{a}）" if lang == "zh" else f"; {name} unchanged ({a})"
    if lang == "zh":
        if not e.clear and not e.fixed:
            return f"，{name}无明显变化（{a}对{b}）"
        return f"，{name}由{a}{'升至' if e.diff.mean >= 0 else '降至'}{b}" + (f"（{e.change(lang)}）" if a == b else "")
    if not e.clear and not e.fixed:
        return f"; no clear change in {name} ({a} vs {b})"
    return f" and {name} from {a} to {b}" + (f" ({e.change(lang)})" if a == b else "")


def _more(e: Effect, lang: str) -> str:
    name = name_of(e.kpi, lang)
    if e.unchanged:
        return f"；{name}不变" if lang == "zh" else f"; {name} unchanged"
    if lang == "zh":
        return f"；{name}{e.change(lang)}" + ("" if e.clear or e.fixed else "（无明显变化）")
    return f"; {name} {e.change(lang)}" + ("" if e.clear or e.fixed else " (no clear change)")


_RULE_ZH = {"capacity": "容量不足", "backlog growth": "积压持续增长", "warm-up": "预热期过短"}


def unstable_prefix(sides: Mapping[str, Stability], lang: str) -> str:
    """What a paired comparison says first when either side is unstable (``sides``: label -> verdict)."""
    bad = {label: v for label, v in sides.items() if v.unstable}
    if not bad:
        return ""
    if lang == "zh":
        return "".join(f"不稳定：{label}{_RULE_ZH.get(v.rule, v.rule)}，以下差值低估了办结时长。"
                       for label, v in bad.items())
    return " ".join(f"Unstable: {label}: {v.reasons[0].text if v.reasons else v.rule}" for label, v in bad.items()) \
        + " The differences below understate its resolution times. "


def finding(label: str, effects: Sequence[Effect], lang: str,
            unstable: Sequence[tuple[str, float]] = (), prefix: str = "") -> str:
    """One sentence: the headline effect, the second as from-to, the rest as signed changes.

    ``prefix`` (``unstable_prefix``) comes first: an unstable side is said before the differences.
    """
    if not effects:
        raise ValueError("a finding needs at least one KPI")
    text = prefix + _head(label, effects[0], lang)
    if len(effects) > 1:
        text += _second(effects[1], lang)
    for e in effects[2:]:
        text += _more(e, lang)
    text += "。" if lang == "zh" else "."
    if unstable and not prefix:
        over = ", ".join(f"{n} ({u:.2f})" for n, u in unstable)
        text += (f"容量核算：{over}利用率不低于1，积压会持续增长（未办结事项只计到仿真期末，办结时长因此偏低）。"
                 if lang == "zh"
                 else f" Capacity check: {over} at utilisation >= 1, so its queue keeps growing (matters still open "
                      "count only up to the horizon, so resolution times understate the delay).")
    return text


def findings(runs: Mapping[str, Runs], baseline: str, kpis: Sequence[str], labels: Mapping[str, str],
             lang: str, unstable: Mapping[str, Sequence[tuple[str, float]]] | None = None,
             max_kpis: int | None = None, stability: Mapping[str, Stability] | None = None) -> dict[str, str]:
    """``{scenario: finding}`` for every scenario but the baseline, in ``runs`` order; a comparison
    where either side is unstable (``stability``) says so first."""
    ks = list(kpis)[:max_kpis] if max_kpis else list(kpis)
    out = {}
    for s, r in runs.items():
        if s == baseline:
            continue
        effects = [effect(runs[baseline], r, k) for k in ks]
        sides = {labels.get(x, x): (stability or {})[x] for x in (baseline, s) if x in (stability or {})}
        out[s] = finding(labels.get(s, s), effects, lang, (unstable or {}).get(s, ()), unstable_prefix(sides, lang))
    return out


def baseline_line(runs: Runs, label: str, kpis: Sequence[str], lang: str) -> str:
    """The baseline's means of the first three KPIs."""
    parts = []
    for k in list(kpis)[:3]:
        v = summary_of([float(r.get(k, math.nan)) for r in runs]).mean
        parts.append(f"{name_of(k, lang)}{fmt_value(k, v, lang)}" if lang == "zh"
                     else f"{name_of(k, lang)} {fmt_value(k, v, lang)}")
    if lang == "zh":
        return f"基准方案（{label}）：" + "，".join(parts) + f"（{len(runs)}次重复的均值）。"
    return f"Baseline ({label}): " + ", ".join(parts) + f" (mean of {len(runs)} replications)."


def method_line(replications: int, lang: str) -> str:
    if lang == "zh":
        return (f"各方案使用相同的{replications}组随机数（共同随机数）重复运行；变化为逐次配对差值，"
                "±为95%置信区间半宽。")
    return (f"Every scenario ran the same {replications} replications (common random numbers); changes are "
            "paired differences, ± is the 95% confidence half-width.")


def _short(label: str, e: Effect, lang: str) -> str:
    name = name_of(e.kpi, lang)
    if e.unchanged:
        return f"{label}：{name}不变" if lang == "zh" else f"{label}: {name} unchanged"
    if not e.clear and not e.fixed:
        return f"{label}：{name}无明显变化" if lang == "zh" else f"{label}: no clear change in {name}"
    return f"{label}：{name}{e.change(lang)}" if lang == "zh" else f"{label}: {name} {e.change(lang)}"


def headlines(runs: Mapping[str, Runs], baseline: str, kpis: Sequence[str], labels: Mapping[str, str],
              lang: str, unstable: Mapping[str, Sequence[tuple[str, float]]] | None = None,
              stability: Mapping[str, Stability] | None = None) -> list[str]:
    """3-5 briefing lines: the baseline, the findings (first three KPIs; beyond three scenarios the
    rest in one line), and how to read the numbers when there is room."""
    fs = findings(runs, baseline, kpis, labels, lang, unstable, max_kpis=3, stability=stability)
    lines = [baseline_line(runs[baseline], labels.get(baseline, baseline), kpis, lang)]
    items = list(fs.values())
    if len(items) <= 4:
        lines += items
    else:
        lines += items[:3]
        rest = [s for s in fs][3:]
        shorts = [_short(labels.get(s, s), effect(runs[baseline], runs[s], kpis[0]), lang) for s in rest]
        lines.append(("另外：" + "；".join(shorts) + "。") if lang == "zh" else ("Also: " + "; ".join(shorts) + "."))
    if len(lines) < 5:
        lines.append(method_line(len(runs[baseline]), lang))
    return lines[:5]
