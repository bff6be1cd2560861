"""One rounding rule: an interval of floating-point noise does not set the decimals of the values it goes with."""

from __future__ import annotations

from sim.report.numbers import fmt_value, shared_decimals, unit_of


def test_a_noise_interval_does_not_give_three_decimals_to_a_staff_cost() -> None:
    unit = unit_of("staff_cost", "en", 5.8e6)
    dec = shared_decimals([5_313_230.0, 5_801_449.0], [0.0, 9e-10], unit)
    assert fmt_value("staff_cost", 5_313_230.0, "en", 0.0, unit, dec, interval=False) == "5,313 thousand yuan"


def test_a_real_interval_still_sets_the_decimals() -> None:
    unit = unit_of("staff_cost", "en", 5.8e6)
    assert shared_decimals([5_313_230.0, 5_801_449.0], [0.0, 25_000.0], unit) == 0  # ± 25 thousand: 2 figures
    assert shared_decimals([5_313_230.0, 5_801_449.0], [0.0, 250.0], unit) == 2  # ± 0.25 thousand
