"""Compiled single passes over the record columns behind ``sim.metrics.kpis`` and ``sim.metrics.tables``.

A city run has about 10 million matters and 20 million visits. Computed with
numpy masks, every KPI makes full-length temporaries (a boolean mask, a float64
difference, a gathered copy) and the first visit of each matter takes a lexsort
of all visits. Here each table is read once, column by column, in table order,
and only what a KPI needs is kept.

The results are *bit-identical* to the numpy formulas they replace, which is why
the kernels are written the way they are:

* sums of weights accumulate in table order, exactly like ``np.bincount(..., weights=)``;
* float samples whose mean or percentile is a KPI are compacted in row order into
  contiguous arrays and handed back to ``np.mean`` / ``np.percentile``, so numpy's
  pairwise summation sees the very array a plain numpy expression would;
* means of small integers are integer sums (exact in float64 as well).

Every kernel is sequential (``nogil`` only so a caller may run two at once), so no
result depends on the number of threads.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numba import njit

#: slots of the counts vector returned by ``matter_pass``
N_WIN, BAD_STATUS, CLOSE_MISMATCH, BAD_LEVEL, ON_TIME, SATISFIED, SAT_DECIDED, REOPENED, PETITIONED, \
    TRANSFERS, ESCALATIONS, N_DISC = range(12)
N_SLOTS = 12
#: ``np.nan_to_num`` turns +-inf into the largest finite double
_DBL_MAX = float(np.finfo(np.float64).max)


class MatterColumns(NamedTuple):
    """The matter records' columns ``matter_pass`` reads (``MatterRecords``' names)."""

    t_occur: np.ndarray
    t_discover: np.ndarray
    t_close: np.ndarray
    status: np.ndarray
    level_settled: np.ndarray
    on_time: np.ndarray
    satisfied: np.ndarray
    reopened: np.ndarray
    petitioned: np.ndarray
    transfers: np.ndarray
    escalations: np.ndarray


@njit(cache=True, nogil=True)
def matter_pass(m: MatterColumns, w0: float, h: float, n_status: int, n_level: int, closed_code: int
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Counts and samples of the matter table (window = ``w0 <= t_occur < h``).

    Returns ``(counts, status_counts, level_counts, res, r2c, disc)``: ``counts`` by the
    slot constants above (contract checks over all matters, the rest over the window);
    ``status_counts`` of window matters; ``level_counts`` of window matters closed with a
    valid level; and, in row order, the discovery times ``t_discover - t_occur`` of all window
    matters, ``h - t_occur`` (the time so far) of one not yet found: left out, a cut in the
    patrols would shorten the mean. (Resolution times are the open-matter pass's, ``sim.metrics.open_matters``, which
    censors the open ones.)
    """
    n = len(m.t_occur)
    counts = np.zeros(N_SLOTS, np.int64)
    status_counts = np.zeros(n_status, np.int64)
    level_counts = np.zeros(n_level, np.int64)
    # np.empty is not touched beyond what is written: only the kept samples cost memory
    disc = np.empty(n, np.float64)
    n_disc = 0
    for i in range(n):
        st = m.status[i]
        closed = st == closed_code
        if st < 0 or st >= n_status:
            counts[BAD_STATUS] += 1
        if closed != math.isfinite(m.t_close[i]):
            counts[CLOSE_MISMATCH] += 1
        lv = m.level_settled[i]
        valid_level = lv >= 0 and lv < n_level
        if closed and not valid_level:
            counts[BAD_LEVEL] += 1
        to = m.t_occur[i]
        if not (to >= w0 and to < h):
            continue
        counts[N_WIN] += 1
        if st >= 0 and st < n_status:
            status_counts[st] += 1
        d = m.t_discover[i] - to
        disc[n_disc] = d if math.isfinite(d) else h - to
        n_disc += 1
        sat = m.satisfied[i]
        if sat == 1:
            counts[SATISFIED] += 1
        if sat >= 0:
            counts[SAT_DECIDED] += 1
        if m.petitioned[i]:
            counts[PETITIONED] += 1
        counts[TRANSFERS] += m.transfers[i]
        counts[ESCALATIONS] += m.escalations[i]
        if not closed:
            continue
        if valid_level:
            level_counts[lv] += 1
        if m.on_time[i] == 1:
            counts[ON_TIME] += 1
        if m.reopened[i] > 0:
            counts[REOPENED] += 1
    counts[N_DISC] = n_disc
    return counts, status_counts, level_counts, disc[:n_disc]


