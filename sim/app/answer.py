"""The answer on the page: the stability verdict first, then baseline | variant | change, in words and colour.

Drawn with Streamlit into the container it is given; the figures come from
``sim.app.decision`` and the verdict from the run's ``stability`` (``sim.metrics.stability``),
or, for a run made before the model had one, from the capacity check of its levers.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd

from sim.app import decision
from sim.app.labels import TEXT, t
from sim.app.workbench import Outcome
from sim.checks.capacity import CapacityReport
from sim.metrics.stability import FINDING, is_unstable
from sim.report import labels as report_labels
from sim.report.change import config_changes
from sim.report.labels import clauses
from sim.scenario.catalogue import category_label
from sim.scenario.constants import DEPARTMENTS, DEPARTMENTS_ZH, MODULES, MODULES_ZH

__all__ = ["decision_table", "history_words", "replications", "stability_lines", "value_table", "verdict_block"]

#: the cell colours of a verdict (light, readable in print); "none" and the rest stay white
COLOURS = {"better": "#d7f0dc", "worse": "#f8d7d7"}


def replications(n: int, lang: str) -> str:
    return t("reps.one" if n == 1 else "reps.many", lang).format(n)


def office_name(key: str, lang: str) -> str:
    """An office type's display name (the catalogue's names where the model has them)."""
    named = getattr(report_labels, "office_name", None)  # the catalogue's display names, where they exist
    if named is not None:
        return str(named(key, lang))
    plain = key.split(":")[-1]
    if plain in ("grid", "village", "platform"):
        return report_labels.role_name(plain, lang)
    if lang == "zh" and plain in DEPARTMENTS:
        return DEPARTMENTS_ZH[DEPARTMENTS.index(plain)]
    if lang == "zh" and plain in MODULES:
        return MODULES_ZH[MODULES.index(plain)]
    return plain.replace("_", " ")


def rule_name(rule: str, lang: str) -> str:
    """The name of the stability rule that decided (its key where the page has no name for it)."""
    key = f"stab.rule.{rule}"
    return t(key, lang) if key in TEXT else rule


def stability_lines(stability: dict[str, Any] | None, capacity: CapacityReport | None,
                    lang: str) -> tuple[bool, list[str]]:
    """(unstable?, its sentences): the run's verdict and reasons, else the capacity check's."""
    if stability is not None:
        unstable = is_unstable(stability)
        lines = []
        for r in stability.get("reasons", ()):
            kind = r.get("kind")
            if kind == "capacity" and r.get("office") == FINDING:
                lines.append(t("stab.finding", lang).format(capacity.never_found_share) if capacity is not None
                             else t("stab.finding_no_share", lang))
            elif kind == "capacity" and r.get("office"):
                u = r.get("utilization")
                key = "stab.capacity_run" if r.get("source") == "run" else "stab.capacity"
                if u is None or not math.isfinite(float(u)):  # no staff: an infinite load, kept as null in JSON
                    lines.append(t("stab.no_capacity", lang).format(office_name(str(r["office"]), lang)))
                else:
                    lines.append(t(key, lang).format(office_name(str(r["office"]), lang), f"{float(u):.2f}"))
            elif kind == "backlog" and r.get("growth_per_30d") is not None:
                lines.append(t("stab.backlog", lang).format(decision.fmt_number(float(r["growth_per_30d"]), 0)))
            elif kind == "warmup":
                lines.append(t("stab.warmup", lang))
            elif r.get("text"):
                lines.append(str(r["text"]))
        rule = stability.get("rule")
        if unstable and rule and rule != "none":
            lines.append(t("stab.rule", lang).format(rule_name(str(rule), lang)))
        return unstable, lines
    if capacity is None:
        return False, []
    bad = capacity.unstable
    lines = [t("stab.capacity", lang).format(office_name(s.name, lang), f"{s.utilization:.2f}") for s in bad]
    if capacity.never_found_share > 0:
        lines.append(t("stab.finding", lang).format(capacity.never_found_share))
    return bool(lines), [*lines, t("stab.from_capacity", lang)] if lines else []


#: a share of the window's matters still open at its end above which a stable run's figures are mostly
#: about what has not closed yet (a run of a week: the deadlines are longer than the window)
MOSTLY_OPEN = 0.2


def verdict_block(box: Any, name: str, stability: dict[str, Any] | None, capacity: CapacityReport | None,
                  lang: str, open_share: Any = None) -> bool:
    """The verdict of one run, first in its answer: red when unstable, with every reason; returns unstable.
    A stable run whose window ends with ``open_share`` of its matters open (``MOSTLY_OPEN`` or more) is not
    said to read "as it is": it is too short, which the verdict (about keeping up) does not judge."""
    unstable, lines = stability_lines(stability, capacity, lang)
    short = (not unstable and isinstance(open_share, float | int) and math.isfinite(open_share)
             and open_share >= MOSTLY_OPEN)
    text = t("stab.unstable" if unstable else "stab.stable", lang)
    if short:
        text = t("stab.mostly_open", lang).format(float(open_share))
    if stability is None and capacity is not None and not unstable:
        text += " " + t("stab.from_capacity", lang)
    body = f"**{name}** · {text}" + "".join(f"\n- {x}" for x in lines)
    (box.error if unstable else box.warning if short else box.success)(body)
    return unstable


def _territory(name: str, lang: str) -> str:
    """A preset territory by its word (township, 乡镇 ...); another (a calibrated one) by its own name."""
    return t(f"terr.{name}", lang) if f"terr.{name}" in TEXT else name


def calibrated_of(o: Outcome) -> str:
    """The calibrated preset a run's base names ("" for none)."""
    return next((x.split("=", 1)[1] for x in o.base if x.startswith("calibrated=")), "")


