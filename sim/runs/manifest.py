"""The manifest of a results directory (``manifest.json``): every file with its size and sha256.

A run writes it last, just before its directory is renamed into place, with the row the
store of runs keeps for the directory (``sim.runs.store``). The store checks it before it
serves a directory (a file deleted, truncated or edited since is a reason to run again),
and rebuilds its index from the manifests when ``runs.sqlite`` is unreadable.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sim.util.partial import OWNER_FILE

__all__ = ["MANIFEST", "file_entry", "file_sha256", "read_manifest", "verify", "write_manifest"]

MANIFEST = "manifest.json"
#: files never listed: the manifest itself and the owner mark of a directory being written
_UNLISTED = (MANIFEST, OWNER_FILE)


#: sha256 of the files this process has read, by what ``fstat`` says of each: its device, inode, size and its
#: modification and change times (ns). The store verifies a run's files every time it serves the run, and the
#: page looks its baseline up twice a click: a city's 1.3 GB took a second each time. A file written since
#: (or touched, renamed, its times set back: each moves the change time, which only the clock sets) has
#: another key and is read again; so is every file in a new process.
_DIGESTS: dict[tuple[int, int, int, int, int], str] = {}
#: the most digests kept (a long-lived server's store of many runs); beyond it the oldest half is forgotten
MAX_DIGESTS = 200_000
#: a digest is kept only for a file last changed at least this long (ns) before it was read: a change in
#: the same tick of the file system's clock as the one before may leave both times as they were (before
#: Linux 6.13 the clock moves once a kernel tick, 1-10 ms; this is ten times the longest), so a file changed
#: moments ago is read again next time. (A file system whose clock is coarser still, such as FAT's two
#: seconds, can hide an edit made within its tick of the one before, for the rest of the process.)
SETTLED_NS = 100_000_000


def _stat_key(st: os.stat_result) -> tuple[int, int, int, int, int]:
    return st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns


def _keep(key: tuple[int, int, int, int, int], digest: str) -> None:
    if len(_DIGESTS) >= MAX_DIGESTS:
        for old in list(_DIGESTS)[: max(1, MAX_DIGESTS // 2)]:
            _DIGESTS.pop(old, None)  # another thread may have let it go first
    _DIGESTS[key] = digest


def file_sha256(path: Path) -> str:
    """The file's sha256, read once per process while its ``_stat_key`` holds (``SETTLED_NS``)."""
    with open(path, "rb") as f:
        before = _stat_key(os.fstat(f.fileno()))
        found = _DIGESTS.get(before)
        if found is not None:
            return found
        started = time.time_ns()
        digest = hashlib.file_digest(f, "sha256").hexdigest()
        # kept if nothing wrote it while it was read, and its last change is clear of the clock's tick
        if _stat_key(os.fstat(f.fileno())) == before and started - max(before[3], before[4]) >= SETTLED_NS:
            _keep(before, digest)
    return digest


def _listed(directory: Path) -> list[Path]:
    return sorted(p for p in directory.rglob("*") if p.is_file() and p.name not in _UNLISTED)


def file_entry(path: Path) -> dict[str, Any]:
    """A file's manifest entry: its bytes and sha256."""
    return {"bytes": path.stat().st_size, "sha256": file_sha256(path)}


def write_manifest(directory: Path, store_row: Mapping[str, Any] | None = None,
                   known: Mapping[str, Mapping[str, Any]] | None = None) -> Path:
    """List every file under ``directory`` (path relative to it, bytes, sha256), with ``store_row``.

    ``known``: entries made by whoever wrote those files, as they wrote them (a streamed run's
    workers hash their own parts: the driver need not read a province's 15 GB again); a file whose
    size differs from its known entry is hashed here. Written to a temporary file and renamed: a
    manifest is whole or absent.
    """
    known = known or {}
    files: dict[str, Any] = {}
    for p in _listed(directory):
        rel = p.relative_to(directory).as_posix()
        entry = known.get(rel)
        files[rel] = dict(entry) if entry is not None and entry.get("bytes") == p.stat().st_size else file_entry(p)
    payload = {"files": files, "store": dict(store_row) if store_row is not None else None}
    tmp = directory / f".{MANIFEST}.{os.getpid()}.tmp"
    tmp.write_text(json.dumps(payload, indent=1, sort_keys=True, default=str) + "\n", encoding="utf-8")
    os.replace(tmp, directory / MANIFEST)
    return directory / MANIFEST


def read_manifest(directory: Path) -> dict[str, Any] | None:
    """The manifest's content, or None when it is missing or unreadable."""
    try:
        data = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and isinstance(data.get("files"), dict) else None


def verify(directory: Path) -> str | None:
    """Why ``directory`` cannot be served (a phrase naming the file), or None when every listed file is intact."""
    if not (directory / MANIFEST).is_file():
        return f"{MANIFEST} is missing (written by an older gridsim, or not by gridsim)"
    manifest = read_manifest(directory)
    if manifest is None:
        return f"{MANIFEST} is unreadable"
    for rel, entry in sorted(manifest["files"].items()):
        path = directory / rel
        try:
            size = path.stat().st_size
        except OSError:
            return f"{rel} is missing"
        recorded = entry if isinstance(entry, dict) else {}
        if size != recorded.get("bytes"):
            return f"{rel} has {size:,} bytes, not the {recorded.get('bytes')} recorded"
        if file_sha256(path) != recorded.get("sha256"):
            return f"{rel} has changed since it was written (its checksum differs)"
    return None
