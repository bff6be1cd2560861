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


def test_a_change_the_same_in_every_replication_has_no_noise_interval() -> None:
    """A briefing read "−7,790.411 thousand yuan ± 0.000": the half-width was 1e-9 yuan of rounding."""
    from sim.report.numbers import fmt_change

    said = fmt_change("staff_cost_per_year", -7_790_411.0, 1e-9, "en")
    assert "±" not in said and said.startswith("-7,790") and "." not in said.split()[0]
    assert fmt_change("staff_cost_per_year", -7_790_411.0, 25_000.0, "en") == "-7,790 thousand yuan ± 25"
    assert fmt_value("staff_cost_per_year", 137_309_600.0, "zh", 1e-7) == "13,731万元"
