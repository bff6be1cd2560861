"""Giving the memory of array rows back to the system while the array lives on (Linux).

A city-year holds gigabytes of per-matter inputs that the vector engine reads county
by county; once a county has run, its rows are never read again, so their pages can
go back to the system (``madvise(MADV_DONTNEED)``) and the peak memory falls. The
array keeps its shape and address; its released rows read as zeros afterwards, so
only an owner that will not read them again may release them.
"""

from __future__ import annotations

import ctypes
import mmap
import os
import sys

import numpy as np

_MADV_DONTNEED = 4  # Linux: the pages are dropped and read back as zeros
_libc = ctypes.CDLL(None, use_errno=True) if sys.platform == "linux" else None


def physical_memory() -> int:
    """Bytes of physical memory of the machine (a large number where the system does not say)."""
    try:
        return int(os.sysconf("SC_PAGE_SIZE")) * int(os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):
        return 1 << 62


def can_release() -> bool:
    """Whether ``release_rows`` gives memory back here (Linux); elsewhere it does nothing."""
    return _libc is not None


def release_rows(a: np.ndarray, lo: int, hi: int) -> int:
    """Give back the whole pages of rows lo:hi of a C-contiguous array; returns the bytes released.

    Pages shared with rows outside lo:hi are kept (rows there still read as before).
    """
    if _libc is None or hi <= lo or not a.flags.c_contiguous or a.size == 0:
        return 0
    row = a.strides[0] if a.ndim else a.itemsize
    page = mmap.PAGESIZE
    start = a.ctypes.data + lo * row
    end = a.ctypes.data + hi * row
    start = -(-start // page) * page
    end = end // page * page
    if end <= start:
        return 0
    if _libc.madvise(ctypes.c_void_p(start), ctypes.c_size_t(end - start), _MADV_DONTNEED) != 0:
        return 0  # not released (e.g. not anonymous memory): nothing is lost, the rows stay as they were
    return end - start
