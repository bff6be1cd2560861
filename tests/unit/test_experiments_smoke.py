"""Smoke run of every experiment spec in experiments/*/spec.yaml (tune_staffing is a sweep, not a spec).

Each runs through the entry point (``python -m sim.experiment``'s ``main``) shrunk to a
township over 25 days (5 of warm-up), 2 replications, in this process; a flood moves to
day 10 so that its surge lies inside the horizon. Each must write finding.txt and the
briefing, and its finding must name every non-baseline scenario.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.experiment import list_specs, load_spec
from sim.experiment.__main__ import main

SPECS = list_specs()
SHRINK = ["territory=township", "run.horizon_days=25", "run.warmup_days=5", "experiment.replications=2",
          "experiment.workers=1"]


def test_every_spec_is_found() -> None:
    assert len(SPECS) >= 7 and "tune_staffing" not in SPECS


@pytest.mark.parametrize("name", SPECS)
def test_experiment_smoke(name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = load_spec(name)
    extra = []
    if any(b.startswith("scenario=flood") for b in spec.base):
        extra = ["scenario.surges.0.start_day=10", "scenario.surges.0.days=5"]
    assert main([name, *SHRINK, *extra, f"run.results_dir={tmp_path}"]) == 0
    outs = list((tmp_path / "experiments").glob(f"{name}-*"))
    assert len(outs) == 1
    out = outs[0]
    for f in ("finding.txt", "briefing.png", "briefing.pdf", "comparison.csv"):
        assert (out / f).is_file(), f
    text = (out / "finding.txt").read_text(encoding="utf-8")
    stdout = capsys.readouterr().out
    bullets = [line for line in text.splitlines() if line.startswith("- ")]
    for s in spec.ordered()[1:]:
        label = spec.label_of(s, "en")
        # a finding's bullet names the scenario (after the verdict when a side is unstable)
        assert any(f"{label}:" in b for b in bullets), (s, label)
        assert label in stdout
    assert stdout.rstrip().endswith(str(out))
