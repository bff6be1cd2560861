"""The closed choice sets of the config, as enums that OmegaConf enforces while composing.

A value outside the set stops composition (``dispatch.rule=random`` -> "dispatch.rule:
must be one of fcfs, severity, edf, least_loaded, skill, nearest, got 'random'"), before
any semantic check. Each is a ``StrEnum`` whose member names are their values, so
``rule == "edf"``, ``DISPATCH_RULES.index(rule)``, dict lookups and JSON see plain
strings; OmegaConf takes a member by its name, which is therefore the value itself.
Order is part of the record contract where an index is stored (``constants.py``).
Open sets (modules, departments, categories, shifts) are config data, not enums.
"""

from __future__ import annotations

from enum import StrEnum


class DispatchRule(StrEnum):
    """Queue order and handler choice (MODEL.md section 4, step 4)."""

    fcfs = "fcfs"
    severity = "severity"
    edf = "edf"
    least_loaded = "least_loaded"
    skill = "skill"
    nearest = "nearest"


class DispatchMode(StrEnum):
    """level: grid -> village -> township -> county, each deciding; unified: 一体派单."""

    level = "level"
    unified = "unified"


class EngineName(StrEnum):
    agent = "agent"
    vector = "vector"
    auto = "auto"


class Backend(StrEnum):
    """Where a run executes: in this process (threads), or county blocks streamed through Ray."""

    threads = "threads"
    ray = "ray"


class Lang(StrEnum):
    """Language of chart labels and briefings."""

    en = "en"
    zh = "zh"


class DeadlineFamily(StrEnum):
    """Deadline families (13710 and 12345 rules; ``catalog.deadlines``)."""

    general = "general"
    complex = "complex"
    emergency = "emergency"
    help = "help"
    complaint = "complaint"


class Level(StrEnum):
    """Levels of the system that handle matters; a level's index is its number in the records."""

    grid = "grid"
    village = "village"
    township = "township"
    county = "county"


def values(choice: type[StrEnum]) -> tuple[str, ...]:
    """The allowed values, in order, as plain strings."""
    return tuple(str(m.value) for m in choice)
