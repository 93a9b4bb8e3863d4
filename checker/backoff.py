"""How long to wait before trying again: the one exponential backoff of alert and notification retries.

(S3 requests are retried by botocore, with its own jittered backoff: see `checker.aws`.)
"""

from __future__ import annotations

import math


def delay(attempt: int, *, base: float, cap: float = math.inf) -> float:
    """Seconds before retry number `attempt` (0 for the first retry): `base`, doubled for each
    retry before it, never more than `cap`."""
    return min(base * 2.0**attempt, cap)
