"""The planner's levers: each a config key with its unit and allowed range, and how it becomes overrides.

The page shows every ``Lever`` as a field; ``overrides_for`` turns the values that differ
from the base scenario into Hydra overrides (so an unchanged page *is* the base run, the
one already in the store), and ``quick_config`` applies them to the base config with
OmegaConf alone, without composing Hydra again, so the capacity check follows a lever
at once. Both routes give the same ``Config``: the runs use the overrides through
``sim.run``; ``validate`` is the CLI's own.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hydra.core.override_parser.overrides_parser import OverridesParser
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from sim.runs import config as build
from sim.runs.source import validate_run
from sim.scenario import schema
from sim.scenario.bounds import bound_of
from sim.scenario.compose_errors import compose_error
from sim.scenario.constants import CHANNELS, DISPATCH_MODES, DISPATCH_RULES, LEVELS
from sim.scenario.schema import Config
from sim.util.errors import ConfigError

__all__ = ["HOTLINE", "Lever", "base_levers", "levers_for", "overrides_for", "quick_config"]

HOTLINE = CHANNELS.index("hotline")


@dataclass(frozen=True)
class Lever:
    """One field of the page: ``key`` is the config key (or a derived one, see ``overrides_for``)."""

    key: str
    label: str  # sim.app.labels key
    kind: str  # int | float | bool | choice | multi
    unit: str = ""  # sim.app.labels key of the unit
    lo: float | None = None
    hi: float | None = None
    step: float = 1.0
    choices: tuple[str, ...] = ()
    group: str = "staff"  # staff | dispatch | scenario | run
    sub: str = ""  # the module / department / level a lever of a dict or list stands for


def _get(cfg: Config, dotted: str) -> Any:
    obj: Any = cfg
    for part in dotted.split("."):
        obj = obj[part] if isinstance(obj, Mapping) else getattr(obj, part)
    return obj


#: the config key whose bound (``sim.scenario.bounds``) a derived lever takes
_BOUND_KEY = {"surge.multiplier": "scenario.surges[0].multiplier", "surge.days": "scenario.surges[0].days"}


def hi_of(key: str) -> float:
    """The largest value of a lever: the schema's bound, as the CLI checks it (``sim.scenario.bounds``)."""
    key = _BOUND_KEY.get(key, key)
    if key.startswith("dispatch.escalation_limit_hours."):
        key = f"dispatch.escalation_limit_hours[{key.rsplit('.', 1)[1]}]"
    return bound_of(key)[0]


def _lever(key: str, label: str, kind: str, unit: str, lo: float, step: float = 1.0, **kw: Any) -> Lever:
    return Lever(key, label, kind, unit, lo, hi_of(key), step, **kw)


def levers_for(cfg: Config) -> list[Lever]:
    """Every lever, with module, department and category names from the base config (any catalogue).

    The lowest value is the smallest the model accepts; the highest is the schema's bound,
    so a calibrated base (a department of 2,849, say) is inside its own ranges.
    """
    out = [
        _lever("staffing.fulltime_per_grid", "lever.fulltime", "int", "unit.people", 0),
        _lever("territory.households_per_grid", "lever.households", "int", "unit.households", 1, 50),
        _lever("staffing.parttime_per_grid", "lever.parttime", "int", "unit.people", 0),
        _lever("staffing.committee_per_village", "lever.committee", "int", "unit.people", 0),
        _lever("staffing.platform_per_township", "lever.platform", "int", "unit.people", 0),
        _lever("staffing.professional_per_township", "lever.professional", "int", "unit.people", 0),
    ]
    out += [_lever(f"staffing.module_staff.{m}", "lever.module", "int", "unit.people", 0, group="modules", sub=m)
            for m in cfg.staffing.module_staff]
    out += [_lever(f"staffing.department_staff.{d}", "lever.department", "int", "unit.people", 0,
                   group="departments", sub=d) for d in cfg.staffing.department_staff]
    out += [
        Lever("dispatch.mode", "lever.mode", "choice", choices=DISPATCH_MODES, group="dispatch"),
        Lever("dispatch.rule", "lever.rule", "choice", choices=DISPATCH_RULES, group="dispatch"),
    ]
    out += [_lever(f"dispatch.escalation_limit_hours.{i}", "lever.escalation", "float", "unit.hours", 0, 12,
                   group="dispatch", sub=LEVELS[i]) for i in range(len(LEVELS))]
    out += [
        Lever("dispatch.reminders", "lever.reminders", "bool", group="dispatch"),
        Lever("discovery.hotline_share", "lever.hotline", "float", "unit.share", 0, 1, 0.05, group="dispatch"),
        Lever("dispatch.grid_list_exclude", "lever.grid_list", "multi", choices=tuple(cfg.catalog.categories),
              group="dispatch"),
        Lever("surge.on", "lever.surge", "bool", group="scenario"),
        _lever("surge.multiplier", "lever.surge_multiplier", "float", "unit.times", 1, 0.5, group="scenario"),
        _lever("surge.days", "lever.surge_days", "float", "unit.days", 1, 1, group="scenario"),
        Lever("surge.volunteers", "lever.volunteers", "bool", group="scenario"),
        _lever("run.replications", "lever.replications", "int", "unit.runs", 1, group="run"),
        _lever("run.horizon_days", "lever.horizon", "float", "unit.days", 1, 7, group="run"),
        _lever("run.warmup_days", "lever.warmup", "float", "unit.days", 0, 1, group="run"),
    ]
    return out


