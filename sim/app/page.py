"""The workbench page (a Streamlit script; ``gridsim serve`` runs it). Every word comes from ``sim.app.labels``.

Each browser tab is its own Streamlit session: its history lives in ``st.session_state``.
The planner's choices (language, base, every lever moved) live in one dictionary mirrored
in the URL (``sim.app.settings``), so a language switch, a reload or a shared link keeps
them; widgets are keyed by language, each starts from that dictionary and writes its value back in
a callback (before the next script run: a switch arriving with a change keeps it). The levers and
Run sit in the sidebar beside the answer; a run goes in a worker thread (``sim.app.progress``)
so the page shows its stage and can cancel it. Nothing a planner types reaches a path:
presets are chosen from lists, results go where the server was told (``GRIDSIM_WORKBENCH_RESULTS``).
"""

from __future__ import annotations

import hashlib
import math
import os
from dataclasses import replace
from typing import Any

import pandas as pd
import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from sim.app import answer, decision, league_view, messages, settings
from sim.app import levers as lv
from sim.app import workbench as wb
from sim.app.about import about_markdown
from sim.app.download import results_zip
from sim.app.labels import TEXT, t
from sim.app.progress import CANCELLED, RUN_WANTED, PageRun, RunCancelled
from sim.metrics.stability import is_unstable
from sim.report.labels import humanize
from sim.scenario.catalogue import category_label, label_of
from sim.scenario.constants import DEPARTMENTS, DEPARTMENTS_ZH, LEVELS, LEVELS_ZH, MODULES, MODULES_ZH
from sim.scenario.schema import warmup_days
from sim.util.errors import ConfigError

RESULTS = os.environ.get("GRIDSIM_WORKBENCH_RESULTS", "results")
#: replications of a page run unless the planner says otherwise: enough for an interval
PAGE_REPLICATIONS = 3

st.set_page_config(page_title="gridsim workbench", layout="wide")
state: Any = st.session_state
_ctx = get_script_run_ctx()
SESSION = _ctx.session_id if _ctx is not None else ""
state.setdefault("history", [])
choices = wb.presets()
if "settings" not in state:  # a new tab, a reload or a shared link: the URL's settings
    state.settings = settings.decode(st.query_params, [], choices)
S: dict[str, Any] = state.settings
side = st.sidebar

lang = side.radio(t("lang", "en"), ["en", "zh"], index=["en", "zh"].index(S.get("lang", "en")),
                  format_func=lambda x: {"en": "English", "zh": "中文"}[x], horizontal=True, key="lang")
S["lang"] = lang
# Each language switch draws the widgets under fresh keys (and each change of base, the levers): a script
# run stopped by the next action leaves its widgets' states behind, and a key drawn again would bring an
# old value back over the planner's newer one in ``S``
if state.get("drawn_lang") != lang:
    state.drawn_lang, state.lang_gen = lang, state.get("lang_gen", 0) + 1
tag = f"{lang}{state.lang_gen}"
st.title(t("title", lang))
st.markdown(t("intro", lang))
with st.expander(t("about", lang)):
    st.markdown(about_markdown(lang))

run_slot, progress_slot, problems_slot = side.container(), side.empty(), side.empty()


#: no default: a pick that ``S`` always holds
_NONE = object()


# Why callbacks: a widget's new value reaches ``S`` below its widget only if the script gets that far.
# A second action (a language switch) can stop that script, or arrive in the same rerun; its widgets
# then have new keys, and a value not yet copied would be lost. A callback runs before the script.
def _into_settings(widget_key: str, name: str, default: Any = _NONE) -> None:
    """Copy widget ``widget_key``'s value to ``S[name]``; a lever at its base's ``default`` (or an emptied
    number field) leaves ``S``, so that a change of base gives it the new base's value."""
    if widget_key in state:
        value = state[widget_key]
        if value is None or (default is not _NONE and value == default):
            S.pop(name, None)
        else:
            S[name] = value


def _pick(label: str, key: str, options: list[str], fmt: Any = None, box: Any = side) -> str:
    """A selectbox whose choice lives in ``S`` (its widget is keyed by language: labels change with it)."""
    current = S.get(key, options[0] if options else "")
    index = options.index(current) if current in options else 0
    value = box.selectbox(label, options, index=index, key=f"{key}.{tag}",
                          on_change=_into_settings, args=(f"{key}.{tag}", key),
                          format_func=fmt or (lambda x: t(f"{key[:4]}.{x}", lang) if f"{key[:4]}.{x}" in TEXT else x))
    S[key] = value
    return str(value)


