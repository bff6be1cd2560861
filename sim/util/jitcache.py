"""Numba's on-disk cache, keyed on gridsim's sources so that stale compiled code never loads.

Numba checks a cached function against its own file only: after an edit to a module it
calls or inlines (``heaps.py``, ``calendar.py``) or to a constant it reads as a global,
the old machine code would load. So ``configure()`` (run by ``import sim``, before numba
is imported) points ``NUMBA_CACHE_DIR`` at ``<cache root>/numba-<hash>``, the hash
covering every module that uses numba and every ``sim`` module those import, in turn.
Any edit there selects a fresh, empty directory; the same sources (another checkout, a
reinstall) find their compiled code again. The cache root is ``$GRIDSIM_CACHE_DIR``, else
``$XDG_CACHE_HOME/gridsim``, else ``~/.cache/gridsim``. Old ``numba-*`` directories are
left for the user to delete (each is a few tens of MB).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import sys
import time
from functools import cache
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]  # sim/, not sim/util/: every compiled source
_USES_NUMBA = re.compile(r"^\s*(?:import numba|from numba)", re.M)
_IMPORTS = re.compile(r"^\s*(?:from\s+(sim(?:\.\w+)*)\s+import\s+([\w, ()]+)|import\s+(sim(?:\.\w+)+))", re.M)


def cache_root() -> Path:
    env = os.environ.get("GRIDSIM_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg).expanduser() if xdg else Path.home() / ".cache") / "gridsim"


def _module_file(module: str) -> Path | None:
    rel = PACKAGE.parent.joinpath(*module.split("."))
    for candidate in (rel.with_suffix(".py"), rel / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def compiled_sources() -> list[Path]:
    """The modules whose text the compiled code depends on: numba users and their sim imports."""
    texts = {p: p.read_text(encoding="utf-8") for p in PACKAGE.rglob("*.py")}
    todo = [p for p, text in texts.items() if _USES_NUMBA.search(text)]
    seen: set[Path] = set(todo)
    while todo:
        text = texts.get(todo.pop()) or ""
        for m in _IMPORTS.finditer(text):
            names = [m[1]] + [f"{m[1]}.{n.strip()}" for n in m[2].strip("()").split(",")] if m[1] else [m[3]]
            for name in names:
                path = _module_file(name)
                if path is not None and path not in seen:
                    seen.add(path)
                    todo.append(path)
    return sorted(seen)


@cache
def source_hash() -> str:
    digest = hashlib.sha256()
    for path in compiled_sources():
        digest.update(str(path.relative_to(PACKAGE)).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def cache_dir() -> Path:
    return cache_root() / f"numba-{source_hash()}"


#: a cache directory of other sources unused this long is deleted (a version still in use is touched on each start)
STALE_DAYS = 30.0


def prune(keep: Path, stale_days: float = STALE_DAYS) -> list[Path]:
    """Mark ``keep`` as used now and delete the other ``numba-*`` directories beside it unused for
    ``stale_days`` (the code of older sources: each is tens of megabytes). Returns those deleted."""

    root = keep.parent
    if keep.is_dir():
        os.utime(keep)
    if not root.is_dir():
        return []
    cutoff = time.time() - stale_days * 86400.0
    gone = []
    for other in root.glob("numba-*"):
        try:
            stale = other != keep and other.is_dir() and other.stat().st_mtime < cutoff
        except OSError:  # removed meanwhile by another process
            continue
        if stale:
            shutil.rmtree(other, ignore_errors=True)
            gone.append(other)
    return gone


def configure() -> None:
    """Point numba's cache at ``cache_dir()`` (also when numba was imported already); old ones go."""
    keep = cache_dir()
    try:
        prune(keep)
    except OSError:  # a read-only or shared cache root: leave it as it is
        pass
    path = str(keep)
    os.environ["NUMBA_CACHE_DIR"] = path  # numba reads it on import; child processes inherit it
    config = sys.modules.get("numba.core.config")
    if config is not None:
        config.CACHE_DIR = path  # type: ignore[attr-defined]
