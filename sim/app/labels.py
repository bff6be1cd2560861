"""Every word of the workbench page, in English and Chinese: one table, ``key: (en, zh)``.

KPI, role and level names come from ``sim.report.labels`` (the charts' own), so the page
and the charts say the same thing.
"""

from __future__ import annotations

from sim.report.labels import kpi_name

__all__ = ["TEXT", "kpi", "t"]

TEXT: dict[str, tuple[str, str]] = {
    "title": ("gridsim workbench: try a reform before you roll it out", "gridsim 工作台：改革先试后推"),
    "lang": ("Language / 语言", "Language / 语言"),
    "base": ("Base scenario", "基准情景"),
    "base.territory": ("Territory", "辖区规模"),
    "base.scenario": ("Scenario", "情景"),
    "base.calibrated": ("Calibrated preset", "校准预设"),
    "base.none": ("(none)", "（无）"),
    "levers": ("Levers", "调整参数"),
    "group.staff": ("Staff", "人员配置"),
    "group.modules": ("Township module staff (per township)", "乡镇各模块人员（每乡镇）"),
    "group.departments": ("County department staff (per county)", "县级部门人员（每县）"),
    "group.dispatch": ("Dispatch and escalation", "派单与上移"),
    "group.scenario": ("Surge", "突发高峰"),
    "group.run": ("Run", "运行"),
    "lever.fulltime": ("full-time workers per grid", "每网格专职网格员"),
    "lever.households": ("households per grid", "每网格户数"),
    "lever.parttime": ("part-time reporters per grid", "每网格兼职网格员"),
    "lever.committee": ("committee members per village", "每村（社区）两委成员"),
    "lever.platform": ("platform staff per township", "每乡镇平台人员"),
    "lever.professional": ("professional grid workers per township", "每乡镇专业网格员"),
    "lever.module": ("{}", "{}"),
    "lever.department": ("{}", "{}"),
    "lever.mode": ("dispatch mode", "派单方式"),
    "lever.rule": ("queue rule", "排队规则"),
    "lever.escalation": ("escalation limit at {}", "{}上移时限"),
    "lever.reminders": ("overdue reminders (催办)", "超期催办"),
    "lever.hotline": ("hotline share of resident reports", "热线占群众上报比例"),
    "lever.grid_list": ("categories off the grid matters list", "不列入网格事项清单的类别"),
    "lever.surge": ("add a surge", "加入突发高峰"),
    "lever.surge_multiplier": ("surge multiplier", "高峰倍数"),
    "lever.surge_days": ("surge length", "高峰持续"),
    "lever.volunteers": ("mobilise volunteers", "动员志愿者"),
    "lever.replications": ("replications", "重复次数"),
    "lever.horizon": ("simulated time", "仿真时长"),
    "lever.warmup": ("warm-up left out of the KPIs", "预热期（不计入指标）"),
    "unit.people": ("people", "人"),
    "unit.households": ("households", "户"),
    "unit.hours": ("hours, 0 = none", "小时，0为不限"),
    "unit.share": ("share", "比例"),
    "unit.times": ("×", "倍"),
    "unit.days": ("days", "天"),
    "unit.runs": ("runs", "次"),
    "range": ("allowed {} to {}", "允许范围 {} 至 {}"),
    "capacity": ("Capacity check (before anything runs)", "容量检查（运行前）"),
    "capacity.ok": ("every office keeps up (utilisation below 1)", "各类机构均可应对（利用率低于1）"),
    "capacity.unstable": ("cannot keep up (utilisation ≥ 1): {}", "无法应对（利用率≥1）：{}"),
    "capacity.per_day": ("matters per day: {:,.0f}", "每日事项：{:,.0f}"),
    "capacity.note": ("the hotline share is estimated from the first {} days' draws",
                      "热线比例按前{}天抽样估计"),
    "run": ("Run", "运行"),
    "running": ("Running the baseline and the variant…", "正在运行基准与方案……"),
    "invalid": ("Fix the fields marked in red before running.", "请先修正标红的参数。"),
    "failed": ("The run failed: {}", "运行失败：{}"),
    "from_store": ("Served from the store of runs: the same config and seed ran before ({}).",
                   "来自运行库：相同配置与随机种子已运行过（{}）。"),
    "ran": ("Ran in {:.1f} s.", "运行用时 {:.1f} 秒。"),
    "answer": ("The answer", "结果"),
    "kpis": ("Headline KPIs (95% interval over replications)", "主要指标（重复运行的95%置信区间）"),
    "vs_base": ("Against the baseline (paired, common random numbers)", "与基准对比（配对，共同随机数）"),
    "same_as_base": ("No lever differs from the base: this run is the baseline.", "未调整任何参数：本次即为基准。"),
    "sentence.pp": ("{name} {d:+.1f} points ± {hw:.1f}", "{name} {d:+.1f} 个百分点 ± {hw:.1f}"),
    "sentence.value": ("{name} {d:+,.3g} ± {hw:,.2g}", "{name} {d:+,.3g} ± {hw:,.2g}"),
    "sentence.single": ("(one replication: no interval)", "（仅一次运行，无置信区间）"),
    "sentence.ns": ("not significant", "不显著"),
    "charts": ("Charts", "图表"),
    "league": ("League tables", "排名表"),
    "league.township": ("Townships", "乡镇/街道"),
    "league.village": ("Villages", "村/社区"),
    "league.grid": ("Grids", "网格"),
    "history": ("History of this session", "本次会话的运行记录"),
    "history.none": ("No runs yet.", "尚无运行记录。"),
    "compare": ("Compare two runs", "比较两次运行"),
    "compare.a": ("first (baseline)", "第一项（基准）"),
    "compare.b": ("second", "第二项"),
    "briefing": ("Download the one-page briefing (PDF)", "下载一页简报（PDF）"),
    "zip": ("Download the run's results (zip)", "下载本次结果（zip）"),
    "col.run": ("run", "运行"),
    "col.levers": ("levers changed", "调整的参数"),
    "col.store": ("from the store", "来自运行库"),
    "yes": ("yes", "是"),
    "no": ("no", "否"),
    "baseline": ("baseline", "基准"),
    "choice.level": ("level by level", "逐级派单"),
    "choice.unified": ("unified (一体派单)", "一体派单"),
    "choice.fcfs": ("first come, first served", "先到先办"),
    "choice.severity": ("most severe first", "严重程度优先"),
    "choice.edf": ("earliest deadline first", "截止期限优先"),
    "choice.least_loaded": ("least-loaded worker", "最空闲人员优先"),
    "choice.skill": ("by skill", "按专长分派"),
    "choice.nearest": ("nearest worker", "就近分派"),
    "cap.station": ("office type", "机构类型"),
    "cap.stations": ("offices", "机构数"),
    "cap.servers": ("staff (full-time equivalent)", "人员（折合全职）"),
    "cap.arrivals": ("matters per day", "每日事项"),
    "cap.utilization": ("utilisation", "利用率"),
    "cap.flag": ("flag", "标记"),
    "cap.unstable": ("UNSTABLE", "不稳定"),
    "col.kpi": ("KPI", "指标"),
    "col.value": ("value", "数值"),
    "col.hw": ("± 95%", "± 95%"),
    "briefing.title": ("gridsim briefing: {} against {}", "gridsim 简报：{} 对比 {}"),
}


def t(key: str, lang: str) -> str:
    """The page's text for ``key`` in ``lang`` (``en`` | ``zh``); the key itself if unknown."""
    en, zh = TEXT.get(key, (key, key))
    return zh if lang == "zh" else en


def kpi(name: str, lang: str) -> str:
    """A KPI's name, as the charts write it."""
    return kpi_name(name, lang)
