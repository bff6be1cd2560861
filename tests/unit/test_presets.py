"""The user presets directory and the ``calibrated`` slot; ``gridsim calibrate|serve`` dispatch."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from sim import cli
from sim.errors import ConfigError
from sim.scenario.build import load_config
from sim.scenario.compose import PRESETS_DIR_ENV, config_dir, presets_dir, presets_searchpath

PRESET = """# @package _global_
territory:
  name: mytown
  townships_per_county: 2
staffing:
  fulltime_per_grid: 3
"""


def _write_preset(root: Path, name: str = "mytown") -> Path:
    (root / "calibrated").mkdir(parents=True, exist_ok=True)
    path = root / "calibrated" / f"{name}.yaml"
    path.write_text(PRESET, encoding="utf-8")
    return path


def test_configs_are_inside_the_package() -> None:
    assert (config_dir() / "config.yaml").is_file()
    assert config_dir().parent.name == "sim"


def test_calibrated_preset_from_the_presets_env_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write_preset(tmp_path / "mine")
    monkeypatch.setenv(PRESETS_DIR_ENV, str(tmp_path / "mine"))
    monkeypatch.chdir(tmp_path)
    cfg = load_config(["territory=township", "calibrated=mytown"])
    assert (cfg.territory.name, cfg.territory.townships_per_county, cfg.staffing.fulltime_per_grid) == ("mytown", 2, 3)
    plain = load_config(["territory=township"])  # the slot is empty unless chosen
    assert (plain.territory.name, plain.staffing.fulltime_per_grid) == ("township", 1)


def test_calibrated_preset_wins_over_the_groups_before_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write_preset(tmp_path / "presets")
    monkeypatch.delenv(PRESETS_DIR_ENV, raising=False)
    monkeypatch.chdir(tmp_path)  # ./presets is the default
    assert presets_dir() == (tmp_path / "presets").resolve()
    cfg = load_config(["calibrated=mytown", "territory=township"])  # order on the line does not matter
    assert cfg.territory.name == "mytown" and cfg.staffing.fulltime_per_grid == 3
    # a command-line value still wins over the preset's
    assert load_config(["calibrated=mytown", "staffing.fulltime_per_grid=2"]).staffing.fulltime_per_grid == 2


def test_missing_presets_dir_is_not_on_the_search_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PRESETS_DIR_ENV, str(tmp_path / "absent"))
    assert presets_searchpath() == []
    with pytest.raises(ConfigError) as info:
        load_config(["calibrated=mytown"])
    assert info.value.key == "calibrated"
    assert "unknown preset 'mytown'" in info.value.problem and "absent" in info.value.problem


def test_unknown_calibrated_preset_lists_the_available(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write_preset(tmp_path, "alpha")
    monkeypatch.setenv(PRESETS_DIR_ENV, str(tmp_path))
    with pytest.raises(ConfigError) as info:
        load_config(["calibrated=beta"])
    assert str(info.value) == "calibrated: unknown preset 'beta'; available: alpha"


@pytest.mark.parametrize(("name", "module"), sorted(cli.SUBCOMMANDS.items()))
def test_subcommand_is_dispatched_before_hydra(name: str, module: str, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[list[str]] = []
    fake = type(sys)(module)
    fake.main = lambda args: seen.append(list(args)) or 7  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, module, fake)
    assert cli.main([name, "--x", "a=b"]) == 7
    assert seen == [["--x", "a=b"]]


@pytest.mark.parametrize(("name", "module"), sorted(cli.SUBCOMMANDS.items()))
def test_missing_subcommand_module_is_one_line_exit_2(name: str, module: str, tmp_path: Path) -> None:
    try:
        __import__(module)
    except ModuleNotFoundError:
        pass
    else:
        pytest.skip(f"{module} exists in this tree")
    p = subprocess.run([sys.executable, "-m", "sim.cli", name, "x"], cwd=tmp_path, capture_output=True,
                       text=True, timeout=120)
    assert p.returncode == 2
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"gridsim: error: {name}: "), p.stderr
