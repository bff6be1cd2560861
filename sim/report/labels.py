"""Every word a chart shows, in English and Chinese (``report.lang = en | zh``).

``label(key, lang)`` looks a key up in the dictionary of ``lang``; a key missing in
Chinese falls back to English, and a key missing everywhere is shown as itself (so a
new scenario name or KPI never breaks a chart). Level names come from
``sim.scenario.constants.LEVELS_ZH``; role, station-kind and KPI names are here.
Strings containing ``{}`` are ``str.format`` templates.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

from sim.scenario.catalogue import humanize, label_of
from sim.scenario.constants import LEVELS, LEVELS_ZH, STATUSES
from sim.scenario.schema import CatalogConfig, OfficeConfig

__all__ = ["LANGS", "all_text", "check_lang", "clauses", "humanize", "items", "kpi_name", "label", "level_name",
           "office_name", "office_type_name", "role_name"]

LANGS: tuple[str, ...] = ("en", "zh")

_EN: dict[str, str] = {
    # --- chart titles and axes
    "title.cdf": "Resolution time, occurrence to closure",
    "title.funnel": "Where matters are settled",
    "subtitle.funnel": "small matters stay in the grid,\nbig ones in the village,\nhard ones in the township",
    "title.backlog": "Open matters over time",
    "title.utilization": "Staff utilisation",
    "title.offices": "Utilisation by township module and county department",
    "title.pareto": "Staff cost vs on-time rate",
    "title.compare": "{} by scenario",
    "axis.days": "days",
    "axis.day": "day",
    "axis.share_closed": "share of matters closed (open ones counted)",
    "axis.share_settled": "share of matters (open ones settled nowhere yet)",
    "axis.matters": "matters",
    "axis.role": "role",
    "axis.level": "level",
    "axis.scenario": "scenario",
    "axis.staff_cost": "staff cost (million yuan)",
    "axis.staff_cost_per_year": "staff cost a year (million yuan)",
    "axis.on_time_rate": "on-time rate",
    "legend.at_level": "settled at this level",
    "legend.cumulative": "at or below this level",
    "legend.open": "open (not closed)",
    "legend.undiscovered": "not yet discovered",
    "legend.surge": "surge window",
    "legend.pareto": "Pareto front",
    "legend.runs": "variants",
    "legend.unstable": "unstable (off the front)",
    "legend.mean": "mean",
    "legend.target": "target {:.0%}",
    "note.diff": "{d} vs {base}",
    "note.not_significant": "(not significant)",
    "note.pp": " pp",
    "note.error_bars": "error bars: 95% confidence interval;\nunder each bar: change from the baseline",
    "note.median": "median {:.1f} d",
    "note.median_open": "median beyond the horizon",
    "note.baseline": "baseline",
    "note.reference": "reference",
    "note.error_bars_ref": "error bars: 95% confidence interval;\nunder each bar: change from the reference",
    "note.above_horizon": "above the horizon",
    # --- units
    "unit.hours": "hours",
    "unit.days": "days",
    "unit.yuan": "yuan",
    # --- station kinds
    "kind.grid": "grid",
    "kind.village": "village committee",
    "kind.platform": "township platform",
    "kind.module": "township modules",
    "kind.department": "county departments",
    "office.no_staff": "no staff",
    "name.module": "township module: {}",
    "name.department": "county department: {}",
    # --- roles
    "role.grid_leader": "grid leader",
    "role.fulltime": "full-time grid worker",
    "role.parttime": "part-time grid worker",
    "role.instructor": "grid instructor",
    "role.professional": "professional grid worker",
    "role.committee": "committee member",
    "role.platform": "platform dispatcher",
    "role.module": "module staff",
    "role.department": "department staff",
    "role.volunteer": "volunteer",
    # --- KPIs
    "kpi.matters": "matters",
    "kpi.closed": "closed",
    "kpi.open_at_horizon": "open at the horizon",
    "kpi.wait_hours_mean": "mean wait (hours)",
    "kpi.wait_hours_mean_served": "mean wait of served matters (hours)",
    "kpi.wait_positive_share": "share that waited",
    "kpi.abandoned_share": "share that timed out at a station",
    "kpi.resolution_hours_mean": "mean resolution time (hours)",
    "kpi.resolution_hours_p50": "median resolution time (hours)",
    "kpi.resolution_hours_p90": "90th percentile resolution time (hours)",
    "kpi.resolution_hours_p95": "95th percentile resolution time (hours)",
    "kpi.report_to_close_hours_mean": "mean report-to-close time (hours)",
    "kpi.discovery_hours_mean": "mean discovery delay (hours)",
    "kpi.settled_share": "share settled at {}",
    "kpi.settled_at_or_below": "share settled at or below {}",
    "kpi.on_time_rate": "on-time rate",
    "kpi.open_dissatisfied": "open past deadline and patience",
    "kpi.warmup_mser5_days": "warm-up MSER-5 finds (days)",
    "kpi.warmup_mser5_shift": "open before MSER-5's point less after it",
    "kpi.report_to_close_hours_p50": "median report-to-close time (hours)",
    "kpi.report_to_close_hours_p90": "90th percentile report-to-close time (hours)",
    "kpi.report_to_close_hours_p95": "95th percentile report-to-close time (hours)",
    "kpi.satisfaction_rate": "satisfaction rate",
    "kpi.reopen_rate": "reopen rate",
    "kpi.petitions_per_10k": "petitions per 10,000 residents a year",
    "kpi.transfers_per_matter": "transfers per matter",
    "kpi.escalations_per_matter": "escalations per matter",
    "kpi.utilization_kind": "utilisation: {}",
    "kpi.offered_load": "load reaching it: {}",
    "kpi.matters_per_day": "matters per day (window)",
    "kpi.utilization_role": "utilisation: {}",
    "kpi.open_status": "open at the horizon: {}",
    "kpi.staff_cost": "staff cost of the KPI window (yuan)",
    "kpi.staff_cost_per_year": "staff cost a year (yuan)",
    "kpi.cost_per_settled": "cost per settled matter (yuan)",
    "kpi.engine_seconds": "engine seconds",
    "kpi.on_time_rate_of_closed": "on-time rate of closed matters",
    "kpi.open_at_horizon_share": "share open at the horizon",
    "kpi.backlog_growth_per_30d": "backlog growth per 30 days",
    "kpi.above_horizon": "{}: above the horizon",
    # --- statuses of open matters
    "status.undiscovered": "undiscovered",
    "status.in_transit": "in transit",
    "status.queued": "queued",
    "status.in_service": "in service",
    "status.closed": "closed",
    # --- briefing
    "briefing.findings": "Findings",
    "briefing.source": "gridsim simulation; 95% confidence intervals over replications",
    "brief.run": "run {}",
    "brief.compared": "Compared: {b} against {a}, the reference",
    "brief.compared_base": "Compared: {b} against the baseline (the base, no lever changed)",
    "brief.base": "Base: {}",
    "brief.territory": "Territory: {}",
    "brief.reps_same": "Replications: {n} on each side, paired on common random numbers",
    "brief.reps_differ": "Replications: {a} {na}, {b} {nb} (not paired: no interval for the change)",
    "brief.horizon": "; {h:g} days simulated, the first {w:g} left out of the figures",
    "brief.date": "Date: {}",
    "brief.experiment": "Experiment: {}",
    "brief.compared_all": "Compared: {} scenarios against the baseline, {}",
    "brief.more_scenarios": "and {} more scenarios (finding.txt lists them)",
    "brief.reps_all": "Replications: {n} for every scenario, paired on common random numbers",
    "brief.every_scenario": "Every scenario",
}

_ZH: dict[str, str] = {
    "title.cdf": "办结时长分布（发生至办结）",
    "title.funnel": "事项在哪一级办结",
    "subtitle.funnel": "小事不出格、大事不出村、难事不出镇",
    "title.backlog": "未办结事项数变化",
    "title.utilization": "人员利用率",
    "title.offices": "各乡镇模块与县直部门利用率",
    "title.pareto": "人员成本与按期办结率",
    "title.compare": "各方案{}",
    "axis.days": "天",
    "axis.day": "第几天",
    "axis.share_closed": "累计办结占比（含未办结事项）",
    "axis.share_settled": "占全部事项比例（未办结的不计入任何一级）",
    "axis.matters": "事项数",
    "axis.role": "岗位",
    "axis.level": "层级",
    "axis.scenario": "方案",
    "axis.staff_cost": "人员成本（百万元）",
    "axis.staff_cost_per_year": "年人员成本（百万元）",
    "axis.on_time_rate": "按期办结率",
    "legend.at_level": "本级办结",
    "legend.cumulative": "本级及以下累计",
    "legend.open": "未办结",
    "legend.undiscovered": "尚未发现",
    "legend.surge": "突发高峰期",
    "legend.pareto": "帕累托前沿",
    "legend.runs": "备选方案",
    "legend.unstable": "不稳定（不计入前沿）",
    "legend.mean": "均值",
    "legend.target": "目标 {:.0%}",
    "note.diff": "较{base}{d}",
    "note.not_significant": "（无显著差异）",
    "note.pp": "个百分点",
    "note.error_bars": "误差线为95%置信区间；柱下标注与基准方案之差",
    "note.median": "中位数 {:.1f} 天",
    "note.median_open": "中位数超出模拟期",
    "note.baseline": "基准",
    "note.reference": "参照",
    "note.error_bars_ref": "误差线为95%置信区间；柱下标注与参照之差",
    "note.above_horizon": "超出仿真期",
    "unit.hours": "小时",
    "unit.days": "天",
    "unit.yuan": "元",
    "kind.grid": "网格",
    "kind.village": "村/社区两委",
    "kind.platform": "乡镇指挥平台",
    "kind.module": "乡镇模块",
    "kind.department": "县直部门",
    "office.no_staff": "无人员",
    "name.module": "乡镇模块：{}",
    "name.department": "县直部门：{}",
    "role.grid_leader": "网格长",
    "role.fulltime": "专职网格员",
    "role.parttime": "兼职网格员",
    "role.instructor": "网格指导员",
    "role.professional": "专业网格员",
    "role.committee": "两委成员",
    "role.platform": "平台调度员",
    "role.module": "模块人员",
    "role.department": "部门人员",
    "role.volunteer": "志愿者",
    "kpi.matters": "事项数",
    "kpi.closed": "已办结",
    "kpi.open_at_horizon": "期末未办结",
    "kpi.wait_hours_mean": "平均等待时长（小时）",
    "kpi.wait_hours_mean_served": "已受理事项平均等待（小时）",
    "kpi.wait_positive_share": "需排队事项占比",
    "kpi.abandoned_share": "超时上移事项占比",
    "kpi.resolution_hours_mean": "平均办结时长（小时）",
    "kpi.resolution_hours_p50": "办结时长中位数（小时）",
    "kpi.resolution_hours_p90": "办结时长90分位（小时）",
    "kpi.resolution_hours_p95": "办结时长95分位（小时）",
    "kpi.report_to_close_hours_mean": "受理至办结平均时长（小时）",
    "kpi.discovery_hours_mean": "平均发现时长（小时）",
    "kpi.settled_share": "{}办结占比",
    "kpi.settled_at_or_below": "{}及以下办结占比",
    "kpi.on_time_rate": "按期办结率",
    "kpi.open_dissatisfied": "超期且超过耐心的未办结事项",
    "kpi.warmup_mser5_days": "MSER-5预热期（天）",
    "kpi.warmup_mser5_shift": "MSER-5截断点前后未办结均值之差",
    "kpi.report_to_close_hours_p50": "受理至办结时长中位数（小时）",
    "kpi.report_to_close_hours_p90": "受理至办结时长90分位（小时）",
    "kpi.report_to_close_hours_p95": "受理至办结时长95分位（小时）",
    "kpi.satisfaction_rate": "满意率",
    "kpi.reopen_rate": "重办率",
    "kpi.petitions_per_10k": "每万人年信访量",
    "kpi.transfers_per_matter": "每件转办次数",
    "kpi.escalations_per_matter": "每件上报次数",
    "kpi.utilization_kind": "利用率：{}",
    "kpi.offered_load": "实际到达负荷：{}",
    "kpi.matters_per_day": "日均事项（统计期）",
    "kpi.utilization_role": "利用率：{}",
    "kpi.open_status": "期末未办结：{}",
    "kpi.staff_cost": "统计期人员成本（元）",
    "kpi.staff_cost_per_year": "年人员成本（元）",
    "kpi.cost_per_settled": "每件办结成本（元）",
    "kpi.engine_seconds": "运行秒数",
    "kpi.on_time_rate_of_closed": "已办结事项按期率",
    "kpi.open_at_horizon_share": "期末未办结占比",
    "kpi.backlog_growth_per_30d": "每30天积压增量",
    "kpi.above_horizon": "{}：超出仿真期",
    "status.undiscovered": "未发现",
    "status.in_transit": "流转中",
    "status.queued": "排队中",
    "status.in_service": "办理中",
    "status.closed": "已办结",
    "briefing.findings": "主要结论",
    "briefing.source": "gridsim 仿真；各指标为多次重复运行的均值及95%置信区间",
    "brief.run": "运行{}",
    "brief.compared": "比较：{b}对比参照{a}",
    "brief.compared_base": "比较：{b}对比基准（未调整任何参数）",
    "brief.base": "基准情景：{}",
    "brief.territory": "辖区：{}",
    "brief.reps_same": "重复次数：双方各{n}次，按共同随机数配对",
    "brief.reps_differ": "重复次数：{a}{na}次，{b}{nb}次（未配对，变化无置信区间）",
    "brief.horizon": "；仿真{h:g}天，前{w:g}天不计入指标",
    "brief.date": "日期：{}",
    "brief.experiment": "实验：{}",
    "brief.compared_all": "比较：{}个方案对比基准方案“{}”",
    "brief.more_scenarios": "另有{}个方案（见 finding.txt）",
    "brief.reps_all": "重复次数：各方案各{n}次，按共同随机数配对",
    "brief.every_scenario": "各方案",
}

_DICTS: dict[str, dict[str, str]] = {"en": _EN, "zh": _ZH}


def items(parts: Iterable[str], lang: str) -> str:
    """A list's items joined as each language writes them: "a, b" | "甲、乙"."""
    return ("、" if lang == "zh" else ", ").join(parts)


