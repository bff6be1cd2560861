"""Fixed vocabularies of the model (MODEL.md sections 1-4).

Integers in the matter inputs and records index into these tuples, so their
order is part of the record contract: append, never reorder.
"""

from __future__ import annotations

from sim.scenario.choices import DeadlineFamily, DispatchMode, DispatchRule, Level, values

#: Levels of the five-level system that handle matters (the city only takes hotline calls).
LEVELS: tuple[str, ...] = values(Level)  # grid, village, township, county
LEVELS_ZH: tuple[str, ...] = ("网格", "村/社区", "乡镇/街道", "县区")
GRID, VILLAGE, TOWNSHIP, COUNTY = 0, 1, 2, 3

#: Severity tiers; a tier's index is the lowest level with authority to settle it.
SEVERITIES: tuple[str, ...] = ("small", "big", "hard", "beyond")
SEVERITIES_ZH: tuple[str, ...] = ("小事", "大事", "难事", "县级事项")

#: Discovery / intake channels.
CHANNELS: tuple[str, ...] = ("patrol", "walk_in", "app", "hotline", "reporter")
CHANNELS_ZH: tuple[str, ...] = ("网格巡查", "群众上门", "电话/App", "12345热线", "兼职网格员")
PATROL, WALK_IN, APP, HOTLINE, REPORTER = 0, 1, 2, 3, 4
#: The channels a resident chooses among when reporting a matter themselves.
RESIDENT_CHANNELS: tuple[int, ...] = (WALK_IN, APP, HOTLINE)

#: The default catalogue (catalog.modules): the township's ten modules (十大模块, seed 000).
#: Code reads the modules of a run from its config (sim.scenario.catalogue), never from here.
MODULES: tuple[str, ...] = (
    "rural_revitalisation",  # 乡村振兴
    "public_service",  # 公共服务
    "discipline",  # 纪检监察
    "economy_ecology",  # 经济生态
    "emergency",  # 应急管理
    "party_building",  # 基层党建
    "civic_practice",  # 文明实践
    "governance",  # 综合治理
    "enforcement",  # 监管执法
    "construction",  # 城乡建设
)
MODULES_ZH: tuple[str, ...] = (
    "乡村振兴",
    "公共服务",
    "纪检监察",
    "经济生态",
    "应急管理",
    "基层党建",
    "文明实践",
    "综合治理",
    "监管执法",
    "城乡建设",
)
MODULES_EN: tuple[str, ...] = (
    "Rural revitalisation",
    "Public services",
    "Discipline inspection",
    "Economy and ecology",
    "Emergency management",
    "Party building",
    "Civic practice",
    "Comprehensive governance",
    "Regulation and enforcement",
    "Urban-rural construction",
)

#: The default catalogue (catalog.departments): county departments (seed 000 "一正六副", seed 002).
DEPARTMENTS: tuple[str, ...] = (
    "industry",  # 工业/综合
    "transport_culture",  # 交通文旅
    "agriculture",  # 农业农村
    "urban_construction",  # 住建城管
    "livelihood",  # 民生（民政、卫健、人社）
    "politics_law",  # 政法（公安、司法）
    "emergency_fire",  # 应急消防
)
DEPARTMENTS_ZH: tuple[str, ...] = ("工业综合", "交通文旅", "农业农村", "住建城管", "民生保障", "政法", "应急消防")
DEPARTMENTS_EN: tuple[str, ...] = ("Industry and general affairs", "Transport, culture and tourism",
                                   "Agriculture and rural affairs", "Housing and urban management",
                                   "Livelihood services", "Politics and law", "Emergency and fire")

#: Staff roles (一长三员 and the seed 002/003 variants).
ROLES: tuple[str, ...] = (
    "grid_leader",  # 网格长: part of their time on matters
    "fulltime",  # 专职网格员: patrols and handles small matters
    "parttime",  # 兼职网格员: reports only
    "instructor",  # 网格指导员: township cadre, can fast-track escalation
    "professional",  # 专业网格员: department staff sent down to grids
    "committee",  # 村/社区两委
    "platform",  # 乡镇指挥平台 dispatchers
    "module",  # 乡镇十大模块 staff
    "department",  # 县直部门 staff
    "volunteer",  # 志愿者 / 党员服务队: surge capacity
)

#: Queue-order and handler-choice rules (MODEL.md section 4, step 4).
DISPATCH_RULES: tuple[str, ...] = values(DispatchRule)  # fcfs, severity, edf, least_loaded, skill, nearest
#: level: grid -> village -> township -> county, each deciding; unified: 一体派单.
DISPATCH_MODES: tuple[str, ...] = values(DispatchMode)  # level, unified

#: Deadline families (13710 and 12345 rules).
DEADLINE_FAMILIES: tuple[str, ...] = values(DeadlineFamily)  # general, complex, emergency, help, complaint

#: Where an open matter is at the horizon (records `status`).
STATUSES: tuple[str, ...] = ("undiscovered", "in_transit", "queued", "in_service", "closed")
UNDISCOVERED, IN_TRANSIT, QUEUED, IN_SERVICE, CLOSED = 0, 1, 2, 3, 4

#: how a visit ended (records' VisitRecords.outcome)
VISIT_OUTCOMES: tuple[str, ...] = ("settled", "escalated", "transferred", "abandoned", "redirected", "open")
SETTLED, ESCALATED, TRANSFERRED, ABANDONED, REDIRECTED, OPEN = range(6)
#: station kinds (records' StationTable.kind)
STATION_KINDS: tuple[str, ...] = ("grid", "village", "platform", "module", "department")

HOURS_PER_DAY = 24.0
HOURS_PER_YEAR = 365.0 * 24.0

#: Metrics a league table's composite score may weigh (``report.league_weights``): True when higher is better.
LEAGUE_METRICS: dict[str, bool] = {
    "on_time_rate": True,
    "satisfaction_rate": True,
    "resolution_hours_mean": False,
    "resolution_hours_p90": False,
    "petitions_per_10k": False,
    "settled_locally_share": True,
}
