"""Heaps for the compiled kernel: the event heap and the station queues.

The event heap is a binary heap ordered by (time, seq): ``seq`` counts pushes,
so events at the same instant run in the order they were scheduled, as SimPy's
do. Station queues are pairing heaps whose nodes come from one pool with a free
list, so a crowded station costs no padding and an empty one costs nothing.
A queue node's key is (ka, kb, ki, seq).
"""

from __future__ import annotations

import numpy as np
from numba import njit

#: an event's type and payload: Python or numpy integers (the kernel passes numpy codes)
Code = int | np.integer

# ------------------------------------------------------------------ event heap
# columns of the int event array
E_SEQ, E_TYPE, E_A, E_B = 0, 1, 2, 3
# positions in the counters array: the heap's size, the push number
HEAP_SIZE, PUSHES = 0, 1


@njit(cache=True)
def ev_less(et: np.ndarray, ei: np.ndarray, a: int, b: int) -> bool:
    if et[a] != et[b]:
        return et[a] < et[b]
    return ei[a, E_SEQ] < ei[b, E_SEQ]


@njit(cache=True)
def ev_insert(et: np.ndarray, ei: np.ndarray, cnt: np.ndarray, t: float, seq: int, typ: Code, a: Code, b: Code) -> bool:
    """Insert an event with a given push number; False when the heap is full (the caller grows it)."""
    n = cnt[HEAP_SIZE]
    if n >= len(et):
        return False
    cnt[HEAP_SIZE] = n + 1
    # sift the hole up, then write the new event once (fewer moves than swapping)
    j = n
    while j > 0:
        p = (j - 1) // 2
        if t < et[p] or (t == et[p] and seq < ei[p, E_SEQ]):
            et[j] = et[p]
            for c in range(4):
                ei[j, c] = ei[p, c]
            j = p
        else:
            break
    et[j] = t
    ei[j, E_SEQ] = seq
    ei[j, E_TYPE] = typ
    ei[j, E_A] = a
    ei[j, E_B] = b
    return True


@njit(cache=True)
def ev_push(et: np.ndarray, ei: np.ndarray, cnt: np.ndarray, t: float, typ: Code, a: Code, b: Code) -> bool:
    """Push an event numbered by the push counter ``cnt[PUSHES]``; False when the heap is full."""
    seq = cnt[PUSHES]
    cnt[PUSHES] += 1
    return ev_insert(et, ei, cnt, t, seq, typ, a, b)


@njit(cache=True)
def ev_pop(et: np.ndarray, ei: np.ndarray, cnt: np.ndarray) -> None:
    """Remove the top event (read it first at index 0)."""
    n = cnt[HEAP_SIZE] - 1
    cnt[HEAP_SIZE] = n
    if n == 0:
        return
    # sift the last event down from the root as a hole, writing it once at its place
    t = et[n]
    seq = ei[n, E_SEQ]
    j = 0
    while True:
        m = 2 * j + 1
        if m >= n:
            break
        if m + 1 < n and ev_less(et, ei, m + 1, m):
            m += 1
        if et[m] < t or (et[m] == t and ei[m, E_SEQ] < seq):
            et[j] = et[m]
            for c in range(4):
                ei[j, c] = ei[m, c]
            j = m
        else:
            break
    et[j] = t
    for c in range(4):
        ei[j, c] = ei[n, c]


# --------------------------------------------------------------- pairing heaps
# node pool: nf[:, 0] = ka, nf[:, 1] = kb; ni[:, N_*] below
N_KI, N_SEQ, N_VISIT, N_CHILD, N_SIB = 0, 1, 2, 3, 4


@njit(cache=True)
def nd_less(nf: np.ndarray, ni: np.ndarray, a: Code, b: Code) -> bool:
    if nf[a, 0] != nf[b, 0]:
        return nf[a, 0] < nf[b, 0]
    if nf[a, 1] != nf[b, 1]:
        return nf[a, 1] < nf[b, 1]
    if ni[a, N_KI] != ni[b, N_KI]:
        return ni[a, N_KI] < ni[b, N_KI]
    return ni[a, N_SEQ] < ni[b, N_SEQ]


@njit(cache=True)
def nd_alloc(nf: np.ndarray, ni: np.ndarray, pool: np.ndarray, ka: float, kb: float, ki: int, seq: int,
             visit: int) -> int:
    """A node from the free list (pool[0] = head, pool[1] = high-water mark); -1 when the pool is full."""
    node = pool[0]
    if node >= 0:
        pool[0] = ni[node, N_SIB]
    else:
        node = pool[1]
        if node >= len(nf):
            return -1
        pool[1] = node + 1
    nf[node, 0] = ka
    nf[node, 1] = kb
    ni[node, N_KI] = ki
    ni[node, N_SEQ] = seq
    ni[node, N_VISIT] = visit
    ni[node, N_CHILD] = -1
    ni[node, N_SIB] = -1
    return node


@njit(cache=True)
def nd_free(ni: np.ndarray, pool: np.ndarray, node: int) -> None:
    ni[node, N_SIB] = pool[0]
    pool[0] = node


@njit(cache=True)
def ph_meld(nf: np.ndarray, ni: np.ndarray, a: int, b: int) -> int:
    if a < 0:
        return b
    if b < 0:
        return a
    if nd_less(nf, ni, b, a):
        a, b = b, a
    ni[b, N_SIB] = ni[a, N_CHILD]
    ni[a, N_CHILD] = b
    return a


@njit(cache=True)
def ph_pop(nf: np.ndarray, ni: np.ndarray, root: int, scratch: np.ndarray) -> int:
    """Remove the root; return the new root (two-pass pairing). The root node is not freed."""
    x = ni[root, N_CHILD]
    k = 0
    while x >= 0:
        a = x
        b = ni[a, N_SIB]
        if b < 0:
            ni[a, N_SIB] = -1
            scratch[k] = a
            k += 1
            break
        nxt = ni[b, N_SIB]
        ni[a, N_SIB] = -1
        ni[b, N_SIB] = -1
        scratch[k] = ph_meld(nf, ni, a, b)
        k += 1
        x = nxt
    if k == 0:
        return -1
    r = scratch[k - 1]
    for j in range(k - 2, -1, -1):
        r = ph_meld(nf, ni, scratch[j], r)
    return r
