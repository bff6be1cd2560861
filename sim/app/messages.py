"""A ``ConfigError`` as the page shows it: the CLI's own line in English, a Chinese sentence in 中文.

The command line stays English (``sim.util.errors``); the page reads each error's ``key`` and
``problem`` and renders the problem by its kind: ``TEMPLATES`` holds, for every wording the
checks use (``sim.scenario.checks``, ``sim.scenario.bounds``, the page's own ranges), a
pattern of the English problem and its Chinese template, the values carried over as they
were written. A key the page has a field for is named by that field; a problem of a kind
without a template keeps its English detail after a Chinese lead, so nothing is lost.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from sim.util.errors import ConfigError

__all__ = ["TEMPLATES", "error_message", "line_message", "page_message", "problem_zh"]

#: (pattern of the English problem, its Chinese template): the first that matches the whole problem is used
TEMPLATES: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(p), z) for p, z in (
    (r"must be from (?P<lo>\S+) to (?P<hi>\S+), got (?P<v>.+)", "须在 {lo} 至 {hi} 之间，当前为 {v}"),
    (r"must be a whole number from (?P<lo>\S+) to (?P<hi>\S+), got (?P<v>.+)",
     "须为 {lo} 至 {hi} 之间的整数，当前为 {v}"),
    (r"must be a whole number >= (?P<lo>\S+), got (?P<v>.+)", "须为不小于 {lo} 的整数，当前为 {v}"),
    (r"must be a whole number, got (?P<v>.+)", "须为整数，当前为 {v}"),
    (r"must be at most (?P<hi>\S+) \((?P<what>.+)\), got (?P<v>.+)", "不得超过 {hi}，当前为 {v}"),
    (r"must be at least (?P<lo>[^\s:,]+).*", "须不小于 {lo}"),
    (r"must be a positive number, got (?P<v>.+)", "须为正数，当前为 {v}"),
    (r"must be a number >= 0, got (?P<v>.+)", "须为不小于 0 的数，当前为 {v}"),
    (r"must be a probability in [\[(]0, 1[\])], got (?P<v>.+)", "须为 0 至 1 之间的比例，当前为 {v}"),
    (r"must be a finite number, got (?P<v>.+)", "须为有限数值，当前为 {v}"),
    (r"must be one of (?P<allowed>\S+), got (?P<v>.+)", "须为以下之一：{allowed}，当前为 {v}"),
    (r"must have (?P<n>\d+) values, got (?P<m>\d+).*", "须有 {n} 个值，当前为 {m} 个"),
    (r"must have a positive sum.*", "各项之和须为正数"),
    (r"must be a list, got (?P<v>.+)", "须为列表，当前为 {v}"),
    (r"must be a non-empty string, got (?P<v>.+)", "须为非空文字，当前为 {v}"),
    (r"must be a number of days (?:>=|≥) 0 and below run\.horizon_days \((?P<h>[^)]+)\), got (?P<v>.+)",
     "须为不小于 0 且小于仿真天数（{h}）的天数，当前为 {v}"),
    (r"must be > 0, got (?P<v>[^:]+): the horizon is empty", "须大于 0，当前为 {v}"),
    (r"must be an integer, got '(?P<v>.*)'", "须为整数，当前为 {v}"),
    (r"must be a number, got '(?P<v>.*)'", "须为数字，当前为 {v}"),
    (r"must be true or false, got '(?P<v>.*)'", "须为是或否，当前为 {v}"),
))
#: the lead of a problem no template matches (its English detail follows)
UNMATCHED_ZH = "取值无效"


def problem_zh(problem: str) -> str:
    """The problem in Chinese: its template filled with the values it names, else the lead and the English."""
    for pattern, template in TEMPLATES:
        found = pattern.fullmatch(problem.strip())
        if found is not None:
            return template.format(**found.groupdict())
    return f"{UNMATCHED_ZH}（{problem}）"


def page_message(key: str, problem: str, lang: str, name_of: Callable[[str], str | None] = lambda _k: None) -> str:
    """One line for the page: ``key: problem`` (the CLI's words) in English; in Chinese the field's
    name (``name_of(key)``, else the key) and the problem in Chinese."""
    if lang != "zh":
        return f"{key}: {problem}"
    return f"{name_of(key) or key}：{problem_zh(problem)}"


def error_message(exc: ConfigError, lang: str, name_of: Callable[[str], str | None] = lambda _k: None) -> str:
    """``page_message`` of a ``ConfigError`` (its English is ``str(exc)``, as the CLI prints it)."""
    return str(exc) if lang != "zh" else page_message(exc.key, exc.problem, lang, name_of)


def line_message(line: str, lang: str, name_of: Callable[[str], str | None] = lambda _k: None) -> str:
    """``page_message`` of a ``key: problem`` line (the page's own range checks write them as the CLI would)."""
    key, sep, problem = line.partition(": ")
    return page_message(key, problem, lang, name_of) if sep and lang == "zh" else line
