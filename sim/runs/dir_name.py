"""A results directory's name: when it ran, on what territory and scenario, and what the run changed.

``20261207-121500-county-baseline-urban_construction=20``: a planner who ran a baseline and
three variants tells the four directories apart by name, not only by their stamps and
``overrides.txt`` (which keeps every override in full). Only overrides that change what is
simulated are named, each by the last part of its key; where the run's bookkeeping is set
(where results go, records kept, charts, engine threads) the name says nothing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from sim.scenario.schema import Config

#: overrides that change how a run is carried out or kept, not what it simulates
_NOT_NAMED = ("run.results_dir", "run.progress", "run.reuse", "run.write_records", "run.records", "run.confirm",
              "run.simulate", "report.", "engine.", "engine=", "hydra.", "hydra/", "territory=", "scenario=")
#: the longest part of the name the overrides take
MAX_CHANGES_CHARS = 60
_UNSAFE = re.compile(r"[^A-Za-z0-9_.=+-]+")  # a comma only between overrides


def changes_label(overrides: Sequence[str]) -> str:
    """The overrides that change the model, short (``urban_construction=20,fulltime_per_grid=2``), or ''."""
    parts = []
    for o in overrides:
        o = o.lstrip("+~")
        if not o or o.startswith(_NOT_NAMED) or "=" not in o:
            continue
        key, value = o.split("=", 1)
        parts.append(_UNSAFE.sub("_", f"{key.rsplit('.', 1)[-1]}={value}").strip("_"))
    label = ",".join(parts)
    if len(label) <= MAX_CHANGES_CHARS:
        return label
    kept: list[str] = []
    left = len(parts)
    for part in parts:  # whole overrides only, and how many more there are
        if len(",".join([*kept, part])) + len(f",+{left - 1}more") > MAX_CHANGES_CHARS:
            break
        kept.append(part)
        left -= 1
    if not kept:  # the first override alone is too long: its beginning
        first = parts[0][:MAX_CHANGES_CHARS - len(f"_etc,+{left - 1}more")] + "_etc"
        return first if left == 1 else f"{first},+{left - 1}more"
    return ",".join([*kept, f"+{left}more"])


def results_dir_name(stamp: str, cfg: Config, overrides: Sequence[str]) -> str:
    """``<stamp>-<territory>-<scenario>[-<changes>]`` (``changes_label``)."""
    changes = changes_label(overrides)
    base = f"{stamp}-{cfg.territory.name}-{cfg.scenario.name}"
    return f"{base}-{changes}" if changes else base
