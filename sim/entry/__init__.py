"""Entry points: the ``gridsim`` command's subcommands and the Hydra application."""
