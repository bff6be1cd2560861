"""Named random streams (after Starsim): each quantity draws from its own stream.

A stream is keyed by (seed, replication, name), so adding a stream, or changing a
lever that only affects how a draw is used, leaves every other stream untouched.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Iterator

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

    def within(self, prefix: str) -> Streams:
        """The streams named ``prefix + name``: a part's own (a county's matters), independent of the others'."""
        return _Prefixed(self.seed, self.replication, prefix) if prefix else self


class _Prefixed(Streams):
    def __init__(self, seed: int, replication: int, prefix: str) -> None:
        super().__init__(seed, replication)
        self.prefix = prefix

    def __call__(self, name: str) -> np.random.Generator:
        return stream(self.seed, self.prefix + name, self.replication)


#: draws per piece in ``uniform_pieces`` (a buffer that stays in cache)
PIECE = 1 << 15


def ahead(rng: np.random.Generator, k: int) -> np.random.Generator:
    """A generator whose draws are rng's from draw k on (64-bit draws, as float64 uniforms use); rng unmoved."""
    bg = copy.deepcopy(rng.bit_generator)
    if k:
        if isinstance(bg, np.random.PCG64):
            bg.advance(k)
        else:  # no jump-ahead: draw and drop
            for _ in uniform_pieces(np.random.Generator(bg), k):
                pass
    return np.random.Generator(bg)


def skip(rng: np.random.Generator, k: int) -> None:
    """Move rng on by k float64 draws, as if they had been drawn (the cached half of a 64-bit draw kept)."""
    bg = rng.bit_generator
    if not isinstance(bg, np.random.PCG64):
        for _ in uniform_pieces(rng, k):
            pass
        return
    state = bg.state  # a fresh dict each time
    bg.advance(k)  # this drops the cached half, which float64 draws never touch
    moved = bg.state
    moved["has_uint32"], moved["uinteger"] = state["has_uint32"], state["uinteger"]
    bg.state = moved


def uniform_pieces(rng: np.random.Generator, n: int, size: int = PIECE) -> Iterator[tuple[int, int, np.ndarray]]:
    """``rng.random(n)`` piece by piece: (lo, hi, u) with u == rng.random(n)[lo:hi].

    Consecutive draws continue the stream, so the pieces are exactly the one big
    draw, without its [n] float64 array. ``u`` is one reused buffer: use it before
    asking for the next piece.
    """
    buf = np.empty(min(n, size))
    for lo in range(0, n, size):
        hi = min(lo + size, n)
        u = buf[: hi - lo]
        rng.random(out=u)
        yield lo, hi, u


def uniform_range(rng: np.random.Generator, lo: int, hi: int, size: int = PIECE
                  ) -> Iterator[tuple[int, int, np.ndarray]]:
    """Draws lo..hi-1 of ``rng.random(N)`` (N >= hi) piece by piece, as (a, b, u) with a, b in lo..hi; rng unmoved.

    Ranges of one stream can so be drawn side by side, each exactly as the whole draw.
    """
    for a, b, u in uniform_pieces(ahead(rng, lo), hi - lo, size):
        yield lo + a, lo + b, u
