"""``python -m sim.logs log=PATH mapping=NAME_OR_PATH [extracted_at=TIME] [results_dir=DIR]``.

Imports a work-order log, prints the import report, and writes ``cases.parquet``,
``rejects.csv`` and ``report.json`` to a new directory under ``results_dir``
(default ``results``), printed last as ``results: <dir>``. A bad argument, mapping or
file prints one line and exits with code 2; ``extracted_at`` and ``results_dir`` are checked
before the log is read. The directory is written as ``.partial-<name>`` and renamed when
complete; one left by a killed import is removed by the next import or run into ``results_dir``.
"""

from __future__ import annotations

import json
import shutil
import sys
import time
from pathlib import Path

import pandas as pd

from sim.logs.load import format_report, load_log
from sim.logs.mapping import load_mapping
from sim.util.errors import ConfigError, exit_code
from sim.util.interrupt import install as install_sigterm
from sim.util.partial import claim_results_dir, drop_owner, remove_stale
from sim.util.process_exit import ending
from sim.util.usage import usage_text

USAGE = usage_text(__doc__)
KEYS = ("log", "mapping", "extracted_at", "results_dir")


def parse_args(args: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for a in args:
        key, eq, value = a.partition("=")
        if not eq or key not in KEYS:
            raise ConfigError(key or a, f"unknown argument {a!r} (expected {', '.join(k + '=...' for k in KEYS)})")
        out[key] = value
    for key in ("log", "mapping"):
        if not out.get(key):
            raise ConfigError(key, "required (python -m sim.logs log=PATH mapping=NAME_OR_PATH)")
    return out


def _timestamp(text: str | None) -> pd.Timestamp | None:
    """``extracted_at`` as a time, or one line naming the key."""
    if text is None:
        return None
    problem = f"must be a date and time such as 2015-12-31 or 2015-12-31T23:59, got {text!r}"
    try:
        value = pd.Timestamp(text)
    except (ValueError, TypeError, OverflowError):
        raise ConfigError("extracted_at", problem) from None
    if pd.isna(value):
        raise ConfigError("extracted_at", problem)
    return value


def _claim(parent: Path, name: str) -> tuple[Path, Path]:
    """``claim_results_dir``, a destination that cannot be written one line naming ``results_dir``;
    what a killed import or run left there is removed first (and said)."""
    try:
        for line in remove_stale(parent):
            print(line)
        return claim_results_dir(parent, name)
    except OSError as e:
        raise ConfigError("results_dir", f"{str(parent)!r} cannot be written "
                                         f"({e.strerror or type(e).__name__})") from None


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if any(a in ("-h", "--help") for a in args):
        print(USAGE)
        return 0
    install_sigterm()  # SIGTERM removes the half-written import like Ctrl-C (sim/util/interrupt.py)

    def run() -> int:

        a = parse_args(args)
        extracted_at = _timestamp(a.get("extracted_at") or None)
        mapping = load_mapping(a["mapping"])
        # the destination is claimed before the import (minutes for a large log), so that one that
        # cannot be written stops at once; an import that fails removes it again
        final, tmp = _claim(Path(a.get("results_dir") or "results"),
                            f"{time.strftime('%Y%m%d-%H%M%S')}-import-{mapping.name}")
        try:
            log = load_log(a["log"], mapping, extracted_at=extracted_at)
            print(format_report(log.report))
            log.cases.to_parquet(tmp / "cases.parquet")
            log.report.rejects.to_csv(tmp / "rejects.csv", index=False)
            (tmp / "report.json").write_text(json.dumps(log.report.to_dict(), indent=2, ensure_ascii=False),
                                             encoding="utf-8")
            drop_owner(tmp)  # a finished directory names no owner (remove_stale reads it)
            tmp.rename(final)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        print(f"results: {final}")
        return 0

    return exit_code("gridsim logs", run)


if __name__ == "__main__":
    raise SystemExit(ending(main()))
