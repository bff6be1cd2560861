"""Work per matter and level: unit-mean draws turned into hours (MODEL.md 3).

Exponential work (cv == 1) is ``-log1p(-u) * mean``; lognormal work (any other cv)
is ``mean * exp(sqrt(s2) * ndtri(u) - s2 / 2)`` with ``s2 = log1p(cv^2)``. Each
branch is computed only for the elements it applies to (ndtri is slow), and the
transcendental functions stay numpy's and scipy's on contiguous arrays, so the
values are bit-for-bit those of computing both branches everywhere and picking.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.util.parallel import run_rows
from sim.util.search import chunks

#: u is clipped to this range before the inverse CDF (a draw of 0 or 1 has no finite quantile)
U_MIN, U_MAX = 1e-12, 1.0 - 1e-7
#: rows per chunk in ``work_table`` (keeps the float64 temporaries in cache)
_CHUNK = 1 << 15


def _lognormal_params(cv: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(sqrt(s2), s2 / 2) for each cv, s2 = log1p(cv^2)."""
    sigma2 = np.log1p(cv * cv)
    return np.sqrt(sigma2), sigma2 / 2.0


def work_hours(u: np.ndarray | float, mean: np.ndarray | float, cv: np.ndarray | float) -> np.ndarray:
    """Inverse-CDF work: exponential when cv == 1, else lognormal with that mean and CV (broadcasting)."""
    u = np.clip(np.asarray(u, dtype=np.float64), U_MIN, U_MAX)
    mean = np.asarray(mean, dtype=np.float64)
    cv = np.asarray(cv, dtype=np.float64)
    u, mean, cv = np.broadcast_arrays(u, mean, cv)
    out = np.empty(u.shape)
    expo = np.isclose(cv, 1.0)
    out[expo] = -np.log1p(-u[expo]) * mean[expo]
    logn = ~expo
    if logn.any():
        from scipy.special import ndtri  # here, not at import: a capacity check alone draws no work

        sqrt_s2, half_s2 = _lognormal_params(cv[logn])
        out[logn] = mean[logn] * np.exp(sqrt_s2 * ndtri(u[logn]) - half_s2)
    return out


def work_table(u: np.ndarray, category: np.ndarray, mean: np.ndarray, cv: np.ndarray,
               factor: float | None = None, workers: int = 1) -> np.ndarray:
    """Work of every matter at every level [n, L]: ``work_hours(u, mean[category], cv[category][:, None])``.

    ``u`` is [n, L] (a draw per level) or [n] (one draw for every level, the
    [n, 1] column broadcast). With ``factor`` the result is multiplied by it
    afterwards (reopened work), as ``work_hours(...) * factor`` did. Done in
    chunks of rows so no [n, L] float64 temporary is ever made, ranges of rows
    side by side in ``workers`` threads.
    """
    n, n_lv = len(u), mean.shape[1]
    per_level = u.ndim == 2
    out = np.empty((n, n_lv))
    expo = np.isclose(cv, 1.0)  # [K]
    sqrt_s2, half_s2 = _lognormal_params(cv)
    has_logn = not bool(expo.all())
    fac = 1.0 if factor is None else float(factor)

    def rows(lo_rows: int, hi_rows: int) -> None:
        for lo, hi in chunks(hi_rows - lo_rows, _CHUNK, lo_rows):
            neg = _neg_clipped(u[lo:hi])
            # log1p by numpy on a fresh contiguous array (its rounding is the records'); per-level draws into out
            log_q = np.log1p(neg, out=out[lo:hi]) if per_level else np.log1p(neg)[:, None]
            _exponential_rows(log_q, category[lo:hi], mean, expo, fac, factor is not None, out[lo:hi])
            if has_logn:
                _lognormal_rows(-neg, category[lo:hi], mean, expo, sqrt_s2, half_s2, fac, factor is not None,
                                out[lo:hi])

    run_rows(rows, n, workers)
    return out


def _lognormal_rows(u: np.ndarray, category: np.ndarray, mean: np.ndarray, expo: np.ndarray, sqrt_s2: np.ndarray,
                    half_s2: np.ndarray, fac: float, scale: bool, out: np.ndarray) -> None:
    """Lognormal work for the rows of lognormal categories only (ndtri, exp by scipy / numpy)."""
    rows = np.flatnonzero(~expo[category])
    if not len(rows):
        return
    from scipy.special import ndtri  # here, not at import: a capacity check alone draws no work

    k = category[rows]
    z = ndtri(u[rows])  # [m, L] or [m]
    if z.ndim == 2:
        w = mean[k] * np.exp(sqrt_s2[k][:, None] * z - half_s2[k][:, None])
    else:  # one draw for every level: the exponent is a column
        w = mean[k] * np.exp(sqrt_s2[k] * z - half_s2[k])[:, None]
    out[rows] = w * fac if scale else w


@njit(cache=True, nogil=True)
def _neg_clipped(u: np.ndarray) -> np.ndarray:
    """``-np.clip(float64(u), U_MIN, U_MAX)`` (u float32, any shape, C order)."""
    flat = u.reshape(-1)
    out = np.empty(flat.shape[0])
    for i in range(flat.shape[0]):
        x = float(flat[i])
        x = x if x > U_MIN else U_MIN
        x = x if x < U_MAX else U_MAX
        out[i] = -x
    return out.reshape(u.shape)


@njit(cache=True, nogil=True)
def _exponential_rows(log_q: np.ndarray, category: np.ndarray, mean: np.ndarray, expo: np.ndarray, fac: float,
                      scale: bool, out: np.ndarray) -> None:
    """out[i, j] = -log_q * mean[k, j] (times fac when scaling) for rows of exponential categories.

    ``log_q`` is [m, L] (may be ``out`` itself: each element is read before it is
    written) or [m, 1] (one draw for every level).
    """
    n_lv = out.shape[1]
    per_level = log_q.shape[1] == n_lv
    for i in range(out.shape[0]):
        k = category[i]
        if not expo[k]:
            continue
        for j in range(n_lv):
            q = log_q[i, j] if per_level else log_q[i, 0]
            w = -q * mean[k, j]
            out[i, j] = w * fac if scale else w
