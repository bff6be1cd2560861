"""The stability verdict in words, for the briefing's first box (and any page that shows it).

A run's verdict (``sim.metrics.stability.Stability``: ``verdict``, ``rule``, ``reasons``)
arrives as the object, as its ``to_dict()`` or inside a results directory's
``kpis.json`` (key ``"stability"``). Each reason is said again from its fields, so an
office appears by its display name in either language, never by its catalogue key;
runs made before the verdict existed say that it was not assessed.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.metrics.stability import FINDING
from sim.report.labels import check_lang, humanize
from sim.report.names import office_type_name
from sim.scenario.schema import CatalogConfig

__all__ = ["Verdict", "stability_dict", "verdict_of"]

_WORDS: dict[str, dict[str, str]] = {
    "en": {"stable": "Stable: every office keeps up and the backlog does not grow.",
           "unstable": "Unstable ({rule}): {reasons}. {tail}",
           "tail": "Its figures are not a steady state: what it cannot handle piles up until the horizon.",
           "tail.warm-up": "Its figures still hold the start-up, when every office begins empty: "
                           "a longer warm-up (run.warmup_days) leaves it out.",
           "unknown": "Stability not assessed for this run.",
           "capacity": "{office} at utilisation {u:.0%}", "capacity_no_u": "{office} cannot keep up",
           "capacity.run": "{office} gets {u:.2f} times its capacity in the run (the work that reached it)",
           "finding": "some matters are never found (no patrol, part-time reporter or resident report reaches them)",
           "backlog": "open matters grow by {g:,.0f} every 30 days", "warmup": "the warm-up is too short",
           "rule.capacity": "capacity", "rule.backlog growth": "backlog growth", "rule.warm-up": "warm-up",
           "both": "{name}: {verdict}", "sep": "; "},
    "zh": {"stable": "稳定：各机构均可应对，积压未增长。",
           "unstable": "不稳定（{rule}）：{reasons}。{tail}",
           "tail": "各项数值并非稳态：无法办结的事项将持续积压至仿真期末。",
           "tail.warm-up": "各项数值仍含各机构从空闲起步的过渡阶段：延长预热期（run.warmup_days）即可将其排除。",
           "unknown": "本次运行未评估稳定性。",
           "capacity": "{office}利用率{u:.0%}", "capacity_no_u": "{office}无法应对",
           "capacity.run": "{office}实际到达的工作量为其能力的{u:.2f}倍",
           "finding": "部分事项无人发现（无巡查、兼职网格员经过，居民也未上报）",
           "backlog": "未办结事项每30天增加{g:,.0f}件", "warmup": "预热期过短",
           "rule.capacity": "能力不足", "rule.backlog growth": "积压增长", "rule.warm-up": "预热期",
           "both": "{name}：{verdict}", "sep": "；"},
}


@dataclass(frozen=True)
class Verdict:
    """One run's verdict as shown: ``stable`` (None: not assessed) and its sentence in the page's language."""

    stable: bool | None
    text: str


def stability_dict(source: Any) -> dict[str, Any] | None:
    """The verdict as a dict: from a ``Stability``, its ``to_dict()``, or a results directory's ``kpis.json``."""
    if source is None:
        return None
    if isinstance(source, Mapping):
        return dict(source)
    if hasattr(source, "to_dict"):
        return dict(source.to_dict())
    path = Path(source) / "kpis.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    found = data.get("stability") if isinstance(data, dict) else None
    return dict(found) if isinstance(found, Mapping) else None


def _reason(r: Mapping[str, Any], catalog: CatalogConfig | None, lang: str) -> str:
    w = _WORDS[lang]
    kind = r.get("kind")
    if kind == "capacity" and r.get("office") == FINDING:
        return w["finding"]
    if kind == "capacity":
        office = office_type_name(str(r.get("office") or ""), catalog, lang)
        u = r.get("utilization")
        if isinstance(u, int | float) and math.isfinite(u):
            return w["capacity.run" if r.get("source") == "run" else "capacity"].format(office=office, u=u)
        return w["capacity_no_u"].format(office=office)
    if kind == "backlog" and isinstance(r.get("growth_per_30d"), int | float):
        return w["backlog"].format(g=r["growth_per_30d"])
    if kind == "warmup":
        return w["warmup"]
    return str(r.get("text") or humanize(str(kind)))


def verdict_of(source: Any, catalog: CatalogConfig | None, lang: str) -> Verdict:
    """The verdict of one run (see ``stability_dict`` for ``source``) in ``lang``."""
    w = _WORDS[check_lang(lang)]
    d = stability_dict(source)
    if d is None or d.get("verdict") not in ("stable", "unstable"):
        return Verdict(None, w["unknown"])
    if d["verdict"] == "stable":
        return Verdict(True, w["stable"])
    rule = str(d.get("rule") or "")
    reasons = [_reason(r, catalog, lang) for r in d.get("reasons") or () if isinstance(r, Mapping)]
    # a warm-up verdict is a start-up transient, not a backlog that grows: its sentence says so
    tail = w.get(f"tail.{rule}", w["tail"])
    return Verdict(False, w["unstable"].format(rule=w.get(f"rule.{rule}", humanize(rule)),
                                               reasons=w["sep"].join(reasons) or w.get(f"rule.{rule}", rule),
                                               tail=tail))
