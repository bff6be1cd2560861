"""Work per matter and level: unit-mean draws turned into hours (MODEL.md 3)."""

from __future__ import annotations

import numpy as np
from scipy.special import ndtri


def work_hours(u: np.ndarray | float, mean: np.ndarray | float, cv: np.ndarray | float) -> np.ndarray:
    """Inverse-CDF work: exponential when cv == 1, else lognormal with that mean and CV."""
    u = np.clip(np.asarray(u, dtype=np.float64), 1e-12, 1.0 - 1e-7)
    mean = np.asarray(mean, dtype=np.float64)
    cv = np.asarray(cv, dtype=np.float64)
    expo = -np.log1p(-u) * mean
    sigma2 = np.log1p(cv * cv)
    logn = mean * np.exp(np.sqrt(sigma2) * ndtri(u) - sigma2 / 2.0)
    return np.where(np.isclose(cv, 1.0), expo, logn)