@njit(cache=True, nogil=True)
def window_resolution(t_occur: np.ndarray, t_close: np.ndarray, status: np.ndarray, w0: float, h: float,
                      closed_code: int) -> tuple[np.ndarray, np.ndarray]:
    """Resolution hours of the window's matters in row order, and which closed: ``t_close - t_occur`` where
    closed, ``h - t_occur`` where still open (censored: it takes at least that long); a matter whose end is
    not finite is left out. The resolution KPIs (``open_matters.open_pass``) and the resolution-time chart
    (``tables.cdf_table``) both read these."""
    n = len(t_occur)
    out = np.empty(n, np.float64)
    closed = np.empty(n, np.bool_)
    k = 0
    for i in range(n):
        to = t_occur[i]
        if to >= w0 and to < h:
            done = status[i] == closed_code
            end = t_close[i] if done else h
            if math.isfinite(end):
                out[k] = end - to
                closed[k] = done
                k += 1
    return out[:k], closed[:k]


@njit(cache=True, inline="always")
def _visit_matter(matter_id: np.ndarray, outcome: np.ndarray, i: int, n: int, skip_outcome: int) -> int:
    """The matter row of visit i, or -1 when it does not count (``skip_outcome``, or an id outside [0, n))."""
    if outcome[i] == skip_outcome:
        return -1
    mid = matter_id[i]
    return mid if 0 <= mid < n else -1


@njit(cache=True, inline="always")
def _arrived_before(t: float, best: float) -> bool:
    """Does arrival t come before ``best``? Any number comes before NaN; a tie keeps the earlier row."""
    return t < best or (best != best and t == t)


@njit(cache=True, nogil=True)
def first_visit_pass(matter_id: np.ndarray, outcome: np.ndarray, t_arrive: np.ndarray, n: int,
                     skip_outcome: int) -> tuple[np.ndarray, np.ndarray]:
    """``(rows, vis)`` of matters ``0..n-1`` (matter id = row) and their first visit, rows ascending.

    The first visit is the earliest ``t_arrive`` (NaN after any number), ties to the
    earliest in table order: what a stable lexsort by (matter_id, t_arrive) keeps first.
    Visits with ``skip_outcome`` or an id outside ``[0, n)`` are ignored.
    """
    first = np.full(n, -1, np.int64)
    best = np.empty(n, np.float64)  # t_arrive of first[row], read sequentially with it
    for i in range(len(matter_id)):
        mid = _visit_matter(matter_id, outcome, i, n, skip_outcome)
        if mid < 0:
            continue
        t = t_arrive[i]
        if first[mid] < 0 or _arrived_before(t, best[mid]):
            first[mid] = i
            best[mid] = t
    k = 0
    for r in range(n):
        if first[r] >= 0:
            k += 1
    rows = np.empty(k, np.int64)
    vis = np.empty(k, np.int64)
    k = 0
    for r in range(n):
        if first[r] >= 0:
            rows[k] = r
            vis[k] = first[r]
            k += 1
    return rows, vis


@njit(cache=True, inline="always")
def _first_wait(t_arrive: float, t_start: float, t_end: float) -> tuple[int, float]:
    """A first visit reduced to its wait: (1, t_start - t_arrive) served, (2, t_end - t_arrive) ended
    unserved, (0, t_arrive) still waiting at the horizon (``wait_stats`` makes its wait so far of it)."""
    if math.isfinite(t_start):
        return 1, t_start - t_arrive
    if math.isfinite(t_end):
        return 2, t_end - t_arrive
    return 0, t_arrive


class VisitTimes(NamedTuple):
    """The visit records' times (``VisitRecords``' names)."""

    t_arrive: np.ndarray
    t_start: np.ndarray
    t_end: np.ndarray


