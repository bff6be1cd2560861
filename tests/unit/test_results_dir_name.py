"""A results directory says what its run changed: ``<stamp>-<territory>-<scenario>-<changes>``."""

from __future__ import annotations

from pathlib import Path

import sim
from sim.runs.dir_name import MAX_CHANGES_CHARS, changes_label


def test_only_what_changes_the_model_is_named_by_the_last_part_of_its_key() -> None:
    label = changes_label(["territory=city", "staffing.department_staff.urban_construction=20", "run.seed=3",
                           "run.results_dir=/tmp/x", "report.charts=false", "engine.backend=ray", "engine=vector",
                           "run.reuse=false", "hydra.job.chdir=false", "calibrated=boston"])
    assert label == "urban_construction=20,seed=3,calibrated=boston"
    assert changes_label(["run.results_dir=/tmp/x", "run.progress=false"]) == ""


def test_a_value_unfit_for_a_file_name_is_made_fit() -> None:
    label = changes_label(["scenario.surges=[{start_day: 3, days: 2}]"])
    assert label == "surges=_start_day_3_days_2"  # no comma inside an override, no brackets, no spaces
    assert "/" not in changes_label(["territory.units_file=/data/units.csv"])


def test_many_changes_keep_whole_overrides_and_say_how_many_more() -> None:
    many = [f"staffing.department_staff.office_{k}={k}" for k in range(12)]
    label = changes_label(many)
    assert len(label) <= MAX_CHANGES_CHARS and label.endswith("more")
    shown = label.split(",")[:-1]
    assert all(part in [o.rsplit(".", 1)[-1] for o in many] for part in shown)
    assert label.endswith(f"+{len(many) - len(shown)}more")


def test_a_variant_and_its_baseline_are_told_apart_by_name(tmp_path: Path) -> None:
    short = ["territory=township", "run.horizon_days=10", "run.warmup_days=2", "run.write_records=false",
             "report.charts=false", f"run.results_dir={tmp_path}"]
    base = sim.run(short, echo=None)
    variant = sim.run([*short, "staffing.fulltime_per_grid=2"], echo=None)
    assert base.out_dir is not None and variant.out_dir is not None
    # the horizon is what is simulated too; where the results go and what is kept are not named
    assert base.out_dir.name.endswith("-township-baseline-horizon_days=10,warmup_days=2")
    assert variant.out_dir.name.endswith("-township-baseline-horizon_days=10,warmup_days=2,fulltime_per_grid=2")
    assert (variant.out_dir / "overrides.txt").read_text().splitlines()[-1] == "staffing.fulltime_per_grid=2"


def test_one_override_too_long_for_the_name_keeps_its_beginning() -> None:
    long = changes_label(["territory.units_file=/data/" + "x" * 80 + ".csv"])
    assert len(long) <= MAX_CHANGES_CHARS and long.startswith("units_file=_data_xxx") and long.endswith("_etc")
    two = changes_label(["territory.units_file=/data/" + "x" * 80 + ".csv", "run.seed=3"])
    assert len(two) <= MAX_CHANGES_CHARS and two.endswith("_etc,+1more")
