"""Ids derived from content, shaped as Statuspage's are, so they stay the same across builds."""

from __future__ import annotations

import hashlib


def stable_id(*parts: str) -> str:
    """A 12-character lower-case base36 id derived from `parts`, as Statuspage ids look.

    Derived rather than random so that the same incident keeps its id across builds and machines.
    """
    number = int.from_bytes(hashlib.sha256("\x1f".join(parts).encode()).digest()[:8], "big")
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    for _ in range(12):
        number, rest = divmod(number, 36)
        out += digits[rest]
    return out
