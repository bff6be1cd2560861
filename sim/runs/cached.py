"""Runs answered from the store when it has them: ``run_cached`` is ``sim.run`` with a memory.

Same config, same seed and same code give the same results, so a request whose config
is in the store of runs (``sim.runs.store``) is answered from the stored directory instead
of running it again; ``run.reuse=false`` always runs.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable, Sequence

from sim.metrics.kpis import format_kpi_table
from sim.metrics.replications import Summary
from sim.metrics.stability import Stability, judge_stability
from sim.runs import api
from sim.runs.api import RunResult
from sim.runs.config import check_types, load_config_noted, override_list, resolve_defaults
from sim.runs.store import SOURCE, StoredRun, db_path, lookup
from sim.scenario.schema import Config, warmup_days


def _nan(x: float | None) -> float:
    return math.nan if x is None else float(x)


def _floats(values: dict[str, float | None]) -> dict[str, float]:
    """KPIs as a run holds them: JSON's null (a NaN, e.g. a percentile above the horizon) back to NaN."""
    return {k: _nan(v) for k, v in values.items()}


def load_result(cfg: Config, stored: StoredRun) -> RunResult | None:
    """A ``sim.runs.api.RunResult`` rebuilt from a stored directory (KPIs, intervals, every replication; no records);
    None when its ``kpis.json`` cannot be read as one (the manifest was checked: this is a second guard)."""
    # the capacity check is not rebuilt (it needs the inputs): it is in the directory's capacity.json
    capacity = None
    try:
        payload = json.loads((stored.results_dir / "kpis.json").read_text(encoding="utf-8"))
        summaries = {k: Summary(_nan(v["mean"]), _nan(v["half_width"]), _nan(v["std"]), int(v["n"]))
                     for k, v in payload.get("summaries", {}).items()}
        result = RunResult(cfg=cfg, capacity=capacity, engine=payload.get("engine", stored.engine),  # type: ignore[arg-type]
                           kpis=_floats(payload["kpis"]), ci=_floats(payload.get("ci_half_width", {})),
                           summaries=summaries, runs=[_floats(r) for r in payload.get("runs", [])],
                           out_dir=stored.results_dir)
        # the verdict as the run judged it (with its capacity check); judged again for an older directory
        stab = payload.get("stability")
        result.stability = (Stability.from_dict(stab) if stab is not None
                            else judge_stability(result.runs, None, warmup_days(cfg.run)))
        return result
    except (OSError, ValueError, TypeError, AttributeError, KeyError):
        return None


def stored_result(cfg: Config, say: Callable[[str], None]) -> tuple[RunResult, StoredRun] | None:
    """The results the store of runs holds for ``cfg`` (its directory checked against its manifest) and
    where they are, or None: ``run.reuse=false`` or ``run.simulate=false``, none stored, or one that
    cannot be served (said through ``say``; the caller runs it again)."""
    # a run registers the config it resolved (defaults such as the warm-up filled in), so the
    # look-up resolves the same way first
    key_cfg = resolve_defaults(cfg)[0]
    if not (key_cfg.run.simulate and key_cfg.run.reuse):
        return None
    stored = lookup(key_cfg, say=say)
    if stored is None:
        return None
    result = load_result(key_cfg, stored)
    if result is None:
        say(f"the store's run of this config ({stored.results_dir}) cannot be served: its kpis.json "
            "is unreadable; running it again")
        return None
    return result, stored


def _warn(line: str) -> None:
    print(f"gridsim: {line}", file=sys.stderr)


def run_cached(overrides: Sequence[str] | str = (), *, echo: Callable[[str], None] | None = None,
               source: str = "api", cfg: Config | None = None) -> tuple[RunResult, bool]:
    """``sim.run(overrides)``, or its stored results when the store has this config: ``(RunResult, from_store)``.

    ``run.reuse=false`` always runs. Raises ``ConfigError`` on bad input, like ``sim.run``.
    ``cfg``, when the caller has composed ``overrides`` already (the page does, without
    Hydra), saves composing them again for the look-up.
    """
    overrides = override_list(overrides)
    check_types(echo=echo)
    say = echo or (lambda _s: None)
    cfg, notes = (cfg, []) if cfg is not None else load_config_noted(overrides)
    served = stored_result(cfg, echo or _warn)
    if served is not None:
        result, stored = served
        key_cfg = result.cfg
        say(f"served from the store ({db_path(key_cfg)}): the same config and seed ran at {stored.created}, "
            "so these are its results (run.reuse=false runs it again)")
        say(format_kpi_table(result.kpis, result.ci if key_cfg.run.replications > 1 else None, result.stability))
        return result, True
    token = SOURCE.set(source)
    try:  # the config composed once, here or by the caller: run_config does not compose it again
        return api.run_config(cfg, overrides, echo=echo, notes=notes), False
    finally:
        SOURCE.reset(token)
