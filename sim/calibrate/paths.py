"""One path or two: a department's close times as a queue alone, or a quick share plus the queue.

A 311 / 12345 log closes many cases the same day (a crew on its round, a call answered
at once) and the rest after a long tail. A single queue fitted to both puts its median
between them. So, per department, the close times of the cases that go through the
department (not those settled on the spot, ``FAST_HOURS``, nor those the log leaves open,
``LEFT_OPEN_DAYS``) are fitted twice by maximum likelihood on log hours, open cases as
right-censored at the extraction:

* **one path**: one lognormal (2 parameters);
* **two paths**: a mixture of two lognormals (5 parameters), the quicker component the
  quick path (a share closed in a time of its own, without queueing), the other the queue.

The Bayesian information criterion (BIC = -2 log L + k ln n) chooses; two paths are kept
only when their components are apart (the quick median at most ``SEPARATION`` times the
queue's, and within a day: ``MAX_QUICK_MEDIAN_HOURS``): two overlapping lognormals only
describe the shape of one queue's tail, which the simulated queue already has. And only
when the quick component closes round the clock (at least ``MIN_OFF_HOURS`` of its
closures outside office hours): a department
working office hours alone also shows two populations (the cases served at once within
the day, and those that wait overnight), which its simulated queue reproduces by itself;
on a log gridsim generated from such a queue, the quick component closed 0.2-2% of its
cases outside office hours. A category with ``MIN_ROWS`` rows or more gets its own
quick share (its rows' mean posterior probability of the quick component), a smaller one
its department's.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from scipy.optimize import minimize
from scipy.special import expit, log_ndtr

#: the quick component's median must be at most this fraction of the queue component's
SEPARATION = 0.25
#: a quick path closes within a day (a crew on its round, a call answered at once); a slower
#: "quick" component is a mass of the queue's own slow cases, which a 24/7 path must not take
MAX_QUICK_MEDIAN_HOURS = 24.0
#: cases a department's fit reads at most (every k-th in time order): the likelihood of
#: 5,000 cases pins five parameters well below the sampling error of the validation
MAX_FIT_CASES = 5_000
#: the share of the quick component's closures outside office hours that shows a path of its own
MIN_OFF_HOURS = 0.05
#: a department needs this many cases for the mixture to be tried at all
MIN_MIXTURE_CASES = 50
_LOG_2PI_HALF = 0.5 * math.log(2.0 * math.pi)


@dataclass(frozen=True)
class PathChoice:
    """What a department's close times say: one path or two, and why."""

    chosen: str  # "one path" | "two paths"
    why: str  # one sentence with the numbers that decided
    cases: int  # cases fitted
    quick_share: float  # of the fitted cases, the round-the-clock path's share (0 for one path)
    quick_mean_hours: float  # mean of the quick component's close time (hours)
    quick_cv: float  # its coefficient of variation
    bic_one: float
    bic_two: float
    quick_off_hours: float = 0.0  # share of the quick component's closures outside office hours
    params: tuple[float, ...] = ()  # (logit p, m1, log s1, m2, log s2) of the mixture, () for one path
    scale: float = 1.0  # the round-the-clock share over the mixture's quick share

    def posterior_quick(self, hours: np.ndarray, is_open: np.ndarray) -> np.ndarray:
        """Each case's probability of the quick component (0 everywhere for one path)."""
        if self.chosen != "two paths":
            return np.zeros(len(hours))
        log_a, log_b = components(np.asarray(self.params), np.log(np.maximum(hours, 1e-6)), is_open)
        return self.scale * np.exp(log_a - np.logaddexp(log_a, log_b))


