"""The closed-form queueing results of tests/validation/queueing_theory.py against known values."""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path

import pytest
from scipy import integrate


def _load_theory():  # noqa: ANN202 - a module
    name = "queueing_theory"
    if name in sys.modules:
        return sys.modules[name]
    path = Path(__file__).resolve().parents[1] / "validation" / "queueing_theory.py"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


qt = _load_theory()


# ------------------------------------------------------------------ M/M/1, M/M/c
@pytest.mark.parametrize("lam,mu", [(0.5, 1.0), (0.8, 1.0), (1.0, 1.25), (9.5, 10.0)])
def test_mm1_wq(lam: float, mu: float) -> None:
    rho = lam / mu
    assert qt.mm1_wq(lam, mu) == pytest.approx(rho / (mu - lam), rel=1e-14)
    # Erlang C with one server: P(W > 0) = rho, Wq = rho / (mu - lam)
    assert qt.erlang_c(1, lam, mu) == pytest.approx(rho, rel=1e-14)
    assert qt.mmc_wq(1, lam, mu) == pytest.approx(rho / (mu - lam), rel=1e-14)


@pytest.mark.parametrize("rho", [0.1, 0.5, 0.9, 0.99])
def test_erlang_c_two_servers_closed_form(rho: float) -> None:
    # M/M/2: C = 2 rho^2 / (1 + rho), Wq = rho^2 / (mu (1 - rho^2))
    mu = 1.25
    lam = 2 * rho * mu
    assert qt.erlang_c(2, lam, mu) == pytest.approx(2 * rho**2 / (1 + rho), rel=1e-13)
    assert qt.mmc_wq(2, lam, mu) == pytest.approx(rho**2 / (mu * (1 - rho**2)), rel=1e-12)


def test_erlang_c_textbook_value() -> None:
    # a = 2 Erlangs on 3 servers: C = (8/6 * 3) / (1 + 2 + 2 + 4) = 4/9 (Gross et al. 2008, §2.3)
    assert qt.erlang_c(3, 2.0, 1.0) == pytest.approx(4 / 9, rel=1e-14)
    assert qt.mmc_wq(3, 2.0, 1.0) == pytest.approx(4 / 9, rel=1e-14)  # C / (c mu - lam) = C / 1


def test_erlang_b_values() -> None:
    assert qt.erlang_b(0, 3.0) == 1.0
    assert qt.erlang_b(1, 1.0) == pytest.approx(0.5)
    # B(2, 1) = (1/2) / (1 + 1 + 1/2) = 0.2
    assert qt.erlang_b(2, 1.0) == pytest.approx(0.2)
    # large c: no overflow
    assert 0.0 < qt.erlang_b(500, 480.0) < 0.1


@pytest.mark.parametrize("c,lam,mu", [(1, 1.0, 1.0), (2, 3.0, 1.0), (3, 1.0, 0.2)])
def test_unstable_rejected(c: int, lam: float, mu: float) -> None:
    with pytest.raises(ValueError):
        qt.erlang_c(c, lam, mu)


# ------------------------------------------------------------------- M/G/1
def test_pk_reduces_to_mm1_for_cv_1() -> None:
    assert qt.pk_wq(0.8, 1.0, 1.0) == pytest.approx(qt.mm1_wq(0.8, 1.0), rel=1e-14)


def test_pk_md1_is_half_mm1() -> None:
    # M/D/1: Wq = rho E[S] / (2 (1 - rho)), half the M/M/1 value
    assert qt.pk_wq(0.7, 1.0, 0.0) == pytest.approx(0.5 * qt.mm1_wq(0.7, 1.0), rel=1e-14)


def test_pk_values() -> None:
    assert qt.second_moment(0.8, 2.0) == pytest.approx(5 * 0.64)
    # lam 0.875, E[S] 0.8 (rho 0.7), cv 0.5: 0.875 * 1.25 * 0.64 / 0.6
    assert qt.pk_wq(0.875, 0.8, 0.5) == pytest.approx(0.875 * 1.25 * 0.64 / 0.6, rel=1e-14)
    with pytest.raises(ValueError):
        qt.pk_wq(1.0, 1.0, 1.0)


# ------------------------------------------------------------------- M/M/c+D
CASES = [(1, 0.5, 1.0, 1.0), (1, 1.1, 1.25, 0.8), (3, 3.4, 1.25, 0.8), (3, 4.1, 1.25, 1.6),
         (5, 5.0, 1.0, 2.0), (2, 2.5, 1.25, 1.0), (8, 12.0, 1.0, 0.3)]


@pytest.mark.parametrize("c,lam,mu,tau", CASES)
def test_mmcd_density_integrates_to_one(c: int, lam: float, mu: float, tau: float) -> None:
    r = qt.mmcd(c, lam, mu, tau)
    inner, _ = integrate.quad(r.density, 0.0, tau, epsabs=1e-14, epsrel=1e-12)
    outer, _ = integrate.quad(r.density, tau, math.inf, epsabs=1e-14, epsrel=1e-12)
    assert sum(r.p) + inner + outer == pytest.approx(1.0, abs=1e-10)
    assert outer == pytest.approx(r.p_abandon, rel=1e-9)
    assert inner == pytest.approx(r.p_wait_served, rel=1e-9)
    assert r.p_all_busy == pytest.approx(inner + outer, rel=1e-9)
    # E[W 1{served}] by quadrature
    m1, _ = integrate.quad(lambda v: v * r.density(v), 0.0, tau, epsabs=1e-14, epsrel=1e-12)
    assert r.mean_wait_served == pytest.approx(m1 / (1.0 - r.p_abandon), rel=1e-9)
    assert r.mean_wait_all == pytest.approx(m1 + tau * r.p_abandon, rel=1e-9)