def _hotline_share(cfg: Config) -> float:
    mix = list(cfg.discovery.channel_mix)
    total = sum(mix)
    return float(mix[HOTLINE]) / total if total > 0 else 0.0


def base_levers(cfg: Config) -> dict[str, Any]:
    """The value of every lever in ``cfg`` (the base scenario)."""
    values: dict[str, Any] = {}
    for lv in levers_for(cfg):
        if lv.key.startswith("dispatch.escalation_limit_hours."):
            values[lv.key] = float(cfg.dispatch.escalation_limit_hours[int(lv.key.rsplit(".", 1)[1])])
        elif lv.key == "discovery.hotline_share":
            values[lv.key] = round(_hotline_share(cfg), 4)
        elif lv.key == "dispatch.grid_list_exclude":
            values[lv.key] = list(cfg.dispatch.grid_list_exclude)
        elif lv.key.startswith("surge."):
            surge = cfg.scenario.surges[0] if cfg.scenario.surges else None
            field_ = lv.key.split(".", 1)[1]
            defaults = {"on": surge is not None, "multiplier": 3.0, "days": 10.0, "volunteers": True}
            values[lv.key] = defaults[field_] if surge is None or field_ == "on" else getattr(surge, field_)
        elif lv.key == "run.warmup_days":
            values[lv.key] = warmup_of(cfg)
        else:
            values[lv.key] = _get(cfg, lv.key)
    return values


def warmup_of(cfg: Config) -> float:
    """``run.warmup_days`` as a number (where the schema lets it be null, its resolved default)."""

    w = cfg.run.warmup_days
    if w is not None:
        return float(w)
    resolve = getattr(schema, "warmup_days", None)
    return float(resolve(cfg.run)) if resolve is not None else min(30.0, cfg.run.horizon_days / 4.0)


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return "[" + ",".join(_show(v) for v in value) + "]"
    if isinstance(value, str):
        return value
    return repr(value) if isinstance(value, float) else str(value)


def overrides_for(cfg: Config, values: Mapping[str, Any]) -> list[str]:
    """Hydra overrides for the levers whose value differs from ``cfg`` (the base)."""
    base = base_levers(cfg)
    changed = {k: v for k, v in values.items() if k in base and v != base[k]}
    if "run.horizon_days" in changed or "run.warmup_days" in changed:
        # the warm-up field is what runs: never a default resolved again from the new horizon behind it
        for k in ("run.horizon_days", "run.warmup_days"):
            changed[k] = values.get(k, base[k])
    out: list[str] = []
    limits = list(cfg.dispatch.escalation_limit_hours)
    if any(k.startswith("dispatch.escalation_limit_hours.") for k in changed):
        for i in range(len(limits)):
            limits[i] = values.get(f"dispatch.escalation_limit_hours.{i}", limits[i])
        out.append(f"dispatch.escalation_limit_hours={_show(limits)}")
    if "discovery.hotline_share" in changed:
        out.append(f"discovery.channel_mix={_show(_channel_mix(cfg, values['discovery.hotline_share']))}")
    if any(k.startswith("surge.") for k in changed):
        horizon = values.get("run.horizon_days", cfg.run.horizon_days)
        out += _surge_overrides(cfg, {k: values.get(k, base[k]) for k in base if k.startswith("surge.")}, horizon)
    for key, value in changed.items():
        if key.startswith(("dispatch.escalation_limit_hours.", "discovery.hotline_share", "surge.")):
            continue
        out.append(f"{key}={_show(value)}")
    return out


def _channel_mix(cfg: Config, share: Any) -> list[Any]:
    """The channel weights with the hotline at ``share`` of the resident channels, the others scaled alike."""
    mix = [float(x) for x in cfg.discovery.channel_mix]
    if not isinstance(share, int | float) or isinstance(share, bool):
        return [*mix[:HOTLINE], share, *mix[HOTLINE + 1:]]  # validation names the key
    others = sum(mix) - mix[HOTLINE]
    total = sum(mix) if sum(mix) > 0 else 1.0
    out = [x / others * (1.0 - share) * total if others > 0 else 0.0 for x in mix]
    out[HOTLINE] = float(share) * total
    return [round(x, 6) for x in out]


