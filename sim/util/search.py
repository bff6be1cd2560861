"""``np.searchsorted`` for millions of keys: a guide table, then a short walk (compiled).

The stages before the engine look keys up in small sorted tables (hourly
profile, per-grid rates, calendar days) millions of times. numpy's binary
search costs about 100 ns a key; here a guide table over the key range gives a
first guess and a walk corrects it, so the answer is *exactly* numpy's (the
first index whose entry is >= key for ``left``, > key for ``right``; NaN keys
after everything) whatever the guess, and the guess only decides the speed.

The searches loop over whole key arrays: a compiled helper that takes arrays
and loops inside would cost an atomic reference count per call, more than the
search itself, so callers search a chunk of keys, then use the results.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit


class Guide(NamedTuple):
    """Guess table for a sorted array ``a``: key x falls in bucket ``(x - lo) * scale``."""

    a: np.ndarray  # [m] float64 the sorted table itself
    pad: np.ndarray  # [m + 1] float64 the table and a +inf sentinel (the kernels search this)
    idx: np.ndarray  # [buckets] int64 searchsorted(a, bucket start, "left")
    lo: float
    scale: float


#: buckets per table entry: most keys then need no step from their bucket's guess
BUCKETS_PER_ENTRY = 4


def make_guide(a: np.ndarray, buckets: int | None = None) -> Guide:
    """A guide for the sorted (non-decreasing, NaN-free) array ``a``."""
    a = np.ascontiguousarray(a, dtype=np.float64)
    pad = np.append(a, np.inf)
    nb = max(int(buckets if buckets is not None else BUCKETS_PER_ENTRY * len(a)), 1)
    if len(a) == 0 or not np.isfinite(a[0]) or not np.isfinite(a[-1]) or a[-1] <= a[0]:
        return Guide(a, pad, np.zeros(1, np.int64), 0.0, 0.0)
    lo, hi = float(a[0]), float(a[-1])
    scale = nb / (hi - lo)
    starts = lo + np.arange(nb) / scale
    return Guide(a, pad, np.searchsorted(a, starts, side="left").astype(np.int64), lo, scale)


@njit(cache=True, nogil=True)
def search_left_into(pad: np.ndarray, idx: np.ndarray, lo: float, scale: float, keys: np.ndarray, cap: int,
                     out: np.ndarray) -> None:
    """out = np.minimum(np.searchsorted(a, keys, side="left"), cap) (``pad``, ``idx``, ...: ``a``'s guide)."""
    nb = len(idx) - 1.0
    for i in range(len(keys)):
        x = keys[i]
        if x - x == 0.0:  # finite
            g = idx[int(min(max((x - lo) * scale, 0.0), nb))]
            while g > 0 and pad[g - 1] >= x:  # rare: the bucket's start rounded above x
                g -= 1
            g += pad[g] < x  # one step without a branch, then the rare longer walk (the sentinel stops it)
            while pad[g] < x:
                g += 1
        else:
            g = _left_nonfinite(pad, x)
        out[i] = min(g, cap)


@njit(cache=True, nogil=True)
def search_right_into(pad: np.ndarray, idx: np.ndarray, lo: float, scale: float, keys: np.ndarray, mult: float,
                      cap: int, out: np.ndarray) -> None:
    """out = np.minimum(np.searchsorted(a, keys * mult, side="right"), cap) (``pad``, ...: ``a``'s guide)."""
    nb = len(idx) - 1.0
    for i in range(len(keys)):
        x = keys[i] * mult
        if x - x == 0.0:
            g = idx[int(min(max((x - lo) * scale, 0.0), nb))]
            while g > 0 and pad[g - 1] > x:
                g -= 1
            g += pad[g] <= x
            while pad[g] <= x:
                g += 1
        else:
            g = _right_nonfinite(pad, x)
        out[i] = min(g, cap)


@njit(cache=True)
def _left_nonfinite(pad: np.ndarray, x: float) -> int:
    """The left search for NaN (after everything), +inf (before a's +inf entries) and -inf (0)."""
    n = len(pad) - 1
    if x != x:
        return n
    if x < 0.0:
        return 0
    g = n
    while g > 0 and pad[g - 1] >= x:
        g -= 1
    return g


@njit(cache=True)
def _right_nonfinite(pad: np.ndarray, x: float) -> int:
    """The right search for NaN and +inf (after everything) and -inf (after a's -inf entries)."""
    if x != x or x > 0.0:
        return len(pad) - 1
    g = 0
    while pad[g] == x:
        g += 1
    return g


def chunks(n: int, size: int, start: int = 0) -> list[tuple[int, int]]:
    """[lo, hi) bounds covering start..start+n-1 in pieces of ``size`` (the last may be shorter)."""
    return [(start + lo, start + min(lo + size, n)) for lo in range(0, n, size)]
