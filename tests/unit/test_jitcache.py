"""Numba's cache directory is keyed on the sources the compiled code depends on."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from sim.util import jitcache

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture()
def package_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    copy = tmp_path / "sim"
    shutil.copytree(jitcache.PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "*.yaml", "fonts"))
    monkeypatch.setattr(jitcache, "PACKAGE", copy)
    jitcache.source_hash.cache_clear()
    yield copy
    jitcache.source_hash.cache_clear()


def test_compiled_sources_are_the_numba_modules_and_what_they_import(package_copy: Path) -> None:
    names = {str(p.relative_to(package_copy)) for p in jitcache.compiled_sources()}
    assert {"engines/vector/kernel.py", "engines/vector/heaps.py", "rules/calendar.py"} <= names
    assert "scenario/constants.py" in names  # its constants are globals frozen into compiled code
    assert "entry/cli.py" not in names and "report/charts.py" not in names


def test_an_edit_to_a_compiled_dependency_changes_the_directory(package_copy: Path) -> None:
    before = jitcache.cache_dir()
    heaps = package_copy / "engines" / "vector" / "heaps.py"
    heaps.write_text(heaps.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    jitcache.source_hash.cache_clear()
    after = jitcache.cache_dir()
    assert after != before and after.parent == before.parent and after.name.startswith("numba-")

    cli = package_copy / "entry" / "cli.py"  # not compiled: same directory
    cli.write_text(cli.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    jitcache.source_hash.cache_clear()
    assert jitcache.cache_dir() == after


def test_numba_uses_the_directory_under_the_cache_root(tmp_path: Path) -> None:
    env = {**os.environ, "GRIDSIM_CACHE_DIR": str(tmp_path / "cache"), "PYTHONPATH": str(ROOT)}
    env.pop("NUMBA_CACHE_DIR", None)
    code = ("import sim, numba.core.config as c, os, sim.util.jitcache as j; "
            "print(c.CACHE_DIR); print(j.cache_dir()); print(os.environ['NUMBA_CACHE_DIR'])")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env)
    assert p.returncode == 0, p.stderr
    numba_dir, ours, env_dir = p.stdout.split()
    assert numba_dir == ours == env_dir
    assert Path(ours).parent == tmp_path / "cache" and Path(ours).name.startswith("numba-")


def test_directories_of_other_sources_unused_for_a_month_are_deleted(tmp_path: Path) -> None:
    import time

    keep, recent, old = (tmp_path / f"numba-{k}" for k in ("current", "recent", "old"))
    for d in (keep, recent, old):
        d.mkdir()
        (d / "kernel.nbi").write_bytes(b"x")
    now = time.time()
    os.utime(keep, (now - 90 * 86400, now - 90 * 86400))  # unused long, but the one in use now
    os.utime(recent, (now - 2 * 86400, now - 2 * 86400))
    os.utime(old, (now - 40 * 86400, now - 40 * 86400))
    assert jitcache.prune(keep) == [old]
    assert keep.is_dir() and recent.is_dir() and not old.exists()
    assert keep.stat().st_mtime > now - 60  # touched: another version's start will not delete it
