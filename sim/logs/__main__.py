"""``python -m sim.logs log=PATH mapping=NAME_OR_PATH [extracted_at=TIME] [results_dir=DIR]``.

Imports a work-order log, prints the import report, and writes ``cases.parquet``,
``rejects.csv`` and ``report.json`` to a new directory under ``results_dir``
(default ``results``), printed last as ``results: <dir>``. A bad argument, mapping or
file prints one line and exits with code 2.
"""

from __future__ import annotations

import json
import shutil
import sys
import time
from pathlib import Path

from sim.util.errors import ConfigError, exit_code

USAGE = __doc__ or ""
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


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if any(a in ("-h", "--help") for a in args):
        print(USAGE.strip())
        return 0

    def run() -> int:
        from sim.logs.load import format_report, load_log
        from sim.util.partial import claim_results_dir

        a = parse_args(args)
        log = load_log(a["log"], a["mapping"], extracted_at=a.get("extracted_at") or None)
        print(format_report(log.report))
        final, tmp = claim_results_dir(Path(a.get("results_dir") or "results"),
                                       f"{time.strftime('%Y%m%d-%H%M%S')}-import-{log.mapping.name}")
        try:
            log.cases.to_parquet(tmp / "cases.parquet")
            log.report.rejects.to_csv(tmp / "rejects.csv", index=False)
            (tmp / "report.json").write_text(json.dumps(log.report.to_dict(), indent=2, ensure_ascii=False),
                                             encoding="utf-8")
            tmp.rename(final)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        print(f"results: {final}")
        return 0

    return exit_code("gridsim logs", run)


if __name__ == "__main__":
    raise SystemExit(main())
