"""``gridsim``: run a scenario from the command line (Hydra override syntax).

    gridsim                                   # the default scenario (county preset)
    gridsim territory=township engine=agent   # a township in detail
    gridsim run.simulate=false territory=city # capacity check only

A bad config or file prints one line naming the key and exits with code 2.
"""

from __future__ import annotations

import sys

from sim.errors import exit_code
from sim.interrupt import install as install_sigterm

USAGE = __doc__ or ""


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    install_sigterm()  # SIGTERM cleans up like Ctrl-C (sim/interrupt.py)
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


if __name__ == "__main__":
    raise SystemExit(main())
