"""The one-line error a test expects of bad input (``ConfigError``, no newline in its message)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from sim.util.errors import ConfigError


def one_line_error(call: Callable[[], object]) -> str:
    """The message of the ``ConfigError`` that ``call`` raises, checked to be one line."""
    with pytest.raises(ConfigError) as e:
        call()
    msg = str(e.value)
    assert "\n" not in msg
    return msg
