"""Each routing, escalation, deadline and outcome rule at its thresholds (sim/rules/routing.py, outcome.py).

Every check is a plain function of the rule under test, run here on the compiled rule and
on its Python twin (``py_func``, what a mutation sees); ``test_a_mutated_threshold_is_caught``
rewrites each threshold of a copy of the module (``>=`` to ``>``, ``>`` to ``>=``, ``<`` to
``<=``) and asserts that the check of that rule then fails, so that a wrong comparison is
caught here and not only, or not at all, by the golden KPIs.
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest

from sim.rules import outcome, routing
from sim.rules.calendar import build_calendars
from sim.runs.config import load_config
from sim.scenario.constants import COUNTY, GRID, TOWNSHIP, VILLAGE
from sim.scenario.schema import Config

CFG: Config = load_config(["territory=township"])
CAT = routing.Catalog(CFG)
NAMES = list(CFG.catalog.categories)
#: a category every level may take (four True), and one the grid may not
EVERYWHERE = np.ones((1, 4), bool)
NOT_AT_GRID = np.array([[False, True, True, True]])
NOT_BELOW_COUNTY = np.array([[False, False, False, True]])


def _general_category() -> int:
    return next(k for k in range(CAT.n) if CAT.is_general[k])


def _other_category() -> int:
    return next(k for k in range(CAT.n) if not CAT.is_general[k])


# ------------------------------------------------------------------ the checks (rule -> assertions)
def check_fast_track(next_level: Callable[..., int]) -> None:
    """The grid instructor sends a matter of township severity (2) or harder straight to the township."""
    assert next_level(EVERYWHERE, 0, GRID, TOWNSHIP, True) == TOWNSHIP  # at the threshold: fast-tracked
    assert next_level(EVERYWHERE, 0, GRID, COUNTY, True) == TOWNSHIP
    assert next_level(EVERYWHERE, 0, GRID, VILLAGE, True) == VILLAGE  # below it: the next level
    assert next_level(EVERYWHERE, 0, GRID, TOWNSHIP, False) == VILLAGE  # no instructor, no fast track
    assert next_level(EVERYWHERE, 0, VILLAGE, COUNTY, True) == TOWNSHIP  # only from the grid


def check_next_level_skips_levels_without_authority(next_level: Callable[..., int]) -> None:
    assert next_level(NOT_AT_GRID, 0, GRID, 0, False) == VILLAGE
    assert next_level(NOT_BELOW_COUNTY, 0, GRID, 0, False) == COUNTY
    assert next_level(NOT_BELOW_COUNTY, 0, GRID, TOWNSHIP, True) == COUNTY  # the fast track skips too
    assert next_level(EVERYWHERE, 0, TOWNSHIP, 0, False) == COUNTY
    assert next_level(EVERYWHERE, 0, COUNTY, 0, False) == COUNTY  # nothing above the county


def check_unified_target(target_level: Callable[..., int], entry_level: Callable[..., int]) -> None:
    """一体派单: the lowest level at or above the severity that may take the category."""
    for sev in (GRID, VILLAGE, TOWNSHIP, COUNTY):
        assert target_level(EVERYWHERE, 0, sev) == sev
    assert target_level(NOT_AT_GRID, 0, GRID) == VILLAGE
    assert target_level(NOT_BELOW_COUNTY, 0, VILLAGE) == COUNTY
    assert entry_level(EVERYWHERE, 0) == GRID and entry_level(NOT_AT_GRID, 0) == VILLAGE


def check_attempt(attempt: Callable[..., tuple[bool, float]]) -> None:
    """Without authority (severity above the level, below the top) a station assesses and escalates;
    with it, it settles unless the attempt fails (u < fail_prob), and never fails at the top."""
    top, share = COUNTY, 0.25
    assert attempt(top, VILLAGE, TOWNSHIP, 0.9, 0.1, share) == (False, share)  # one above: no authority
    assert attempt(top, VILLAGE, VILLAGE, 0.9, 0.1, share) == (True, 1.0)  # severity == level: authority
    assert attempt(top, VILLAGE, VILLAGE, 0.1, 0.1, share) == (True, 1.0)  # u == fail_prob: settles
    assert attempt(top, VILLAGE, VILLAGE, 0.0999, 0.1, share) == (False, 1.0)  # u below it: fails
    assert attempt(VILLAGE, VILLAGE, COUNTY, 0.0, 0.1, share) == (True, 1.0)  # at the top: always settles
    assert attempt(TOWNSHIP, VILLAGE, COUNTY, 0.9, 0.1, share) == (False, share)  # below the top: escalates


def check_complex_deadline(deadline_days: Callable[..., np.ndarray]) -> None:
    """A general matter from severity ``complex_from_severity`` on is complex: it gets the complex days."""
    dl = CFG.catalog.deadlines
    k_gen, k_other = _general_category(), _other_category()
    sev = np.array([dl.complex_from_severity - 1, dl.complex_from_severity, dl.complex_from_severity + 1])
    got = deadline_days(CAT, CFG, np.full(3, k_gen), sev)
    assert got.tolist() == [CAT.family_days[k_gen], dl.complex, dl.complex]
    other = deadline_days(CAT, CFG, np.full(3, k_other), sev)
    assert other.tolist() == [CAT.family_days[k_other]] * 3  # only general matters become complex


def check_reopen_and_petition(reopens: Callable[..., bool], petitions: Callable[..., bool]) -> None:
    assert reopens(False, 0, 1, 0.2, 0.3) and not reopens(False, 1, 1, 0.2, 0.3)  # up to max_reopens
    assert not reopens(False, 0, 1, 0.3, 0.3)  # u == prob: no
    assert not reopens(True, 0, 1, 0.0, 1.0)  # satisfied residents do not
    patience = 30.0
    assert not petitions(False, patience * 24.0, patience, 0.0, 1.0)  # exactly the patience: not outlasted
    assert petitions(False, patience * 24.0 + 0.01, patience, 0.0, 1.0)
    assert not petitions(False, patience * 24.0 + 1, patience, 0.5, 0.5)  # u == prob: no
    assert not petitions(True, 1e9, patience, 0.0, 1.0)


def _checks(rt: Any, oc: Any, plain: bool) -> dict[str, Callable[[], None]]:
    """Each check bound to the rules of modules ``rt`` (routing) and ``oc`` (outcome); ``plain``: Python twins."""
    def f(fn: Any) -> Any:
        return fn.py_func if plain and hasattr(fn, "py_func") else fn

    return {
        "fast_track": lambda: check_fast_track(f(rt.next_level)),
        "next_level": lambda: check_next_level_skips_levels_without_authority(f(rt.next_level)),
        "unified": lambda: check_unified_target(f(rt.target_level), _entry(rt, f)),
        "attempt": lambda: check_attempt(f(rt.attempt)),
        "complex_deadline": lambda: check_complex_deadline(rt.deadline_days),
        "outcome": lambda: check_reopen_and_petition(f(oc.reopens), f(oc.petitions)),
    }


def _entry(rt: Any, f: Callable[[Any], Any]) -> Callable[..., int]:
    """``entry_level``; as Python, on the Python twin of the ``target_level`` it calls."""
    if f(rt.entry_level) is rt.entry_level:
        return rt.entry_level
    return lambda handled, category: f(rt.target_level)(handled, category, rt._GRID)


@pytest.mark.parametrize("plain", [False, True], ids=["compiled", "python"])
@pytest.mark.parametrize("rule", sorted(_checks(routing, outcome, False)))
def test_rule_at_its_thresholds(rule: str, plain: bool) -> None:
    _checks(routing, outcome, plain)[rule]()


def test_the_compiled_deadline_agrees_with_deadline_days() -> None:
    """``deadline`` (the kernel both engines use) gives intake + ``deadline_days`` (calendar days here)."""
    cfg = load_config(["territory=township", "catalog.deadlines.working_days=false"])
    cal = build_calendars(cfg.calendar, cfg.run.horizon_days)[cfg.calendar.deadline_shift]
    dl = cfg.catalog.deadlines
    cats = np.array([_general_category()] * 3 + [_other_category()] * 3, np.int64)
    sev = np.tile(np.array([dl.complex_from_severity - 1, dl.complex_from_severity, 3], np.int64), 2)
    t = np.linspace(10.0, 60.0, 6)
    got = routing.deadline(CAT, cfg, cal, t, cats, sev)
    np.testing.assert_allclose(got, t + routing.deadline_days(CAT, cfg, cats, sev) * 24.0)


# ------------------------------------------------------------------ mutations of a copy
SRC = {"routing": Path(routing.__file__), "outcome": Path(outcome.__file__)}
#: (module, the exact text of the threshold, its mutation, the check that must catch it)
MUTATIONS = [
    ("routing", "fast_track and level == GRID and severity >= TOWNSHIP",
     "fast_track and level == GRID and severity > TOWNSHIP", "fast_track"),
    ("routing", "(severity >= cfg.catalog.deadlines.complex_from_severity)",
     "(severity > cfg.catalog.deadlines.complex_from_severity)", "complex_deadline"),
    ("routing", "if severity > level and level < top:", "if severity >= level and level < top:", "attempt"),
    ("routing", "if level >= top:", "if level > top:", "attempt"),
    ("routing", "return u_fail >= fail_prob, 1.0", "return u_fail > fail_prob, 1.0", "attempt"),
    ("routing", "while nxt < 3 and not handled[category, nxt]:", "while nxt < 2 and not handled[category, nxt]:",
     "next_level"),
    ("routing", "while lv < 3 and not handled[category, lv]:", "while lv < 2 and not handled[category, lv]:",
     "unified"),
    ("outcome", "reopened < max_reopens", "reopened <= max_reopens", "outcome"),
    ("outcome", "total_hours > patience_days * 24.0", "total_hours >= patience_days * 24.0", "outcome"),
    ("outcome", "u_petition < petition_prob", "u_petition <= petition_prob", "outcome"),
]


def _mutated(name: str, old: str, new: str, tmp: Path) -> ModuleType:
    """A copy of ``sim.rules.<name>`` with ``old`` replaced by ``new``, loaded as plain Python (no numba)."""
    text = SRC[name].read_text(encoding="utf-8")
    assert text.count(old) == 1, f"the threshold {old!r} is no longer in sim/rules/{name}.py: update MUTATIONS"
    text = re.sub(r"^@njit\(.*\)$", "", text.replace(old, new), flags=re.M)
    path = tmp / f"mutated_{name}.py"
    path.write_text(text, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(f"mutated_{name}", path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_the_unmutated_copy_passes(tmp_path: Path) -> None:
    rt = _mutated("routing", "nxt = level + 1", "nxt = level + 1", tmp_path)  # a copy, changed in nothing
    oc = _mutated("outcome", "def wrong_module", "def wrong_module", tmp_path)
    for check in _checks(rt, oc, plain=False).values():
        check()


@pytest.mark.parametrize("name,old,new,rule", MUTATIONS, ids=[f"{m[3]}:{m[2]}" for m in MUTATIONS])
def test_a_mutated_threshold_is_caught(tmp_path: Path, name: str, old: str, new: str, rule: str) -> None:
    mutant = _mutated(name, old, new, tmp_path)
    rt, oc = (mutant, outcome) if name == "routing" else (routing, mutant)
    with pytest.raises(AssertionError):
        _checks(rt, oc, plain=True)[rule]()
