"""What differs between two runs, in words: "full-time workers per grid 1 → 2", "一体派单".

``config_changes(a, b, lang)`` compares two resolved configs key by key (what a planner
set, not where results go or how fast they come) and names each difference with the
lever's words, offices and categories by their display names, values in words. The
briefing's title and the page's history say what changed with it; ``base_words`` and
``territory_words`` say what it was tried on.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from typing import Any

from sim.report.labels import check_lang, clauses, humanize, items, level_name
from sim.report.numbers import decimals_for, fmt_number
from sim.scenario.catalogue import category_label, label_of
from sim.scenario.constants import CHANNELS, CHANNELS_ZH, LEVELS, RESIDENT_CHANNELS
from sim.scenario.schema import Config
from sim.scenario.territory import Territory

__all__ = ["base_words", "change_title", "config_changes", "territory_words", "value_words"]

#: keys that say where or how a run is done, never what it simulates
IGNORED = ("run.results_dir", "run.progress", "run.reuse", "run.write_records", "run.records", "run.confirm", "engine.",
           "report.", "scenario.name", "territory.name")

_KEYS: dict[str, tuple[str, str]] = {
    "staffing.fulltime_per_grid": ("full-time workers per grid", "每网格专职网格员"),
    "staffing.grid_leaders_per_grid": ("grid leaders per grid", "每网格网格长"),
    "staffing.parttime_per_grid": ("part-time reporters per grid", "每网格兼职网格员"),
    "staffing.committee_per_village": ("committee members per village", "每村（社区）两委成员"),
    "staffing.platform_per_township": ("platform staff per township", "每乡镇平台人员"),
    "staffing.professional_per_township": ("professional grid workers per township", "每乡镇专业网格员"),
    "staffing.volunteers_per_township": ("volunteers per township", "每乡镇志愿者"),
    "staffing.grids_per_instructor": ("grids per instructor", "每名网格指导员联系网格数"),
    "staffing.module_staff": ("{} staff per township", "每乡镇{}人员"),
    "staffing.department_staff": ("{} staff (county)", "县级{}人员"),
    "territory.households_per_grid": ("households per grid", "每网格户数"),
    "territory.rural_households_per_grid": ("households per rural grid", "每农村网格户数"),
    "dispatch.mode": ("dispatch mode", "派单方式"),
    "dispatch.rule": ("queue rule", "排队规则"),
    "dispatch.escalation_limit_hours": ("escalation limit at {} (hours)", "{}上移时限（小时）"),
    "dispatch.reminders": ("overdue reminders", "超期催办"),
    "dispatch.grid_list_exclude": ("categories off the grid matters list", "不列入网格事项清单的类别"),
    "discovery.hotline_share": ("hotline share of resident reports", "热线占群众上报比例"),
    "discovery.channel_mix": ("how residents report", "群众上报渠道"),
    "scenario.surges": ("surges", "突发高峰"),
    "scenario.mismatch_share": ("residents living away from their registered grid", "人户分离比例"),
    "run.replications": ("replications", "重复次数"),
    "run.horizon_days": ("simulated days", "仿真天数"),
    "run.warmup_days": ("warm-up days", "预热天数"),
    "run.seed": ("random seed", "随机种子"),
}
_VALUES: dict[str, tuple[str, str]] = {
    "level": ("level by level", "逐级派单"), "unified": ("unified", "一体派单"),
    "fcfs": ("first come, first served", "先到先办"), "severity": ("most severe first", "严重程度优先"),
    "edf": ("earliest deadline first", "截止期限优先"), "least_loaded": ("least-loaded worker", "最空闲人员优先"),
    "skill": ("by skill", "按专长分派"), "nearest": ("nearest worker", "就近分派"),
    "True": ("on", "开启"), "False": ("off", "关闭"), "none": ("none", "无"),
    "surge": ("×{m:g} for {d:g} days from day {s:g}", "第{s:g}天起{d:g}天×{m:g}"),
    "with_volunteers": (", volunteers called out", "，动员志愿者"),
    "territory.township": ("a township", "一个乡镇"), "territory.county": ("a county", "一个县"),
    "territory.city": ("a city", "一个市"),
    "scenario.baseline": ("the baseline scenario", "基准情景"), "scenario.flood": ("the flood scenario", "洪涝情景"),
    "scenario.relocation": ("the relocation scenario", "搬迁安置情景"),
    "calibrated": ("calibrated on the log {}", "按日志 {} 校准"),
    "base": ("{territory}, {scenario}", "{territory}，{scenario}"),
    "territory": ("{c:,} counties, {t:,} townships, {v:,} villages, {g:,} grids; {r:,.0f} residents",
                  "{c:,}个县区、{t:,}个乡镇/街道、{v:,}个村/社区、{g:,}个网格；常住人口{r:,.0f}人"),
    "territory1": ("1 county, {t:,} townships, {v:,} villages, {g:,} grids; {r:,.0f} residents",
                   "1个县区、{t:,}个乡镇/街道、{v:,}个村/社区、{g:,}个网格；常住人口{r:,.0f}人"),
    "territory11": ("1 county, 1 township, {v:,} villages, {g:,} grids; {r:,.0f} residents",
                    "1个县区、1个乡镇/街道、{v:,}个村/社区、{g:,}个网格；常住人口{r:,.0f}人"),
    "more": ("and {} more changes", "另有{}项调整"),
    "nothing": ("no lever differs", "未调整任何参数"),
}


#: the ways a matter is found (``sim.scenario.constants.CHANNELS``) in words, in Chinese as the scenario names them
_CHANNELS: dict[str, tuple[str, str]] = dict(zip(
    CHANNELS, zip(("patrols", "walk-in", "app", "hotline", "part-time reporters"), CHANNELS_ZH, strict=True),
    strict=True))


def _w(table: Mapping[str, tuple[str, str]], key: str, lang: str) -> str:
    en, zh = table[key]
    return zh if check_lang(lang) == "zh" else en


def _flat(obj: Any, prefix: str = "") -> dict[str, Any]:
    """Dotted key -> value of a config dataclass (lists of dataclasses kept whole)."""
    out: dict[str, Any] = {}
    for f in dataclasses.fields(obj):
        v = getattr(obj, f.name)
        key = f"{prefix}{f.name}"
        if dataclasses.is_dataclass(v) and not isinstance(v, type):
            out.update(_flat(v, key + "."))
        elif isinstance(v, Mapping) and key in ("staffing.module_staff", "staffing.department_staff"):
            out.update({f"{key}.{k}": x for k, x in v.items()})
        else:
            out[key] = v
    return out


def value_words(key: str, value: Any, cfg: Config, lang: str) -> str:
    """A config value in words: choices and switches named, categories by name, numbers without ``1e+07``."""
    if isinstance(value, bool) or value is None:
        return _w(_VALUES, str(value) if value is not None else "none", lang)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if key.endswith("_share"):
            return f"{fmt_number(value * 100.0, decimals_for(math.nan, value * 100.0))}%"
        return fmt_number(value, decimals_for(math.nan, value))
    if isinstance(value, str):
        if value in cfg.catalog.categories:
            return category_label(value, cfg.catalog.categories[value], lang)
        # a value that is also a phrase's name ("surge", "more": a surge may be named "surge") is a value, not
        # that phrase: only the words of a choice or switch, never a template with blanks to fill
        return _w(_VALUES, value, lang) if value in _VALUES and "{" not in _VALUES[value][0] else humanize(value)
    resident = ([float(value[i]) for i in RESIDENT_CHANNELS if i < len(value)]
                if key == "discovery.channel_mix" and isinstance(value, list | tuple) else [])
    if sum(resident) > 0:
        # the residents' channels' shares of their reports, each by name, as the model uses the weights:
        # relative among the resident channels alone (sim.matters.occur), patrols and reporters aside
        parts = [f"{_w(_CHANNELS, CHANNELS[i], lang)} {fmt_number(100.0 * w / sum(resident), 0)}%"
                 for i, w in zip(RESIDENT_CHANNELS, resident, strict=False) if w > 0]
        return items(parts, lang)
    if key == "scenario.surges":
        parts = [_w(_VALUES, "surge", lang).format(m=s.multiplier, d=s.days, s=s.start_day)
                 + (_w(_VALUES, "with_volunteers", lang) if s.volunteers else "") for s in value]
        return clauses(parts, lang) if parts else _w(_VALUES, "none", lang)
    if isinstance(value, Sequence):
        parts = [value_words(key, v, cfg, lang) for v in value]
        return items(parts, lang) if parts else _w(_VALUES, "none", lang)
    return humanize(str(value))


def _key_words(key: str, cfg: Config, lang: str, index: int | None = None) -> str:
    for prefix, offices in (("staffing.module_staff.", cfg.catalog.modules),
                            ("staffing.department_staff.", cfg.catalog.departments)):
        if key.startswith(prefix):
            name = key[len(prefix):]
            office = next((o for o in offices if o.name == name), None)
            label = label_of(office, lang) if office is not None else humanize(name)
            return _w(_KEYS, prefix[:-1], lang).format(label)
    if key == "dispatch.escalation_limit_hours" and index is not None:
        return _w(_KEYS, key, lang).format(level_name(LEVELS[index], lang))
    if key in _KEYS:
        return _w(_KEYS, key, lang)
    section, _, leaf = key.rpartition(".")
    return f"{humanize(section.split('.')[-1])}: {humanize(leaf)}"


def config_changes(a: Config, b: Config, lang: str) -> list[str]:
    """Every planner's difference from ``a`` to ``b``, one phrase each: "full-time workers per grid 1 → 2"."""
    fa, fb = _flat(a), _flat(b)
    out: list[str] = []
    for key in list(dict.fromkeys([*fa, *fb])):
        if key.startswith(IGNORED) or fa.get(key) == fb.get(key):
            continue
        va, vb = fa.get(key), fb.get(key)
        if key == "dispatch.escalation_limit_hours" and isinstance(va, list) and isinstance(vb, list):
            for i, (x, y) in enumerate(zip(va, vb, strict=False)):
                if x != y:
                    out.append(f"{_key_words(key, b, lang, i)} {value_words(key, x, a, lang)} → "
                               f"{value_words(key, y, b, lang)}")
            continue
        if key == "catalog.categories" or key.startswith("catalog."):
            continue  # a different catalogue is a different base: base_words names it
        if key == "scenario.surges" and isinstance(va, list) and isinstance(vb, list) and len(va) == len(vb):
            out += _surge_changes(va, vb, a, b, lang)  # the field that differs, not the whole surge twice
            continue
        out.append(f"{_key_words(key, b, lang)} {value_words(key, va, a, lang)} → {value_words(key, vb, b, lang)}")
    return out