# ------------------------------------------------------------------ base
side.header(t("base", lang))
territory_slot = side.empty()
scenario = _pick(t("base.scenario", lang), "scenario", choices["scenario"])
calibrated = _pick(t("base.calibrated", lang), "calibrated", ["", *choices["calibrated"]],
                   fmt=lambda x: x or t("base.none", lang))
territory = S.get("territory", choices["territory"][0])
if not calibrated:
    territory = _pick(t("base.territory", lang), "territory", choices["territory"], box=territory_slot)
base_ov = wb.base_overrides(territory, scenario, calibrated or None, RESULTS)
try:
    base_dc, base_cfg = wb.base_config(base_ov)
except ConfigError as exc:
    side.error(messages.error_message(exc, lang))
    st.stop()
if calibrated:  # the preset brings its own territory: shown, not chosen
    territory_slot.text_input(t("base.own_territory", lang), base_cfg.territory.name, disabled=True,
                              key=f"own_territory.{tag}.{calibrated}")
base_key = hashlib.sha256("|".join(base_ov).encode()).hexdigest()[:8]
if state.get("drawn_base") != base_key:  # fresh lever keys for each change of base (see ``tag``)
    state.drawn_base, state.base_gen = base_key, state.get("base_gen", 0) + 1


def _sub_name(lever: lv.Lever) -> str:
    if lever.group in ("modules", "departments"):  # by the base's catalogue: "Housing and urban management"
        catalog = base_cfg.catalog
        found = next((o for o in (*catalog.departments, *catalog.modules) if o.name == lever.sub), None)
        if found is not None:
            return label_of(found, lang)
    if lever.group == "modules":
        return MODULES_ZH[MODULES.index(lever.sub)] if lang == "zh" and lever.sub in MODULES else humanize(lever.sub)
    if lever.group == "departments":
        zh = lang == "zh" and lever.sub in DEPARTMENTS
        return DEPARTMENTS_ZH[DEPARTMENTS.index(lever.sub)] if zh else humanize(lever.sub)
    if lever.sub in LEVELS:
        return LEVELS_ZH[LEVELS.index(lever.sub)] if lang == "zh" else lever.sub
    return lever.sub


def _name(lever: lv.Lever) -> str:
    return t(lever.label, lang).format(_sub_name(lever))


def _label(lever: lv.Lever) -> str:
    parts = [t(lever.unit, lang)] if lever.unit else []
    if lever.lo is not None and lever.hi is not None:
        parts.append(t("range", lang).format(lv.plain(lever.lo), lv.plain(lever.hi)))
    return f"{_name(lever)} ({'; '.join(parts)})" if parts else _name(lever)


def _widget(box: Any, lever: lv.Lever, default: Any) -> Any:
    key, label, value = f"{tag}|{base_key}.{state.base_gen}|{lever.key}", _label(lever), S.get(lever.key, default)
    kept = {"on_change": _into_settings, "args": (key, lever.key, default)}
    if lever.key in FOLLOWING and lever.key not in S:
        # a field that follows another while the planner leaves it alone: its widget takes each new default
        # (what was last put there, kept beside it, tells a planner's own value from a default)
        auto = f"{key}|auto"
        if key not in state or state[key] == state.get(auto):
            state[key] = state[auto] = float(default)
        got = box.number_input(label, value=None, step=float(lever.step), key=key, **kept)  # the value: state[key]
        return float(default) if got is None else got  # an emptied field: the default it follows
    if lever.kind in ("choice", "multi") and not set(value if lever.kind == "multi" else [value]) <= set(lever.choices):
        value = default  # a choice another base offered
    if lever.kind == "int":
        return box.number_input(label, value=int(value), step=int(lever.step), format="%d", key=key, **kept)
    if lever.kind == "float":
        return box.number_input(label, value=float(value), step=float(lever.step), key=key, **kept)
    if lever.kind == "bool":
        return box.checkbox(label, value=bool(value), key=key, **kept)
    if lever.kind == "choice":
        return box.selectbox(label, list(lever.choices), index=list(lever.choices).index(value), key=key, **kept,
                             format_func=lambda c: t(f"choice.{c}", lang) if f"choice.{c}" in TEXT else c)
    cats = base_cfg.catalog.categories  # the one multi-choice lever: categories, shown by their names
    return box.multiselect(label, list(lever.choices), default=list(value), key=key, **kept,
                           format_func=lambda c: category_label(c, cats[c], lang) if c in cats else str(c))


