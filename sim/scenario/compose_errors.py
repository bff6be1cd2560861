"""Composition errors (Hydra, OmegaConf) as one line naming the key: ``compose_error``.

A typo, a wrong type, an unknown group or preset, a malformed override: whatever
composing a config raises becomes one ``ConfigError`` line that names the key and,
where it can, the nearest known key.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import FrozenInstanceError
from typing import Any

from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.errors import MissingConfigException, OverrideParseException
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import ConfigAttributeError, ConfigKeyError, OmegaConfBaseException

from sim.scenario import choices
from sim.scenario.choices import values
from sim.scenario.compose import presets_dir
from sim.scenario.schema import (
    Config,
)
from sim.util.errors import ConfigError


# ---------------------------------------------------------- composition errors
def compose_error(exc: BaseException, overrides: Sequence[str]) -> ConfigError:
    """Translate a Hydra / OmegaConf composition error into a one-line ConfigError."""
    chain = list(_chain(exc))
    parsed = _parse_overrides(overrides)
    if _first_line(str(exc)) == "Could not override 'calibrated'.":  # no calibrated/ group anywhere
        name = next((str(v) for _, k, v in parsed if k == "calibrated"), "")
        return _one_line("calibrated", f"unknown preset {name!r}; no presets in {presets_dir() / 'calibrated'}")
    for e in chain:
        full_key = getattr(e, "full_key", None)
        if isinstance(e, OmegaConfBaseException) and full_key:
            return _omegaconf_error(e, str(full_key), chain, parsed)
    for e in chain:
        if isinstance(e, MissingConfigException):
            return _missing_preset(e)
        if isinstance(e, OverrideParseException):
            return _malformed(e.override, e.message)
        if isinstance(e, FrozenInstanceError):
            return _unknown(_frozen_key(e, parsed))
    for raw, key, _ in parsed:
        if not key:
            return _one_line(raw or "override", "malformed override: the key is empty")
    message = _first_line(str(exc)) or type(exc).__name__
    ambiguous = re.match(r"Ambiguous value for argument '([^=']*)=(.*)'", message)
    if ambiguous:
        return _one_line(ambiguous[1], f"ambiguous value {ambiguous[2]!r}: write a list as [a,b] "
                         "or quote a string as 'a,b'")
    key = next((k for _, k, _ in parsed if k and k in message), "config")
    return _one_line(key, message)


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    e: BaseException | None = exc
    while e is not None and id(e) not in seen:
        seen.add(id(e))
        yield e
        e = e.__cause__ or e.__context__


def _parse_overrides(overrides: Sequence[str]) -> list[tuple[str, str, Any]]:
    """(raw, key, value) per override; value is None when it does not parse."""

    parser = OverridesParser.create()
    out: list[tuple[str, str, Any]] = []
    for raw in overrides:
        try:
            o = parser.parse_override(raw)
            out.append((raw, o.key_or_group, o.value()))
        except Exception:  # unparsable: keep the key text before '='
            out.append((raw, raw.split("=", 1)[0].lstrip("+~").split("@", 1)[0].strip(), None))
    return out


def _first_line(message: str) -> str:
    lines = [ln.strip() for ln in message.splitlines()]
    lines = [ln for ln in lines if ln and not ln.startswith(("See https", "Error parsing override"))]
    return lines[0] if lines else ""


def _one_line(key: str, problem: str) -> ConfigError:
    return ConfigError(" ".join(key.split()) or "config", " ".join(problem.split()))


def _omegaconf_error(e: BaseException, full_key: str, chain: list[BaseException],
                     parsed: list[tuple[str, str, Any]]) -> ConfigError:
    merging = next((m[1] for x in chain if (m := re.match(r"Error merging override (.*)", str(x)))), None)
    key = full_key
    for raw, okey, value in parsed:
        okey = re.sub(r"\.(\d+)(?=\.|$)", r"[\1]", okey)  # Hydra's a.0.b is OmegaConf's a[0].b
        if raw == merging and okey and not full_key.startswith((okey + ".", okey + "[")) and full_key != okey:
            key = okey if okey.endswith("." + full_key) else _nested_key(okey, value, full_key)
    msg = _first_line(str(e))
    if isinstance(e, ConfigAttributeError | ConfigKeyError) and "not in" in msg:
        # an unknown key with more below it (foo.bar=1): name the whole key as written
        whole = [k for _, k, _ in parsed if k.lstrip("+~").startswith((key + ".", key + "["))]
        return _unknown(key, whole[0].lstrip("+~") if whole else key)
    patterns: list[tuple[str, str]] = [
        (r"Value '(.*)' of type '\w+' could not be converted to Integer", "must be an integer, got '{0}'"),
        (r"Value '(.*)' of type '\w+' could not be converted to Float", "must be a number, got '{0}'"),
        (r"Value '(.*)' is not a valid bool", "must be true or false, got '{0}'"),
        (r"Cannot convert '(\w+)' to string", "must be a single string, got a {0}"),
        (r"Invalid value assigned: \w+ is not a ListConfig", "must be a list such as [a,b], got {given}"),
        (r"field '.*' is not Optional", "must not be null"),
        (r".* does not support deletion", "cannot be deleted"),
        (r"Invalid type assigned: (\w+) is not a subclass of (\w+)", "cannot be a {0} here ({1} expected)"),
        (r"Cannot (?:change|set value of) read-only config", "is read-only and cannot be set here"),
    ]
    given = next((raw.split("=", 1)[1] for raw, k, _ in parsed if k == key and "=" in raw), "a single value")
    enum = re.match(r"Invalid value '(.*)', expected one of \[(.*)\]", msg)  # a choice field (choices.py)
    if enum:
        return _one_line(key, f"must be one of {'|'.join(enum[2].split(', '))}, got '{enum[1]}'")
    wrong = re.match(r"Value .* \((\w+)\) is not a valid input for <enum '(\w+)'>", msg)
    if wrong and isinstance(getattr(choices, wrong[2], None), type):
        allowed = "|".join(values(getattr(choices, wrong[2])))
        return _one_line(key, f"must be a single string, one of {allowed}, got a {wrong[1]}")
    for pattern, problem in patterns:
        m = re.match(pattern, msg)
        if m:
            return _one_line(key, problem.format(*m.groups(), given=given))
    return _one_line(key, msg or type(e).__name__)


def _nested_key(okey: str, value: Any, full_key: str) -> str:
    """Key of an error inside a list override's element, e.g. scenario.surges[1].start_day."""
    head = re.split(r"[.\[]", full_key, maxsplit=1)[0]
    if isinstance(value, list):
        for i, item in enumerate(value):
            if isinstance(item, Mapping) and head in item:
                return f"{okey}[{i}].{full_key}"
    return f"{okey}.{full_key}"


