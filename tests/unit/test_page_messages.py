"""Validation messages on the page: the CLI's English line in English, a Chinese sentence in 中文."""

from __future__ import annotations

import pytest

from sim.app.messages import TEMPLATES, error_message, line_message, problem_zh
from sim.runs.config import load_config
from sim.util.errors import ConfigError


def _has_latin_words(text: str) -> bool:
    return any(w.isascii() and w.isalpha() and len(w) > 3 for w in text.replace("，", " ").split())


@pytest.mark.parametrize("problem", [
    "must be from 0 to 10,000, got 20,000",
    "must be a whole number from 1 to 10000, got 0",
    "must be a whole number >= 1, got -3",
    "must be at most 1,000,000 (people), got 2,000,000",
    "must be a positive number, got -1.0",
    "must be a number >= 0, got -2",
    "must be a probability in [0, 1], got 1.5",
    "must be a finite number, got nan",
    "must have 3 values, got 2: [0.5, 0.5]",
    "must be a number of days >= 0 and below run.horizon_days (365.0), got 400.0",
    "must be > 0, got 0: the horizon is empty",
    "must be an integer, got '12'",
    "must be a number, got '7'",
])
def test_each_kind_of_problem_reads_in_chinese_with_its_values(problem: str) -> None:
    zh = problem_zh(problem)
    assert not _has_latin_words(zh), zh
    assert "当前为" in zh or "须有" in zh
    numbers = [w for w in problem.replace(",", "").split() if w.replace(".", "").lstrip("-").isdigit()]
    assert all(n in zh.replace(",", "") for n in numbers[-1:]), (problem, zh)  # the value given is carried over


def test_a_real_validation_error_is_chinese_on_the_page_and_english_for_the_cli() -> None:
    with pytest.raises(ConfigError) as err:
        load_config(["territory=township", "run.replications=0"])
    exc = err.value
    assert error_message(exc, "en") == str(exc)  # the CLI's own line
    zh = error_message(exc, "zh", lambda k: "重复次数" if k == "run.replications" else None)
    assert zh.startswith("重复次数：") and not _has_latin_words(zh), zh


def test_a_problem_without_a_template_keeps_its_english_after_a_chinese_lead() -> None:
    assert problem_zh("a log cannot show the future") == "取值无效（a log cannot show the future）"
    assert line_message("x.y: something odd", "en") == "x.y: something odd"
    assert line_message("x.y: something odd", "zh").startswith("x.y：取值无效")


def test_every_template_names_only_the_values_its_pattern_captures() -> None:
    for pattern, template in TEMPLATES:
        fields = {f.split("}")[0] for f in template.split("{")[1:]}
        assert fields <= set(pattern.groupindex), (pattern.pattern, template)
