"""The store's look-up of a run it serves: every file read and hashed, against the digests this process kept.

Run: ``pytest benchmarks/test_store_lookup.py --benchmark-enable -s``. A county year is run
and written (its records, about 70 MB, and the rest), left to settle past
``sim.runs.manifest.SETTLED_NS``, then ``lookup`` of its config is timed, alternating, with
the process's digests forgotten before each (as every look-up read the files before) and
with them kept (as a second look-up in the same process now finds them). The page looks its
baseline up twice a what-if: a city's 1.3 GB took a second each time. Goal: a kept look-up at
least 5 times as quick.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path
from typing import Any

from benchmarks.goals import check_goal
from sim.runs import manifest
from sim.runs.cached import run_cached
from sim.runs.config import load_config, resolve_defaults
from sim.runs.store import lookup

ROUNDS = 5


def test_a_kept_lookup_against_reading_every_file(benchmark: Any, tmp_path: Path) -> None:
    args = ["territory=county", "report.charts=false", "run.progress=false", f"run.results_dir={tmp_path}"]
    result, _ = run_cached(args)
    cfg = resolve_defaults(load_config(args))[0]
    time.sleep(2 * manifest.SETTLED_NS / 1e9)
    assert lookup(cfg) is not None
    times: dict[str, list[float]] = {"read": [], "kept": []}

    def one_round() -> None:
        for name in ("read", "kept"):
            if name == "read":
                manifest._DIGESTS.clear()
            t0 = time.perf_counter()
            found = lookup(cfg)
            times[name].append(time.perf_counter() - t0)
            assert found is not None and found.results_dir == Path(str(result.out_dir))

    benchmark.pedantic(one_round, rounds=ROUNDS, iterations=1)
    read, kept = statistics.median(times["read"]), statistics.median(times["kept"])
    size = sum(p.stat().st_size for p in Path(str(result.out_dir)).rglob("*") if p.is_file())
    print(f"\ncounty year, {size / 2**20:.0f} MiB: every file read {read * 1e3:.1f} ms, digests kept "
          f"{kept * 1e3:.1f} ms (medians of {ROUNDS})")
    benchmark.extra_info.update(read_s=read, kept_s=kept, bytes=size)
    check_goal(benchmark, "store look-up with the digests kept vs every file read", read / kept, 5.0, "x",
               at_least=True)
