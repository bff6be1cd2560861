"""The page's settings as URL query parameters: a reload, a language switch or a shared link keeps them.

The page keeps one dictionary of what the planner chose (the language, the base and every
lever moved away from the base's value) and writes it into the URL; a new session reads
it back. Widgets take their first value from it and write their value back to it, so a
widget that is drawn again under another language (with other labels) starts where the
old one was. Values are parsed by the lever's kind; one that does not parse, or names no
lever, is dropped (the page then shows the base's value), never an error.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from sim.app.levers import Lever

__all__ = ["BASE_KEYS", "decode", "encode"]

#: the settings that are not levers: language and the base's three choices
BASE_KEYS: tuple[str, ...] = ("lang", "territory", "scenario", "calibrated")


def _text(lever: Lever, value: Any) -> str:
    if lever.kind == "bool":
        return "1" if value else "0"
    if lever.kind == "multi":
        return ",".join(str(v) for v in value)
    if lever.kind == "float":
        return repr(float(value))
    return str(value)


def encode(settings: Mapping[str, Any], levers: Sequence[Lever]) -> dict[str, str]:
    """The query parameters of ``settings`` (base choices, then the levers it holds)."""
    out = {k: str(settings[k]) for k in BASE_KEYS if settings.get(k)}
    by_key = {lv.key: lv for lv in levers}
    for key, value in settings.items():
        if key in by_key:
            out[key] = _text(by_key[key], value)
    return out


def _parse(lever: Lever, text: str) -> Any:
    if lever.kind == "int":
        return int(text)
    if lever.kind == "float":
        x = float(text)
        if not math.isfinite(x):
            raise ValueError(text)
        return x
    if lever.kind == "bool":
        if text not in ("0", "1"):
            raise ValueError(text)
        return text == "1"
    if lever.kind == "choice":
        if text not in lever.choices:
            raise ValueError(text)
        return text
    values = [v for v in text.split(",") if v]
    if any(v not in lever.choices for v in values):
        raise ValueError(text)
    return values


def decode(params: Mapping[str, str], levers: Sequence[Lever], choices: Mapping[str, Sequence[str]]) -> dict[str, Any]:
    """Settings from query parameters: base choices among ``choices``, levers parsed by kind."""
    out: dict[str, Any] = {}
    lang = params.get("lang")
    if lang in ("en", "zh"):
        out["lang"] = lang
    for key in ("territory", "scenario", "calibrated"):
        value = params.get(key)
        if value and value in choices.get(key, ()):
            out[key] = value
    for lever in levers:
        text = params.get(lever.key)
        if text is None:
            continue
        try:
            out[lever.key] = _parse(lever, text)
        except ValueError:
            continue  # a hand-edited or stale link: the base's value
    return out
