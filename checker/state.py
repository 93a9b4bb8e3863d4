"""`state.json`: where each component stands now, and applying one run to it.

Applying a run is a pure function of (state, run, bundle), so the incremental path (one run at a
time, read-modify-write in the store) and `rollup --rebuild` (every run, in memory) agree exactly.
Besides the new state it yields the run's *effects*: the status transitions and the time segments
and samples that go into the daily rollups. The effects of the last few runs are kept in the state,
so a retried invocation can finish the rollup writes without counting anything twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict

from checker.bundle import Bundle, ComponentStatus
from checker.results import Run, SampleStatus
from checker.status import flap_step, quorum_status

STATE_KEY = "state.json"
KEEP_RUN_IDS = 1500
"""Run ids remembered for de-duplication: a day of one-minute runs."""
KEEP_EFFECTS = 10
"""Runs whose effects are kept, to finish the rollup writes of a retried invocation."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RegionSample(_Model):
    status: SampleStatus
    at: datetime


class ComponentState(_Model):
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


class Transition(_Model):
    """A change of measured status, reported once per run id (alerts are sent from these)."""

    component: str
    old: ComponentStatus | None
    """None when the component had no status yet (its first run found it not operational)."""
    new: ComponentStatus
    at: datetime
    previous_lasted_seconds: float | None
    """How long `old` had lasted; None when there was no old status."""
    reason: str | None = None
    """Why the sample that caused it was not up (`expected 200, got 503`), when it was not."""


class SampleFact(_Model):
    """The part of a sample the rollups need."""

    component: str
    status: SampleStatus
    at: datetime
    latency_ms: float | None


class SegmentFact(_Model):
    component: str
    start: datetime
    end: datetime
    status: ComponentStatus


class RunEffects(_Model):
    run_id: str
    region: str
    at: datetime
    offline: bool
    transitions: list[Transition]
    samples: list[SampleFact]
    """Empty in `state.json` (the run object has them); filled in when the run is applied."""
    segments: list[SegmentFact]


class State(_Model):
    format: Literal[1] = 1
    components: dict[str, ComponentState] = {}
    run_ids: list[str] = []
    """Recently applied run ids, oldest first."""
    recent: list[RunEffects] = []
    """Effects of the last few runs, oldest first."""
    open_days: list[str] = []
    """Days (`YYYY-MM-DD`) with rollup changes not yet folded into the history."""
    pruned_before: str | None = None
    """Raw runs before this day have been deleted (local store retention)."""

    def effects_of(self, run_id: str) -> RunEffects | None:
        return next((e for e in self.recent if e.run_id == run_id), None)


def apply_run(state: State, run: Run, bundle: Bundle) -> tuple[State, RunEffects]:
    """`state` with `run` applied (changed in place and returned) and the run's effects.

    A run already applied changes nothing and yields its remembered effects without transitions.
    """
    checked = {c.id: c for c in bundle.components if c.check is not None}
    if run.id in state.run_ids:
        known = state.effects_of(run.id)
        effects = known or RunEffects(run_id=run.id, region=run.region, at=run.started_at,
                                      offline=run.offline, transitions=[], samples=[], segments=[])
        return state, effects.model_copy(update={"transitions": [],
                                                 "samples": _facts(run, checked)})
    settings = bundle.checker
    interval = settings.interval
    transitions: list[Transition] = []
    samples = _facts(run, checked)
    segments: list[SegmentFact] = []
    # An offline run says nothing about the components: record it, evaluate nothing.
    for sample in [] if run.offline else run.samples:
        component = checked.get(sample.component)
        if component is None or component.check is None:
            continue
        at = run.started_at
        current = state.components.get(sample.component)
        regions = dict(current.regions) if current else {}
        previous = regions.get(run.region)
        if previous is None or previous.at < at:
            regions[run.region] = RegionSample(status=sample.status, at=at)
        if current is not None and at <= current.evaluated_at:
            # A late run (another region's or an overlapping run's decision came first): its
            # sample still votes next time and counts in the rollup; the timeline stays as it is.
            current.regions = regions
            continue
        if settings.regions:
            latest = {r: (s.status, s.at) for r, s in regions.items()}
            observed = quorum_status(latest, now=at, interval=interval, quorum=settings.quorum)
        else:
            observed = sample.status
        if observed is None:
            if current is not None:
                current.regions = regions
            continue
        failure = component.check.failure_threshold or settings.failure_threshold
        success = component.check.success_threshold or settings.success_threshold
        status, downs, ups = flap_step(
            current.status if current else None,
            current.consecutive_down if current else 0,
            current.consecutive_up if current else 0,
            observed, failure_threshold=failure, success_threshold=success,
        )
        since = at
        if current is None and status != "operational":
            transitions.append(Transition(component=sample.component, old=None, new=status, at=at,
                                          previous_lasted_seconds=None, reason=sample.reason))
        if current is not None:
            end = min(at, _plus(current.evaluated_at, 2 * interval))
            if end > current.evaluated_at:
                segments.append(SegmentFact(component=sample.component, start=current.evaluated_at,
                                            end=end, status=current.status))
            since = current.since
            if status != current.status:
                transitions.append(Transition(
                    component=sample.component, old=current.status, new=status, at=at,
                    previous_lasted_seconds=round((at - current.since).total_seconds(), 3),
                    reason=sample.reason,
                ))
                since = at
        state.components[sample.component] = ComponentState(
            status=status, since=since, evaluated_at=at, consecutive_down=downs,
            consecutive_up=ups, regions=regions, last_checked_at=sample.at,
            last_latency_ms=sample.latency_ms, last_code=sample.code, last_reason=sample.reason,
        )
    effects = RunEffects(run_id=run.id, region=run.region, at=run.started_at, offline=run.offline,
                         transitions=transitions, samples=samples, segments=segments)
    state.run_ids = [*state.run_ids, run.id][-KEEP_RUN_IDS:]
    # The samples are in the run object; only what cannot be recomputed later is remembered.
    remembered = effects.model_copy(update={"samples": []})
    state.recent = [*state.recent, remembered][-KEEP_EFFECTS:]
    state.open_days = sorted(set(state.open_days) | set(touched_days(effects)))
    return state, effects


def _facts(run: Run, checked: Mapping[str, object]) -> list[SampleFact]:
    """The samples of an online run that count (components that have a check)."""
    if run.offline:
        return []
    return [SampleFact(component=s.component, status=s.status, at=s.at, latency_ms=s.latency_ms)
            for s in run.samples if s.component in checked]


def touched_days(effects: RunEffects) -> list[str]:
    """The days (`YYYY-MM-DD`) whose rollups the run's effects change."""
    days = {fact.at.date().isoformat() for fact in effects.samples}
    for segment in effects.segments:
        days |= _days_between(segment.start, segment.end)
    return sorted(days)


def _plus(moment: datetime, seconds: float) -> datetime:
    return moment + timedelta(seconds=seconds)


def _days_between(start: datetime, end: datetime) -> set[str]:
    days = set()
    day = start.date()
    last = (end - timedelta(microseconds=1)).date()
    while day <= last:
        days.add(day.isoformat())
        day += timedelta(days=1)
    return days
