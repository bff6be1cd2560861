"""Golden KPI cases: small scenarios whose KPIs must not change unless the model does.

After an intended model change, ``python -m tests.regression.update_golden`` (from the project
root) shows each case's diff and ``... update_golden <case>`` rewrites that one; say why in the commit.
"""

from __future__ import annotations

CASES: dict[str, list[str]] = {
    "township_level": ["territory=township", "run.horizon_days=60", "run.warmup_days=10"],
    "township_unified_edf": ["territory=township", "run.horizon_days=60", "run.warmup_days=10",
                             "dispatch.mode=unified", "dispatch.rule=edf"],
    "township_flood_specialist": ["territory=township", "scenario=flood", "scenario.surges.0.start_day=20",
                                  "run.horizon_days=60", "run.warmup_days=10", "dispatch.all_subject=false",
                                  "staffing.fulltime_per_grid=2", "scenario.mismatch_share=0.1"],
    "textbook_patience": ["scenario=textbook", "textbook.servers=2", "textbook.arrival_rate_per_hour=2.6",
                          "textbook.patience_hours=1.5", "run.horizon_days=60", "run.warmup_days=5"],
}
#: KPIs that measure the machine, not the model
VOLATILE = ("engine_seconds",)
