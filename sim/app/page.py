"""The workbench page (a Streamlit script; ``gridsim serve`` runs it). Every word comes from ``sim.app.labels``.

Each browser tab is its own Streamlit session: its history lives in ``st.session_state``.
Nothing a planner types reaches a path: presets are chosen from lists, results go where
the server was told (``GRIDSIM_WORKBENCH_RESULTS``).
"""

from __future__ import annotations

import math
import os
from typing import Any

import pandas as pd
import streamlit as st

from sim.app import league_view
from sim.app import levers as lv
from sim.app import workbench as wb
from sim.app.labels import TEXT, t
from sim.scenario.constants import DEPARTMENTS, DEPARTMENTS_ZH, LEVELS, LEVELS_ZH, MODULES, MODULES_ZH
from sim.util.errors import ConfigError

RESULTS = os.environ.get("GRIDSIM_WORKBENCH_RESULTS", "results")

st.set_page_config(page_title="gridsim workbench", layout="wide")
state: Any = st.session_state
state.setdefault("history", [])

lang = st.sidebar.radio(t("lang", "en"), ["en", "zh"], format_func=lambda x: {"en": "English", "zh": "中文"}[x],
                        horizontal=True, key="lang")
st.title(t("title", lang))

# ------------------------------------------------------------------ base
st.sidebar.header(t("base", lang))
choices = wb.presets()
territory = st.sidebar.selectbox(t("base.territory", lang), choices["territory"], key="territory")
scenario = st.sidebar.selectbox(t("base.scenario", lang), choices["scenario"], key="scenario")
calibrated = st.sidebar.selectbox(t("base.calibrated", lang), ["", *choices["calibrated"]], key="calibrated",
                                  format_func=lambda x: x or t("base.none", lang))
base_ov = wb.base_overrides(territory, scenario, calibrated or None, RESULTS)
try:
    base_dc, base_cfg = wb.base_config(base_ov)
except ConfigError as exc:
    st.sidebar.error(str(exc))
    st.stop()
base_id = "|".join(base_ov)


def _sub_name(lever: lv.Lever) -> str:
    if lever.group == "modules":
        return MODULES_ZH[MODULES.index(lever.sub)] if lang == "zh" and lever.sub in MODULES else lever.sub
    if lever.group == "departments":
        zh = lang == "zh" and lever.sub in DEPARTMENTS
        return DEPARTMENTS_ZH[DEPARTMENTS.index(lever.sub)] if zh else lever.sub
    if lever.sub in LEVELS:
        return LEVELS_ZH[LEVELS.index(lever.sub)] if lang == "zh" else lever.sub
    return lever.sub


def _label(lever: lv.Lever) -> str:
    name = t(lever.label, lang).format(_sub_name(lever))
    parts = [t(lever.unit, lang)] if lever.unit else []
    if lever.lo is not None and lever.hi is not None:
        parts.append(t("range", lang).format(f"{lever.lo:g}", f"{lever.hi:g}"))
    return f"{name} ({'; '.join(parts)})" if parts else name


def _widget(lever: lv.Lever, default: Any) -> Any:
    key = f"{base_id}|{lever.key}"
    label = _label(lever)
    if lever.kind == "int":
        return st.number_input(label, value=int(default), step=int(lever.step), format="%d", key=key)
    if lever.kind == "float":
        return st.number_input(label, value=float(default), step=float(lever.step), key=key)
    if lever.kind == "bool":
        return st.checkbox(label, value=bool(default), key=key)
    if lever.kind == "choice":
        return st.selectbox(label, list(lever.choices), index=list(lever.choices).index(default), key=key,
                            format_func=lambda c: t(f"choice.{c}", lang) if f"choice.{c}" in TEXT else c)
    return st.multiselect(label, list(lever.choices), default=list(default), key=key)


# ---------------------------------------------------------------- levers
levers = lv.levers_for(base_cfg)
defaults = lv.base_levers(base_cfg)
values: dict[str, Any] = {}
spots: dict[str, Any] = {}
st.header(t("levers", lang))
groups = ["staff", "modules", "departments", "dispatch", "scenario", "run"]
cols = st.columns(3)
for i, group in enumerate(groups):
    box = cols[i % 3].expander(t(f"group.{group}", lang), expanded=group in ("staff", "dispatch", "run"))
    with box:
        for lever in (x for x in levers if x.group == group):
            values[lever.key] = _widget(lever, defaults[lever.key])
            spots[lever.key] = st.empty()

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
for key, message in problems.items():
    (spots[key] if key in spots else st).error(message)

