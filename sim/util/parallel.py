"""Threads for the stages before the engine (inputs, prepare): same results whatever their number.

Work is split into tasks that write disjoint outputs (a named random stream each,
or a range of rows), and every task computes exactly what one serial pass would:
the compiled kernels release the GIL, and so do numpy's random fills and ufuncs.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial

#: fewer rows than this are not worth a thread
MIN_ROWS_PER_TASK = 1 << 17


def available_workers(workers: int = 0) -> int:
    """``workers`` if positive, else one per core this process may run on."""
    if workers > 0:
        return workers
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def run_tasks[T](tasks: Sequence[Callable[[], T]], workers: int) -> list[T]:
    """Each task's result, in order; up to ``workers`` run at once."""
    if workers <= 1 or len(tasks) <= 1:
        return [t() for t in tasks]
    with ThreadPoolExecutor(max_workers=min(workers, len(tasks))) as ex:
        return list(ex.map(lambda t: t(), tasks))


def row_ranges(n: int, workers: int) -> list[tuple[int, int]]:
    """[lo, hi) ranges covering range(n): one per worker, none smaller than MIN_ROWS_PER_TASK (but one)."""
    parts = max(1, min(workers, n // MIN_ROWS_PER_TASK))
    cuts = [n * k // parts for k in range(parts + 1)]
    return [(a, b) for a, b in zip(cuts[:-1], cuts[1:], strict=True) if b > a] or [(0, n)]


def run_rows(fn: Callable[[int, int], None], n: int, workers: int) -> None:
    """``fn(lo, hi)`` over ranges covering range(n), side by side (fn writes rows lo..hi-1 only)."""
    run_tasks([partial(fn, lo, hi) for lo, hi in row_ranges(n, workers)], workers)
