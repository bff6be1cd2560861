"""A command's --help reads as a terminal shows it: its docstring without reStructuredText literal marks."""

from __future__ import annotations

import pytest

from sim.util.usage import usage_text


def test_literal_marks_are_dropped_and_nothing_else() -> None:
    doc = "``gridsim calibrate``: fit a ``scenario``.\n  a * b\n"
    assert usage_text(doc) == "gridsim calibrate: fit a scenario.\n  a * b"
    assert usage_text(None) == ""


@pytest.mark.parametrize("module", ["sim.calibrate.cli", "sim.logs.__main__", "sim.experiment.__main__"])
def test_every_command_help_is_plain(module: str) -> None:
    import importlib

    text = importlib.import_module(module).USAGE
    assert text and "``" not in text
