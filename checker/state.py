"""`state.json`: where each component stands now, and applying one run to it.

Applying a run is a pure function of (state, run, bundle), and the state a set of runs leads to
does not depend on the order they arrived in: runs are placed in one *canonical order* (see
`position`), and each component keeps its last few samples (`window`) with the decision from
before them (`base`), so a sample that arrives after a canonically later one (another region's
run that finished first, a run recovered after its process was killed) is put in its place and the
component's timeline is decided again from `base`. The incremental path and `rollup --rebuild`
(every run, in canonical order, in memory) therefore agree exactly.

Besides the new state, a run yields its *effects*: the status transitions, and the time segments
and samples that go into the daily rollups (with the stretches of timeline a re-decision
replaced). The effects of the last few runs are kept in the state, so a retried invocation can
finish the rollup writes without counting anything twice.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from checker.bundle import Bundle, CheckerSettings, Component
from checker.results import Run, SampleStatus
from checker.status import flap_step, quorum_status
from checker.vocabulary import ComponentStatus

STATE_KEY = "state.json"
KEEP_RUN_IDS = 1500
"""Runs remembered for de-duplication: a day of one-minute runs."""
KEEP_EFFECTS = 10
"""Runs whose effects are kept, to finish the rollup writes of a retried invocation."""
WINDOW = 6
"""Samples per component that a late run can still be placed among: a run later than this many
samples of the same component (in canonical order) makes the checker rebuild from `runs/`."""
CLOCK_STEP = 600.0
"""Seconds a run's clock may be behind the component's last decision and still count as on time
(slow regions, overlapping runs): its decision is then made at the last one's time. A run further
behind means a clock stepped: the timeline is taken up again at the run's own time."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RegionSample(_Model):
    status: SampleStatus
    at: datetime


class WindowSample(_Model):
    """One sample of a component, as the timeline needs it."""

    position: str
    """The run's canonical position (see `position`)."""
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


class Decision(_Model):
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
    """The last WINDOW samples, in canonical order; the decision above is `base` and these."""


class Transition(_Model):
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
    replaced: list[SegmentFact] = []
    """Stretches of timeline decided again because the run arrived late: cleared before
    `segments` are added."""
    clock_steps: list[str] = []
    """Components whose timeline this run took up again at its own time (its clock is more than
    CLOCK_STEP behind their last decision)."""


class State(_Model):
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


class TooLate(Exception):
    """A run belongs before more of a component's samples than the state keeps (WINDOW): only a
    rebuild from `runs/` can place it."""


def position(run: Run) -> str:
    """The run's place in the canonical order, as a string that sorts in that order: its
    `sequence` (runs started after another was applied come after it, whatever their clocks
    say), then its start time, then its id."""
    return f"{run.sequence:012d} {run.started_at.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%S.%f')} {run.id}"


def apply_run(state: State, run: Run, bundle: Bundle) -> tuple[State, RunEffects]:
    """`state` with `run` applied (changed in place and returned) and the run's effects.

    A run already applied changes nothing and yields its remembered effects without transitions.
    Raises TooLate when the run must be placed further back than the state remembers.
    """
    checked = {c.id: c for c in bundle.components if c.check is not None}
    at = position(run)
    if _contains(state.applied, at):
        known = state.effects_of(run.id)
        effects = known or RunEffects(run_id=run.id, region=run.region, at=run.started_at,
                                      offline=run.offline, transitions=[], samples=[], segments=[])
        return state, effects.model_copy(update={"transitions": [],
                                                 "samples": _facts(run, checked)})
    effects = RunEffects(run_id=run.id, region=run.region, at=run.started_at, offline=run.offline,
                         transitions=[], samples=_facts(run, checked), segments=[])
    canonical: list[tuple[str, WindowSample, RunEffects]] = []
    # An offline run says nothing about the components: record it, evaluate nothing.
    for sample in [] if run.offline else run.samples:
        component = checked.get(sample.component)
        if component is None:
            continue
        entry = WindowSample(position=at, region=run.region, at=run.started_at, status=sample.status,
                             checked_at=sample.at, latency_ms=sample.latency_ms, code=sample.code,
                             reason=sample.reason, stated=sample.stated)
        current = state.components.get(component.id)
        placed = _place(current, entry, component, bundle.checker, effects, canonical)
        if placed is not None:
            state.components[component.id] = placed
    state.applied = _insert_sorted(state.applied, at)[-KEEP_RUN_IDS:]
    state.sequence = max(state.sequence, run.sequence)
    # What is remembered of each run is what it records in canonical order (as in a rebuild):
    # a run placed late makes it again for itself and the runs after it.
    remembered = {e.run_id: e for e in [*state.recent, effects.model_copy(update={"samples": []})]}
    for component_id, later, made in canonical:
        run_id = later.position.split(" ", 2)[2]
        if run_id in remembered:
            remembered[run_id] = _with_part(remembered[run_id], component_id, made)
    # The remembered runs are the canonically last ones, so their positions end `applied`.
    tail = {entry.split(" ", 2)[2]: entry for entry in state.applied[-2 * KEEP_EFFECTS:]}
    state.recent = sorted((_in_order(e) for e in remembered.values()),
                          key=lambda e: tail.get(e.run_id, ""))[-KEEP_EFFECTS:]
    state.open_days = sorted(set(state.open_days) | set(touched_days(effects)))
    return state, effects


