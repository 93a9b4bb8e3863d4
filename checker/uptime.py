"""The uptime math: time-weighted, with declared incidents and maintenance laid over measurements.

A measured *segment* is a stretch of time in one status (`(start, end, status)`, epoch seconds).
Over any window:
- time inside maintenance is left out altogether (neither observed nor no data);
- elsewhere the status is the worst of the measured one and those declared by open incidents;
  a declared status counts even where nothing was measured (the incident says what happened);
- time with neither a measurement nor a declaration is *no data*, outside the denominator;
- uptime = 1 - Σ(seconds × weight of status) / observed seconds.
docs/uptime.md explains the same for the public.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from checker.bundle import Bundle
from checker.vocabulary import DEFAULT_DOWNTIME_WEIGHTS, OUTAGE_STATUSES, SEVERITY

Segment = tuple[float, float, str]
"""(start, end, component status), times in epoch seconds, end exclusive."""

# `operational` is listed too, as it always was: the closed days' figures are keyed by these weights
# (`checker.derived.closed`), so leaving it out would make them all again.
DEFAULT_WEIGHTS: dict[str, float] = dict(DEFAULT_DOWNTIME_WEIGHTS.items(), operational=0.0)


@dataclass
class Tally:
    """What a window is made of; tallies of adjacent windows add up."""

    observed: float = 0.0
    downtime: float = 0.0
    """Weighted downtime seconds."""
    no_data: float = 0.0
    maintenance: float = 0.0
    outage: float = 0.0
    """Unweighted seconds in partial or major outage."""
    worst: str | None = None
    """Worst status seen (measured, declared or maintenance); None when nothing was."""

    def add(self, other: Tally) -> None:
        self.observed += other.observed
        self.downtime += other.downtime
        self.no_data += other.no_data
        self.maintenance += other.maintenance
        self.outage += other.outage
        self.worst = _worse(self.worst, other.worst)

    @property
    def uptime(self) -> float | None:
        return uptime_ratio(self.observed, self.downtime)


def uptime_ratio(observed: float, downtime: float) -> float | None:
    """1 - downtime / observed; None when nothing was observed."""
    if observed <= 0:
        return None
    return max(0.0, 1.0 - downtime / observed)


def tally(
    measured: Iterable[Segment],
    declared: Iterable[Segment],
    start: float,
    end: float,
    weights: Mapping[str, float] = DEFAULT_WEIGHTS,
) -> Tally:
    """The tally of [start, end) from measured segments (sorted, not overlapping) and declared ones
    (any order, may overlap; `under_maintenance` marks maintenance)."""
    out = Tally()
    if end <= start:
        return out
    clipped = [(max(s, start), min(e, end), st) for s, e, st in measured if e > start and s < end]
    decl = [(max(s, start), min(e, end), st) for s, e, st in declared if e > start and s < end]
    if not decl:
        # The common case (no incident in the window) is a plain sum.
        covered = 0.0
        for s, e, status in clipped:
            _count(out, e - s, status, weights)
            covered += e - s
        out.no_data = max(0.0, (end - start) - covered)
        return out
    points = sorted({start, end, *(p for s, e, _ in clipped for p in (s, e)), *(p for s, e, _ in decl for p in (s, e))})
    index = 0
    for a, b in itertools.pairwise(points):
        while index < len(clipped) and clipped[index][1] <= a:
            index += 1
        seen = clipped[index][2] if index < len(clipped) and clipped[index][0] <= a else None
        said = [st for s, e, st in decl if s <= a and e >= b]
        if "under_maintenance" in said:
            out.maintenance += b - a
            out.worst = _worse(out.worst, "under_maintenance")
            continue
        statuses = [st for st in [seen, *said] if st is not None]
        if not statuses:
            out.no_data += b - a
            continue
        _count(out, b - a, max(statuses, key=SEVERITY.__getitem__), weights)
    return out


def _count(out: Tally, seconds: float, status: str, weights: Mapping[str, float]) -> None:
    out.observed += seconds
    out.downtime += seconds * weights.get(status, 0.0)
    if status in OUTAGE_STATUSES:
        out.outage += seconds
    out.worst = _worse(out.worst, status)


def _worse(a: str | None, b: str | None) -> str | None:
    if a is None:
        return b
    if b is None:
        return a
    return a if SEVERITY[a] >= SEVERITY[b] else b


def format_uptime(ratio: float) -> str:
    """`99.31%`: two decimals, rounded, but never shown as 100.00% unless it is exactly 1."""
    percent = ratio * 100
    shown = round(percent, 2)
    if shown >= 100 and ratio < 1:
        shown = math.floor(percent * 100) / 100
        shown = min(shown, 99.99)
    return f"{shown:.2f}%"


def declared_segments(bundle: Bundle, component_id: str, now: datetime) -> list[Segment]:
    """The stretches during which incidents and maintenance set `component_id`'s status.

    An unresolved incident runs until `now`. Maintenance runs from its start (scheduled, or
    started early) to its end (scheduled, or completed early).
    """
    out: list[Segment] = []
    limit = now.timestamp()
    for incident in bundle.incidents:
        status = incident.components.get(component_id)
        if status is None:
            continue
        start = incident.started_at().timestamp()
        resolved = incident.resolved_at()
        end = min(resolved.timestamp() if resolved else limit, limit)
        if end > start:
            out.append((start, end, status))
    return out
