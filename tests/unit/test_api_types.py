"""The Python API takes what a user writes (issue 18, item 10): overrides as a list or as one command-line
string; any argument of the wrong type is a one-line ConfigError naming it, never an internal error."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

import sim
from sim.runs.api import run_config
from sim.runs.cached import run_cached
from sim.util.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]
CHECK = "territory=township run.simulate=false"


def test_one_string_is_read_as_a_command_line(tmp_path: Path) -> None:
    res = sim.run(f"{CHECK} 'scenario.name=two words' run.results_dir={tmp_path}", write=False)
    assert res.cfg.territory.name == "township" and res.cfg.scenario.name == "two words"


def test_a_single_override_string_is_one_override(tmp_path: Path) -> None:
    res = sim.run("run.simulate=false", write=False)
    assert res.cfg.run.simulate is False and not res.runs  # not split into characters ('r', 'u', ...)
    cached, hit = run_cached(f"{CHECK} run.results_dir={tmp_path}")
    assert not hit and cached.cfg.territory.name == "township"


@pytest.mark.parametrize(("call", "key", "fragment"), [
    (lambda: sim.run(5), "overrides", "must be a list of strings"),  # type: ignore[arg-type]
    (lambda: sim.run({"territory": "township"}), "overrides", "got dict"),  # type: ignore[arg-type]
    (lambda: sim.run(["territory=township", 3]), "overrides[1]", "must be a string"),  # type: ignore[list-item]
    (lambda: sim.run("territory='township"), "overrides", "cannot be read as overrides"),
    (lambda: sim.run([CHECK], write="yes"), "write", "must be True or False"),
    (lambda: sim.run([CHECK], echo="loud"), "echo", "must be a function"),
    (lambda: sim.run([CHECK], check_dir=1), "check_dir", "must be True, False or None"),
    (lambda: run_config("territory=township"), "cfg", "must be a sim.scenario.schema.Config"),  # type: ignore[arg-type]
    (lambda: run_cached(7), "overrides", "must be a list of strings"),  # type: ignore[arg-type]
])
def test_a_wrong_type_is_one_line_naming_the_argument(call: Any, key: str, fragment: str) -> None:
    with pytest.raises(ConfigError) as info:
        call()
    assert info.value.key == key and fragment in str(info.value) and "\n" not in str(info.value)


def test_the_readme_names_only_python_names_that_exist() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "sim.metrics.littles_law" not in text
    import importlib

    for dotted in sorted(set(re.findall(r"`(sim\.metrics\.[a-z_.]+)\(", text))):
        module, _, name = dotted.rpartition(".")
        assert hasattr(importlib.import_module(module), name), dotted