def clauses(parts: Iterable[str], lang: str) -> str:
    """Clauses (changes, reasons) joined as each language writes them: "a; b" | "甲；乙"."""
    return ("；" if lang == "zh" else "; ").join(parts)


def check_lang(lang: str) -> str:
    """Return ``lang`` if it is a known language, else raise ``ValueError``."""
    if lang not in _DICTS:
        raise ValueError(f"report.lang must be one of {', '.join(LANGS)}, got {lang!r}")
    return lang


def label(key: str, lang: str) -> str:
    """The text of ``key`` in ``lang`` (English if Chinese lacks it, the key itself if both do)."""
    return _DICTS[check_lang(lang)].get(key) or _EN.get(key, key)


def level_name(level: int | str, lang: str) -> str:
    """Name of a level given its ``LEVELS`` index or English name (unknown names pass through)."""
    check_lang(lang)
    if isinstance(level, str):
        if level not in LEVELS:
            return level
        level = LEVELS.index(level)
    if not 0 <= int(level) < len(LEVELS):
        return str(level)
    return LEVELS_ZH[int(level)] if lang == "zh" else LEVELS[int(level)]


def role_name(role: str, lang: str) -> str:
    """Name of a staff role (``ROLES``) or a station kind; unknown names pass through."""
    for prefix in ("role.", "kind."):
        if prefix + role in _EN:
            return label(prefix + role, lang)
    check_lang(lang)
    return role


