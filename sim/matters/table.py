"""The matter table allocated once; each county's draws are written straight into its own rows.

Why this exists: drawing every county's table apart and then concatenating them
allocated, first-touched and copied every column twice (a city year's table is
about 1 GB, and first touching fresh memory costs about as much as drawing it).
``sim.matters.occur.generate_inputs`` therefore knows each county's row count up
front (its count streams' first draws), allocates the whole table here and hands
each county a view of its rows. A county with surges draws its base block into
the front of its rows and each surge block apart (they are small), then
``merge_surges_into`` moves the base rows to their places, back to front in place,
and writes the surge rows into the gaps: the order a stable sort by (county, time)
of [base, surge 0, surge 1, ...] gives, as the county tables were merged before.
"""

from __future__ import annotations

from dataclasses import fields

import numpy as np
from numba import njit

from sim.records.inputs import EXPONENTIALS, LEVEL_UNIFORMS, N_LEVELS, UNIFORMS, MatterInputs

#: the fixed facts' types (every uniform and exponential is float32)
_FACT_TYPES: dict[str, type[np.generic]] = {"t_occur": np.float64, "grid": np.int32, "registered_grid": np.int32,
                                           "category": np.int16, "severity": np.int8, "surge": np.int8}


def empty_table(n: int) -> MatterInputs:
    """A table of n rows, every column allocated and none written (nor touched: the draws touch it first)."""
    cols: dict[str, np.ndarray] = {name: np.empty(n, dtype) for name, dtype in _FACT_TYPES.items()}
    cols.update({name: np.empty(n, np.float32) for name in UNIFORMS + EXPONENTIALS})
    cols.update({name: np.empty((n, N_LEVELS), np.float32) for name in LEVEL_UNIFORMS})
    return MatterInputs(**cols)


def rows_of(table: MatterInputs, lo: int, hi: int) -> MatterInputs:
    """Rows lo..hi-1 of ``table`` as views: what is written to them is written to the table."""
    return MatterInputs(**{f.name: getattr(table, f.name)[lo:hi] for f in fields(MatterInputs)})


def merge_surges_into(rows: MatterInputs, n_base: int, surges: list[MatterInputs],
                      grid_county: np.ndarray) -> None:
    """Put the surge blocks' rows in among the base block's, in (county, time) order, ties in block order.

    ``rows[:n_base]`` holds the base block, already in that order; ``rows`` has room
    for every surge row after it. Each surge block is sorted (stably) and merged in;
    the base rows only ever move later, so they are moved back to front in place.
    """
    surge_t = np.concatenate([b.t_occur for b in surges])
    surge_county = grid_county[np.concatenate([b.grid for b in surges])]
    surge_order = np.lexsort((surge_t, surge_county)).astype(np.int64)
    base_place = np.empty(n_base, np.int64)
    surge_place = np.empty(len(surge_t), np.int64)
    _merge_places(grid_county[rows.grid[:n_base]], rows.t_occur[:n_base], surge_county[surge_order],
                  surge_t[surge_order], surge_order, base_place, surge_place)
    starts = np.cumsum([0] + [b.n for b in surges])
    for f in fields(MatterInputs):
        col = getattr(rows, f.name)
        _move_back_to_front(col.reshape(len(col), -1), base_place)
        for b, lo, hi in zip(surges, starts[:-1], starts[1:], strict=True):
            col[surge_place[lo:hi]] = getattr(b, f.name)


@njit(cache=True, nogil=True)
def _merge_places(county_a: np.ndarray, t_a: np.ndarray, county_b: np.ndarray, t_b: np.ndarray,
                  rows_b: np.ndarray, place_a: np.ndarray, place_b: np.ndarray) -> None:
    """Merge sorted runs a and b by (county, t), ties to a: where each row of a goes, and row rows_b[j] of b."""
    n_a, n_b = len(t_a), len(t_b)
    i = j = 0
    for k in range(n_a + n_b):
        if j >= n_b or (i < n_a and (county_a[i] < county_b[j]
                                     or (county_a[i] == county_b[j] and not t_b[j] < t_a[i]))):
            place_a[i] = k
            i += 1
        else:
            place_b[rows_b[j]] = k
            j += 1


@njit(cache=True, nogil=True)
def _move_back_to_front(col: np.ndarray, place: np.ndarray) -> None:
    """col[place[i]] = col[i] for every i, last first (place is increasing and place[i] >= i: nothing
    is overwritten before it has moved)."""
    for i in range(len(place) - 1, -1, -1):
        p = place[i]
        if p != i:
            for j in range(col.shape[1]):
                col[p, j] = col[i, j]
