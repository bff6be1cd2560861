"""The one error type a user ever sees: a bad config key or input file row."""

from __future__ import annotations


class ConfigError(ValueError):
    """A config key or file row is wrong; the message is one line naming it and why.

    The command line prints ``gridsim: error: <message>`` and exits with code 2.
    """

    def __init__(self, key: str, problem: str) -> None:
        self.key = key
        self.problem = problem
        super().__init__(f"{key}: {problem}")