def _missing_preset(e: MissingConfigException) -> ConfigError:
    group, _, name = (e.missing_cfg_file or "").rpartition("/")
    if not group:
        return _one_line("config", _first_line(str(e)))
    options = list(e.options or [])
    available = f"available: {', '.join(options)}" if options else f"sim/configs/{group}/ has no presets"
    what = f"unknown preset {name!r}" if name else "no preset named"
    return _one_line(group.replace("/", "."), f"{what}; {available}")


def _malformed(override: str, message: str) -> ConfigError:
    key = override.split("=", 1)[0].lstrip("+~").strip() or override
    if "=" not in override and not override.startswith("~"):
        return _one_line(key, f"malformed override {override!r}: expected key=value")
    return _one_line(key, f"malformed override {override!r}: {_first_line(message)}")


def _frozen_key(e: BaseException, parsed: list[tuple[str, str, Any]]) -> str:
    m = re.search(r"field '([^']*)'", str(e))
    field = m[1] if m else ""
    return next((k for _, k, _ in parsed if k == field or k.endswith("." + field)), field or "config")


def _unknown(key: str, whole: str | None = None) -> ConfigError:
    """``key`` is unknown; the message names ``whole``, the key as written (``key`` or a key below it)."""
    parent, _, name = key.rpartition(".")
    known = _known_keys(parent)
    close = difflib.get_close_matches(name, known, n=1)
    shown = whole or key
    what = "unknown key" if shown == key else f"unknown key ({key} does not exist)"
    if close:
        return _one_line(shown, f"{what} (did you mean {'.'.join(filter(None, [parent, close[0]]))}?)")
    if known and len(known) <= 12:
        return _one_line(shown, f"{what}; known keys here: {', '.join(known)}")
    return _one_line(shown, what)


def _known_keys(parent: str) -> list[str]:
    try:
        node: Any = OmegaConf.structured(Config)
        if parent:
            node = OmegaConf.select(node, parent)
        return [str(k) for k in node.keys()] if isinstance(node, DictConfig) else []
    except Exception:  # the parent is itself unknown (hydra.*, a typo higher up)
        return []
