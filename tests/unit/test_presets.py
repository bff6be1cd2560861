"""The user presets directory and the ``calibrated`` slot; ``gridsim calibrate|serve`` dispatch."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.entry import cli
from sim.runs.config import load_config
from sim.scenario.compose import PRESETS_DIR_ENV, config_dir, presets_dir, presets_searchpath
from sim.util.errors import ConfigError

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


def test_missing_subcommand_module_is_one_line_exit_2(monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    # an installation without a subcommand's module (a trimmed build): named, one line, exit 2
    monkeypatch.setitem(cli.SUBCOMMANDS, "report", "sim.no_such_subcommand")
    assert cli.main(["report", "x"]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("gridsim: error: report: "), lines


def test_gridsim_config_dir_replaces_the_packaged_configs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    from sim.scenario.compose import CONFIG_DIR_ENV

    copy = tmp_path / "configs"
    shutil.copytree(config_dir(), copy, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    township = copy / "territory" / "township.yaml"
    township.write_text(township.read_text(encoding="utf-8").replace("name: township", "name: edited"),
                        encoding="utf-8")
    monkeypatch.setenv(CONFIG_DIR_ENV, str(copy))
    assert config_dir() == copy.resolve()
    assert load_config(["territory=township"]).territory.name == "edited"
    monkeypatch.delenv(CONFIG_DIR_ENV)
    assert load_config(["territory=township"]).territory.name == "township"
