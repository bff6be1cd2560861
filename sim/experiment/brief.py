"""An experiment's briefing page says what the comparison briefing says (``sim.report.compare_brief``).

The title is the change in words (``sim.report.change``) when the experiment tries one change
against its baseline, else the experiment's own title with each scenario's change among the
facts; the facts name the experiment, the base, the territory, the replications and the date;
the verdict box comes before the findings: every scenario's stability verdict, the unstable
ones by name (``sim.report.verdict``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sim.experiment.runner import ExperimentResult
from sim.report.change import base_words, change_title, config_changes, territory_words
from sim.report.labels import label
from sim.report.verdict import Verdict, verdict_of
from sim.scenario.territory import build_territory

__all__ = ["BriefingParts", "briefing_parts"]

#: the scenarios whose change a multi-scenario briefing lists among its facts (the rest: "and N more")
MOST_LISTED = 3


@dataclass(frozen=True)
class BriefingParts:
    """What goes above an experiment briefing's findings."""

    title: str
    facts: list[str]
    verdict: Verdict


def _date_words(when: dt.date, lang: str) -> str:
    return f"{when.year}年{when.month}月{when.day}日" if lang == "zh" else f"{when.day} {when.strftime('%B %Y')}"


def _verdict(result: ExperimentResult, lang: str) -> Verdict:
    spec, colon = result.spec, "：" if lang == "zh" else ": "
    said = {s: verdict_of(result.stability.get(s), result.cfgs[s].catalog, lang) for s in result.runs}
    unstable = [s for s, v in said.items() if v.stable is False]
    if unstable:
        sep = "" if lang == "zh" else " "  # each verdict is a sentence already ending in its full stop
        return Verdict(False, sep.join(f"{spec.label_of(s, lang)}{colon}{said[s].text}" for s in unstable))
    if said and all(v.stable for v in said.values()):
        return Verdict(True, f"{label('brief.every_scenario', lang)}{colon}{next(iter(said.values())).text}")
    return Verdict(None, next(iter(said.values())).text if said else label("brief.every_scenario", lang))


def briefing_parts(result: ExperimentResult, when: dt.date | None = None) -> BriefingParts:
    """The title, facts and verdict of ``result``'s briefing, in its language."""
    spec, lang = result.spec, result.lang
    base = result.cfgs[spec.baseline]
    variants = [s for s in result.runs if s != spec.baseline]
    changes = {s: config_changes(base, result.cfgs[s], lang) for s in variants}
    facts = [label("brief.experiment", lang).format(spec.title_in(lang))]
    if len(variants) == 1:
        title = change_title(changes[variants[0]], lang)
    else:
        title = spec.title_in(lang)
        colon = "：" if lang == "zh" else ": "
        facts = [label("brief.compared_all", lang).format(len(variants), spec.label_of(spec.baseline, lang))]
        for s in variants[:MOST_LISTED]:
            facts.append(f"{spec.label_of(s, lang)}{colon}{change_title(changes[s], lang, most=3)}")
        if len(variants) > MOST_LISTED:
            facts.append(label("brief.more_scenarios", lang).format(len(variants) - MOST_LISTED))
    horizon, warm = base.run.horizon_days, base.run.warmup_days
    facts += [label("brief.base", lang).format(base_words(base, lang)),
              label("brief.territory", lang).format(territory_words(build_territory(base), lang)),
              label("brief.reps_all", lang).format(n=spec.replications)
              + label("brief.horizon", lang).format(h=horizon, w=warm if warm is not None else 0.0),
              label("brief.date", lang).format(_date_words(when or dt.date.today(), lang))]
    return BriefingParts(title, facts, _verdict(result, lang))