def kpi_name(kpi: str, lang: str) -> str:
    """Readable name of a KPI key of ``compute_kpis`` (patterned keys included)."""
    if f"kpi.{kpi}" in _EN:
        return label(f"kpi.{kpi}", lang)
    patterns = (("settled_at_or_below_", "kpi.settled_at_or_below", level_name),
                ("settled_share_", "kpi.settled_share", level_name),
                ("utilization_role_", "kpi.utilization_role", role_name),
                ("offered_load_", "kpi.offered_load", role_name),
                ("utilization_", "kpi.utilization_kind", role_name))
    for prefix, key, name in patterns:
        if kpi.startswith(prefix):
            return label(key, lang).format(humanize(name(kpi[len(prefix):], lang)))
    if kpi.startswith("open_") and kpi[5:] in STATUSES:
        return label("kpi.open_status", lang).format(label(f"status.{kpi[5:]}", lang))
    check_lang(lang)
    return humanize(kpi)


#: kind -> the label key of "a {} of this kind"
_KIND_OF = {"module": "name.module", "department": "name.department"}


def _find(catalog: CatalogConfig | None, kind: str, name: str) -> OfficeConfig | None:
    if catalog is None:
        return None
    offices = catalog.modules if kind == "module" else catalog.departments
    return next((o for o in offices if o.name == name), None)


