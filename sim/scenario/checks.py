"""Generic value checkers for ``validate``: each raises a one-line ConfigError naming the key.

They accept anything (a hand-built Config may hold a string where a number belongs)
and never raise anything but ConfigError. NaN and infinities are never valid numbers.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any

from sim.util.errors import ConfigError


def show(value: Any) -> str:
    """A value as the user would write it (strings quoted, lists bracketed)."""
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, Sequence):
        return "[" + ", ".join(show(v) for v in value) + "]"
    return str(value)


def is_number(value: Any) -> bool:
    """A finite real number (bools are not numbers here)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def real(key: str, value: Any, ok: Callable[[float], bool], what: str) -> float:
    """Check a finite number satisfying ``ok``; ``what`` completes "must be ..."."""
    if not is_number(value) or not ok(value):
        raise ConfigError(key, f"must be {what}, got {show(value)}")
    return float(value)


def positive(key: str, value: Any) -> float:
    return real(key, value, lambda x: x > 0, "a positive number")


def non_negative(key: str, value: Any) -> float:
    return real(key, value, lambda x: x >= 0, "a number >= 0")


def probability(key: str, value: Any, *, below_one: bool = False, above_zero: bool = False) -> float:
    """A probability or share: in [0, 1], optionally excluding either end."""
    lo, hi = ("(0" if above_zero else "[0"), ("1)" if below_one else "1]")

    def ok(x: float) -> bool:
        return (x > 0 if above_zero else x >= 0) and (x < 1 if below_one else x <= 1)

    return real(key, value, ok, f"a probability in {lo}, {hi}")


def whole(key: str, value: Any, minimum: int = 0, maximum: int | None = None) -> int:
    """A whole number (an int, not a bool) in [minimum, maximum]."""
    ok = isinstance(value, int) and not isinstance(value, bool) and value >= minimum
    if ok and maximum is not None and value > maximum:
        raise ConfigError(key, f"must be a whole number from {minimum} to {maximum}, got {show(value)}")
    if not ok:
        raise ConfigError(key, f"must be a whole number >= {minimum}, got {show(value)}")
    return int(value)


def one_of(key: str, value: Any, allowed: Collection[str], what: str = "one of") -> str:
    """A string from a fixed vocabulary; the message lists the allowed values."""
    if not isinstance(value, str) or value not in allowed:
        raise ConfigError(key, f"must be {what} {'|'.join(allowed)}, got {show(value)}")
    return value


def text(key: str, value: Any) -> str:
    """A non-empty string."""
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(key, f"must be a non-empty string, got {show(value)}")
    return value


def sequence(key: str, value: Any, length: int | None = None, *, nonempty: bool = False) -> list[Any]:
    """A list (of the given length, if any)."""
    if isinstance(value, str | bytes) or not isinstance(value, Sequence):
        raise ConfigError(key, f"must be a list, got {show(value)}")
    items = list(value)
    if length is not None and len(items) != length:
        raise ConfigError(key, f"must have {length} values, got {len(items)}: {show(items)}")
    if nonempty and not items:
        raise ConfigError(key, "must not be empty")
    return items


def iso_date(key: str, value: Any) -> dt.date:
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ConfigError(key, f"must be a date YYYY-MM-DD, got {show(value)}") from None


def mapping(key: str, value: Any) -> Mapping[Any, Any]:
    if not isinstance(value, Mapping):
        raise ConfigError(key, f"must be a mapping of names to values, got {show(value)}")
    return value


def each(key: str, values: Sequence[Any], check: Callable[[str, Any], Any]) -> None:
    """Apply ``check`` to every entry, keyed ``key[i]``."""
    for i, v in enumerate(values):
        check(f"{key}[{i}]", v)


def profile(key: str, value: Any, length: int) -> list[float]:
    """A weight profile: ``length`` non-negative numbers with a positive sum."""
    items = sequence(key, value, length)
    each(key, items, non_negative)
    if sum(items) <= 0:
        raise ConfigError(key, f"must have a positive sum, got all zeros {show(items)}")
    return [float(v) for v in items]


def named(key: str, value: Any, vocab: Sequence[str], what: str,
          complete: bool = False) -> list[tuple[str, Any]]:
    """Entries of a name -> value mapping whose names must come from ``vocab``."""
    items = mapping(key, value)
    for name in items:
        if name not in vocab:
            raise ConfigError(f"{key}.{name}", f"unknown {what}; {what}s are {'|'.join(vocab)}")
    missing = [name for name in vocab if name not in items]
    if complete and missing:
        raise ConfigError(f"{key}.{missing[0]}", f"is missing: every {what} needs a value")
    return list(items.items())