# ---------------------------------------------------------------- levers
levers = lv.levers_for(base_cfg)
base_values = lv.base_levers(base_cfg)
defaults = dict(base_values)
defaults["run.replications"] = max(int(base_values["run.replications"]), PAGE_REPLICATIONS)
if not state.get("levers_read"):  # the URL's levers, once per session, before any widget exists
    from_url = settings.decode(st.query_params, levers, choices)
    S.update({k: v for k, v in from_url.items() if k not in settings.BASE_KEYS})
    state.levers_read = True
#: fields whose default follows another field's value while the planner leaves them alone: a base
#: whose warm-up is the schema's default (90 days, at most a quarter of the horizon) keeps that rule,
#: so a shorter horizon does not leave the warm-up field at a value longer than the run
_DEFAULT_WARMUP = warmup_days(replace(base_cfg.run, warmup_days=None))
FOLLOWING = {"run.warmup_days"} if base_cfg.run.warmup_days in (None, _DEFAULT_WARMUP) else set()
values: dict[str, Any] = {}
spots: dict[str, Any] = {}
side.header(t("levers", lang))
for group in ("staff", "modules", "departments", "dispatch", "scenario", "run"):
    box = side.expander(t(f"group.{group}", lang), expanded=group in ("staff", "run"))
    for lever in (x for x in levers if x.group == group):
        if lever.key in FOLLOWING and isinstance(values.get("run.horizon_days"), int | float):
            defaults[lever.key] = warmup_days(replace(base_cfg.run, horizon_days=float(values["run.horizon_days"]),
                                                      warmup_days=None))
        values[lever.key] = _widget(box, lever, defaults[lever.key])
        spots[lever.key] = box.empty()
        if values[lever.key] != defaults[lever.key]:
            S[lever.key] = values[lever.key]
        # a value the planner set that equals this base's own stays in S: another base may differ (a trip
        # there and back keeps it); the planner's own return to the base's value leaves S in its callback
wanted = settings.encode(S, levers)
if st.query_params.to_dict() != wanted:
    st.query_params.from_dict(wanted)

overrides = lv.overrides_for(base_cfg, values)
problems = lv.check_ranges(levers, values)
capacity = None
if not problems:
    try:
        capacity = wb.capacity_for(base_dc, overrides)
    except ConfigError as exc:
        problems[lv.lever_of(exc.key, levers)] = str(exc)
    except Exception as exc:  # the page stays usable whatever a value does to the model
        problems[""] = f"{type(exc).__name__}: {exc}"
by_key = {x.key: x for x in levers}


def _field_name(key: str) -> str | None:
    """The name of the field an error about config ``key`` is shown beside (None: no field writes it)."""
    field_key = lv.lever_of(key, levers)
    return _name(by_key[field_key]) if field_key in by_key else None


for key, message in problems.items():
    (spots[key] if key in spots else st).error(messages.line_message(message, lang, _field_name))
if problems:  # where the planner looks: beside Run, naming each field (its message is under the field)
    problems_slot.error(t("problems", lang).format(len(problems), "; ".join(
        _name(by_key[k]) if k in by_key else messages.line_message(m, lang, _field_name)
        for k, m in problems.items())))

# -------------------------------------------------------------------- run


def _run_wanted() -> None:
    RUN_WANTED.add(SESSION)  # kept until the run starts: the next action may stop this script before that


clicked = run_slot.button(t("run", lang), type="primary", disabled=bool(problems), key="run",
                          use_container_width=True, on_click=_run_wanted)
if problems:  # a click on a page with errors runs nothing, now or later
    RUN_WANTED.discard(SESSION)
clicked = (clicked or SESSION in RUN_WANTED) and not problems
if SESSION in CANCELLED:  # said until the next run starts: a rerun right after the cancel must not hide it
    progress_slot.warning(t("cancelled", lang))


def _stage_text(job: PageRun) -> str:
    now = job.current()
    if now is None:
        return ""
    stage, elapsed = now
    text = t(stage.name, lang).format(stage.replications, t("secs", lang).format(max(stage.estimate, 1.0)))
    return f"{text} · {t('stage.elapsed', lang).format(elapsed)}"


