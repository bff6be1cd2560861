"""Replay a work-order log: its cases become the matter inputs (``scenario.replay.*``).

What the log says is used; what it cannot say is drawn from the named streams as for
generated matters (``sim.matters.occur.inputs_from_cases``):

- occurrence time = the case's ``created``, in hours from t = 0, which is 00:00 of the
  Monday on or before the window's start (the model's calendar starts on a Monday, so
  the log's weekdays and office hours stay the model's);
- category = the mapping's category, which must be one of ``catalog.categories`` (or
  is replaced by ``scenario.replay.catch_all`` when that names one);
- channel and discovery: the log's ``created`` is the moment the case was reported
  or taken in, so a case with a channel is discovered at ``created`` through that
  channel. The resident channels need a share in ``discovery.channel_mix``, patrol
  needs patrolling staff, reporter cases part-time reporters: a replayed channel the
  scenario cannot produce is a one-line error naming the key. A case with no channel
  (the log has none) is discovered as a generated matter is, from the streams;
- place: when the territory came from the log (``territory.units_file`` written by
  ``units_from_log``; ``places=auto`` or ``names``), a case goes to the village of
  its (place1, place2) names, ``unknown`` where a place is empty, and to a grid of it
  drawn by residents from the stream ``replay:grid``; otherwise (``draw``) to a grid of
  the whole territory drawn by residents from that stream;
- severity, work per level, failure, satisfaction, reopening and petition uniforms,
  the registered grid: drawn as for generated matters (streams ``replay:<field>``).

The window is [start, until): ``start`` defaults to the first case's day, ``until`` to
the extraction time or the end of the horizon, the earlier. The log is imported once
per process and file version (a cache), so validation and each replication share it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from sim.logs.load import ImportedLog, load_log
from sim.logs.territory import UNKNOWN, place_names
from sim.matters.occur import inputs_from_cases
from sim.records.inputs import MatterInputs
from sim.rules.discovery import patrol_cycle_hours
from sim.scenario.constants import CHANNELS, PATROL, REPORTER, RESIDENT_CHANNELS
from sim.scenario.schema import Config
from sim.scenario.territory import Territory
from sim.scenario.units import load_villages
from sim.util.errors import ConfigError
from sim.util.rng import Streams

KEY = "scenario.replay"
PLACES = ("auto", "names", "draw")


@lru_cache(maxsize=4)
def _cached_log(path: str, version: tuple[int, int, int], mapping: str, extracted_at: str | None) -> ImportedLog:
    del version  # part of the key only: a changed log or mapping file is read again
    return load_log(path, mapping, extracted_at=extracted_at)


def _mtime(path: Path) -> int:
    return path.stat().st_mtime_ns if path.is_file() else 0


def replay_log(cfg: Config) -> ImportedLog:
    """The replayed log, imported once per process and file version."""
    r = cfg.scenario.replay
    if not r.log:
        raise ConfigError(f"{KEY}.log", "not set")
    p = Path(r.log)
    if not p.is_file():
        raise ConfigError(f"{KEY}.log", f"file not found: {r.log!r}")
    if not r.mapping:
        raise ConfigError(f"{KEY}.mapping", "required with scenario.replay.log (a shipped name such as "
                                            "boston311 or 12345, or a mapping YAML path)")
    st = p.stat()
    version = (st.st_mtime_ns, st.st_size, _mtime(Path(r.mapping)))
    return _cached_log(str(p.resolve()), version, r.mapping, r.extracted_at)


def replay_origin(start: pd.Timestamp) -> pd.Timestamp:
    """t = 0 of a replay: 00:00 of the Monday on or before ``start``."""
    day = pd.Timestamp(start).normalize()
    return day - pd.Timedelta(day.weekday(), unit="D")


def _time(key: str, value: str | None) -> pd.Timestamp | None:
    if value is None:
        return None
    try:
        t = pd.Timestamp(str(value))
    except ValueError:
        raise ConfigError(key, f"not a time (YYYY-MM-DD or YYYY-MM-DD HH:MM), got {value!r}") from None
    if t is pd.NaT:
        raise ConfigError(key, f"not a time, got {value!r}")
    return t.tz_localize(None) if t.tzinfo is not None else t


@dataclass(frozen=True)
class Window:
    """The replayed part of the log: its cases and where t = 0 is."""

    origin: pd.Timestamp  # t = 0
    start: pd.Timestamp
    until: pd.Timestamp
    cases: pd.DataFrame  # the log's cases created in [start, until), in time order
    log: ImportedLog


def replay_window(cfg: Config) -> Window:
    """The window's cases; a window with no case is an error."""
    r = cfg.scenario.replay
    log = replay_log(cfg)
    cases = log.cases
    start = _time(f"{KEY}.start", r.start)
    until = _time(f"{KEY}.until", r.until)
    if start is None:
        if cases.empty:
            raise ConfigError(f"{KEY}.log", f"{r.log}: no case was imported (see python -m sim.logs)")
        start = pd.Timestamp(cases["created"].min()).normalize()
    origin = replay_origin(start)
    end_of_horizon = origin + pd.Timedelta(cfg.run.horizon_days * 24.0, unit="h")
    if until is None:
        until = min(log.extracted_at + pd.Timedelta(1, unit="us"), end_of_horizon)
    elif until > end_of_horizon:
        raise ConfigError(f"{KEY}.until", f"{until} is after the end of the horizon ({end_of_horizon}: "
                                          f"run.horizon_days={cfg.run.horizon_days:g} from {origin.date()}, "
                                          "the Monday before the start); raise run.horizon_days")
    if until <= start and r.until is not None:
        raise ConfigError(f"{KEY}.until", f"{until} is not after the start {start}")
    created = cases["created"]
    inside = cases[(created >= start) & (created < until)]
    if inside.empty:
        until = max(until, start)
        raise ConfigError(KEY, f"no case of {r.log} in the window [{start}, {until}) "
                               f"(the log's cases run {created.min()} .. {created.max()})")
    return Window(origin=origin, start=start, until=until, cases=inside, log=log)


