"""Closed-form queueing results the textbook scenario is validated against.

Pure functions of the model parameters; rates are per hour, times in hours.
Notation: arrival rate ``lam`` (λ), service rate per server ``mu`` (μ = 1 / E[S]),
``c`` identical servers, offered load ``a = λ / μ`` (Erlangs), utilisation
``ρ = a / c``.

* M/M/c (Erlang C): :func:`erlang_b`, :func:`erlang_c`, :func:`mmc_wq`.
* M/G/1 (Pollaczek–Khinchine): :func:`second_moment`, :func:`pk_wq`.
* M/M/c+D (exponential service, every customer has the same patience τ):
  :func:`mmcd`, returning P(abandon), the mean wait of served customers and the
  stationary law it is built from (:class:`MMCD`).

References
----------
* A. K. Erlang (1917); in textbook form: D. Gross, J. F. Shortle, J. M. Thompson,
  C. M. Harris, *Fundamentals of Queueing Theory*, 4th ed., Wiley 2008, §2.3
  (M/M/c) and §5.1.1 (M/G/1, Pollaczek–Khinchine); L. Kleinrock, *Queueing
  Systems*, Vol. 1, Wiley 1975, §3.5 and §5.6.
* F. Baccelli, G. Hebuterne, "On queues with impatient customers", in
  *Performance '81* (F. J. Kylstra, ed.), North-Holland 1981, pp. 159–179
  (M/G/c+D via the virtual waiting time).
* S. Zeltyn, A. Mandelbaum, "Call centers with impatient customers: many-server
  asymptotics of the M/M/n+G queue", *Queueing Systems* 51 (2005) 361–402
  (M/M/n+G exact formulas; with G = D they reduce to the ones derived below).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = [
    "MMCD",
    "erlang_b",
    "erlang_c",
    "mm1_wq",
    "mmc_wq",
    "mmcd",
    "pk_wq",
    "second_moment",
]


def _check_rates(lam: float, mu: float, c: int) -> None:
    if not (lam > 0 and mu > 0):
        raise ValueError("lam and mu must be positive")
    if int(c) != c or c < 1:
        raise ValueError("c must be a positive integer")


def erlang_b(c: int, a: float) -> float:
    """Erlang B blocking probability B(c, a) of M/M/c/c with offered load ``a`` Erlangs.

    ``B(c, a) = (a^c / c!) / Σ_{k=0..c} a^k / k!``, computed by the stable recursion
    ``B(0) = 1``, ``B(k) = a B(k-1) / (k + a B(k-1))`` (Gross et al. 2008, §2.6).
    """
    if a < 0 or int(c) != c or c < 0:
        raise ValueError("need a >= 0 and an integer c >= 0")
    b = 1.0
    for k in range(1, int(c) + 1):
        b = a * b / (k + a * b)
    return b


def erlang_c(c: int, lam: float, mu: float) -> float:
    """Erlang C: probability that an arrival waits, P(W > 0), in a stable M/M/c.

    ``C(c, a) = [a^c / c! · c / (c - a)] / [Σ_{k<c} a^k / k! + a^c / c! · c / (c - a)]``
    with ``a = λ / μ < c`` (Gross et al. 2008, eq. 2.36; PASTA: the share of
    arrivals finding all servers busy). Computed as ``c B / (c - a (1 - B))`` with
    ``B = erlang_b(c, a)``.
    """
    _check_rates(lam, mu, c)
    a = lam / mu
    if not a < c:
        raise ValueError(f"unstable M/M/c: load a = {a} >= c = {c}")
    b = erlang_b(c, a)
    return c * b / (c - a * (1.0 - b))


def mmc_wq(c: int, lam: float, mu: float) -> float:
    """Mean wait in queue of M/M/c: ``Wq = C(c, a) / (c μ - λ)`` (Gross et al. 2008, eq. 2.37)."""
    return erlang_c(c, lam, mu) / (c * mu - lam)


def mm1_wq(lam: float, mu: float) -> float:
    """Mean wait in queue of M/M/1: ``Wq = ρ / (μ - λ)``, ρ = λ / μ (Gross et al. 2008, eq. 2.9)."""
    _check_rates(lam, mu, 1)
    if not lam < mu:
        raise ValueError("unstable M/M/1")
    return (lam / mu) / (mu - lam)


def second_moment(mean: float, cv: float) -> float:
    """``E[S²] = Var S + E[S]² = (1 + cv²) E[S]²`` for a service time of this mean and CV."""
    return (1.0 + cv * cv) * mean * mean


def pk_wq(lam: float, mean: float, cv: float) -> float:
    """Pollaczek–Khinchine mean wait of M/G/1: ``Wq = λ E[S²] / (2 (1 - ρ))``, ρ = λ E[S].

    (Kleinrock 1975, eq. 5.72; Gross et al. 2008, eq. 5.13.) Only the first two
    moments of S enter, so any distribution with this mean and CV (exponential,
    lognormal, ...) gives the same Wq.
    """
    rho = lam * mean
    if not (lam > 0 and mean > 0 and cv >= 0):
        raise ValueError("need lam > 0, mean > 0, cv >= 0")
    if not rho < 1.0:
        raise ValueError(f"unstable M/G/1: rho = {rho}")
    return lam * second_moment(mean, cv) / (2.0 * (1.0 - rho))


@dataclass(frozen=True)
class MMCD:
    """The stationary law of M/M/c+D and what follows from it (see :func:`mmcd`).

    ``p`` are the probabilities of j = 0..c-1 busy servers (no one waiting);
    the offered wait V (see :func:`mmcd`) has density ``density(v)`` on (0, ∞).
    """

    lam: float
    mu: float
    c: int
    tau: float
    p: tuple[float, ...]  # p_0 .. p_{c-1}
    p_abandon: float  # P(V >= τ): an arrival abandons
    p_wait_served: float  # P(0 < V < τ): an arrival waits, then is served
    mean_wait_served: float  # E[W | served] (served customers, zero waits included)
    mean_wait_all: float  # E[min(V, τ)]: abandoned customers counted with their wait τ

    @property
    def theta(self) -> float:
        return self.c * self.mu - self.lam

    @property
    def p_served(self) -> float:
        return 1.0 - self.p_abandon

    @property
    def p_all_busy(self) -> float:
        """P(V > 0): an arrival finds every server busy (waits or abandons)."""
        return 1.0 - sum(self.p)

    def density(self, v: float) -> float:
        """Density of the offered wait V at v > 0 (the atoms p_j sit at V = 0)."""
        if v <= 0:
            return 0.0
        f0 = self.lam * self.p[-1]
        if v < self.tau:
            return f0 * math.exp(-self.theta * v)
        return f0 * math.exp(-self.theta * self.tau) * math.exp(-self.c * self.mu * (v - self.tau))


def _expm1_over(theta: float, tau: float) -> float:
    """``(1 - e^{-θτ}) / θ``; its θ → 0 limit is τ."""
    x = theta * tau
    if abs(x) < 1e-8:
        return tau * (1.0 - x / 2.0)
    return -math.expm1(-x) / theta


def _first_moment(theta: float, tau: float) -> float:
    """``∫_0^τ v e^{-θv} dv = (1 - e^{-θτ}(1 + θτ)) / θ²``; its θ → 0 limit is τ² / 2."""
    x = theta * tau
    if abs(x) < 0.5:
        # series τ² Σ_k (-x)^k / (k! (k + 2)): no cancellation near θ = 0
        term, total = 1.0, 0.0
        for k in range(30):
            total += term / (k + 2)
            term *= -x / (k + 1)
        return tau * tau * total
    return (1.0 - math.exp(-x) * (1.0 + x)) / (theta * theta)


def mmcd(c: int, lam: float, mu: float, tau: float) -> MMCD:
    """M/M/c+D: c exponential servers, Poisson arrivals, FCFS, fixed patience τ.

    A customer still waiting (not started) τ after arriving abandons. Valid for
    any load, including λ >= cμ (the abandonments keep the system stable).

    Derivation (the virtual-waiting-time / level-crossing argument of Baccelli &
    Hebuterne 1981; Zeltyn & Mandelbaum 2005 give the M/M/n+G generalisation):

    Let V(t) be the *offered wait*: how long a customer arriving at t would wait
    until a server is free for it. Under FCFS with a fixed patience, a waiting
    customer abandons exactly when its offered wait is >= τ, and an abandoning
    customer never takes service, so V is the same as if customers with V >= τ
    balked on arrival. The state is either "j < c servers busy" (V = 0, atoms
    p_j) or "all c busy, offered wait V = v > 0" (density f(v)). While all are
    busy, V falls at rate 1; each *accepted* arrival (V < τ) raises V by an
    Exp(cμ) amount (one more departure of the c busy servers must happen before
    the next arrival can start); an arrival in state c-1 takes the last free
    server and starts V at an Exp(cμ) value; when V reaches 0 a server is free
    with no one waiting, i.e. the state is c-1.

    * States 0..c-1 form the usual birth–death chain (up at rate λ, down at rate
      jμ): ``p_j = p_0 a^j / j!`` with a = λ/μ, and the flow out of c-1 upward
      (λ p_{c-1}) equals the flow of V hitting 0 (f(0+)).
    * Level crossing at level v > 0 (down-crossings = up-crossings per unit time):
      ``f(v) = λ p_{c-1} e^{-cμv} + λ ∫_0^{min(v,τ)} f(u) e^{-cμ(v-u)} du``.
      For 0 < v < τ, differentiating gives ``f'(v) = λ f(v) - cμ f(v)``, so with
      θ = cμ - λ: ``f(v) = λ p_{c-1} e^{-θv}``. For v >= τ no arrival adds work
      any more, so ``f(v) = f(τ) e^{-cμ(v-τ)} = λ p_{c-1} e^{-θτ} e^{-cμ(v-τ)}``.
    * Normalisation: ``Σ_{j<c} p_j + λ p_{c-1} [(1 - e^{-θτ})/θ + e^{-θτ}/(cμ)] = 1``,
      where ``(1 - e^{-θτ})/θ`` is read as τ when θ = 0 (λ = cμ), its limit.

    By PASTA an arrival sees V in its stationary law, so

    * ``P(abandon) = P(V >= τ) = ∫_τ^∞ f = λ p_{c-1} e^{-θτ} / (cμ)``;
    * ``P(wait > 0, served) = ∫_0^τ f = λ p_{c-1} (1 - e^{-θτ}) / θ``;
    * ``E[W 1{served}] = ∫_0^τ v f(v) dv = λ p_{c-1} (1 - e^{-θτ}(1 + θτ)) / θ²``
      (θ = 0: ``λ p_{c-1} τ² / 2``), and the mean wait of served customers is
      ``E[W | served] = E[W 1{served}] / (1 - P(abandon))``;
    * ``E[min(V, τ)] = E[W 1{served}] + τ P(abandon)`` (abandoned customers counted
      with the τ they waited).

    Checks (tests/unit/test_queueing_theory.py): τ → ∞ with λ < cμ gives the
    Erlang C law (P(W > 0) = C(c, a), E[W] = Wq); τ → 0 gives P(abandon) =
    Erlang B(c, a) = P(all busy); the total mass is 1; and the flow balance
    ``λ (1 - P(abandon)) = μ E[busy servers]`` holds.
    """
    _check_rates(lam, mu, c)
    if not tau >= 0:
        raise ValueError("tau must be >= 0")
    c = int(c)
    a = lam / mu
    theta = c * mu - lam
    # weights of p_j relative to p_{c-1}: w_j = (a^j / j!) / (a^{c-1} / (c-1)!), built downward
    w = [0.0] * c
    w[c - 1] = 1.0
    for j in range(c - 1, 0, -1):
        w[j - 1] = w[j] * j / a
    e = math.exp(-theta * tau) if math.isfinite(tau) else 0.0
    if not math.isfinite(tau):
        if not theta > 0:
            raise ValueError("infinite patience needs lam < c mu")
        wait_mass = 1.0 / theta
        tail = 0.0
    else:
        wait_mass = _expm1_over(theta, tau)
        tail = e / (c * mu)
    total = sum(w) + lam * (wait_mass + tail)
    p_c1 = 1.0 / total
    p = tuple(wj * p_c1 for wj in w)
    f0 = lam * p_c1
    p_ab = f0 * tail
    p_wait = f0 * wait_mass
    if math.isfinite(tau):
        ew_served = f0 * _first_moment(theta, tau)
        ew_all = ew_served + tau * p_ab
    else:
        ew_served = f0 / (theta * theta)
        ew_all = ew_served
    mean_served = ew_served / (1.0 - p_ab)
    return MMCD(lam=lam, mu=mu, c=c, tau=tau, p=p, p_abandon=p_ab, p_wait_served=p_wait,
                mean_wait_served=mean_served, mean_wait_all=ew_all)
