"""What-if experiments: a planner's comparison, with paired confidence intervals and a briefing.

``python -m sim.experiment <name> [overrides...]`` runs ``experiments/<name>/spec.yaml``
(a spec with a top-level ``experiment:`` key, see ``sim.experiment.spec``): every scenario
``experiment.replications`` times on common random numbers, then writes
``results/experiments/<name>-<stamp>/`` (``sim.experiment.outputs``) and prints the findings.
From Python::

    from sim.experiment import run_named  # on call: runner and outputs import this package's spec
    result, out_dir = run_named("dispatch", ["run.horizon_days=120", "experiment.replications=3"])
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from sim.experiment.runner import ExperimentResult, run_experiment
from sim.experiment.spec import ExperimentSpec, ScenarioSpec, list_specs, load_spec, split_overrides

__all__ = ["ExperimentResult", "ExperimentSpec", "ScenarioSpec", "list_specs", "load_spec", "run_experiment",
           "run_named"]


def run_named(name: str, overrides: Sequence[str] = (), echo: Callable[[str], None] | None = None
              ) -> tuple[ExperimentResult | None, Path]:
    """Load spec ``name`` (a name in experiments/ or a YAML path), run it, write its results.

    ``overrides``: ``experiment.<field>=...`` edits the spec, anything else is a Hydra override
    applied to every scenario. Echoes progress and the findings; returns the result and its directory.
    An experiment the store of runs has already (the same spec, scenario configs, seed and code) is
    answered from its directory, and the result is None (``experiment.reuse=false`` runs it again).
    A scenario that fails is left out of the comparison (``result.failed``; ``scenarios.csv``
    marks it) after the others finished; when the baseline fails, ``JobsFailed`` is raised.
    """
    from sim.experiment.outputs import finding_text, write_experiment
    from sim.experiment.runner import plan_experiment  # on call: runner and outputs import this package's spec
    from sim.runs.store import lookup_experiment, register_experiment

    say = echo or (lambda _s: None)
    spec_ov, run_ov = split_overrides(overrides)
    spec = load_spec(name, spec_ov)
    planned = plan_experiment(spec, run_ov)
    stored = lookup_experiment(spec, planned[1], say) if spec.reuse else None
    if stored is not None:
        say(f"served from the store ({stored.db}): experiment {spec.name} with the same spec, scenarios and seed "
            f"ran at {stored.created}, so these are its results (experiment.reuse=false runs it again)\n")
        say((stored.results_dir / "finding.txt").read_text(encoding="utf-8").rstrip())
        say(f"\nresults: {stored.results_dir}")
        return None, stored.results_dir
    result = run_experiment(spec, run_ov, echo=say, planned=planned)
    out = write_experiment(result)
    if not result.failed:  # an experiment with a failed scenario is incomplete: never served as the answer
        register_experiment(spec, result.cfgs, out, list(overrides), result.seconds)
    say("")
    say(finding_text(result).rstrip())
    say(f"\nresults: {out}")
    return result, out