@njit(cache=True, nogil=True)
def wait_pass(rows: np.ndarray, vis: np.ndarray, t_occur: np.ndarray, abandoned: np.ndarray, visits: VisitTimes,
              w0: float, h: float, eps: float) -> tuple[np.ndarray, int, int, int, int, int]:
    """First-visit waits of window matters, in the order of ``rows`` (``vis``: their first visits).

    Returns ``(waits, n_served, n_ended, n_positive, n_decided, n_abandoned)``: ``waits[:n_served]``
    are ``t_start - t_arrive`` of served first visits, followed by the ``n_ended`` waits
    ``t_end - t_arrive`` of those that ended unserved, then ``h - t_arrive`` of those still
    waiting at the horizon (their wait so far: a matter stuck in a queue counts, or a
    starved office would lower the mean); ``n_positive`` of the served and still-waiting
    exceed ``eps``; ``n_decided`` first visits were served or ended, ``n_abandoned`` of them
    by an abandoned matter.
    """
    k = len(rows)
    kind = np.empty(k, np.int8)
    wait = np.empty(k, np.float64)
    occur = np.empty(k, np.float64)
    aband = np.empty(k, np.bool_)
    for j in range(k):
        r, v = rows[j], vis[j]
        kind[j], wait[j] = _first_wait(visits.t_arrive[v], visits.t_start[v], visits.t_end[v])
        occur[j] = t_occur[r]
        aband[j] = abandoned[r]
    return wait_stats(kind, wait, occur, aband, w0, h, eps)


@njit(cache=True, nogil=True)
def first_visit_state(matter_id: np.ndarray, outcome: np.ndarray, t_arrive: np.ndarray, t_start: np.ndarray,
                      t_end: np.ndarray, n: int, skip_outcome: int) -> tuple[np.ndarray, np.ndarray]:
    """The first visit of each matter ``0..n-1`` (as ``first_visit_pass`` picks it), reduced to its wait.

    Returns ``(kind, wait)`` per matter row: kind -1 no visit, 1 served (wait = ``t_start -
    t_arrive``), 2 ended unserved (``t_end - t_arrive``), 0 still waiting (``t_arrive``). The visits are read
    in table order and each is done with when read, so no gather of visit rows follows.
    """
    kind = np.full(n, -1, np.int8)
    wait = np.empty(n, np.float64)
    best = np.empty(n, np.float64)  # t_arrive of the first visit so far
    for i in range(len(matter_id)):
        mid = _visit_matter(matter_id, outcome, i, n, skip_outcome)
        if mid < 0:
            continue
        t = t_arrive[i]
        if kind[mid] >= 0 and not _arrived_before(t, best[mid]):
            continue
        best[mid] = t
        kind[mid], wait[mid] = _first_wait(t, t_start[i], t_end[i])
    return kind, wait


@njit(cache=True, nogil=True)
def wait_stats(kind: np.ndarray, wait: np.ndarray, t_occur: np.ndarray, abandoned: np.ndarray, w0: float, h: float,
               eps: float) -> tuple[np.ndarray, int, int, int, int, int]:
    """``wait_pass``' result from per-matter ``(kind, wait)`` (``first_visit_state``, or ``wait_pass``' own)."""
    n = len(kind)
    waits = np.empty(n, np.float64)
    other = np.empty(n, np.float64)  # the ended waits from its start, the still-waiting from its end
    nw = ne = nq = pos = decided = aband = 0
    for r in range(n):
        k = kind[r]
        if k < 0:
            continue
        to = t_occur[r]
        if not (to >= w0 and to < h):
            continue
        if k == 0:
            w = h - wait[r]
            nq += 1
            other[n - nq] = w
            if w > eps:
                pos += 1
            continue
        w = wait[r]
        if k == 1:
            waits[nw] = w
            nw += 1
            if w > eps:
                pos += 1
        else:
            other[ne] = w
            ne += 1
        decided += 1
        if abandoned[r]:
            aband += 1
    waits[nw:nw + ne] = other[:ne]
    for j in range(nq):  # in row order
        waits[nw + ne + j] = other[n - 1 - j]
    return waits[:nw + ne + nq], nw, ne, pos, decided, aband