def office_type_name(office: str, catalog: CatalogConfig | None, lang: str) -> str:
    """Display name of an office type: a station type (``grid``, ``module:x``, ``department:x``) or a
    catalogue key (``urban_construction``: a department's name, else a module's); without a catalogue,
    the default one's names."""
    check_lang(lang)
    catalog = catalog if catalog is not None else _default_catalog()
    kind, sep, sub = office.partition(":")
    if not sep:
        if f"kind.{office}" in _STATION_KINDS:
            return label(f"kind.{office}", lang)
        for k in ("department", "module"):
            if _find(catalog, k, office) is not None:
                kind, sub = k, office
                break
        else:
            return humanize(office)
    found = _find(catalog, kind, sub)
    name = label_of(found, lang) if found is not None else humanize(sub)
    return label(_KIND_OF[kind], lang).format(name) if kind in _KIND_OF else name


_STATION_KINDS = ("kind.grid", "kind.village", "kind.platform", "kind.module", "kind.department")


def office_name(key: str, lang: str, catalog: CatalogConfig | None = None) -> str:
    """An office type's display name (``office_type_name``; the default catalogue's names without one)."""
    return office_type_name(key, catalog, lang)


@cache
def _default_catalog() -> CatalogConfig:
    return CatalogConfig()


def all_text(lang: str) -> str:
    """Every string a chart can take from this module in ``lang`` (for glyph-coverage checks)."""
    d = _DICTS[check_lang(lang)]
    names = [level_name(i, lang) for i in range(len(LEVELS))]
    return "".join(d.values()) + "".join(names)
