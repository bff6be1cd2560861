"""sim.util.memory: rows of an array given back to the system, the rest untouched."""

from __future__ import annotations

import mmap

import numpy as np
import pytest

from sim.util.memory import can_release, release_rows

pytestmark = pytest.mark.skipif(not can_release(), reason="releasing pages needs Linux madvise")


def test_released_rows_read_as_zeros_and_the_others_keep_their_values() -> None:
    a = np.arange(1, 1_000_001, dtype=np.float64)
    before = a.copy()
    got = release_rows(a, 100_000, 600_000)
    assert got > 0 and got % mmap.PAGESIZE == 0
    # whole pages only: the released range lies inside rows 100_000:600_000
    zero = np.flatnonzero(a == 0)
    assert len(zero) * 8 == got
    assert zero[0] >= 100_000 and zero[-1] < 600_000
    keep = np.ones(len(a), bool)
    keep[zero] = False
    assert np.array_equal(a[keep], before[keep])


def test_rows_of_a_two_dimensional_table_go_by_whole_rows() -> None:
    a = np.ones((200_000, 4))
    release_rows(a, 50_000, 150_000)
    rows_zero = np.flatnonzero(~a.any(axis=1))
    assert 50_000 <= rows_zero[0] and rows_zero[-1] < 150_000
    assert a[:50_000].all() and a[150_000:].all()


@pytest.mark.parametrize("lo, hi", [(10, 20), (500, 500), (600, 100)])
def test_less_than_a_page_or_an_empty_range_releases_nothing(lo: int, hi: int) -> None:
    a = np.ones(1_000)
    assert release_rows(a, lo, hi) == 0
    assert a.all()


def test_a_strided_view_is_left_alone() -> None:
    a = np.ones((100_000, 2))
    assert release_rows(a[:, 0], 0, 100_000) == 0
    assert a.all()
