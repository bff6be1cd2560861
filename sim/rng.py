"""Named random streams (after Starsim): each quantity draws from its own stream.

A stream is keyed by (seed, replication, name), so adding a stream, or changing a
lever that only affects how a draw is used, leaves every other stream untouched.
"""

from __future__ import annotations

import hashlib

import numpy as np


def _name_key(name: str) -> int:
    # a stable hash (Python's hash() is salted per process)
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "little")


def stream(seed: int, name: str, replication: int = 0) -> np.random.Generator:
    """The generator for one named quantity of one replication."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, replication, _name_key(name)])))


class Streams:
    """A factory of named streams for one (seed, replication)."""

    def __init__(self, seed: int, replication: int = 0) -> None:
        self.seed = seed
        self.replication = replication

    def __call__(self, name: str) -> np.random.Generator:
        return stream(self.seed, name, self.replication)
