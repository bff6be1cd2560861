"""A log unlike Boston's, calibrated end to end: ~20,000 cases over one week (spanning New Year),
without due or place columns, extracted a year after its last case.

    python benchmarks/calibration_week_log.py [out_dir]

Generates the log from a known scenario (``tests/validation/generated_logs.py``: three
departments at about 80% utilisation, one closing a fifth of a category on a quick path),
runs ``gridsim calibrate`` on it with the default trials and replications, and prints the
wall time and the held-out median and p90 against the goals (under 10 minutes; within 15%).
Out of the default test run.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).parents[1] / "tests" / "validation"))
from generated_logs import export, truth_fit  # noqa: E402

from sim.calibrate.cli import main as calibrate  # noqa: E402
from sim.calibrate.model import Handling  # noqa: E402

T0 = pd.Timestamp("2019-12-30")  # a Monday; 1 January 2020 is a holiday
LAST = pd.Timestamp("2020-01-06")
EXTRACTED = pd.Timestamp("2021-01-06")
DAILY = 2860.0  # ~20,000 cases in the week
CATEGORIES = {"pothole": ("works", 0.4, 0.05, 0.2), "noise": ("police", 0.35, 0.1, 0.0),
              "trees": ("parks", 0.25, 0.0, 0.0)}
#: utilisation about 0.8 over the week's 45 office hours a server
TRUTH = {"works": Handling(servers=83, work_hours=0.5, cv=1.0), "police": Handling(servers=70, work_hours=0.4, cv=1.0),
         "parks": Handling(servers=83, work_hours=0.6, cv=1.5)}
GOAL_SECONDS, GOAL_REL = 600.0, 0.15


def run(out: Path) -> int:
    fit = truth_fit(T0, EXTRACTED, DAILY, CATEGORIES, country="US", holiday_factor=0.5)
    log, mapping, _ = export(out, fit, TRUTH, arrivals_until=LAST, drop=("due", "place1", "place2"), country="US")
    rows = sum(1 for _ in log.open(encoding="utf-8")) - 1
    start = time.perf_counter()
    code = calibrate([f"log={log}", f"mapping={mapping}", "name=week", f"presets={out / 'presets'}",
                      f"results={out / 'results'}"])
    seconds = time.perf_counter() - start
    if code != 0:
        print(f"calibrate exited {code}")
        return code
    (result,) = (out / "results").iterdir()
    v = json.loads((result / "validation.json").read_text(encoding="utf-8"))
    o, s = v["heldout"]["observed"], v["heldout"]["simulated"]
    print(f"\n{rows:,} cases {T0.date()} .. {LAST.date()}, extracted {EXTRACTED.date()}; "
          f"held out {v['test']['from'][:16]} .. {v['test']['until'][:16]} ({v['test']['matters']:,} cases)")
    print(f"wall time {seconds:.0f} s (goal < {GOAL_SECONDS:.0f} s): {'met' if seconds < GOAL_SECONDS else 'missed'}")
    ok = seconds < GOAL_SECONDS
    for k in ("close_hours_p50", "close_hours_p90"):
        rel = s[k] / o[k] - 1.0
        met = abs(rel) <= GOAL_REL
        ok &= met
        print(f"held-out {k}: observed {o[k]:.2f} h, model {s[k]:.2f} h ({rel:+.1%}; goal within "
              f"{GOAL_REL:.0%}): {'met' if met else 'missed'}")
    return 0 if ok else 1


if __name__ == "__main__":
    if len(sys.argv) > 1:
        target = Path(sys.argv[1])
        target.mkdir(parents=True, exist_ok=True)
        raise SystemExit(run(target))
    with tempfile.TemporaryDirectory() as tmp:
        raise SystemExit(run(Path(tmp)))
