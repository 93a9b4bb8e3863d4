"""Applying one run to `state.json`: each sample put in its canonical place and the timeline decided again."""

from __future__ import annotations

import bisect
from collections.abc import Mapping
from datetime import UTC, timedelta

from checker.bundle import Bundle, CheckerSettings, Component
from checker.derived.state import (
    ComponentState,
    Decision,
    RegionSample,
    RunEffects,
    SampleFact,
    SegmentFact,
    State,
    Transition,
    WindowSample,
    segment_days,
    touched_days,
)
from checker.errors import TooLate
from checker.results import Run
from checker.status import flap_step, quorum_status

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
        effects = state.effects_of(run.id) or RunEffects.none_yet(run)
        return state, effects.model_copy(update={"transitions": [], "samples": _facts(run, checked)})
    effects = RunEffects.none_yet(run)
    effects.samples = _facts(run, checked)
    canonical: list[tuple[str, WindowSample, RunEffects]] = []
    # An offline run says nothing about the components: record it, evaluate nothing.
    for sample in [] if run.offline else run.samples:
        component = checked.get(sample.component)
        if component is None:
            continue
        entry = WindowSample(
            position=at,
            region=run.region,
            at=run.started_at,
            status=sample.status,
            checked_at=sample.at,
            latency_ms=sample.latency_ms,
            code=sample.code,
            reason=sample.reason,
            stated=sample.stated,
        )
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
    tail = {entry.split(" ", 2)[2]: entry for entry in state.applied[-2 * KEEP_EFFECTS :]}
    state.recent = sorted((_in_order(e) for e in remembered.values()), key=lambda e: tail.get(e.run_id, ""))[
        -KEEP_EFFECTS:
    ]
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
    return effects.model_copy(
        update={
            "segments": [s for s in effects.segments if s.component != component] + made.segments,
            "transitions": [t for t in effects.transitions if t.component != component] + made.transitions,
            "clock_steps": [c for c in effects.clock_steps if c != component] + made.clock_steps,
            "replaced": [s for s in effects.replaced if s.component != component],
            "decided_again": [s for s in effects.decided_again if s.component != component],
        }
    )


def _in_order(effects: RunEffects) -> RunEffects:
    """`effects` with its lists in one order, whatever order its parts were made in."""
    return effects.model_copy(
        update={
            "segments": sorted(effects.segments, key=lambda s: (s.component, s.start, s.end)),
            "transitions": sorted(effects.transitions, key=lambda t: (t.component, t.at)),
            "clock_steps": sorted(effects.clock_steps),
        }
    )


def _place(
    current: ComponentState | None,
    entry: WindowSample,
    component: Component,
    settings: CheckerSettings,
    effects: RunEffects,
    canonical: list[tuple[str, WindowSample, RunEffects]],
) -> ComponentState | None:
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
        _, old_segments, old_transitions, old_steps = _decide(base, current.window, component, settings)
        decided, segments, transitions, steps = _decide(base, window, component, settings)
        decision = decided or _decision(current)
        step: Decision | None = base
        own: list[SegmentFact] = []
        others: list[SegmentFact] = []
        for sample in window:
            made = RunEffects(
                run_id="", region=sample.region, at=sample.at, offline=False, transitions=[], samples=[], segments=[]
            )
            decided_one, made.segments, made.transitions, made.clock_steps = _decide(
                step, [sample], component, settings
            )
            step = decided_one or step
            (own if sample.position == entry.position else others).extend(made.segments)
            if sample.position >= entry.position:
                canonical.append((component.id, sample, made))
        if (old_steps or steps) and not segment_days([*old_segments, *others]) <= segment_days(own) | {
            entry.checked_at.date().isoformat()
        }:
            # Where a clock stepped, a stretch decided again can move to a day on which this run
            # records nothing of its own. A checker stopped before writing that day's rollup would
            # leave the old stretch painted there, and no later run could tell: a rebuild places it.
            run_id = entry.position.split(" ", 2)[2]
            raise TooLate(f"run {run_id} arrived late among samples of {component.id} from a clock that stepped")
        effects.replaced.extend(old_segments)
        effects.decided_again.extend(others)
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
    start: Decision | None,
    samples: list[WindowSample],
    component: Component,
    settings: CheckerSettings,
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
                observed,
                failure_threshold=failure,
                success_threshold=success,
            )
        since = at
        if current is None and status != "operational":
            transitions.append(
                Transition(
                    component=component.id,
                    old=None,
                    new=status,
                    at=at,
                    previous_lasted_seconds=None,
                    reason=sample.reason,
                )
            )
        if current is not None:
            end = min(at, current.evaluated_at + timedelta(seconds=2 * interval))
            if end > current.evaluated_at and not stepped:
                segments.append(
                    SegmentFact(component=component.id, start=current.evaluated_at, end=end, status=current.status)
                )
            since = current.since
            if status != current.status:
                transitions.append(
                    Transition(
                        component=component.id,
                        old=current.status,
                        new=status,
                        at=at,
                        previous_lasted_seconds=round(max((at - current.since).total_seconds(), 0.0), 3),
                        reason=sample.reason,
                    )
                )
                since = at
        # The last check never goes back for a run that is a little late (an overlapping run, a
        # slow region): only a clock that stepped takes it back.
        checked_at = sample.checked_at
        if current is not None and not stepped:
            checked_at = max(checked_at, current.last_checked_at)
        current = Decision(
            status=status,
            since=since,
            evaluated_at=at,
            consecutive_down=downs,
            consecutive_up=ups,
            regions=regions,
            last_checked_at=checked_at,
            last_latency_ms=sample.latency_ms,
            last_code=sample.code,
            last_reason=sample.reason,
        )
    return current, segments, transitions, steps


def _facts(run: Run, checked: Mapping[str, object]) -> list[SampleFact]:
    """The samples of an online run that count (components that have a check)."""
    if run.offline:
        return []
    return [
        SampleFact(component=s.component, status=s.status, at=s.at, latency_ms=s.latency_ms)
        for s in run.samples
        if s.component in checked
    ]
