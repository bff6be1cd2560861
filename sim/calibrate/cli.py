"""``gridsim calibrate``: fit a scenario to a work-order log and validate it on held-out months.

    gridsim calibrate log=PATH mapping=NAME_OR_PATH name=NAME [train_until=YYYY-MM-DD]
                      [seed=12345] [trials=80] [replications=2] [presets=DIR] [results=DIR]

Prints the import report, one progress line per trial, the held-out figures, then
``use: calibrated=<name>`` and last ``results: <dir>``. A bad argument, mapping or file
prints one line and exits 2, with nothing written; ``results`` and ``presets`` are checked
for writing before the log is read.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pandas as pd

from sim.calibrate.holidays import NONE, log_holidays
from sim.calibrate.run import calibrate
from sim.logs import format_report, load_log
from sim.runs.destination import check_destination
from sim.scenario.compose import presets_dir
from sim.util.errors import ConfigError, exit_code
from sim.util.usage import usage_text

USAGE = usage_text(__doc__)
REQUIRED = ("log", "mapping", "name")
OPTIONAL = ("train_until", "seed", "trials", "replications", "presets", "results")


def parse(args: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for a in args:
        key, sep, value = a.partition("=")
        if not sep:
            raise ConfigError("calibrate", f"arguments are key=value, got {a!r}")
        if key not in REQUIRED + OPTIONAL:
            raise ConfigError(key, f"is not an argument of gridsim calibrate ({'|'.join(REQUIRED + OPTIONAL)})")
        out[key] = value
    for key in REQUIRED:
        if not out.get(key):
            raise ConfigError(key, "is required: gridsim calibrate log=PATH mapping=NAME_OR_PATH name=NAME")
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]*", out["name"]):
        raise ConfigError("name", f"must be letters, digits, _ or -, got {out['name']!r}")
    return out


def _int(args: dict[str, str], key: str, default: int, low: int) -> int:
    try:
        v = int(args.get(key, default))
    except ValueError:
        raise ConfigError(key, f"must be a whole number, got {args[key]!r}") from None
    if v < low:
        raise ConfigError(key, f"must be a whole number >= {low}, got {v}")
    return v


def run(argv: list[str]) -> int:
    args = parse(argv)
    seed, trials = _int(args, "seed", 12345, 0), _int(args, "trials", 80, 1)
    reps = _int(args, "replications", 2, 1)
    train_until = None
    if args.get("train_until"):
        try:
            train_until = pd.Timestamp(args["train_until"])
        except ValueError:
            raise ConfigError("train_until", f"must be a date YYYY-MM-DD, got {args['train_until']!r}") from None
    results = Path(args.get("results") or "results")
    presets = Path(args["presets"]) if args.get("presets") else None
    # both destinations before the log is read and the fit takes minutes
    check_destination("results", results)
    check_destination("presets", (presets or presets_dir()) / "calibrated")

    imported = load_log(args["log"], args["mapping"])

    print(format_report(imported.report))
    cases, ext = imported.cases, pd.Timestamp(imported.extracted_at)
    if train_until is not None and not (cases["created"].min() < train_until < cases["created"].max()):
        raise ConfigError("train_until", f"must fall inside the log ({cases['created'].min()} .. "
                                         f"{cases['created'].max()}), got {train_until.date()}")

    mp = imported.mapping  # the log's holiday calendar, from its first case to the extraction
    holidays = log_holidays(mp.holiday_country, mp.holiday_subdivision, cases["created"].min(), ext) \
        if len(cases) else NONE
    cal = calibrate(cases, ext, args["name"], train_until=train_until, seed=seed, trials=trials, presets=presets,
                    results=results, replications=reps, holidays=holidays)
    h = cal.record["heldout"]
    for k in ("observed", "simulated", "carry_forward", "mmc"):
        print(f"held-out {k:<14}" + "  ".join(f"{m} {'-' if v is None else f'{v:.3g}'}" for m, v in h[k].items()))
    print(f"preset: {cal.preset}")
    print(f"use: calibrated={args['name']}")
    print(f"results: {cal.results}")
    return 0


def main(args: list[str]) -> int:
    if any(a in ("-h", "--help") for a in args):
        print(USAGE)
        return 0
    return exit_code("gridsim calibrate", lambda: run(list(args)))


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
