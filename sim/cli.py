"""``gridsim``: run a scenario from the command line (Hydra override syntax).

    gridsim                                   # the default scenario (county preset)
    gridsim territory=township engine=agent   # a township in detail
    gridsim run.simulate=false territory=city # capacity check only
    gridsim -m territory=township staffing.fulltime_per_grid=1,2,3   # a sweep
    gridsim calibrate ARGS                    # subcommands, before Hydra
    gridsim serve ARGS

A bad config or file prints one line naming the key and exits with code 2.
"""

from __future__ import annotations

import importlib
import sys

from sim.errors import exit_code

USAGE = __doc__ or ""

#: ``gridsim <name> ARGS`` runs ``<module>:main(ARGS)`` (imported only when asked for)
SUBCOMMANDS: dict[str, str] = {"calibrate": "sim.calibrate.cli", "serve": "sim.app.serve"}


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in SUBCOMMANDS:
        return subcommand(args[0], args[1:])
    if any(a in ("-h", "--help") for a in args):
        print(USAGE.strip())
        return 0
    if "-m" in args or "--multirun" in args:  # a sweep: hand over to the Hydra app
        from sim.sweep.app import main as multirun

        return multirun(args)
    from sim.api import run  # imported late so that --help is instant


    def one_run() -> int:
        result = run(args, echo=print)
        print(f"results: {result.out_dir}")
        return 0

    return exit_code("gridsim", one_run)


def subcommand(name: str, args: list[str]) -> int:
    """Run ``gridsim <name> ARGS``; 2 with one line when this installation lacks it."""
    module_name = SUBCOMMANDS[name]
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as e:
        if e.name is None or not (module_name + ".").startswith(e.name + "."):  # a missing dependency of the module
            raise
        print(f"gridsim: error: {name}: this installation has no '{name}' command ({module_name} is missing)",
              file=sys.stderr)
        return 2
    return int(module.main(args))


if __name__ == "__main__":
    raise SystemExit(main())
