"""``python -m sim.experiment <name> [overrides...]``: run one experiment spec.

    python -m sim.experiment --list                      # the specs in experiments/*/spec.yaml
    python -m sim.experiment dispatch                    # run experiments/dispatch/spec.yaml
    python -m sim.experiment grid_size run.horizon_days=120 experiment.replications=3 report.lang=zh

``experiment.<field>=<value>`` edits the spec (replications, workers, kpis, ...); any other
argument is a Hydra override applied to every scenario after the spec's own. A bad spec or
override prints one line naming the key and exits with code 2; a scenario that fails at
run time is left out of the comparison after the others finished, and the command exits
with code 3 (every scenario failed or the baseline did: nothing is written, code 3 too).
"""

from __future__ import annotations

import sys
from pathlib import Path

from sim.util.errors import JobsFailed, exit_code
from sim.util.interrupt import install as install_sigterm
from sim.util.process_exit import ending
from sim.util.usage import usage_text

USAGE = usage_text(__doc__)


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or any(a in ("-h", "--help") for a in args):
        print(USAGE)
        return 0 if args else 2
    install_sigterm()  # SIGTERM removes the half-written outputs like Ctrl-C (sim/util/interrupt.py)
    from sim.experiment import list_specs, run_named  # after the arguments are read: --help stays quick
    from sim.experiment.spec import experiments_dir, unreadable_specs

    if args[0] == "--list":
        names = list_specs()
        for line in unreadable_specs():  # a broken spec is named, the others still listed
            print(f"warning: {line}", file=sys.stderr)
        if names:
            print("\n".join(names))
        else:
            print(f"no experiment specs in {experiments_dir()} (each is <name>/spec.yaml)", file=sys.stderr)
        return 0

    def one_experiment() -> int:
        result, out = run_named(args[0], args[1:], echo=lambda s: print(s, flush=True))
        if result is not None and result.failed:
            raise JobsFailed(f"{len(result.failed)} of {len(result.spec.scenarios)} scenario(s) failed "
                             f"({', '.join(result.failed)}): left out of the comparison, marked in "
                             f"{out / 'scenarios.csv'}")
        return 0

    return exit_code("sim.experiment", one_experiment)


def run_script(script: str) -> None:
    """``experiments/<name>/run.py [overrides...]``: run the spec beside the script, exit with its code."""
    raise SystemExit(ending(main([Path(script).resolve().parent.name, *sys.argv[1:]])))


if __name__ == "__main__":
    raise SystemExit(ending(main()))