def _contains(items: list[str], item: str) -> bool:
    """Whether the sorted `items` hold `item` (a run's stored object is the same on every read,
    so a run applied before has the same position)."""
    index = bisect.bisect_left(items, item)
    return index < len(items) and items[index] == item


def _insert_sorted(items: list[str], item: str) -> list[str]:
    result = list(items)
    bisect.insort(result, item)
    return result


def _with_part(effects: RunEffects, component: str, made: RunEffects) -> RunEffects:
    """`effects` with the part about `component` replaced by `made`'s."""
    return effects.model_copy(update={
        "segments": [s for s in effects.segments if s.component != component] + made.segments,
        "transitions": [t for t in effects.transitions if t.component != component] + made.transitions,
        "clock_steps": [c for c in effects.clock_steps if c != component] + made.clock_steps,
        "replaced": [s for s in effects.replaced if s.component != component],
    })


def _in_order(effects: RunEffects) -> RunEffects:
    """`effects` with its lists in one order, whatever order its parts were made in."""
    return effects.model_copy(update={
        "segments": sorted(effects.segments, key=lambda s: (s.component, s.start, s.end)),
        "transitions": sorted(effects.transitions, key=lambda t: (t.component, t.at)),
        "clock_steps": sorted(effects.clock_steps),
    })


def _place(current: ComponentState | None, entry: WindowSample, component: Component,
           settings: CheckerSettings, effects: RunEffects,
           canonical: list[tuple[str, WindowSample, RunEffects]]) -> ComponentState | None:
    """The component's state with `entry` in its place; its timeline's changes go to `effects`.
    When it is placed late, what each sample from it on records in canonical order is added to
    `canonical`, as effects about this component."""
    if current is None:
        decided, segments, transitions, steps = _decide(None, [entry], component, settings)
        if decided is None:
            return None  # no quorum from the only region heard so far
        decision = decided
        window = [entry]
        base = None
    elif not current.window or entry.position > current.window[-1].position:
        # In order (the usual case): one more decision after the current one.
        decided, segments, transitions, steps = _decide(_decision(current), [entry], component, settings)
        decision = decided or _decision(current)
        window = [*current.window, entry]
        base = current.base
    else:
        if entry.position < current.window[0].position and len(current.window) >= WINDOW:
            run_id = entry.position.split(" ", 2)[2]
            raise TooLate(f"run {run_id} arrived after {WINDOW} later samples of {component.id}")
        # Late: decide the window again from its base with the sample in its place. What the
        # earlier decisions recorded is replaced; transitions already reported are not repeated.
        window = sorted([*current.window, entry], key=lambda s: s.position)
        base = current.base
        _, old_segments, old_transitions, _ = _decide(base, current.window, component, settings)
        decided, segments, transitions, steps = _decide(base, window, component, settings)
        decision = decided or _decision(current)
        effects.replaced.extend(old_segments)
        step: Decision | None = base
        for sample in window:
            made = RunEffects(run_id="", region=sample.region, at=sample.at, offline=False,
                              transitions=[], samples=[], segments=[])
            decided_one, made.segments, made.transitions, made.clock_steps = _decide(
                step, [sample], component, settings)
            step = decided_one or step
            if sample.position >= entry.position:
                canonical.append((component.id, sample, made))
        reported = {(t.old, t.new, t.at) for t in old_transitions}
        transitions = [t for t in transitions if (t.old, t.new, t.at) not in reported]
    effects.segments.extend(segments)
    effects.transitions.extend(transitions)
    effects.clock_steps.extend(steps)
    while len(window) > WINDOW:
        # The oldest sample leaves the window: the base moves past it.
        base = _decide(base, window[:1], component, settings)[0] or base
        window = window[1:]
    return ComponentState(**decision.model_dump(), base=base, window=window)