def comparable(a: Outcome, b: Outcome) -> bool:
    """Whether two runs' replications pair: the same base (territory, scenario, calibrated preset) and
    horizon, levers apart. Another scenario is not a lever: its runs are shown side by side, named."""
    return (a.territory == b.territory and a.cfg.run.horizon_days == b.cfg.run.horizon_days
            and a.cfg.scenario.name == b.cfg.scenario.name and calibrated_of(a) == calibrated_of(b))


def _scenario(name: str, lang: str) -> str:
    return t(f"scen.{name}", lang) if f"scen.{name}" in TEXT else name


def base_words(a: Outcome, b: Outcome, lang: str) -> str:
    """What differs between two runs' bases, in words: the territory, the scenario, the calibrated preset,
    the simulated days."""
    words = []
    if a.territory != b.territory:
        words.append(t("dec.base_terr", lang).format(_territory(a.territory, lang), _territory(b.territory, lang)))
    if a.cfg.scenario.name != b.cfg.scenario.name:
        words.append(t("dec.base_scen", lang).format(_scenario(a.cfg.scenario.name, lang),
                                                     _scenario(b.cfg.scenario.name, lang)))
    if calibrated_of(a) != calibrated_of(b):
        words.append(t("dec.base_cal", lang).format(calibrated_of(a) or t("base.none", lang),
                                                    calibrated_of(b) or t("base.none", lang)))
    if a.cfg.run.horizon_days != b.cfg.run.horizon_days:
        words.append(t("dec.base_days", lang).format(a.cfg.run.horizon_days, b.cfg.run.horizon_days))
    return clauses(words, lang)


def decision_table(box: Any, a: Outcome, b: Outcome, lang: str) -> None:
    """baseline | variant | change (95% interval) | for the planner, coloured by each KPI's direction.

    ``a`` is called the baseline only when it is the base itself (no lever changed), as in the
    briefing; another run is the reference, by its name."""
    # replications pair only on the same territory and horizon: otherwise side by side, unpaired
    paired = comparable(a, b)
    first = "dec.col.reference" if a.overrides else "dec.col.baseline"
    rows = decision.decision_rows(a.kpis, a.runs, b.kpis, b.runs if paired else [], lang, comparable=paired,
                                  a_side=first)
    # with either side unstable a KPI can read better only because matters stay open (a starved office's
    # cost): no change is called better, and none is coloured so
    either = any(stability_lines(o.stability, o.capacity, lang)[0] for o in (a, b))

    def head(side: str, o: Outcome) -> str:
        who = "" if o.name == "baseline" else f"{o.name}, "
        return f"{t(side, lang)} ({who}{replications(o.replications, lang)})"

    frame = pd.DataFrame([{t("dec.col.kpi", lang): r.name, head(first, a): r.baseline,
                           head("dec.col.variant", b): r.variant,
                           t("dec.col.change", lang): r.change,
                           t("dec.col.verdict", lang): t(f"verdict.{_said(r.verdict, either)}", lang)}
                          for r in rows])
    verdicts = [_said(r.verdict, either) for r in rows]

    def colour(row: pd.Series) -> list[str]:
        c = COLOURS.get(verdicts[int(str(row.name))], "")
        return [f"background-color: {c}" if c else ""] * len(row)

    box.table(frame.style.apply(colour, axis=1).hide(axis="index"))


def value_table(box: Any, o: Outcome, lang: str) -> None:
    """The headline KPIs of one run with their 95% intervals: the baseline's answer, which has no comparison."""
    rows = decision.value_rows(o.kpis, o.ci if o.replications > 1 else {}, lang)
    frame = pd.DataFrame(rows, columns=[t("dec.col.kpi", lang), t("col.value", lang), t("col.hw", lang)])
    box.table(frame.style.hide(axis="index"))


def _said(verdict: str, unstable: bool) -> str:
    return "better_unstable" if unstable and verdict == "better" else verdict


def verdict_word(o: Outcome, lang: str) -> str:
    """A run's stability in one word, for the history table."""
    unstable = stability_lines(o.stability, o.capacity, lang)[0]
    return t("cap.unstable", lang) if unstable else t("hist.stable", lang)


def lever_words(levers: Sequence[Any], a: Outcome, b: Outcome, lang: str, name_of: Callable[[Any], str]) -> str:
    """The levers ``b`` changed against ``a``, in words (or that none did): categories by their names."""
    names = {k: category_label(k, c, lang) for k, c in b.cfg.catalog.categories.items()}
    words = decision.changes(levers, a.values, b.values, lang, name_of, names)
    return t("dec.levers", lang).format(clauses(words, lang)) if words else t("dec.no_levers", lang)


def history_words(h: Outcome, lang: str) -> str:
    """What run ``h`` changed against its baseline, in words (``sim.report.change.config_changes``, as the
    briefing's title says it: offices and categories by name, values in words), or that it is the baseline."""
    words = config_changes(h.baseline.cfg, h.cfg, lang) if h.baseline is not None else []
    return clauses(words, lang) or t("baseline", lang)
