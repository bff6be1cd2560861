"""Check, before any simulation, that a results directory can be written.

A run writes its directory at the end; a destination that cannot take it (``/proc/x``,
an existing file, a path under a file, a read-only place) must stop the run at the
start, naming the key and the reason, not after minutes of simulating.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from sim.util.errors import ConfigError


def check_destination(key: str, path: str | Path) -> None:
    """Raise ConfigError(key, reason) unless ``path`` is, or can be made, a writable directory.

    Nothing is created: the nearest existing ancestor is checked by creating and removing
    a temporary file in it (the only test that holds for every file system and user).
    """
    p = Path(path).expanduser()
    probe = p
    while not probe.exists() and not probe.is_symlink():
        parent = probe.parent
        if parent == probe:
            break
        probe = parent
    if probe.is_symlink() and not probe.exists():
        raise ConfigError(key, f"{str(probe)!r} is a broken symbolic link")
    if not probe.is_dir():
        where = "is a file, not a directory" if probe == p else f"is under {str(probe)!r}, which is a file"
        raise ConfigError(key, f"{str(p)!r} {where}")
    try:
        fd, name = tempfile.mkstemp(prefix=".gridsim-check-", dir=probe)
    except OSError as e:
        what = "cannot be written" if probe == p else f"cannot be created: {str(probe)!r} cannot be written"
        raise ConfigError(key, f"{str(p)!r} {what} ({e.strerror or type(e).__name__})") from None
    os.close(fd)
    os.unlink(name)
