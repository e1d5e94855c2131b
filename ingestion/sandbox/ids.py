"""Deterministic hashing helpers: every simulated value derives from a hash of its inputs.

Nothing in the sandbox uses global random state, so the same (seed, id, date) always gives the
same value, whatever order requests arrive in and however many threads serve them.
"""

from __future__ import annotations

import hashlib
import re

BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
ID_RE = re.compile(r"^[0-9A-Za-z]{22}$")


def h64(*parts: object) -> int:
    """A 64-bit integer hash of the parts (stable across processes, unlike hash())."""
    text = "\x1f".join(str(p) for p in parts).encode()
    return int.from_bytes(hashlib.blake2b(text, digest_size=8).digest(), "big")


def unit(*parts: object) -> float:
    """A hash mapped to [0, 1)."""
    return h64(*parts) / 2**64


def pick(seq, *parts: object):
    """A deterministic choice from a sequence."""
    return seq[h64(*parts) % len(seq)]


def between(low: int, high: int, *parts: object) -> int:
    """A deterministic integer in [low, high]."""
    return low + h64(*parts) % (high - low + 1)


def spotify_id(*parts: object) -> str:
    """A 22-character base-62 id, like Spotify's (62**22 > 2**128, so 16 bytes fit)."""
    text = "\x1f".join(str(p) for p in parts).encode()
    n = int.from_bytes(hashlib.blake2b(text, digest_size=16).digest(), "big")
    chars = []
    for _ in range(22):
        n, r = divmod(n, 62)
        chars.append(BASE62[r])
    return "".join(reversed(chars))


def is_valid_id(value: str) -> bool:
    return bool(ID_RE.match(value))