@njit(cache=True, inline="always")
def _busy(start: float, t_end: float, work: float, w0: float, h: float) -> float:
    """Busy hours of one visit in the window: ``visit_busy_hours``' formula for one row."""
    if not math.isfinite(start):
        return 0.0
    still = t_end != t_end
    end = h if still else t_end
    overlap = min(end, h) - max(start, w0)
    if not overlap > 0.0:
        overlap = 0.0
    dur = end - start
    if dur > 0:
        frac = overlap / dur
    else:
        frac = 1.0 if (start >= w0 and start < h) else 0.0
    busy = work * frac
    if still and overlap < busy:
        busy = overlap
    if busy != busy:
        return 0.0
    if busy == np.inf:
        return _DBL_MAX
    if busy == -np.inf:
        return -_DBL_MAX
    return busy


@njit(cache=True, nogil=True)
def busy_each(t_start: np.ndarray, t_end: np.ndarray, work: np.ndarray, w0: float, h: float) -> np.ndarray:
    """Busy hours in the window of every visit (see ``_busy``)."""
    out = np.empty(len(t_start), np.float64)
    for i in range(len(t_start)):
        out[i] = _busy(t_start[i], t_end[i], work[i], w0, h)
    return out


@njit(cache=True, nogil=True)
def busy_totals(station: np.ndarray, server: np.ndarray, t_start: np.ndarray, t_end: np.ndarray, work: np.ndarray,
                w0: float, h: float, n_station: int, n_server: int) -> tuple[np.ndarray, np.ndarray, bool]:
    """Busy hours per station and per server (``-1`` = none), summed in table order.

    Returns ``(per_station, per_server, ok)``; ``ok`` is False when a station index is
    negative (``np.bincount`` refuses those). Indices past the tables are dropped.
    """
    per_station = np.zeros(n_station, np.float64)
    per_server = np.zeros(n_server, np.float64)
    ok = True
    for i in range(len(station)):
        b = _busy(t_start[i], t_end[i], work[i], w0, h)
        s = station[i]
        if s < 0:
            ok = False
        elif s < n_station:
            per_station[s] += b
        r = server[i]
        if r >= 0 and r < n_server:
            per_server[r] += b
    return per_station, per_server, ok


@njit(cache=True, nogil=True)
def counts_upto(times: np.ndarray, grid: np.ndarray, step: float) -> np.ndarray:
    """For each point g of a sorted grid, how many ``times`` are ``<= g``; NaN never counts.

    A time counts from the first grid point ``>= t`` on (``np.searchsorted(grid, t, "left")``),
    then a running sum: no sort of the column. The search guesses ``(t - grid[0]) / step``
    and walks to the exact answer, so ``step`` (the grid's usual spacing) only sets the speed.
    """
    n = len(grid)
    hist = np.zeros(n + 1, np.int64)
    if n == 0:
        return hist[:0]
    lo = grid[0]
    for i in range(len(times)):
        x = times[i]
        if x != x:
            continue  # NaN sorts after every grid point
        f = (x - lo) / step
        j = 0 if not f > 0.0 else (n if f >= n else int(f))
        while j > 0 and grid[j - 1] >= x:
            j -= 1
        while j < n and grid[j] < x:
            j += 1
        hist[j] += 1
    out = np.empty(n, np.int64)
    c = 0
    for j in range(n):
        c += hist[j]
        out[j] = c
    return out


@njit(cache=True, nogil=True)
def surge_spans(surge: np.ndarray, t_occur: np.ndarray, n_codes: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per surge code ``0..n_codes-1``: how many finite ``t_occur``, their min and max."""
    cnt = np.zeros(n_codes, np.int64)
    lo = np.full(n_codes, np.inf)
    hi = np.full(n_codes, -np.inf)
    for i in range(len(surge)):
        k = surge[i]
        t = t_occur[i]
        if k >= 0 and k < n_codes and math.isfinite(t):
            cnt[k] += 1
            if t < lo[k]:
                lo[k] = t
            if t > hi[k]:
                hi[k] = t
    return cnt, lo, hi


@njit(cache=True, nogil=True)
def is_row_number(matter_id: np.ndarray) -> bool:
    """True when ``matter_id[i] == i`` for every row (no ``arange`` to compare against)."""
    for i in range(len(matter_id)):
        if matter_id[i] != i:
            return False
    return True