#: a surge's fields in words (``SurgeConfig``)
_SURGE_FIELDS: dict[str, tuple[str, str]] = {
    "surge_field": ("surge {i} ({name}): {field}", "突发高峰{i}（{name}）：{field}"),
    "volunteers": ("volunteers mobilised", "动员志愿者"), "multiplier": ("multiplier", "倍数"),
    "days": ("days", "天数"), "start_day": ("start day", "起始日"), "categories": ("categories", "类别"),
    "name": ("name", "名称"),
}


def _surge_changes(va: Sequence[Any], vb: Sequence[Any], a: Config, b: Config, lang: str) -> list[str]:
    """Each differing field of surges paired by position: "surge 1 (flood): volunteers mobilised off → on"."""
    out = []
    for i, (x, y) in enumerate(zip(va, vb, strict=True), start=1):
        for f in dataclasses.fields(x):
            u, v = getattr(x, f.name), getattr(y, f.name)
            if u == v:
                continue
            what = _w(_SURGE_FIELDS, f.name, lang) if f.name in _SURGE_FIELDS else humanize(f.name)
            head = _w(_SURGE_FIELDS, "surge_field", lang).format(i=i, name=humanize(y.name), field=what)
            was, now = ((f"{u:g}", f"{v:g}") if isinstance(u, float) and isinstance(v, float)  # "3 → 4", as the surge
                        else (value_words(f.name, u, a, lang), value_words(f.name, v, b, lang)))
            out.append(f"{head} {was} → {now}")
    return out