def _category_codes(cfg: Config, cases: pd.DataFrame) -> np.ndarray:
    r = cfg.scenario.replay
    names = list(cfg.catalog.categories)
    index = {n: i for i, n in enumerate(names)}
    cat = cases["category"].astype(str)
    codes = cat.map(index)
    missing = codes.isna()
    if missing.any():
        if r.catch_all is not None:
            if r.catch_all not in index:
                raise ConfigError(f"{KEY}.catch_all", f"{r.catch_all!r} is not in catalog.categories "
                                                      f"({', '.join(names)})")
            codes = codes.fillna(index[r.catch_all])
        else:
            counts = cat[missing].value_counts()
            first, more = counts.index[0], len(counts) - 1
            also = f" and {more} more categor{'y' if more == 1 else 'ies'}" if more else ""
            raise ConfigError(f"{KEY}.log", f"category {first!r} ({int(counts.iloc[0]):,} cases){also} not in "
                                            f"catalog.categories ({', '.join(names)}): map the log's types to "
                                            f"categories in its mapping, or set {KEY}.catch_all")
    return codes.to_numpy(dtype=np.int16)


def _channel_codes(cases: pd.DataFrame) -> np.ndarray:
    code = {name: i for i, name in enumerate(CHANNELS)}
    return cases["channel"].astype(str).map(code).fillna(-1).to_numpy(dtype=np.int8)


def _places_mode(cfg: Config) -> str:
    mode = cfg.scenario.replay.places
    if mode not in PLACES:
        raise ConfigError(f"{KEY}.places", f"must be one of {', '.join(PLACES)}, got {mode!r}")
    if mode == "auto":
        return "names" if cfg.territory.units_file else "draw"
    if mode == "names" and not cfg.territory.units_file:
        raise ConfigError(f"{KEY}.places", "names needs the territory from the log: set territory.units_file "
                                           "to the units table units_from_log wrote")
    return mode


def _villages_by_name(cfg: Config, cases: pd.DataFrame, terr: Territory) -> np.ndarray:
    """Each case's village index, by its (township, village) names in the units file."""
    assert cfg.territory.units_file is not None
    table = load_villages(cfg.territory.units_file)
    if len(table.village_names) != terr.n_villages:
        raise ConfigError("territory.units_file", "does not match the territory built from it")
    keys: dict[tuple[str, str], int] = {}
    for v, (name, t) in enumerate(zip(table.village_names, table.village_township.tolist(), strict=True)):
        keys.setdefault((table.township_names[t], name), v)  # a name in two counties: the first
    town, village = place_names(cases)
    codes, pairs = pd.factorize(pd.MultiIndex.from_arrays([town, village]))
    of_pair = np.empty(len(pairs), dtype=np.int64)
    for j, key in enumerate(pairs):  # one look-up per distinct place, not per case
        v = keys.get(key, keys.get((key[0], UNKNOWN), keys.get((UNKNOWN, UNKNOWN), -1)))
        if v < 0:
            n = int((codes == j).sum())
            raise ConfigError(f"{KEY}.places", f"place {key[0]} / {key[1]} ({n:,} cases) is not a unit of "
                                               f"territory.units_file {cfg.territory.units_file} (and it has no "
                                               f"{UNKNOWN} unit); make the units table from this log")
        of_pair[j] = v
    return of_pair[codes]


def _grids(cfg: Config, terr: Territory, village: np.ndarray | None, n: int, replication: int) -> np.ndarray:
    """A grid per case, by residents: within the case's village, or over the territory (village None)."""
    u = Streams(cfg.run.seed, replication)("replay:grid").random(n)
    cum = np.cumsum(terr.grid_residents)
    if village is None:
        lo = np.zeros(n)
        hi = np.full(n, cum[-1])
        first, last = np.zeros(n, np.int64), np.full(n, terr.n_grids - 1, np.int64)
    else:
        first_of = np.searchsorted(terr.grid_village, np.arange(terr.n_villages), side="left")
        last_of = np.searchsorted(terr.grid_village, np.arange(terr.n_villages), side="right") - 1
        first, last = first_of[village], last_of[village]
        before = np.concatenate([[0.0], cum])
        lo, hi = before[first], cum[last]
    g = np.searchsorted(cum, lo + u * (hi - lo), side="right")
    return np.clip(g, first, last).astype(np.int32)