@pytest.mark.parametrize("c,lam,mu,tau", CASES)
def test_mmcd_birth_death_and_flow_balance(c: int, lam: float, mu: float, tau: float) -> None:
    r = qt.mmcd(c, lam, mu, tau)
    a = lam / mu
    for j in range(1, c):
        assert r.p[j] == pytest.approx(r.p[j - 1] * a / j, rel=1e-12)  # birth-death balance
    # served throughput = service completions: lam (1 - P(ab)) = mu E[busy servers]
    busy = sum(j * pj for j, pj in enumerate(r.p)) + c * r.p_all_busy
    assert lam * (1.0 - r.p_abandon) == pytest.approx(mu * busy, rel=1e-10)
    # the density is continuous at tau and the abandonment formula matches it
    assert r.density(tau * (1 - 1e-12)) == pytest.approx(r.density(tau), rel=1e-9)
    assert r.p_abandon == pytest.approx(r.density(tau) / (c * mu), rel=1e-12)


@pytest.mark.parametrize("c,rho", [(1, 0.5), (1, 0.8), (2, 0.9), (5, 0.95)])
def test_mmcd_infinite_patience_is_erlang_c(c: int, rho: float) -> None:
    mu = 1.25
    lam = rho * c * mu
    for tau in (math.inf, 1e4):
        r = qt.mmcd(c, lam, mu, tau)
        assert r.p_abandon == pytest.approx(0.0, abs=1e-12)
        assert r.p_wait_served == pytest.approx(qt.erlang_c(c, lam, mu), rel=1e-9)
        assert r.mean_wait_served == pytest.approx(qt.mmc_wq(c, lam, mu), rel=1e-9)


@pytest.mark.parametrize("c,lam,mu", [(1, 0.8, 1.0), (1, 3.0, 1.0), (3, 2.0, 1.0), (4, 6.0, 1.0), (10, 9.0, 1.0)])
def test_mmcd_zero_patience_is_erlang_b(c: int, lam: float, mu: float) -> None:
    # tau -> 0: everyone finding all servers busy leaves at once (M/M/c/c)
    for tau in (0.0, 1e-12):
        r = qt.mmcd(c, lam, mu, tau)
        assert r.p_abandon == pytest.approx(qt.erlang_b(c, lam / mu), rel=1e-9)
        assert r.p_abandon == pytest.approx(r.p_all_busy, rel=1e-9)
        assert r.mean_wait_served == pytest.approx(0.0, abs=1e-9)


def test_mmcd_critical_load_is_the_limit() -> None:
    # theta = c mu - lam = 0 is the limit of theta -> 0 from both sides
    c, mu, tau = 2, 1.25, 1.0
    r0 = qt.mmcd(c, c * mu, mu, tau)
    for eps in (1e-6, -1e-6):
        r = qt.mmcd(c, c * mu * (1 + eps), mu, tau)
        assert r.p_abandon == pytest.approx(r0.p_abandon, rel=1e-5)
        assert r.mean_wait_served == pytest.approx(r0.mean_wait_served, rel=1e-5)
    # M/M/1+D at lam = mu: p0 (1 + lam tau + 1) = 1 -> p0 = 1 / (2 + mu tau); P(ab) = p0
    r1 = qt.mmcd(1, 1.0, 1.0, 1.5)
    assert r1.p[0] == pytest.approx(1 / 3.5, rel=1e-14)
    assert r1.p_abandon == pytest.approx(1 / 3.5, rel=1e-14)
    # E[W 1{served}] = lam p0 tau^2 / 2
    assert r1.mean_wait_served * (1 - r1.p_abandon) == pytest.approx(1.5**2 / 2 / 3.5, rel=1e-12)


def test_mmcd_mm1_closed_form() -> None:
    # M/M/1+D (Baccelli & Hebuterne 1981): P(ab) = (1 - rho) rho e^{-theta tau} / (1 - rho^2 e^{-theta tau})
    lam, mu, tau = 0.9, 1.0, 2.0
    rho, theta = lam / mu, mu - lam
    e = math.exp(-theta * tau)
    r = qt.mmcd(1, lam, mu, tau)
    assert r.p_abandon == pytest.approx((1 - rho) * rho * e / (1 - rho**2 * e), rel=1e-12)


def test_mmcd_monotone() -> None:
    # more patience: fewer abandon, served customers wait longer
    rs = [qt.mmcd(3, 4.0, 1.25, t) for t in (0.2, 0.5, 1.0, 2.0, 5.0)]
    assert all(a.p_abandon > b.p_abandon for a, b in zip(rs, rs[1:], strict=False))
    assert all(a.mean_wait_served < b.mean_wait_served for a, b in zip(rs, rs[1:], strict=False))


def test_mmcd_rejects_bad_input() -> None:
    with pytest.raises(ValueError):
        qt.mmcd(1, 1.0, 1.0, -1.0)
    with pytest.raises(ValueError):
        qt.mmcd(0, 1.0, 1.0, 1.0)
    with pytest.raises(ValueError):
        qt.mmcd(1, 2.0, 1.0, math.inf)  # unstable without abandonment