def change_title(changes: Sequence[str], lang: str, most: int = 2) -> str:
    """The briefing's title: the change itself when short, else its first ``most`` parts and how many more."""
    if not changes:
        return _w(_VALUES, "nothing", lang)
    rest = len(changes) - most
    title = clauses([*changes[:most], *([_w(_VALUES, "more", lang).format(rest)] if rest > 0 else [])], lang)
    return title[:1].upper() + title[1:] if lang == "en" else title


def base_words(cfg: Config, lang: str) -> str:
    """The base a run was tried on, in words: "a county, the baseline scenario"."""
    terr = f"territory.{cfg.territory.name}"
    territory = _w(_VALUES, terr, lang) if terr in _VALUES else humanize(cfg.territory.name)
    scen = cfg.scenario.name
    if scen.startswith("calibrated-"):
        scenario = _w(_VALUES, "calibrated", lang).format(scen[len("calibrated-"):])
    else:
        scenario = _w(_VALUES, f"scenario.{scen}", lang) if f"scenario.{scen}" in _VALUES else humanize(scen)
    return _w(_VALUES, "base", lang).format(territory=territory, scenario=scenario)


def territory_words(terr: Territory, lang: str) -> str:
    """The territory's size in words: "1 county, 12 townships, 120 villages, 563 grids; 505,932 residents"."""
    key = "territory" if terr.n_counties > 1 else "territory11" if terr.n_townships == 1 else "territory1"
    return _w(_VALUES, key, lang).format(c=terr.n_counties, t=terr.n_townships, v=terr.n_villages, g=terr.n_grids,
                                          r=terr.residents)