def _decision(state: ComponentState) -> Decision:
    return Decision.model_validate(state.model_dump(exclude={"base", "window"}))


def _decide(
    start: Decision | None, samples: list[WindowSample], component: Component, settings: CheckerSettings,
) -> tuple[Decision | None, list[SegmentFact], list[Transition], list[str]]:
    """Decide `samples` in order from `start`: the decision after them (None if there never was
    one), the segments and transitions they recorded, and the components whose clock stepped."""
    assert component.check is not None
    interval = settings.interval
    failure = component.check.failure_threshold or settings.failure_threshold
    success = component.check.success_threshold or settings.success_threshold
    current = start
    segments: list[SegmentFact] = []
    transitions: list[Transition] = []
    steps: list[str] = []
    for sample in samples:
        at = sample.at
        regions = dict(current.regions) if current else {}
        previous = regions.get(sample.region)
        if previous is None or previous.at <= at:
            regions[sample.region] = RegionSample(status=sample.status, at=at)
        stepped = False
        if current is not None and at < current.evaluated_at:
            if (current.evaluated_at - at).total_seconds() > CLOCK_STEP:
                stepped = True  # a clock stepped: take the timeline up at this run's time
                steps.append(component.id)
            else:
                at = current.evaluated_at  # a little late: decided at the last decision's time
        if sample.stated is not None:
            # Another status page's statement, the same from every region: taken as it is.
            status = sample.stated
            downs = (current.consecutive_down if current else 0) + 1 if sample.status == "down" else 0
            ups = (current.consecutive_up if current else 0) + 1 if sample.status == "up" else 0
        else:
            if settings.regions:
                latest = {r: (s.status, s.at) for r, s in regions.items()}
                observed = quorum_status(latest, now=at, interval=interval, quorum=settings.quorum)
            else:
                observed = sample.status
            if observed is None:
                if current is not None:
                    current = current.model_copy(update={"regions": regions})
                continue
            status, downs, ups = flap_step(
                current.status if current else None,
                current.consecutive_down if current else 0,
                current.consecutive_up if current else 0,
                observed, failure_threshold=failure, success_threshold=success,
            )
        since = at
        if current is None and status != "operational":
            transitions.append(Transition(component=component.id, old=None, new=status, at=at,
                                          previous_lasted_seconds=None, reason=sample.reason))
        if current is not None:
            end = min(at, current.evaluated_at + timedelta(seconds=2 * interval))
            if end > current.evaluated_at and not stepped:
                segments.append(SegmentFact(component=component.id, start=current.evaluated_at,
                                            end=end, status=current.status))
            since = current.since
            if status != current.status:
                transitions.append(Transition(
                    component=component.id, old=current.status, new=status, at=at,
                    previous_lasted_seconds=round(max((at - current.since).total_seconds(), 0.0), 3),
                    reason=sample.reason,
                ))
                since = at
        current = Decision(
            status=status, since=since, evaluated_at=at, consecutive_down=downs,
            consecutive_up=ups, regions=regions, last_checked_at=sample.checked_at,
            last_latency_ms=sample.latency_ms, last_code=sample.code, last_reason=sample.reason,
        )
    return current, segments, transitions, steps


def _facts(run: Run, checked: Mapping[str, object]) -> list[SampleFact]:
    """The samples of an online run that count (components that have a check)."""
    if run.offline:
        return []
    return [SampleFact(component=s.component, status=s.status, at=s.at, latency_ms=s.latency_ms)
            for s in run.samples if s.component in checked]


def touched_days(effects: RunEffects) -> list[str]:
    """The days (`YYYY-MM-DD`) whose rollups the run's effects change."""
    days = {fact.at.date().isoformat() for fact in effects.samples}
    for segment in [*effects.segments, *effects.replaced]:
        days |= _days_between(segment.start, segment.end)
    return sorted(days)


def _days_between(start: datetime, end: datetime) -> set[str]:
    days = set()
    day = start.date()
    last = (end - timedelta(microseconds=1)).date()
    while day <= last:
        days.add(day.isoformat())
        day += timedelta(days=1)
    return days
