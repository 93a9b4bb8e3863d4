"""`state.json`: where each component stands now, and the effects of the last runs applied to it.

Applying a run (checker.derived.timeline) is a pure function of (state, run, bundle), and the state a set
of runs leads to does not depend on the order they arrived in: runs are placed in one *canonical
order* (see `checker.derived.timeline.position`), and each component keeps its last few samples (`window`)
with the decision from before them (`base`), so a sample that arrives after a canonically later one
(another region's run that finished first, a run recovered after its process was killed) is put in
its place and the component's timeline is decided again from `base`. The incremental path and
`rollup --rebuild` (every run, in canonical order, in memory) therefore agree exactly.

Besides the new state, a run yields its *effects*: the status transitions, and the time segments
and samples that go into the daily rollups (with the stretches of timeline a re-decision
replaced). The effects of the last few runs are kept in the state, so a retried invocation can
finish the rollup writes without counting anything twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from pydantic import Field

from checker.results import Run, SampleStatus
from checker.strict_model import StoredModel
from checker.vocabulary import ComponentStatus

STATE_KEY = "state.json"


class RegionSample(StoredModel):
    status: SampleStatus
    at: datetime


class WindowSample(StoredModel):
    """One sample of a component, as the timeline needs it."""

    position: str
    """The run's canonical position (see `checker.derived.timeline.position`)."""
    region: str
    at: datetime
    """When the run started: the sample's time in the timeline."""
    status: SampleStatus
    checked_at: datetime
    latency_ms: float | None = None
    code: int | None = None
    reason: str | None = None
    stated: ComponentStatus | None = Field(default=None, exclude_if=lambda v: v is None)
    """A status another status page stated (`statuspage` checks): the decision, as it is."""


class Decision(StoredModel):
    """Where a component stands after some samples."""

    status: ComponentStatus
    """Measured status after quorum and flap control."""
    since: datetime
    """When `status` began."""
    evaluated_at: datetime
    """The last time the status was decided; the next decision closes the segment that starts here."""
    consecutive_down: int = 0
    consecutive_up: int = 0
    regions: dict[str, RegionSample] = {}
    """Each region's latest sample, for the quorum."""
    last_checked_at: datetime
    last_latency_ms: float | None = None
    last_code: int | None = None
    last_reason: str | None = None


class ComponentState(Decision):
    base: Decision | None = None
    """The decision before the first sample of `window` (None: the component had none)."""
    window: list[WindowSample] = []
    """The last WINDOW samples (checker.derived.timeline), in canonical order; the decision above is `base`
    and these."""


class Transition(StoredModel):
    """A change of measured status, reported once (alerts are sent from these)."""

    component: str
    old: ComponentStatus | None
    """None when the component had no status yet (its first run found it not operational)."""
    new: ComponentStatus
    at: datetime
    previous_lasted_seconds: float | None
    """How long `old` had lasted; None when there was no old status."""
    reason: str | None = None
    """Why the sample that caused it was not up (`expected 200, got 503`), when it was not."""


class SampleFact(StoredModel):
    """The part of a sample the rollups need."""

    component: str
    status: SampleStatus
    at: datetime
    latency_ms: float | None


class SegmentFact(StoredModel):
    component: str
    start: datetime
    end: datetime
    status: ComponentStatus


class RunEffects(StoredModel):
    run_id: str
    region: str
    at: datetime
    offline: bool
    transitions: list[Transition]
    samples: list[SampleFact]
    """Empty in `state.json` (the run object has them); filled in when the run is applied."""
    segments: list[SegmentFact]
    replaced: list[SegmentFact] = []
    """Stretches of timeline decided again because the run arrived late: cleared before
    `segments` are added."""
    decided_again: list[SegmentFact] = []
    """The part of `segments` that other runs record (a run placed late decides the runs around
    it again): painted like the rest, but a day does not list this run for them."""
    clock_steps: list[str] = []
    """Components whose timeline this run took up again at its own time (its clock is more than
    CLOCK_STEP behind their last decision)."""

    @classmethod
    def none_yet(cls, run: Run) -> RunEffects:
        """The effects of `run` before it is applied: nothing recorded."""
        return cls(
            run_id=run.id,
            region=run.region,
            at=run.started_at,
            offline=run.offline,
            transitions=[],
            samples=[],
            segments=[],
        )


class State(StoredModel):
    format: Literal[2] = 2
    components: dict[str, ComponentState] = {}
    applied: list[str] = []
    """Canonical positions of the recently applied runs, in canonical order."""
    sequence: int = 0
    """The highest `sequence` among the applied runs; the next run started takes one more."""
    recent: list[RunEffects] = []
    """Effects of the last few runs, oldest first."""
    open_days: list[str] = []
    """Days (`YYYY-MM-DD`) with rollup changes not yet folded into the history."""

    def effects_of(self, run_id: str) -> RunEffects | None:
        return next((e for e in self.recent if e.run_id == run_id), None)

    def has_applied(self, run_id: str) -> bool:
        return run_id in self.applied_ids()

    def applied_ids(self) -> set[str]:
        return {entry.split(" ", 2)[2] for entry in self.applied}


def touched_days(effects: RunEffects) -> list[str]:
    """The days (`YYYY-MM-DD`) whose rollups the run's effects change."""
    days = {fact.at.date().isoformat() for fact in effects.samples}
    return sorted(days | segment_days([*effects.segments, *effects.replaced]))


def segment_days(segments: list[SegmentFact]) -> set[str]:
    """The days (`YYYY-MM-DD`) the segments lie on."""
    days: set[str] = set()
    for segment in segments:
        days |= _days_between(segment.start, segment.end)
    return days


def _days_between(start: datetime, end: datetime) -> set[str]:
    days = set()
    day = start.date()
    last = (end - timedelta(microseconds=1)).date()
    while day <= last:
        days.add(day.isoformat())
        day += timedelta(days=1)
    return days
