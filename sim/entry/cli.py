"""``gridsim``: run a scenario from the command line (Hydra override syntax).

    gridsim                                   # the default scenario (county preset)
    gridsim territory=township engine=agent   # a township in detail
    gridsim run.simulate=false territory=city # capacity check only
    gridsim -m territory=township staffing.fulltime_per_grid=1,2,3   # a sweep
    gridsim calibrate ARGS                    # subcommands, before Hydra
    gridsim serve ARGS
    gridsim serve                             # the workbench page on http://127.0.0.1:8501

Everything but a subcommand goes to the one Hydra application (``sim/entry/hydra_app.py``), so
Hydra's flags work too: ``--help``, ``--cfg job``, ``--info``, ``hydra.run.dir=...``.
A bad config or file prints one line naming the key and exits with code 2.
"""

from __future__ import annotations

import importlib
import sys

from sim.util.errors import exit_code
from sim.util.interrupt import install as install_sigterm
from sim.util.process_exit import ending

#: ``gridsim <name> ARGS`` runs ``<module>:main(ARGS)`` (imported only when asked for)
SUBCOMMANDS: dict[str, str] = {"calibrate": "sim.calibrate.cli", "serve": "sim.app.serve"}


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    install_sigterm()  # SIGTERM cleans up like Ctrl-C, in a subcommand too (sim/util/interrupt.py)
    if args and args[0] in SUBCOMMANDS:
        # the subcommand's own exit_code answers for it; this one for a signal while it is imported
        return exit_code(f"gridsim {args[0]}", lambda: subcommand(args[0], args[1:]))
    return exit_code("gridsim", lambda: _hydra_app(args))


def command() -> int:
    """The installed ``gridsim`` command: ``main`` on ``sys.argv``, its process then ending without the
    interpreter's last garbage collection (``sim.util.process_exit``)."""
    return ending(main())


def _hydra_app(args: list[str]) -> int:
    from sim.entry.hydra_app import main as hydra_app  # imported here so that subcommands do not load Hydra

    return hydra_app(args)


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
    raise SystemExit(command())
