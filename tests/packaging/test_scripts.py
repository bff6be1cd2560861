"""The two commands of the README stand alone: ``scripts/test.sh`` and ``scripts/run.sh`` on a fresh checkout.

Each script runs on a copy of itself in an empty directory, with a PATH of stubs only: no
chromium, an ``apt-get`` and a ``python3.12`` that record how they were called (the stub
interpreter's ``-m venv`` makes a ``.venv`` whose ``pip``, ``pytest`` and ``gridsim``
record their calls too). Nothing is installed and nothing leaves the machine.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BASH = shutil.which("bash") or "/bin/bash"

RECORDER = """#!{bash}
echo "$(basename "$0") $*" >> "{log}"
"""
# the stub interpreter: "-m venv DIR" makes DIR/bin with recording pip, pytest, gridsim and python
PYTHON = """#!{bash}
echo "python3.12 $*" >> "{log}"
if [[ "$1 $2" == "-m venv" ]]; then
    mkdir -p "$3/bin"
    for tool in pip pytest gridsim python; do
        printf '#!{bash}\\necho "venv/%s $*" >> "{log}"\\n' "$tool" > "$3/bin/$tool"
        chmod +x "$3/bin/$tool"
    done
fi
"""


def _stub(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


def _checkout(tmp_path: Path) -> tuple[Path, Path, dict[str, str]]:
    """A checkout with only the scripts, a stub PATH, and the log the stubs write to."""
    repo, stubs, log = tmp_path / "repo", tmp_path / "bin", tmp_path / "calls.log"
    (repo / "scripts").mkdir(parents=True)
    stubs.mkdir()
    for name in ("test.sh", "run.sh"):
        shutil.copy(ROOT / "scripts" / name, repo / "scripts" / name)
    _stub(stubs / "apt-get", RECORDER.format(bash=BASH, log=log))
    _stub(stubs / "sudo", f'#!{BASH}\necho "sudo $*" >> "{log}"\n"$@"\n')
    _stub(stubs / "python3.12", PYTHON.format(bash=BASH, log=log))
    for tool in ("basename", "mkdir", "chmod"):  # what the stubs themselves use
        (stubs / tool).symlink_to(shutil.which(tool) or f"/usr/bin/{tool}")
    env = {"PATH": str(stubs), "HOME": str(tmp_path)}
    assert shutil.which("chromium", path=env["PATH"]) is None
    return repo, log, env


def _run(script: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([BASH, str(script), *args], env=env, capture_output=True, text=True, timeout=60,
                          cwd=script.parent.parent.parent)


@pytest.mark.skipif(os.geteuid() != 0, reason="the root branch; sudo is the other")
def test_the_test_command_installs_chromium_makes_the_venv_and_runs_pytest(tmp_path: Path) -> None:
    repo, log, env = _checkout(tmp_path)
    out = _run(repo / "scripts" / "test.sh", env, "tests/unit", "-x")
    assert out.returncode == 0, out.stderr
    assert [ln.rstrip() for ln in log.read_text().splitlines()] == [
        "apt-get update", "apt-get install -y chromium",
        "python3.12 -m venv .venv",
        "venv/pip install -e .[test]",
        "venv/pytest -n 2 --dist loadfile tests/unit -x",
    ]


def test_the_test_command_reuses_a_venv_and_chromium(tmp_path: Path) -> None:
    repo, log, env = _checkout(tmp_path)
    _run(repo / "scripts" / "test.sh", env)
    log.unlink()
    _stub(Path(env["PATH"]) / "chromium", f"#!{BASH}\n")  # now present
    out = _run(repo / "scripts" / "test.sh", env)
    assert out.returncode == 0, out.stderr
    assert [ln.rstrip() for ln in log.read_text().splitlines()] == ["venv/pip install -e .[test]",
                                                                              "venv/pytest -n 2 --dist loadfile"]


def test_the_run_command_makes_the_venv_and_runs_gridsim(tmp_path: Path) -> None:
    repo, log, env = _checkout(tmp_path)
    out = _run(repo / "scripts" / "run.sh", env, "territory=township")
    assert out.returncode == 0, out.stderr
    assert [ln.rstrip() for ln in log.read_text().splitlines()] == [
        "python3.12 -m venv .venv", "venv/pip install -q -e .", "venv/gridsim territory=township",
    ]
    assert not any("apt-get" in line for line in log.read_text().splitlines())
    # a later call starts gridsim at once: no second install until pyproject.toml changes
    log.unlink()
    assert _run(repo / "scripts" / "run.sh", env).returncode == 0
    assert [ln.rstrip() for ln in log.read_text().splitlines()] == ["venv/gridsim"]
    (repo / "pyproject.toml").write_text("# changed\n", encoding="utf-8")
    log.unlink()
    assert _run(repo / "scripts" / "run.sh", env).returncode == 0
    assert [ln.rstrip() for ln in log.read_text().splitlines()] == ["venv/pip install -q -e .", "venv/gridsim"]


def test_a_missing_interpreter_is_one_line_and_exit_2(tmp_path: Path) -> None:
    repo, _log, env = _checkout(tmp_path)
    (Path(env["PATH"]) / "python3.12").unlink()
    out = _run(repo / "scripts" / "run.sh", env)
    assert out.returncode == 2
    assert out.stderr.strip() == "scripts/run.sh: python3.12 is missing: install Python 3.12 (or set PYTHON to one)"