def _surge_overrides(cfg: Config, s: Mapping[str, Any], horizon: Any) -> list[str]:
    """A surge added by the page starts half-way through the run the planner asked for (the horizon
    field, not the base's): a surge after a shorter run's end would change nothing. A base's own surge
    keeps its day (a scenario's date) and its name; the run's warnings say if it falls outside the run."""
    if not s["surge.on"]:
        return ["scenario.surges=[]"]
    existing = cfg.scenario.surges[0] if cfg.scenario.surges else None
    days = horizon if isinstance(horizon, int | float) and not isinstance(horizon, bool) else cfg.run.horizon_days
    start = existing.start_day if existing is not None else round(float(days) / 2.0, 1)
    cats = list(existing.categories) if existing is not None else [
        c for c in ("safety_hazard", "repair", "help_request") if c in cfg.catalog.categories]
    name = existing.name if existing is not None else "surge"  # a base's surge keeps its name (the flood)
    # any name as one quoted override value: Hydra reads a backslash literally except before a quote or
    # at the end, so only those are doubled, and each quote escaped
    body = re.sub(r"(\\*)'", lambda m: m.group(1) * 2 + "\\'", name)
    quoted = "'" + re.sub(r"(\\+)$", lambda m: m.group(1) * 2, body) + "'"
    surge = (f"{{name:{quoted},start_day:{start!r},days:{_show(s['surge.days'])},"
             f"multiplier:{_show(s['surge.multiplier'])},categories:{_show(cats)},"
             f"volunteers:{_show(s['surge.volunteers'])}}}")
    return [f"scenario.surges=[{surge}]"]


def quick_config(base: DictConfig, overrides: Sequence[str]) -> Config:
    """``base`` (a composed, unresolved config) with ``key=value`` overrides applied, typed and validated.

    Raises ``ConfigError`` naming the key, as ``sim.runs.config.load_config`` does.
    """
    try:
        parsed = OverridesParser.create().parse_overrides(list(overrides))
        patch: dict[str, Any] = {}
        for ov in parsed:
            *parents, leaf = ov.key_or_group.split(".")
            node = patch
            for part in parents:
                node = node.setdefault(part, {})
            node[leaf] = ov.value()
        # a merge (not an update) types a surge's dict as SurgeConfig, as Hydra's override does
        obj = OmegaConf.to_object(OmegaConf.merge(base, patch))
    except (OmegaConfBaseException, ValueError, TypeError, KeyError, AttributeError) as exc:
        raise compose_error(exc, overrides) from None
    except Exception as exc:  # a Hydra parse error of a hand-typed value
        raise compose_error(exc, overrides) from None
    assert isinstance(obj, Config)
    validate_run(obj)

    resolve = getattr(build, "resolve_defaults", None)  # as load_config does, where the model has defaults to fill
    return resolve(obj)[0] if resolve is not None else obj


def check_ranges(levers: Sequence[Lever], values: Mapping[str, Any]) -> dict[str, str]:
    """The page's own ranges (beyond validation): ``{lever key: message}`` for values outside them."""
    bad: dict[str, str] = {}
    for lv in levers:
        v = values.get(lv.key)
        if lv.kind not in ("int", "float") or not isinstance(v, int | float) or isinstance(v, bool):
            continue
        lo = -math.inf if lv.lo is None else lv.lo
        hi = math.inf if lv.hi is None else lv.hi
        if not lo <= v <= hi:
            bad[lv.key] = f"{lv.key}: must be from {plain(lo)} to {plain(hi)}, got {plain(v)}"
    return bad


#: past this a value is said in words by its size, not in its digits (``1e308`` is 309 of them)
PLAIN_MAX = 1e15


def plain(x: float) -> str:
    """A bound or value as a planner reads it: ``10,000`` or ``0.05``, never ``1e+04``; one past a
    thousand million million is "more than 1,000,000,000,000,000" (its digits would fill the page)."""
    if math.isfinite(x) and abs(x) > PLAIN_MAX:
        return f"{'less' if x < 0 else 'more'} than {'-' if x < 0 else ''}{PLAIN_MAX:,.0f}"
    if not math.isfinite(x) or not float(x).is_integer():
        return f"{x:,.6f}".rstrip("0") if math.isfinite(x) else str(x)
    return f"{x:,.0f}"


def error_key(err: ConfigError) -> str:
    """The config key a ``ConfigError`` names (its text before the first colon)."""
    return str(err).split(":", 1)[0].strip()


#: config keys that several levers write, and the lever that shows their errors
_DERIVED = {"discovery.channel_mix": "discovery.hotline_share", "dispatch.escalation_limit_hours":
            "dispatch.escalation_limit_hours.0", "scenario.surges": "surge.multiplier"}


def lever_of(key: str, levers: Sequence[Lever]) -> str:
    """The lever beside which an error about config ``key`` is shown ("" when none writes it)."""
    keys = {lv.key for lv in levers}
    if key in keys:
        return key
    for prefix, lever in _DERIVED.items():
        if key.startswith(prefix):
            return lever
    best = [k for k in keys if key.startswith(k + ".") or key.startswith(k + "[")]
    return best[0] if best else ""
