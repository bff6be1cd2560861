"""The dispatch mode written once (sim.rules.mode): what both engines and the capacity check follow."""

from __future__ import annotations

import numpy as np
import pytest

from sim.rules.mode import NOT_HOTLINE, first_level, via_platform
from sim.scenario.constants import APP, GRID, HOTLINE, PATROL, TOWNSHIP, VILLAGE

# a category the grid does not handle (off the grid matters list), and one every level handles
HANDLED = np.array([[False, True, True, True], [True, True, True, True]])


@pytest.mark.parametrize(("unified", "textbook", "channel", "expected"), [
    (False, False, PATROL, False), (False, False, APP, False), (False, False, HOTLINE, True),
    (True, False, PATROL, True), (True, False, HOTLINE, True), (True, False, NOT_HOTLINE, True),
    (True, True, HOTLINE, False), (False, True, HOTLINE, False),
])
def test_who_passes_the_platform(unified: bool, textbook: bool, channel: int, expected: bool) -> None:
    assert via_platform(unified, textbook, channel) is expected


def test_level_by_level_enters_at_the_lowest_level_that_handles_the_category() -> None:
    assert first_level(HANDLED, 0, TOWNSHIP, False) == VILLAGE
    assert first_level(HANDLED, 1, TOWNSHIP, False) == GRID


def test_unified_dispatch_sends_to_the_lowest_level_with_authority() -> None:
    assert first_level(HANDLED, 1, TOWNSHIP, True) == TOWNSHIP
    assert first_level(HANDLED, 0, GRID, True) == VILLAGE  # the grid has no say over the category
    assert first_level(HANDLED, 1, GRID, True) == GRID
