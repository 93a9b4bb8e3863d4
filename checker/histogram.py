"""A mergeable latency histogram: percentiles over any window from per-day (or per-hour) pieces.

Buckets grow geometrically by GAMMA, so every latency is known to within a fixed relative error
whatever its size (the DDSketch idea): a value v falls in bucket i with GAMMA**(i-1) < v <= GAMMA**i
and is reported as 2 * GAMMA**i / (GAMMA + 1), at most (GAMMA - 1) / (GAMMA + 1) ≈ 4.8% away.
Merging is adding counts, so days combine into weeks exactly as if measured together.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

GAMMA = 1.1
RELATIVE_ERROR = (GAMMA - 1) / (GAMMA + 1)
_LOG_GAMMA = math.log(GAMMA)
_SMALLEST_MS = 0.01
"""Latencies at or below this (10 µs) share one bucket; nothing real is that fast."""


class Histogram:
    """Counts of latencies (milliseconds) by bucket index; stored as `{"index": count}`."""

    def __init__(self, counts: Mapping[int, int] | None = None) -> None:
        self.counts: dict[int, int] = dict(counts or {})

    @classmethod
    def from_json(cls, data: Mapping[str, int] | None) -> Histogram:
        return cls({int(k): v for k, v in (data or {}).items()})

    def to_json(self) -> dict[str, int]:
        return {str(k): self.counts[k] for k in sorted(self.counts)}

    def add(self, latency_ms: float, count: int = 1) -> None:
        index = bucket_of(latency_ms)
        self.counts[index] = self.counts.get(index, 0) + count

    def quantile(self, q: float) -> float | None:
        """The latency below which a share `q` of the samples fall; None when empty."""
        return quantiles(self.counts, (q,))[0]


def bucket_of(latency_ms: float) -> int:
    return math.ceil(math.log(max(latency_ms, _SMALLEST_MS)) / _LOG_GAMMA)


def bucket_value(index: int) -> float:
    """The representative latency of a bucket, rounded to 0.01 ms for stable JSON."""
    return round(2 * GAMMA**index / (GAMMA + 1), 2)


def merged(pieces: Iterable[Mapping[str, int] | None]) -> Histogram:
    return Histogram(counts_of(piece or {} for piece in pieces))


def counts_of(pieces: Iterable[Mapping[str, int]]) -> dict[int, int]:
    """Stored histograms (`{"index": count}`) merged into counts by bucket index."""
    total: dict[str, int] = {}
    for piece in pieces:  # summed by the stored keys first: converting each one costs more
        for key, count in piece.items():
            total[key] = total.get(key, 0) + count
    counts: dict[int, int] = {}
    for key, count in total.items():
        counts[int(key)] = counts.get(int(key), 0) + count
    return counts


def add_counts(total: dict[int, int], more: Mapping[int, int]) -> None:
    for index, count in more.items():
        total[index] = total.get(index, 0) + count


def quantiles(counts: Mapping[int, int], qs: tuple[float, ...]) -> list[float | None]:
    """Several percentiles of a histogram in one pass (bucket index -> count)."""
    total = sum(counts.values())
    if total == 0:
        return [None for _ in qs]
    out: list[float | None] = []
    ordered = sorted(counts.items())
    position, seen = 0, ordered[0][1]
    for q in qs:  # qs ascending
        rank = q * (total - 1)
        while seen <= rank:
            position += 1
            seen += ordered[position][1]
        out.append(bucket_value(ordered[position][0]))
    return out
