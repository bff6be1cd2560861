"""Every shell and Python example of README.md (and docs/*.md) runs, so a renamed key or function fails here.

The runner reads the fenced blocks: ``bash`` blocks are commands, ``python`` blocks are
programs, an untagged block whose lines start with ``$ `` is a transcript (the command
runs as written and its output must match, digits aside), a ``yaml`` block one of whose
leading comment lines is ``# <path>.yaml`` is written to that path (the presets a later command uses), a ``sql`` block
runs with DuckDB on the records of the last run (after the other examples). Everything runs in one scratch directory,
in order, as a reader would type it.

Simulations are shrunk so that the whole file takes a few minutes of CPU at most: every
``gridsim`` run of a ``bash`` block gets ``SHRINK`` (a 30-day horizon, no charts, the
township unless the example picks its territory) and a Python example's township gets the
same horizon. Transcripts run unshrunk (they are fast errors). ``SKIP`` lists the commands
that do not run here, each with its reason; every entry must still match an example, so
the list cannot outlive what it excuses.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("**/*.md"))]
SHARED = ROOT.parent / "shared"
#: tiny overrides for every gridsim run of a bash block
SHRINK = ["run.horizon_days=30", "report.charts=false"]
#: a command containing the key (its comment aside; the first key that matches) is not run, for the reason given
SKIP: dict[str, str] = {
    "scripts/run.sh": "makes a virtual environment and installs the package (the test runs inside one); "
                      "scripts/run.sh serve starts the workbench server (tests/browser drives it)",
    "scripts/test.sh": "installs chromium and runs the whole suite, this test included (tests/packaging checks it)",
    "pip install": "installs packages",
    "calibrated=boston": "needs the preset the skipped calibration writes",
    "gridsim calibrate": "a calibration takes minutes (tests/unit/test_calibrate_* and tests/validation run it small)",
    "territory.units_file=units.csv": "needs a units table from units_from_log (test_logs_replay.py replays)",
    "file:///abs/dir": "a placeholder directory",
    "+experiment=tune_staffing": "40 optimisation trials of a county (tests/unit/test_sweep.py runs a short study)",
    "hydra/launcher=": "starts worker processes or a Ray cluster (tests/unit/test_sweep_launchers.py runs each)",
    "engine.backend=ray": "a province year on Ray takes many minutes (tests/equivalence/test_streamed_ray.py streams "
                          "a small city through a local Ray)",
}


@dataclass(frozen=True)
class Block:
    """One fenced block: where it is, its language tag and its text (list indentation removed)."""

    where: str
    lang: str
    text: str


_FENCE = re.compile(r"^( *)```(\w*)\n(.*?)^\1```", re.M | re.S)


def blocks() -> list[Block]:
    out = []
    for doc in DOCS:
        text = doc.read_text(encoding="utf-8")
        for m in _FENCE.finditer(text):
            indent = len(m.group(1))
            body = "".join(line[indent:] if line.startswith(" " * indent) else line
                           for line in m.group(3).splitlines(keepends=True))
            out.append(Block(f"{doc.name}:{text[:m.start()].count(chr(10)) + 1}", m.group(2), body))
    return out


def shell_commands(text: str) -> list[str]:
    """The commands of a bash block: continuation lines and quotes over several lines joined, comments and
    blank lines dropped."""
    joined = re.sub(r"\s*\\\n\s*", " ", text)
    cmds: list[str] = []
    pending = ""
    for line in joined.splitlines():
        line = line.strip() if not pending else line
        if not pending and (not line or line.startswith("#")):
            continue
        pending = f"{pending}\n{line}" if pending else line
        try:
            shlex.split(pending, comments=True)
        except ValueError:  # a quote still open: the command goes on on the next line
            continue
        cmds.append(pending)
        pending = ""
    assert not pending, f"an unclosed quote in {pending!r}"
    return cmds


def _argv(cmd: str) -> list[str]:
    words = shlex.split(cmd, comments=True)
    if words[0] == "gridsim" or words[0].endswith("/gridsim"):
        return [sys.executable, "-m", "sim.entry.cli", *words[1:]]
    if words[0] in ("python", "python3"):
        return [sys.executable, *words[1:]]
    return words


def _shrunk(argv: list[str]) -> list[str]:
    if argv[:3] != [sys.executable, "-m", "sim.entry.cli"] or any(a.startswith("-") and a != "-m" for a in argv[3:]):
        return argv  # not a gridsim run (--help, --cfg, --info: nothing simulated)
    picks = " ".join(argv)
    extra = list(SHRINK)
    if "territory=" not in picks and "territory." not in picks and "scenario=textbook" not in picks:
        extra.insert(0, "territory=township")
    return [*argv, *extra]


def _shared(cmd: str) -> str:
    return cmd.replace("../shared/", f"{SHARED}/")


def _run(argv: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GRIDSIM_PRESETS_DIR": str(cwd / "presets")}
    return subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


def _masked(text: str) -> str:
    """Output with every number replaced (sizes, counts and memory differ from machine to machine)."""
    return re.sub(r"\d[\d,.]*(e[+-]?\d+)?", "#", text).strip()


@dataclass
class Session:
    """The scratch directory and what the examples left there."""

    cwd: Path
    ran: list[str]
    skipped: dict[str, str]
    last_code: int = 0


def _shell_block(s: Session, b: Block) -> None:
    for cmd in shell_commands(b.text):
        bare = " ".join(shlex.split(cmd, comments=True))
        reason = next((why for key, why in SKIP.items() if key in bare), None)
        if reason is None and "../shared/" in cmd and not SHARED.exists():
            reason = "the shared data directory is not on this machine"
        if reason is None and cmd.startswith("sqlite3") and shutil.which("sqlite3") is None:
            reason = "no sqlite3 command on this machine"
        if reason is not None:
            s.skipped[f"{b.where}: {cmd}"] = reason
            continue
        argv = _shrunk(_argv(_shared(cmd)))
        p = _run(argv, s.cwd)
        assert p.returncode == 0, f"{b.where}: `{cmd}` exited {p.returncode}:\n{p.stderr[-3000:]}"
        s.ran.append(f"{b.where}: {cmd}")


def _transcript(s: Session, b: Block) -> None:
    lines = b.text.splitlines()
    i = 0
    while i < len(lines):
        assert lines[i].startswith("$ "), f"{b.where}: a transcript line that is not a command: {lines[i]!r}"
        cmd = lines[i][2:]
        j = i + 1
        while j < len(lines) and not lines[j].startswith("$ "):
            j += 1
        expected = "\n".join(lines[i + 1:j]).strip()
        if cmd.strip() == "echo $?":
            assert str(s.last_code) == expected, f"{b.where}: exit code {s.last_code}, the example says {expected}"
        else:
            p = _run(_argv(_shared(cmd)), s.cwd)
            s.last_code = p.returncode
            got = (p.stdout + p.stderr).strip()
            assert p.returncode == (2 if "error:" in expected else 0), f"{b.where}: `{cmd}` exited {p.returncode}"
            assert _masked(expected) in _masked(got), f"{b.where}: `{cmd}` printed\n{got}\nthe example says\n{expected}"
            s.ran.append(f"{b.where}: {cmd}")
        i = j


def _python_block(s: Session, b: Block) -> None:
    code = b.text.replace('"territory=township"', '"territory=township", "run.horizon_days=30"')
    p = _run([sys.executable, "-c", code], s.cwd)
    assert p.returncode == 0, f"{b.where}: the Python example failed:\n{p.stderr[-3000:]}"
    s.ran.append(f"{b.where}: python")


def _sql_block(s: Session, b: Block) -> None:
    runs = sorted(s.cwd.glob("results/*/matters.parquet"), key=lambda p: p.stat().st_mtime)
    assert runs, f"{b.where}: no run has written records before the SQL example"
    sql = b.text.replace("results/<run>/matters.parquet", str(runs[-1]))
    duckdb.execute(sql).fetchall()
    s.ran.append(f"{b.where}: sql")


def _yaml_file(s: Session, b: Block) -> None:
    """A YAML block one of whose leading comment lines names its file is that file, written as it stands."""
    for line in b.text.splitlines():
        if not line.startswith("#"):
            return
        m = re.match(r"#\s*(\S+\.ya?ml)\s*$", line)
        if m:
            path = s.cwd / m.group(1)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(b.text, encoding="utf-8")
            return


def test_every_example_block_is_found() -> None:
    found = blocks()
    langs = {b.lang for b in found}
    assert {"bash", "python"} <= langs
    assert any(b.lang == "" and b.text.startswith("$ ") for b in found)


def test_the_examples_run(tmp_path: Path) -> None:
    s = Session(cwd=tmp_path, ran=[], skipped={})
    found = blocks()
    for b in found:
        if b.lang in ("bash", "sh", "shell", "console"):
            _shell_block(s, b)
        elif b.lang == "python":
            _python_block(s, b)
        elif b.lang == "yaml":
            _yaml_file(s, b)
        elif b.lang == "" and b.text.lstrip().startswith("$ "):
            _transcript(s, b)
    for b in found:  # last: they read the records of a run, which the README shows before its first run
        if b.lang == "sql":
            _sql_block(s, b)
    print(f"\nran {len(s.ran)} examples; skipped {len(s.skipped)}:")
    for what, why in s.skipped.items():
        print(f"  {what}  -- {why}")
    # the skip-list only excuses examples that exist
    unused = [key for key in SKIP if not any(key in " ".join(shlex.split(cmd.split(": ", 1)[1], comments=True))
                                             for cmd in s.skipped)]
    assert not unused, f"SKIP entries that match no example any more: {unused}"
    assert len(s.ran) >= 15


@pytest.mark.parametrize("cmd,shrunk", [
    ("gridsim territory=city territory.counties=3", ["territory=city", "territory.counties=3", *SHRINK]),
    ("gridsim scenario=flood", ["scenario=flood", "territory=township", *SHRINK]),
    ("gridsim --cfg job territory=township", ["--cfg", "job", "territory=township"]),
])
def test_gridsim_runs_are_shrunk_unless_nothing_is_simulated(cmd: str, shrunk: list[str]) -> None:
    assert _shrunk(_argv(cmd))[3:] == shrunk


def test_continuations_and_comments() -> None:
    text = "# a comment\ngridsim a=1 \\\n  b=2   # trailing\n\necho x\nsqlite3 f \"SELECT 1,\n  2\"\n"
    assert shell_commands(text) == ["gridsim a=1 b=2   # trailing", "echo x", 'sqlite3 f "SELECT 1,\n  2"']
    assert _argv("gridsim a=1 b=2   # trailing")[3:] == ["a=1", "b=2"]