# --------------------------------------------------------------- capacity
st.header(t("capacity", lang))
if capacity is not None:
    st.caption(t("capacity.per_day", lang).format(capacity.matters_per_day) + " · "
               + t("capacity.note", lang).format(int(wb.CAPACITY_DRAW_DAYS)))
    loads = pd.DataFrame([{t("cap.station", lang): s.name, t("cap.stations", lang): s.stations,
                           t("cap.servers", lang): round(s.servers, 1),
                           t("cap.arrivals", lang): round(s.arrivals_per_day, 1),
                           t("cap.utilization", lang): round(s.utilization, 3),
                           t("cap.flag", lang): t("cap.unstable", lang) if s.unstable else ""} for s in capacity.loads])
    unstable = [s.name for s in capacity.unstable]
    if unstable:
        st.warning(t("capacity.unstable", lang).format(", ".join(unstable)))
    else:
        st.success(t("capacity.ok", lang))
    st.dataframe(loads, hide_index=True, height=220)

# -------------------------------------------------------------------- run
if st.button(t("run", lang), type="primary", disabled=bool(problems), key="run"):
    run_ov, scen_ov = wb.split_run_levers(overrides)
    name = f"#{len(state.history) + 1}"
    bar = st.progress(0.0, text=t("running", lang))

    def step(x: float) -> None:
        bar.progress(x, text=t("running", lang))

    try:
        outcome = wb.what_if(name, base_ov, run_ov, scen_ov, progress=step)
        state.history.append(outcome)
        state.current = len(state.history) - 1
    except ConfigError as exc:
        st.error(str(exc))
    except Exception as exc:  # a failing run is shown, the server and the page go on
        st.error(t("failed", lang).format(f"{type(exc).__name__}: {exc}"))
    bar.empty()
elif problems:
    st.caption(t("invalid", lang))

history: list[wb.Outcome] = state.history
if history:
    o = history[state.get("current", len(history) - 1)]
    st.header(f"{t('answer', lang)} {o.name}")
    if o.from_store:
        st.info(t("from_store", lang).format(o.out_dir.name), icon="🗄️")
    st.caption(t("ran", lang).format(o.seconds) + f" · {o.out_dir}")
    left, right = st.columns(2)
    left.subheader(t("kpis", lang))
    left.dataframe(wb.kpi_rows(o, lang), hide_index=True)
    right.subheader(t("vs_base", lang))
    if o.baseline is None:
        right.write(t("same_as_base", lang))
    for line in wb.sentences(o, lang):
        right.markdown(f"- {line}")

    st.header(t("charts", lang))
    shown = st.radio(t("charts", lang), wb.CHARTS, format_func=lambda n: t(f"chart.{n}", lang), horizontal=True,
                     key="chart", label_visibility="collapsed")
    png = wb.chart(o, shown, lang, history)
    if png is not None:
        st.image(png)

    st.header(t("league", lang))
    league_view.render(st, o, lang)  # sortable tables by place name, a search box, the chart

    st.header(t("history", lang))
    st.dataframe(pd.DataFrame([{t("col.run", lang): h.name, t("col.levers", lang): wb.lever_summary(h.overrides),
                                "on_time_rate": h.kpis.get("on_time_rate", math.nan),
                                t("col.store", lang): t("yes" if h.from_store else "no", lang)} for h in history]),
                 hide_index=True)
    st.subheader(t("compare", lang))
    labels = [f"{h.name}: {wb.lever_summary(h.overrides)}" for h in history]
    options = list(range(len(history)))
    pick_a = st.selectbox(t("compare.a", lang), options, format_func=lambda i: labels[i], key="cmp_a")
    pick_b = st.selectbox(t("compare.b", lang), options, index=len(options) - 1, format_func=lambda i: labels[i],
                          key="cmp_b")
    a = history[pick_a].baseline or history[pick_a] if pick_a == pick_b else history[pick_a]
    b = history[pick_b]
    for line in wb.sentences(wb.paired(a, b), lang):
        st.markdown(f"- {line}")
    st.download_button(t("briefing", lang), data=lambda: wb.briefing_pdf(a, b, lang), file_name="briefing.pdf",
                       mime="application/pdf", on_click="ignore", key="briefing")
    st.download_button(t("zip", lang), data=lambda: wb.results_zip(o), file_name=f"{o.out_dir.name}.zip",
                       mime="application/zip", on_click="ignore", key="zip")
