"""Each category's work relative to its department's: the categories' own pace within one queue.

A department's queue holds categories of different pace (a public-works department collects a
missed bin within a day and repairs a sidewalk within weeks), and a category's deadline is set for
its own pace. With one work distribution per department every category takes the department's
pace, so the quick categories miss their short deadlines and the slow ones beat their long ones:
the on-time rate reads low even where the department's close times fit. So a category's work is
its department's, fitted by simulation, times a factor read from the log:

* **what is compared:** the working hours from created to closed of the cases through the queue
  (neither settled at once, nor left open, weighted by their posterior of not being on the quick
  path and by their recency), body and long work alike: the factor scales a category's whole
  work, its long twin's too. Its long share is read from the same hours, so a category whose
  cases differ from its department's only by a larger long share also reads as slower (its pace
  and its long share both say so); and the department's simulated mean work is then not exactly
  the one its servers are sized by, so the fit's rho is nominal (the search judges the simulated
  close times, not rho). Reading the pace on the body alone removes both, and fitted Boston's
  training months worse (its public works 71.4% on time against the log's 75.1%; 75.0% this way);
* **the factor:** the category's weighted median of those hours over its department's, an open
  case counting as above every closed one (it is open for at least that long). A median an open
  share of half or more leaves unknown gives no factor (1);
* **few cases:** a category of ``n`` queue cases moves ``n / (n + SHRINK_ROWS)`` of the way (on
  the log scale) from its department's median to its own, and one of fewer than ``MIN_QUEUE_ROWS``
  keeps 1: a handful of close times says little about a pace;
* **the department's scale kept:** the factors are scaled so that their average over the
  department's queue cases is 1, so the work the search fits stays on the department's scale.

The hours compared are the wait and the work together: where a department's queue is long, the
wait, the same for every category, pulls the factors toward 1, so the paces are understated
rather than invented.
"""

from __future__ import annotations

import math

import numpy as np

#: a category's log-median moves n / (n + SHRINK_ROWS) of the way from its department's to its own
SHRINK_ROWS = 30.0
#: fewer queue cases than this: the category keeps its department's pace
MIN_QUEUE_ROWS = 10


def weighted_median(x: np.ndarray, w: np.ndarray, is_open: np.ndarray) -> float:
    """Weighted median of ``x``, open cases above every closed one; NaN when it falls on an open case."""
    v = np.where(is_open, np.inf, x)
    order = np.argsort(v, kind="stable")
    cw = np.cumsum(w[order])
    if len(cw) == 0 or cw[-1] <= 0.0:
        return math.nan
    m = float(v[order][min(int(np.searchsorted(cw, 0.5 * cw[-1])), len(v) - 1)])
    return m if math.isfinite(m) else math.nan


def work_factors(log_worked: np.ndarray, is_open: np.ndarray, weight: np.ndarray, category: np.ndarray,
                 department: np.ndarray) -> dict[str, float]:
    """Per category, its work over its department's (see the module's docstring).

    ``log_worked``: log working hours through the queue (to the extraction if open); ``weight``: each
    case's weight in its department's queue (0: not through the queue); ``category`` / ``department``:
    each case's category and the department the model sends its category to.
    """
    out: dict[str, float] = {}
    through = weight > 0.0
    for d in np.unique(department[through]):
        in_d = through & (department == d)
        dept_median = weighted_median(log_worked[in_d], weight[in_d], is_open[in_d])
        cats = np.unique(category[in_d])
        raw: dict[str, float] = {}
        share: dict[str, float] = {}
        for c in cats:
            rows = in_d & (category == c)
            n = int(rows.sum())
            share[str(c)] = float(weight[rows].sum())
            own = weighted_median(log_worked[rows], weight[rows], is_open[rows])
            if n < MIN_QUEUE_ROWS or not (math.isfinite(own) and math.isfinite(dept_median)):
                raw[str(c)] = 1.0
            else:
                raw[str(c)] = math.exp(n / (n + SHRINK_ROWS) * (own - dept_median))
        mean = sum(share[c] * raw[c] for c in raw) / sum(share.values())
        out |= {c: f / mean for c, f in raw.items()}
    return out