def _check_channels(cfg: Config, terr: Territory, channel: np.ndarray, grid: np.ndarray,
                    category: np.ndarray) -> None:
    """Every replayed channel must be one the scenario can produce (module docstring)."""
    d = cfg.discovery
    if not (channel >= 0).any():
        return
    if cfg.textbook.enabled:
        raise ConfigError("textbook.enabled", "a log cannot be replayed in the textbook mode")
    if d.instant:
        raise ConfigError("discovery.instant", "a replayed log's channels need discovery.instant=false")

    def count(mask: np.ndarray) -> str:
        return f"{int(mask.sum()):,}"


    cycle = patrol_cycle_hours(cfg, terr)
    no_patrol = (channel == PATROL) & ~np.isfinite(cycle[grid])
    if no_patrol.any():
        raise ConfigError("staffing.patrol_share", f"{count(no_patrol)} replayed patrol cases are in grids without "
                                                   "patrolling staff (staffing.fulltime_per_grid x patrol_share = 0)")
    instant_patrol = (channel != PATROL) & (channel >= 0) & (cycle[grid] <= 0)
    if instant_patrol.any():
        raise ConfigError("discovery.patrol_hours_per_household",
                          "must be > 0 to replay channels other than patrol (a patrol cycle of 0 finds every "
                          "matter at once)")
    p_report = np.minimum(np.array([c.report_prob for c in cfg.catalog.categories.values()]) * d.report_factor, 1.0)
    mix = np.asarray(d.channel_mix, dtype=np.float64)
    for code in RESIDENT_CHANNELS:
        rows = channel == code
        if rows.any() and not mix[code] > 0:
            raise ConfigError("discovery.channel_mix", f"{count(rows)} replayed {CHANNELS[code]} cases, but "
                                                       f"{CHANNELS[code]} has no share in the mix")
    resident = np.isin(channel, np.asarray(RESIDENT_CHANNELS, np.int8))
    unreported = resident & ~(p_report[category] > 0)
    if unreported.any():
        raise ConfigError("discovery.report_factor", f"{count(unreported)} replayed resident reports are of "
                                                     "categories residents never report (report_prob x "
                                                     "report_factor = 0)")
    no_reporter = (channel == REPORTER) & ~(terr.grid_parttime[grid] * d.reporter_rate_per_day > 0)
    if no_reporter.any():
        raise ConfigError("staffing.parttime_per_grid", f"{count(no_reporter)} replayed reporter cases, but no "
                                                        "part-time reporters (or discovery.reporter_rate_per_day"
                                                        " = 0)")


def check_replay(cfg: Config) -> None:
    """Config-time checks (``sim.scenario.validate``): the log, mapping, window and categories."""
    r = cfg.scenario.replay
    if not r.log:
        for name in ("mapping", "start", "until", "extracted_at", "catch_all"):
            if getattr(r, name) is not None:
                raise ConfigError(f"{KEY}.{name}", f"set without {KEY}.log (the log to replay)")
        return
    _places_mode(cfg)
    w = replay_window(cfg)
    _category_codes(cfg, w.cases)


def replay_inputs(cfg: Config, terr: Territory, replication: int = 0) -> MatterInputs:
    """The matter inputs of a replayed log (one replication: the streams differ, the cases do not)."""
    w = replay_window(cfg)
    cases = w.cases
    category = _category_codes(cfg, cases)
    channel = _channel_codes(cases)
    mode = _places_mode(cfg)
    village = _villages_by_name(cfg, cases, terr) if mode == "names" else None
    grid = _grids(cfg, terr, village, len(cases), replication)
    t = ((cases["created"] - w.origin) / pd.Timedelta(1, unit="h")).to_numpy(dtype=np.float64)
    if terr.n_counties > 1:
        # matters are numbered county by county, in time order within a county
        order = np.lexsort((t, terr.grid_county[grid]))
        t, grid, category, channel = t[order], grid[order], category[order], channel[order]
    _check_channels(cfg, terr, channel, grid, category)
    return inputs_from_cases(cfg, terr, t, grid, category, channel, replication)


def replayed_rates_per_day(cfg: Config, category: np.ndarray, n_categories: int) -> np.ndarray:
    """Matters per day by category of a replay: the window's cases over the window's days (capacity check)."""
    w = replay_window(cfg)
    days = max((w.until - w.start) / pd.Timedelta(1, unit="D"), 1e-9)
    return np.bincount(np.asarray(category, dtype=np.int64), minlength=n_categories)[:n_categories] / days