if clicked:
    run_ov, scen_ov = wb.split_run_levers(overrides)
    name = f"#{len(state.history) + 1}"

    def work(on_stage: Any) -> wb.Outcome:
        return wb.what_if(name, base_ov, run_ov, scen_ov, on_stage)

    def record(job: PageRun, into: list[wb.Outcome]) -> None:
        """Put a finished run in the history (no Streamlit call: nothing can stop it half-way)."""
        if job.error is not None or job.result is None:
            return
        outcome: wb.Outcome = job.result
        outcome.values, outcome.capacity = dict(values), capacity
        if outcome.baseline is not None:
            outcome.baseline.values = {**values, **{k: base_values[k] for k in base_values
                                                    if not k.startswith("run.")}}
            if outcome.baseline.stability is None:  # a model without a verdict: the baseline's capacity check
                outcome.baseline.capacity = wb.capacity_for(base_dc, run_ov)
        into.append(outcome)

    runs_kept = state.history  # the session's own list, added to in place
    with progress_slot.container():
        st.button(t("cancel", lang), key="cancel")  # a click reruns the page, which stops the run below
        bar = st.progress(0.0, text="…")
    # from here to the run's record, a stopped script either cancels the run (and says so) or keeps its answer
    job = PageRun(work)
    try:
        RUN_WANTED.discard(SESSION)
        CANCELLED.discard(SESSION)
        job.start()
        while job.running:
            bar.progress(job.fraction(), text=_stage_text(job))
            job.wait(0.2)
    except BaseException:  # Streamlit stops this script for a new one (Cancel, or any field): stop the run too
        if job.running:
            job.cancel()
            CANCELLED.add(SESSION)
        else:  # it had just finished: its answer is kept
            record(job, runs_kept)
        raise
    record(job, runs_kept)
    progress_slot.empty()
    if isinstance(job.error, ConfigError):
        st.error(messages.error_message(job.error, lang, _field_name))
    elif job.error is not None and not isinstance(job.error, RunCancelled):  # shown; the server and page go on
        st.error(t("failed", lang).format(f"{type(job.error).__name__}: {job.error}"))

history: list[wb.Outcome] = state.history


def _known(kind: str, name: str) -> str:
    """A territory's or scenario's name in ``lang`` (its own name when the page has no word for it)."""
    return t(f"{kind}.{name}", lang) if f"{kind}.{name}" in TEXT else name


def _kept(name: str, default: int) -> int:
    """The run a selector showed before a language switch (its widget is redrawn in the new language), or
    ``default`` once the history has grown (a new run is shown first)."""
    size, pick = state.get(f"pick.{name}", (-1, default))
    return int(pick) if size == len(history) else default


def _keep(name: str, pick: int) -> None:
    state[f"pick.{name}"] = (len(history), pick)


def _kept_now(widget_key: str, name: str, size: int) -> None:
    """A selector's callback: keep its choice at once (a language switch may stop the script before ``_keep``)."""
    if widget_key in state:
        state[f"pick.{name}"] = (size, state[widget_key])


def _picker(name: str) -> dict[str, Any]:
    key = f"{name}.{len(history)}.{tag}"
    return {"key": key, "on_change": _kept_now, "args": (key, name, len(history))}


def _changed(h: wb.Outcome) -> str:
    """The levers run ``h`` changed against its baseline, in words (the briefing's own words)."""
    return answer.history_words(h, lang)


# ----------------------------------------------------------------- answer
if history:
    names = [h.name for h in history]
    st.header(t("answer", lang))
    pick = st.selectbox(t("show_run", lang), list(range(len(history))), index=_kept("show", len(history) - 1),
                        format_func=lambda i: f"{history[i].name}: {_changed(history[i])}",
                        **_picker("show"))
    _keep("show", pick)
    o = history[pick]
    st.subheader(t("answer.run", lang).format(o.name, _known("terr", o.territory), _known("scen", o.cfg.scenario.name),
                                              answer.replications(o.replications, lang)))
    answer.verdict_block(st, o.name, o.stability, o.capacity, lang, o.kpis.get("open_at_horizon_share"))
    for warning in dict.fromkeys([*o.warnings, *(o.baseline.warnings if o.baseline is not None else [])]):
        st.warning(t("run.warning", lang).format(warning))  # a surge after the run's end, staff no one calls on
    if o.baseline is None:
        st.write(t("answer.alone", lang))
        answer.value_table(st, o, lang)
    else:
        if is_unstable(o.baseline.stability):
            st.warning(t("stab.side_unstable", lang).format(t("baseline", lang).capitalize()))
        st.markdown(answer.lever_words(levers, o.baseline, o, lang, _name))
        answer.decision_table(st, o.baseline, o, lang)
    if o.from_store:
        st.info(t("from_store", lang), icon="🗄️")
    st.caption(t("ran.whole" if o.baseline is not None else "ran.alone", lang).format(o.seconds))

