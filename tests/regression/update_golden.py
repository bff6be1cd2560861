"""Show how the golden KPIs would change, and rewrite them one named case at a time.

    python -m tests.regression.update_golden                  # every case's diff; nothing written
    python -m tests.regression.update_golden township_level   # its diff, then its golden file rewritten
    python -m tests.regression.update_golden --all            # every diff, then every file rewritten

Run from the project root after an intended model change, read each diff, and update only
the cases whose change is the one intended (a wrong threshold moves the KPIs of cases it
should not touch). An unknown case name is one line and exit code 2.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import sim
from tests.regression.golden_cases import CASES, VOLATILE

GOLDEN = Path(__file__).with_name("golden")
#: a relative change below this (and an absolute one below ABS) is equal, as the regression test has it
REL, ABS = 1e-9, 1e-12

Kpis = dict[str, Any]


def _same(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is b
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    try:
        return bool(abs(a - b) <= max(REL * abs(b), ABS))
    except TypeError:
        return bool(a == b)


def _fmt(x: Any) -> str:
    return "null" if x is None else f"{x:.6g}" if isinstance(x, float) else str(x)


def diff_lines(old: Mapping[str, Any] | None, new_overrides: Sequence[str], new: Kpis) -> list[str]:
    """What changes from the stored golden file ``old`` (None: there is none) to the new KPIs."""
    if old is None:
        return [f"  new golden file: {len(new)} KPIs"]
    out = []
    if list(old.get("overrides", [])) != list(new_overrides):
        out.append(f"  overrides: {old.get('overrides')} -> {list(new_overrides)}")
    was: Kpis = dict(old.get("kpis", {}))
    for key in sorted(set(was) | set(new)):
        if key not in new:
            out.append(f"  - {key}: {_fmt(was[key])} (gone)")
        elif key not in was:
            out.append(f"  + {key}: {_fmt(new[key])} (new)")
        elif not _same(new[key], was[key]):
            a, b = was[key], new[key]
            rel = ""
            if isinstance(a, int | float) and isinstance(b, int | float) and a not in (0, None) and not math.isnan(a):
                rel = f" ({(b - a) / abs(a):+.2%})"
            out.append(f"  ~ {key}: {_fmt(a)} -> {_fmt(b)}{rel}")
    return out


def _load(name: str, golden: Path) -> dict[str, Any] | None:
    p = golden / f"{name}.json"
    return json.loads(p.read_text()) if p.exists() else None


def _write(name: str, overrides: Sequence[str], kpis: Kpis, golden: Path) -> None:
    golden.mkdir(exist_ok=True)
    tmp = golden / f".{name}.json.tmp"
    tmp.write_text(json.dumps({"overrides": list(overrides), "kpis": kpis}, indent=2) + "\n")
    tmp.replace(golden / f"{name}.json")  # never a half-written golden file


def _run_kpis(overrides: Sequence[str]) -> Kpis:
    return {k: v for k, v in sim.run(list(overrides), write=False).kpis.items() if k not in VOLATILE}


def main(argv: Sequence[str] | None = None, *, cases: Mapping[str, Sequence[str]] = CASES,
         golden: Path = GOLDEN, run: Callable[[Sequence[str]], Kpis] = _run_kpis) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if any(a in ("-h", "--help") for a in args):
        print(__doc__)
        return 0
    update_all = "--all" in args
    named = [a for a in args if a != "--all"]
    unknown = [n for n in named if n not in cases]
    if unknown:
        print(f"update_golden: error: unknown case {unknown[0]!r} (cases: {', '.join(sorted(cases))})",
              file=sys.stderr)
        return 2
    to_write = set(cases) if update_all else set(named)
    for name in sorted(set(named) if named and not update_all else cases):
        overrides = list(cases[name])
        kpis = {k: v for k, v in run(overrides).items() if k not in VOLATILE}
        lines = diff_lines(_load(name, golden), overrides, kpis)
        print(f"{name}: " + (f"{len(lines)} change(s)" if lines else f"unchanged ({len(kpis)} KPIs)"))
        for line in lines:
            print(line)
        if name in to_write and lines:
            _write(name, overrides, kpis, golden)
            print(f"  wrote {golden.name}/{name}.json")
    if not to_write:
        print("nothing written: name a case (or --all) to rewrite its golden file")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
