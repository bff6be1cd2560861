"""The dispatch mode (``dispatch.mode``, MODEL.md 4.3), written once: where a matter enters.

* level-by-level (``level``, 逐级): a matter enters at the lowest level that handles its
  category (``entry_level``); only a hotline call passes the township platform on intake.
* unified (``unified``, 一体派单): every matter passes the township platform on intake, which
  sends it to its target level, the lowest with the authority for its severity (``target_level``).
* the textbook system (``textbook.enabled``) has no platform.

Both engines call these as a matter is taken in, and the capacity check's analytic path
(``sim.checks.capacity``) follows the same two decisions, so the three cannot disagree.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.rules.routing import Int, entry_level, target_level
from sim.scenario.constants import HOTLINE

#: a channel that is not the hotline, for a caller that asks about the other channels at once
NOT_HOTLINE = np.int64(-1)


@njit(cache=True)
def via_platform(unified: bool, textbook: bool, channel: Int) -> bool:
    """Whether a matter found through ``channel`` passes the township platform on intake."""
    return (unified or channel == HOTLINE) and not textbook


@njit(cache=True)
def first_level(handled: np.ndarray, category: Int, severity: Int, unified: bool) -> int:
    """The level a matter is sent to first (``handled``: ``Catalog.handled``, [K, 4])."""
    if unified:
        return target_level(handled, category, severity)
    return entry_level(handled, category)