# --------------------------------------------------------------- capacity
if capacity is not None:
    bad = capacity.unstable
    # matters no channel finds pile up whatever the offices can do
    unfound = t("stab.finding", lang).format(capacity.never_found_share) if capacity.never_found_share > 0 else ""
    title = (t("capacity.summary_bad", lang).format(len(bad)) if bad else unfound or t("capacity.summary_ok", lang))
    with st.expander(title, expanded=bool(bad or unfound) or not history):
        st.caption(t("capacity.per_day", lang).format(capacity.matters_per_day) + " · "
                   + t("capacity.note", lang).format(int(wb.CAPACITY_DRAW_DAYS)))
        if bad:
            st.warning(t("capacity.unstable", lang).format(", ".join(answer.office_name(s.name, lang) for s in bad)))
        if unfound:
            st.warning(unfound)
        if not bad and not unfound:
            st.success(t("capacity.ok", lang))
        loads = pd.DataFrame([{t("cap.station", lang): answer.office_name(s.name, lang),
                               t("cap.stations", lang): s.stations, t("cap.servers", lang): f"{s.servers:,.1f}",
                               t("cap.arrivals", lang): f"{s.arrivals_per_day:,.1f}",
                               t("cap.utilization", lang): (f"{s.utilization:.2f}" if math.isfinite(s.utilization)
                                                            else t("cap.no_staff", lang)),
                               t("cap.flag", lang): t("cap.unstable", lang) if s.unstable else ""}
                              for s in capacity.loads])
        st.table(loads.style.hide(axis="index"))

if history:
    o = history[pick]
    st.header(t("charts", lang))
    shown = st.radio(t("charts", lang), wb.CHARTS, format_func=lambda n: t(f"chart.{n}", lang), horizontal=True,
                     index=wb.CHARTS.index(state.get("chart", "cdf")), key=f"chart.{tag}",
                     label_visibility="collapsed", on_change=league_view.keep_choice, args=(f"chart.{tag}", "chart"))
    state.chart = shown
    png = wb.chart(o, shown, lang, history)
    if png is not None:
        st.image(png)

    st.header(t("league", lang))
    league_view.render(st, o, lang, tag)  # sortable tables by place name, a search box, the chart

    st.header(t("history", lang))
    st.table(pd.DataFrame([{
        t("col.run", lang): h.name,
        t("col.levers", lang): _changed(h),
        t("col.reps", lang): h.replications,
        t("col.territory", lang): _known("terr", h.territory),
        t("col.scenario", lang): _known("scen", h.cfg.scenario.name),
        t("col.verdict", lang): answer.verdict_word(h, lang),
        t("dkpi.on_time_rate", lang): decision.fmt_value("on_time_rate", h.kpis.get("on_time_rate"), lang),
        t("col.store", lang): t("yes" if h.from_store else "no", lang)} for h in history]).style.hide(axis="index"))

    st.subheader(t("compare", lang))
    options = list(range(len(history)))
    newest = len(history) - 1
    pick_a = st.selectbox(t("compare.a", lang), options, index=_kept("cmp_a", max(newest - 1, 0)),
                          format_func=lambda i: names[i], **_picker("cmp_a"))
    pick_b = st.selectbox(t("compare.b", lang), options, index=_kept("cmp_b", newest),
                          format_func=lambda i: names[i], **_picker("cmp_b"))
    _keep("cmp_a", pick_a)
    _keep("cmp_b", pick_b)
    b = history[pick_b]
    a = (b.baseline or b) if pick_a == pick_b else history[pick_a]
    a_name = t("compare.a_base", lang).format(b.name) if a is b.baseline else a.name
    for side_name, side_run in ((a_name, a), (b.name, b)):
        if answer.stability_lines(side_run.stability, side_run.capacity, lang)[0]:
            st.warning(t("stab.side_unstable", lang).format(side_name))
    if a.replications != b.replications:
        st.warning(t("dec.reps_differ", lang).format(a_name, a.replications, b.name, b.replications))
    paired = answer.comparable(a, b)
    if not paired:  # a township beside a county, or a quarter beside a year: nothing to pair
        st.warning(t("dec.other_base", lang).format(a_name, b.name, answer.base_words(a, b, lang)))
    st.markdown(answer.lever_words(levers, a, b, lang, _name))
    answer.decision_table(st, a, b, lang)
    st.download_button(t("briefing", lang), data=lambda: wb.briefing_pdf(a, b, lang), file_name="briefing.pdf",
                       mime="application/pdf", on_click="ignore", key="briefing", disabled=not paired)
    st.download_button(t("zip", lang).format(o.name), data=lambda: results_zip(o.out_dir),
                       file_name=f"gridsim-run-{o.name.lstrip('#')}.zip", mime="application/zip", on_click="ignore",
                       key="zip")
wb.warm_up()  # once per server process, after its first page: the first click does not load the engine
