"""Rewrite the golden KPI files (run from the project root after an intended model change)."""

from __future__ import annotations

import json
from pathlib import Path

import sim
from tests.regression.golden_cases import CASES, VOLATILE

GOLDEN = Path(__file__).with_name("golden")


def main() -> None:
    GOLDEN.mkdir(exist_ok=True)
    for name, overrides in CASES.items():
        kpis = {k: v for k, v in sim.run(overrides, write=False).kpis.items() if k not in VOLATILE}
        (GOLDEN / f"{name}.json").write_text(json.dumps({"overrides": overrides, "kpis": kpis}, indent=2) + "\n")
        print(f"wrote {name}: {len(kpis)} KPIs")


if __name__ == "__main__":
    main()
