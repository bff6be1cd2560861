"""One work distribution or two: what a department's queue does with its cases.

A department's cases that go through its queue (neither settled on the spot, nor on the
quick path, nor left open) often hold two kinds of work: a body closed within a few working
days (a pothole filled, a form checked) and a tail of months (a tree removed, a permit
reviewed). One lognormal work cannot hold both: fitted to both it puts its median between
them and its tail beyond both (on Boston, the building department's simulated p90 came out
3.5x the log's on the training months themselves, its median 20% over).

The departments work office hours, so a case's close time is read on their clock: the
**working hours** elapsed between created and closed (the office calendar's worked hours;
open cases censored at the extraction's). On that clock a queue with one lognormal work is
one population: the overnight and weekend gaps that make its calendar close times look
bimodal are gone. Cases closed without a working hour elapsed (a closure outside office
hours, in a night or weekend after intake) are not the queue's and are not read; the
quick path's cases weigh by their posterior of not being on it (``paths.PathChoice``).
Then, by weighted maximum likelihood on log working hours (``paths``' censored fits):

* **one work**: one lognormal (2 parameters);
* **two works**: a mixture of two lognormals (5 parameters), the slower one the long work.

Two works are kept when the BIC is lower (n = the cases' total weight), the components are
apart (the shorter median at most ``paths.SEPARATION`` of the longer's, as for the quick
path: two overlapping lognormals describe one work's shape) and the long work takes more than
an office day (``MIN_LONG_MEDIAN_HOURS`` working hours at its median): a queue of one work
also splits into the cases served within the day they reached a server and those carried over
(on a log gridsim generated from one lognormal work, the mixture's components had medians of
0.7 and 2.9 working hours and the lower BIC). Both works go through the
department's queue and share its servers (``model.LONG_SUFFIX`` twins); the search then fits
each work's mean and spread by simulation, starting from the mixture's (``fit``). A category
with ``MIN_ROWS`` queue cases or more gets its own long share (its cases' mean posterior of
the long component), a smaller one its department's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.special import expit

from sim.calibrate.paths import (
    MAX_FIT_CASES,
    MIN_MIXTURE_CASES,
    SEPARATION,
    components,
    fit_one_and_two,
    lognormal_mean_cv,
)

#: working hours below which a case is not read (closed with no office time elapsed since intake)
MIN_WORKED_HOURS = 0.05
#: a long work takes more than an office day (its median, working hours): a slower component within the
#: day is the queue's own carry-over of one work
MIN_LONG_MEDIAN_HOURS = 9.0
#: the long component's share must lie within this range for two works (a handful of cases is not a work)
LONG_SHARE_RANGE = (0.02, 0.98)


@dataclass(frozen=True)
class WorkChoice:
    """What a department's queue cases say: one work distribution or two, and why."""

    chosen: str  # "one work" | "two works"
    why: str  # one sentence with the numbers that decided
    cases: int  # cases fitted
    long_share: float  # of the queue's cases, the long work's (0 for one work)
    short_mean_hours: float  # the short component's mean, working hours (the one work's for one work)
    short_cv: float
    long_mean_hours: float  # the long component's mean, working hours (0 for one work)
    long_cv: float
    bic_one: float
    bic_two: float
    params: tuple[float, ...] = ()  # (logit p_short, m1, log s1, m2, log s2), () for one work

    def posterior_long(self, worked_hours: np.ndarray, is_open: np.ndarray) -> np.ndarray:
        """Each case's probability of the long work (0 everywhere for one work)."""
        if self.chosen != "two works":
            return np.zeros(len(worked_hours))
        x = np.log(np.maximum(np.asarray(worked_hours, np.float64), MIN_WORKED_HOURS))
        log_a, log_b = components(np.asarray(self.params), x, np.asarray(is_open, bool))
        return np.exp(log_b - np.logaddexp(log_a, log_b))


def choose_works(worked_hours: np.ndarray, is_open: np.ndarray, weights: np.ndarray) -> WorkChoice:
    """One work or two for one department's queue cases (working hours elapsed, open = censored)."""
    wh, op, w = (np.asarray(worked_hours, np.float64), np.asarray(is_open, bool), np.asarray(weights, np.float64))
    keep = wh >= MIN_WORKED_HOURS
    wh, op, w = wh[keep], op[keep], w[keep]
    step = max(1, math.ceil(len(wh) / MAX_FIT_CASES))
    wh, op, w = wh[::step], op[::step], w[::step]
    n, n_w = len(wh), float(w.sum())
    x = np.log(wh)
    if n < MIN_MIXTURE_CASES or (~op).sum() < MIN_MIXTURE_CASES // 2 or n_w <= 2.0:
        mean, cv = (lognormal_mean_cv(float(np.mean(x)), float(np.std(x))) if n else (0.0, 0.0))
        return WorkChoice("one work", f"one work: {n} cases, too few to fit two", n, 0.0, mean, cv, 0.0, 0.0,
                          math.nan, math.nan)
    fits = fit_one_and_two(x, op, n_w, w)
    t1, t2, bic1, bic2 = fits.one, fits.two, fits.bic_one, fits.bic_two
    long_share = 1.0 - float(expit(t2[0]))
    ratio = math.exp(t2[1] - t2[3])
    m_one, cv_one = lognormal_mean_cv(float(t1[0]), math.exp(t1[1]))
    m_s, cv_s = lognormal_mean_cv(float(t2[1]), math.exp(t2[2]))
    m_l, cv_l = lognormal_mean_cv(float(t2[3]), math.exp(t2[4]))
    base = (f"BIC one work {bic1:.1f}, two works {bic2:.1f}; long share {long_share:.3f}, short median "
            f"{math.exp(t2[1]):.3g} vs long median {math.exp(t2[3]):.3g} working hours, {n:,} cases")
    lo, hi = LONG_SHARE_RANGE
    long_median = math.exp(t2[3])
    if not (bic2 < bic1 and ratio <= SEPARATION and long_median > MIN_LONG_MEDIAN_HOURS and lo <= long_share <= hi):
        reason = ("higher BIC" if bic2 >= bic1 else "components not apart" if ratio > SEPARATION
                  else f"long median {long_median:.3g} h is within an office day"
                  if long_median <= MIN_LONG_MEDIAN_HOURS else "long share out of range")
        return WorkChoice("one work", f"one work ({reason}); {base}", n, 0.0, m_one, cv_one, 0.0, 0.0, bic1, bic2)
    return WorkChoice("two works", f"two works: lower BIC, apart, the long one over an office day; {base}", n,
                      long_share, m_s, cv_s, m_l, cv_l, bic1, bic2, tuple(float(v) for v in t2))
