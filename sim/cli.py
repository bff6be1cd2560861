"""``gridsim``: run a scenario from the command line (Hydra override syntax).

    gridsim                                   # the default scenario (county preset)
    gridsim territory=township engine=agent   # a township in detail
    gridsim run.simulate=false territory=city # capacity check only
    gridsim serve                             # the workbench page on http://127.0.0.1:8501

A bad config or file prints one line naming the key and exits with code 2.
"""

from __future__ import annotations

import sys

from sim.errors import exit_code

USAGE = __doc__ or ""


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "serve":  # the workbench page (sim/app)
        from sim.app.serve import main as serve

        return serve(args[1:])
    if any(a in ("-h", "--help") for a in args):
        print(USAGE.strip())
        return 0
    if "-m" in args or "--multirun" in args:  # a sweep: hand over to the Hydra app
        from sim.sweep.app import main as multirun

        return multirun(args)
    from sim.store import run_cached  # imported late so that --help is instant; sim.run, or the store's answer

    def one_run() -> int:
        result, _stored = run_cached(args, echo=print, source="cli")
        print(f"results: {result.out_dir}")
        return 0

    return exit_code("gridsim", one_run)


if __name__ == "__main__":
    raise SystemExit(main())
