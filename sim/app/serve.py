"""``gridsim serve [host=127.0.0.1] [port=8501] [results=DIR]``: the workbench page in the browser.

Streamlit serves ``sim/app/page.py`` in a child process, on loopback unless a host is
named (then a warning is printed: the page runs simulations for whoever reaches it).
Usage statistics are off and nothing is fetched from outside. Ctrl-C stops it cleanly.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

__all__ = ["main", "streamlit_command"]

PAGE = Path(__file__).resolve().parent / "page.py"
CONFIG = PAGE.parent / "streamlit_config.toml"
FONT = PAGE.parents[1] / "report" / "fonts" / "NotoSansSC-Regular-subset.otf"
LOOPBACK = ("127.0.0.1", "localhost", "::1")
USAGE = "usage: gridsim serve [host=127.0.0.1] [port=8501] [results=DIR]"


def _options(args: list[str]) -> dict[str, str] | str:
    opts = {"host": "127.0.0.1", "port": "8501", "results": "results"}
    for a in args:
        key, eq, value = a.partition("=")
        if not eq or key not in opts or not value:
            return f"gridsim serve: error: {a!r}: expected host=ADDRESS, port=NUMBER or results=DIR"
        opts[key] = value
    if not opts["port"].isdigit() or not 0 < int(opts["port"]) < 65536:
        return f"gridsim serve: error: port: must be a whole number from 1 to 65535, got {opts['port']!r}"
    return opts


def stage(directory: Path) -> Path:
    """Lay out what Streamlit serves in ``directory``: the page, its config and the CJK font as a static file.

    Streamlit serves static files only from beside the script, and not through symlinks
    leaving that folder: so the page runs from a staging directory, not from the package.
    """
    (directory / ".streamlit").mkdir(parents=True, exist_ok=True)
    shutil.copy(CONFIG, directory / ".streamlit" / "config.toml")
    (directory / "static").mkdir(exist_ok=True)
    shutil.copy(FONT, directory / "static" / FONT.name)
    shutil.copy(PAGE, directory / PAGE.name)
    return directory / PAGE.name


def streamlit_command(host: str, port: int, page: Path = PAGE) -> list[str]:
    """The Streamlit command line: headless, no usage statistics, no file watcher."""
    return [sys.executable, "-m", "streamlit", "run", str(page), "--server.address", host, "--server.port", str(port),
            "--server.headless", "true", "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
            "--server.runOnSave", "false", "--global.developmentMode", "false"]


def main(args: list[str]) -> int:
    if any(a in ("-h", "--help") for a in args):
        print(USAGE)
        return 0
    opts = _options(args)
    if isinstance(opts, str):
        print(opts, file=sys.stderr)
        return 2
    host, port = opts["host"], int(opts["port"])
    if host not in LOOPBACK:
        print(f"gridsim serve: warning: listening on {host}, not loopback: anyone who can reach this machine "
              "can use the workbench and run simulations on it", file=sys.stderr)
    # Streamlit runs in a staging directory (stage()): paths become absolute
    env = dict(os.environ, GRIDSIM_WORKBENCH_RESULTS=str(Path(opts["results"]).resolve()),
               GRIDSIM_PRESETS_DIR=str(Path(os.environ.get("GRIDSIM_PRESETS_DIR", "presets")).resolve()),
               STREAMLIT_BROWSER_GATHER_USAGE_STATS="false")
    src = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join(x for x in (src, env.get("PYTHONPATH", "")) if x)
    shown = f"[{host}]" if ":" in host else host
    print(f"gridsim workbench: http://{shown}:{port}  (Ctrl-C stops it)", flush=True)
    with tempfile.TemporaryDirectory(prefix="gridsim-serve-") as tmp:
        page = stage(Path(tmp))
        proc = subprocess.Popen(streamlit_command(host, port, page), env=env, cwd=tmp, stdout=subprocess.DEVNULL,
                                preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None)
        old = signal.signal(signal.SIGTERM, _terminated)  # a kill stops the page like Ctrl-C does
        try:
            return _wait(proc)
        finally:
            signal.signal(signal.SIGTERM, old)


def _terminated(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def _die_with_parent() -> None:
    """In the child, before Streamlit starts: SIGINT it if this process dies without stopping it (Linux)."""
    import ctypes

    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGINT)  # PR_SET_PDEATHSIG
    except OSError:
        pass  # no such call here: Ctrl-C and SIGTERM still stop it


def _wait(proc: subprocess.Popen[bytes]) -> int:
    """Wait for Streamlit; on Ctrl-C pass it on, give it ten seconds to stop, and say so."""
    try:
        return proc.wait()
    except KeyboardInterrupt:
        proc.send_signal(signal.SIGINT)  # Streamlit shuts its server down on SIGINT
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        print("gridsim workbench: stopped", flush=True)
        return 0
