"""The matter input table: every matter's random inputs, one row per matter (ARCHITECTURE 4).

``MatterInputs`` is the table an engine consumes: a struct of arrays, one row per
matter, numbered county by county and by occurrence time within a county,
``matter_id`` = row (counties share no station, so each county's matters are one
contiguous slice the vector engine runs on its own). It holds the matter's
fixed facts (time, grid, category, severity, registered grid) and the uniforms
and unit exponentials that later decide discovery, routing, failure,
satisfaction, reopening and petitioning. Engines turn them into outcomes with
the functions in ``sim.rules``; no engine draws a random number itself.

The table knows nothing of how it was made: ``sim.matters.occur`` makes one from a
scenario, ``sim.logs.replay`` from a real event log.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

N_LEVELS = 4

#: per-matter uniforms U(0,1) (float32), each from its own named stream
UNIFORMS: tuple[str, ...] = (
    "u_report",  # does the resident report it (vs the category's report probability)
    "u_channel",  # which resident channel (walk-in, app, hotline)
    "u_patrol",  # phase of the patrol cycle when the matter occurs
    "u_patrol_miss",  # how many passes the patrol needs to notice it
    "u_misclass",  # is it sent to the wrong module
    "u_misclass_to",  # which wrong module
    "u_party",  # does a party-member household settle a micro-dispute
    "u_hotline_settle",  # is a hotline call settled on the call
    "u_satisfy",  # callback: satisfied or not
    "u_reopen",  # dissatisfied: reopen or not
    "u_petition",  # dissatisfied past patience: petition or not
    "u_rework",  # work of a reopened matter
    "u_tie",  # tie-break among equal handlers
)
#: per-matter unit exponentials (float32): delays scale them by a configured mean
EXPONENTIALS: tuple[str, ...] = (
    "e_report",  # resident's reporting delay
    "e_reporter",  # part-time reporters' sighting delay
    "e_growth",  # time for an undiscovered small matter to grow
)
#: per-matter, per-level uniforms [n, 4] (float32)
LEVEL_UNIFORMS: tuple[str, ...] = (
    "u_service",  # work at each level (inverse CDF of the service distribution)
    "u_fail",  # does the attempt at each level fail
)


@dataclass(frozen=True)
class MatterInputs:
    """The matter input table (struct of arrays; n = number of matters)."""

    t_occur: np.ndarray  # [n] float64 hours since t = 0
    grid: np.ndarray  # [n] int32 origin grid
    registered_grid: np.ndarray  # [n] int32 registered grid (differs after relocation)
    category: np.ndarray  # [n] int16 index into catalog.categories
    severity: np.ndarray  # [n] int8 initial severity tier (0 small .. 3 beyond)
    surge: np.ndarray  # [n] int8 surge window that added it (-1 = base demand)
    u_report: np.ndarray
    u_channel: np.ndarray
    u_patrol: np.ndarray
    u_patrol_miss: np.ndarray
    u_misclass: np.ndarray
    u_misclass_to: np.ndarray
    u_party: np.ndarray
    u_hotline_settle: np.ndarray
    u_satisfy: np.ndarray
    u_reopen: np.ndarray
    u_petition: np.ndarray
    u_rework: np.ndarray
    u_tie: np.ndarray
    e_report: np.ndarray
    e_reporter: np.ndarray
    e_growth: np.ndarray
    u_service: np.ndarray  # [n, 4]
    u_fail: np.ndarray  # [n, 4]

    @property
    def n(self) -> int:
        return len(self.t_occur)

    @property
    def matter_id(self) -> np.ndarray:
        return np.arange(self.n, dtype=np.int64)

    def take(self, idx: np.ndarray) -> MatterInputs:
        """A sub-table (rows idx), e.g. for a sample or a slice of time."""
        return MatterInputs(**{f.name: getattr(self, f.name)[idx] for f in fields(self)})

    @staticmethod
    def concat(parts: list[MatterInputs]) -> MatterInputs:
        return MatterInputs(**{f.name: np.concatenate([getattr(p, f.name) for p in parts])
                               for f in fields(MatterInputs)})
