"""``gridsim serve [host=127.0.0.1] [port=8501] [results=DIR]``: the workbench page in the browser.

Streamlit serves ``sim/app/page.py`` in a child process, on loopback unless a host is
named (then a warning is printed: the page runs simulations for whoever reaches it).
Before Streamlit starts, the port is tried (in use: one line, exit 2) and ``results`` is
checked for writing (exit 2). Nothing is fetched from outside the machine: usage
statistics are off, the server and browser addresses are set, and Streamlit's look-ups
of this machine's addresses (its "external IP" is asked of a web service when the page
listens on every address or a browser arrives from an origin it does not know) are
answered locally by ``launch``, which starts Streamlit in the child. Ctrl-C stops it cleanly.
"""

from __future__ import annotations

import ctypes
import errno
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

from streamlit import net_util
from streamlit.web import cli as streamlit_cli

from sim.runs.destination import check_destination
from sim.util.errors import ConfigError

__all__ = ["launch", "main", "port_problem", "streamlit_command"]

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


def streamlit_options(host: str, port: int) -> dict[str, str]:
    """Streamlit's options on its command line: headless, no usage statistics, no file watcher, and the
    server's and browser's addresses set, so that Streamlit looks up no address of its own."""
    return {"server.address": host, "server.port": str(port), "browser.serverAddress": host,
            "browser.serverPort": str(port), "server.headless": "true", "browser.gatherUsageStats": "false",
            "server.fileWatcherType": "none", "server.runOnSave": "false", "global.developmentMode": "false",
            "server.enableCORS": "true", "server.enableXsrfProtection": "true"}


def streamlit_command(host: str, port: int, page: Path = PAGE) -> list[str]:
    """The child's command line: ``launch`` (Streamlit with local address look-ups) and ``streamlit_options``."""
    options = [a for k, v in streamlit_options(host, port).items() for a in (f"--{k}", v)]
    return [sys.executable, "-m", "sim.app.serve", "run", str(page), *options]


def launch(argv: list[str]) -> int:
    """In the child: ``streamlit ARGV``, with Streamlit's look-ups of this machine's addresses answered locally.

    Streamlit asks a web service (checkip.amazonaws.com) for the machine's external
    address when it lists URLs for every interface and when a browser's origin is not the
    address it knows; and it opens a socket towards a public address to learn its own
    network address. Neither may happen: the external address is "unknown" and the
    network address the one the page listens on.
    """

    host = next((argv[i + 1] for i, a in enumerate(argv[:-1]) if a == "--server.address"), "127.0.0.1")
    net_util.get_external_ip = lambda: None
    net_util.get_internal_ip = lambda: host
    streamlit_cli.main(args=argv, prog_name="streamlit")  # click: exits with Streamlit's code
    return 0


def port_problem(host: str, port: int) -> str | None:
    """Why Streamlit could not listen on ``host:port`` (one line naming the key), or None when it can.

    Bound and released at once with the option Streamlit's server uses (``SO_REUSEADDR``),
    so a port another program listens on is refused here, before Streamlit starts.
    """
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except (socket.gaierror, UnicodeError) as e:
        return f"host: cannot listen on {host!r}: {getattr(e, 'strerror', None) or e}"
    with socket.socket(family, kind, proto) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(address)
        except OSError as e:
            if e.errno == errno.EADDRINUSE:
                return f"port: {port} is in use on {host} (another program listens on it): choose another, e.g. " \
                       f"port={port + 1 if port < 65535 else 8501}"
            return f"host: cannot listen on {host}:{port} ({e.strerror or e})"
    return None


def main(args: list[str]) -> int:
    if any(a in ("-h", "--help") for a in args):
        print(USAGE)
        return 0
    opts = _options(args)
    if isinstance(opts, str):
        print(opts, file=sys.stderr)
        return 2
    host, port = opts["host"], int(opts["port"])
    try:
        check_destination("results", opts["results"])
    except ConfigError as e:
        print(f"gridsim serve: error: {e}", file=sys.stderr)
        return 2
    problem = port_problem(host, port)
    if problem is not None:
        print(f"gridsim serve: error: {problem}", file=sys.stderr)
        return 2
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


if __name__ == "__main__":  # the child gridsim serve starts (streamlit_command)
    raise SystemExit(launch(sys.argv[1:]))