def components(theta: np.ndarray, x: np.ndarray, is_open: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """log(p f1) and log((1-p) f2) of each case (density if closed, survival if open)."""
    lp, m1, ls1, m2, ls2 = theta
    log_p, log_q = -np.logaddexp(0.0, -lp), -np.logaddexp(0.0, lp)
    out = []
    for m, ls, lw in ((m1, ls1, log_p), (m2, ls2, log_q)):
        s = math.exp(ls)
        z = (x - m) / s
        dens = -0.5 * z * z - _LOG_2PI_HALF - ls
        surv = log_ndtr(-z)
        out.append(lw + np.where(is_open, surv, dens))
    return out[0], out[1]


def _one_loglik(theta: np.ndarray, x: np.ndarray, is_open: np.ndarray, w: np.ndarray | float = 1.0) -> float:
    m, ls = theta
    s = math.exp(ls)
    z = (x - m) / s
    return float(np.sum(w * np.where(is_open, log_ndtr(-z), -0.5 * z * z - _LOG_2PI_HALF - ls)))


def _two_loglik(theta: np.ndarray, x: np.ndarray, is_open: np.ndarray, w: np.ndarray | float = 1.0) -> float:
    a, b = components(theta, x, is_open)
    return float(np.sum(w * np.logaddexp(a, b)))


def fit_one(x: np.ndarray, is_open: np.ndarray, w: np.ndarray | float = 1.0) -> tuple[np.ndarray, float]:
    """One censored normal on x (log hours) by maximum likelihood, each case weighing ``w``."""
    closed = x[~is_open]
    start = np.array([float(np.mean(closed)) if len(closed) else float(np.mean(x)),
                      math.log(max(float(np.std(closed)) if len(closed) > 1 else 1.0, 0.1))])
    res = minimize(lambda t: -_one_loglik(t, x, is_open, w), start, method="Nelder-Mead",
                   options={"xatol": 1e-4, "fatol": 1e-4, "maxiter": 2000})
    return res.x, -float(res.fun)


def fit_two(x: np.ndarray, is_open: np.ndarray, w: np.ndarray | float = 1.0) -> tuple[np.ndarray, float]:
    """The mixture's MLE from starts that split the closed cases at their quartiles."""
    closed = np.sort(x[~is_open])
    best: tuple[np.ndarray, float] = (np.zeros(5), -math.inf)
    for q in (0.15, 0.3, 0.5):
        k = max(2, int(len(closed) * q))
        lo, hi = closed[:k], closed[k:]
        if len(hi) < 2:
            continue
        start = np.array([math.log(q / (1 - q)), float(lo.mean()), math.log(max(float(lo.std()), 0.1)),
                          float(hi.mean()), math.log(max(float(hi.std()), 0.1))])
        res = minimize(lambda t: -_two_loglik(t, x, is_open, w), start, method="L-BFGS-B",
                       bounds=[(-8, 8), (-14, 10), (-3, 2.5), (-14, 10), (-3, 2.5)])
        if -float(res.fun) > best[1]:
            best = (res.x, -float(res.fun))
    return best


class OneAndTwo(NamedTuple):
    """A sample's censored fits of one lognormal and of a mixture of two, and their BICs."""

    one: np.ndarray  # (m, log s) of log hours
    two: np.ndarray  # (logit p, m1, log s1, m2, log s2), the component of the smaller median first
    bic_one: float
    bic_two: float


def fit_one_and_two(x: np.ndarray, is_open: np.ndarray, n: float, w: np.ndarray | float = 1.0) -> OneAndTwo:
    """``fit_one`` and ``fit_two`` of x (log hours), the mixture's quicker component first, with the BIC of
    each for ``n`` cases (their total weight when weighted)."""
    t1, ll1 = fit_one(x, is_open, w)
    t2, ll2 = fit_two(x, is_open, w)
    if t2[1] > t2[3]:
        t2 = np.array([-t2[0], t2[3], t2[4], t2[1], t2[2]])
    return OneAndTwo(t1, t2, -2 * ll1 + 2 * math.log(n), -2 * ll2 + 5 * math.log(n))


def lognormal_mean_cv(m: float, s: float) -> tuple[float, float]:
    """Mean and coefficient of variation of a lognormal of log-mean m and log-sd s."""
    return math.exp(m + s * s / 2), math.sqrt(math.expm1(s * s))


def choose_paths(hours: np.ndarray, is_open: np.ndarray, created: np.ndarray,
                 off_at: Callable[[np.ndarray], np.ndarray]) -> PathChoice:
    """One path or two for one department's cases.

    ``hours``: close time, or time to extraction if open; ``created``: model hours;
    ``off_at(t)``: whether instants t fall outside office hours.
    """
    hours, is_open = np.asarray(hours, np.float64), np.asarray(is_open, bool)
    step = max(1, math.ceil(len(hours) / MAX_FIT_CASES))
    h, op, t0 = hours[::step], is_open[::step], np.asarray(created, np.float64)[::step]
    n = len(h)
    if n < MIN_MIXTURE_CASES or (~op).sum() < MIN_MIXTURE_CASES // 2:
        return PathChoice("one path", f"one path: {n} cases, too few to fit two", n, 0.0, 0.0, 0.0, math.nan,
                          math.nan)
    off = ~op & off_at(t0 + h)
    x = np.log(np.maximum(h, 1e-6))
    fits = fit_one_and_two(x, op, n)
    t2, bic1, bic2 = fits.two, fits.bic_one, fits.bic_two
    p = float(expit(t2[0]))
    ratio = math.exp(t2[1] - t2[3])
    base = (f"BIC one path {bic1:.1f}, two paths {bic2:.1f}; mixture's quick share {p:.3f}, quick median "
            f"{math.exp(t2[1]):.3g} h vs queue median {math.exp(t2[3]):.3g} h, {n:,} cases")
    a, b = components(t2, x, op)
    w = np.exp(a - np.logaddexp(a, b)) * ~op  # closed cases' weight on the quick component
    off_share = float(np.sum(w * off) / np.sum(w)) if np.sum(w) > 0 else 0.0
    base += f"; {off_share:.1%} of the quick component's closures outside office hours"
    quick_median = math.exp(t2[1])
    if not (bic2 < bic1 and ratio <= SEPARATION and quick_median <= MAX_QUICK_MEDIAN_HOURS and 0.01 <= p <= 0.95
            and off_share >= MIN_OFF_HOURS):
        reason = ("higher BIC" if bic2 >= bic1 else "components not apart" if ratio > SEPARATION
                  else f"quick median {quick_median:.3g} h is over a day" if quick_median > MAX_QUICK_MEDIAN_HOURS
                  else "quick share out of range" if not 0.01 <= p <= 0.95
                  else "the quick component closes in office hours: the queue's own quick service")
        return PathChoice("one path", f"one path ({reason}); {base}", n, 0.0, 0.0, 0.0, bic1, bic2, off_share)
    # The mixture's quick component also takes the queue's own quick service (cases served at once
    # within office hours). The round-the-clock path is measured where the queue cannot close: its
    # closures outside office hours, over the share of its closures that would fall there (each
    # case's created time plus the quick median, outside office hours). Its time, likewise, from
    # those closures (a quick path's time does not depend on the hour it started).
    wo = w * off
    reach = float(np.mean(off_at(t0 + math.exp(t2[1]))))
    q = min(p, float(np.sum(wo)) / (reach * n)) if reach > 0 else p
    m1, s1 = float(t2[1]), math.exp(t2[2])
    if np.sum(wo) >= MIN_MIXTURE_CASES // 2:
        m1 = float(np.sum(wo * x) / np.sum(wo))
        s1 = max(float(np.sqrt(np.sum(wo * (x - m1) ** 2) / np.sum(wo))), 0.05)
    mean1, cv1 = lognormal_mean_cv(m1, s1)
    base += (f"; round-the-clock share {q:.3f} ({np.sum(wo):.0f} closures outside office hours over the "
             f"{reach:.1%} that would fall there), mean {mean1:.3g} h")
    queue_median = math.exp(t2[3])
    if mean1 >= queue_median or math.exp(m1) > MAX_QUICK_MEDIAN_HOURS:
        # the closures outside office hours are not a quick path: slower on average than the queue's
        # median case, or over a day at their own median (the quick component was the queue's own tail)
        return PathChoice("one path", f"one path (the round-the-clock closures are not quick: mean {mean1:.3g} h, "
                          f"median {math.exp(m1):.3g} h, queue median {queue_median:.3g} h); {base}", n, 0.0, 0.0, 0.0,
                          bic1, bic2, off_share)
    return PathChoice("two paths", f"two paths: lower BIC, apart, round the clock; {base}", n, q, mean1, cv1,
                      bic1, bic2, off_share, tuple(float(v) for v in t2), q / p)


def category_quick_share(choice: PathChoice, hours: np.ndarray, is_open: np.ndarray) -> float:
    """A group of cases' mean posterior probability of the quick path."""
    if choice.chosen != "two paths" or len(hours) == 0:
        return 0.0
    return float(np.mean(choice.posterior_quick(np.asarray(hours, np.float64), np.asarray(is_open, bool))))
