"""Half-written results directories (``.partial-*``): who owns them, and removing those left by a kill.

A run writes into ``<results_dir>/.partial-<name>`` and renames it when complete. Ctrl-C
and SIGTERM remove it; SIGKILL (or a crash of the machine) cannot. So each one holds an
owner file with the writing process's id and start time: the next run removes every
``.partial-*`` whose process is gone (and says so), and leaves the ones whose process is
alive (another run writing now). One without an owner file (cut off before it was
written, or from an older gridsim) counts as stale once it is ``ORPHAN_AGE_SECONDS`` old.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import time
from pathlib import Path

from sim.util.ray_local import stop_owned

OWNER_FILE = ".gridsim-owner.json"
PREFIX = ".partial-"
#: a local Ray's session files (a streamed run): ``<results_dir>/.ray-<pid>``, removed when the run ends
RAY_PREFIX = ".ray-"
ORPHAN_AGE_SECONDS = 600.0


def _start_time(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (Linux), to tell a reused pid apart."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rpartition(")")[2].split()[19]  # field 22; the name in parentheses may hold spaces


def mark_owner(directory: Path) -> None:
    """Record this process as the owner of ``directory``."""
    pid = os.getpid()
    owner = {"pid": pid, "start": _start_time(pid), "host": socket.gethostname()}
    tmp = directory / f"{OWNER_FILE}.{pid}.tmp"
    tmp.write_text(json.dumps(owner), encoding="utf-8")
    os.replace(tmp, directory / OWNER_FILE)  # whole or absent, whenever the process is killed


def drop_owner(directory: Path) -> None:
    """Remove the owner file (before the directory is renamed into place)."""
    (directory / OWNER_FILE).unlink(missing_ok=True)


def _alive(pid: int, start: str | None) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive
    return start is None or _start_time(pid) in (None, start)


def stale_reason(directory: Path) -> str | None:
    """Why ``directory`` is stale ("process 123 is gone"), or None if its owner may still be writing."""
    try:
        owner = json.loads((directory / OWNER_FILE).read_text(encoding="utf-8"))
        pid, start, host = int(owner["pid"]), owner.get("start"), owner.get("host")
    except (OSError, ValueError, KeyError, TypeError):
        try:
            age = time.time() - directory.stat().st_mtime
        except OSError:
            return None
        return f"no owner recorded, {age / 60:.0f} min old" if age > ORPHAN_AGE_SECONDS else None
    if host and host != socket.gethostname():
        return None  # written from another machine (a shared disk): its process cannot be seen from here
    return None if _alive(pid, start) else f"process {pid} is gone"


def remove_stale(parent: Path) -> list[str]:
    """Remove the stale ``.partial-*`` directories under ``parent``; one message per directory removed."""
    if not parent.is_dir():
        return []
    said = []
    for d in sorted(parent.glob(PREFIX + "*")):
        if not d.is_dir():
            continue
        why = stale_reason(d)
        if why is None:
            continue
        shutil.rmtree(d, ignore_errors=True)
        if not d.exists():
            said.append(f"removed {d} left by an interrupted run ({why})")
    for d in sorted(parent.glob(RAY_PREFIX + "*")):
        pid = d.name.removeprefix(RAY_PREFIX)
        if not (d.is_dir() and pid.isdigit()):
            continue
        # its owner file tells a reused pid and another machine's run (a shared disk) apart; an older
        # gridsim's local Ray left none
        pid_alive = _alive(int(pid), None)
        why = stale_reason(d) if (d / OWNER_FILE).exists() else (None if pid_alive else f"process {pid} is gone")
        if why is None:
            continue
        if not pid_alive:  # a reused pid may be another run's, whose Ray carries the same mark
            stop_owned(int(pid))  # whatever of its local Ray outlived it
        shutil.rmtree(d, ignore_errors=True)
        if not d.exists():
            said.append(f"removed {d} left by an interrupted run ({why})")
    return said


def claim_results_dir(parent: Path, name: str) -> tuple[Path, Path]:
    """Claim ``parent/name`` (or ``name-2``, ``-3``, ...) atomically: returns (final, its .partial- twin).

    The caller writes into the twin and renames it to ``final`` only when everything is
    written, so a failed run leaves nothing; two runs finishing in the same second get
    different names.
    """
    parent.mkdir(parents=True, exist_ok=True)
    k = 1
    while True:
        final = parent / (name if k == 1 else f"{name}-{k}")
        tmp = parent / f".partial-{final.name}"
        if not final.exists():
            try:
                tmp.mkdir(exist_ok=False)
                mark_owner(tmp)  # who writes it: a later run removes it if this process is killed
                return final, tmp
            except FileExistsError:
                pass
        k += 1


def temp_file_beside(path: Path, suffix: str) -> Path:
    """A new, empty file in ``path``'s folder, to be written and renamed onto ``path``.

    Created with the permissions any other file gets (0666 less the umask), not the owner-only
    0600 of ``tempfile.mkstemp``: a briefing or a preset renamed into place stays readable by
    whoever reads the rest of the results."""
    for k in range(100):
        tmp = path.with_name(f".{path.name}.{os.getpid()}-{time.monotonic_ns()}-{k}{suffix}")
        try:
            os.close(os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666))
            return tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name beside {path}")
