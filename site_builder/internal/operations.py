"""What the operations view shows, read from the store: each check's state and its last samples,
the open alerts with their escalation, recent transitions, error budgets, and the checker's own
health. Read-only: the store's formats are the checker's (docs/store.md)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from checker.alerting.config import route_key
from checker.alerting.planner import acknowledging_incident
from checker.alerting.state import ALERT_STATE_KEY, AlertState
from checker.bundle import Bundle
from checker.derived.parse import M, read_stored
from checker.derived.state import STATE_KEY, State, Transition
from checker.errors import StoreError
from checker.fanout import PartStore
from checker.incident_model import Incident
from checker.results import Run
from checker.store import Store
from checker.summary import SloFigure, Summary
from checker.vocabulary import ComponentStatus

RECENT_TRANSITIONS = 20
"""Transitions shown, newest first (the state remembers those of its last runs)."""


@dataclass(frozen=True)
class Sample:
    at: datetime
    region: str
    status: str
    """`up`, `degraded` or `down`."""
    latency_ms: float | None
    code: int | None
    reason: str | None


@dataclass(frozen=True)
class CheckRow:
    """One checked component as the checker last decided it."""

    component: str
    name: str
    internal: bool
    status: ComponentStatus
    since: datetime
    last_checked_at: datetime
    last_latency_ms: float | None
    last_reason: str | None
    samples: list[Sample]
    """The last samples, newest first."""


@dataclass(frozen=True)
class AlertRow:
    """One open outage an alert route is tracking."""

    route: str
    component: str
    status: ComponentStatus
    opened_at: datetime
    level: int
    """Escalation levels told so far (0: none yet)."""
    levels: int
    """Levels the route has (0 when the route is no longer configured)."""
    silenced: bool
    """In maintenance: nothing is sent."""
    acknowledged_by: Incident | None
    """The open incident that acknowledges it (and so holds the next levels back)."""
    caused_by: str | None


@dataclass(frozen=True)
class CheckerHealth:
    last_run_at: datetime | None
    last_run_region: str | None
    last_run_seconds: float | None
    """How long the last run took, from its run object; None when that cannot be read."""
    last_run_offline: bool
    summary_at: datetime | None
    """When `summary.json` was last written."""
    late: bool
    """No run for more than two intervals."""
    regions: list[str]
    """`checker.regions`."""
    missing_regions: list[str]
    """Regions without a run in the last two intervals."""


@dataclass(frozen=True)
class Operations:
    """Everything the operations view shows, as of `at`."""

    at: datetime
    checks: list[CheckRow]
    alerts: list[AlertRow]
    transitions: list[Transition]
    """The checker's own transitions, newest first (at most RECENT_TRANSITIONS)."""
    slos: list[tuple[str, SloFigure]]
    """(component id, its error budget) for components with an objective."""
    health: CheckerHealth
    unreadable: list[str]
    """Store files that exist but could not be read (each named once on the page)."""


def load_operations(
    bundle: Bundle, internal: frozenset[str], store: Store, summary: Summary | None, *, now: datetime
) -> Operations:
    """The operations view of `bundle`'s components (the whole bundle, internal ones included)."""
    unreadable: list[str] = []
    states = _states(bundle, store, unreadable)
    alerts = _read(store, ALERT_STATE_KEY, AlertState, unreadable)
    names = {c.id: c.name for c in bundle.components}
    decided = {cid: state for _, state in states for cid in state.components}
    checks = [_check_row(cid, name, cid in internal, decided[cid]) for cid, name in names.items() if cid in decided]
    transitions = sorted(
        (t for _, state in states for effects in state.recent for t in effects.transitions if t.component in names),
        key=lambda t: t.at,
        reverse=True,
    )[:RECENT_TRANSITIONS]
    slos = [(c.id, c.slo) for c in (summary.components if summary else []) if c.slo is not None and c.id in names]
    return Operations(
        at=now,
        checks=checks,
        alerts=[] if alerts is None else _alert_rows(bundle, alerts, now),
        transitions=transitions,
        slos=slos,
        health=_health(bundle, states, summary, now, unreadable),
        unreadable=unreadable,
    )


def _states(bundle: Bundle, store: Store, unreadable: list[str]) -> list[tuple[Store, State]]:
    """Each part of the store with its state: the store itself, or with `checker.shards` each
    shard's part (docs/store.md, "Sharded stores"); parts without a state yet are left out."""
    shards = bundle.checker.shards
    parts: list[Store] = [store] if shards == 1 else [PartStore(store, index, shards) for index in range(shards)]
    found = []
    for part in parts:
        state = _read(part, STATE_KEY, State, unreadable)
        if state is not None:
            found.append((part, state))
    return found


def _read(store: Store, key: str, model: type[M], unreadable: list[str]) -> M | None:
    """The model stored at `key`, None when there is none or it cannot be read (then named)."""
    try:
        return read_stored(store, key, model)
    except StoreError:  # a damaged file is one too
        unreadable.append(key)
        return None


def _check_row(component: str, name: str, internal: bool, state: State) -> CheckRow:
    current = state.components[component]
    samples = [
        Sample(s.checked_at, s.region, s.status, s.latency_ms, s.code, s.reason) for s in reversed(current.window)
    ]
    return CheckRow(
        component,
        name,
        internal,
        current.status,
        current.since,
        current.last_checked_at,
        current.last_latency_ms,
        current.last_reason,
        samples,
    )


def _alert_rows(bundle: Bundle, state: AlertState, now: datetime) -> list[AlertRow]:
    routes = (
        {}
        if bundle.alerts is None
        else {route_key(index, route): route for index, route in enumerate(bundle.alerts.routes)}
    )
    rows = []
    for key, episode in state.episodes.items():
        route_name, _, component = key.rpartition("|")
        route = routes.get(route_name)
        rows.append(
            AlertRow(
                route=route_name,
                component=component,
                status=episode.status,
                opened_at=episode.opened_at,
                level=len(episode.fired),
                levels=len(route.all_levels()) if route else 0,
                silenced=episode.silenced,
                acknowledged_by=acknowledging_incident(bundle, component, episode.status, now),
                caused_by=episode.caused_by,
            )
        )
    return sorted(rows, key=lambda row: (row.opened_at, row.route, row.component))


def _health(
    bundle: Bundle, states: list[tuple[Store, State]], summary: Summary | None, now: datetime, unreadable: list[str]
) -> CheckerHealth:
    recent = [(part, effects) for part, state in states for effects in state.recent]
    latest = max(recent, key=lambda found: found[1].at, default=None)
    last = None if latest is None else latest[1]
    seconds = None
    if latest is not None and last is not None:
        # The run object says how long it took.
        key = Run(id=last.run_id, region=last.region, started_at=last.at, finished_at=last.at, samples=[]).key
        run = _read(latest[0], key, Run, unreadable)
        seconds = None if run is None else (run.finished_at - run.started_at).total_seconds()
    fresh = timedelta(seconds=2 * bundle.checker.interval)
    regions = bundle.checker.regions
    reported = {effects.region for _, effects in recent if now - effects.at <= fresh}
    return CheckerHealth(
        last_run_at=None if last is None else last.at,
        last_run_region=None if last is None else last.region,
        last_run_seconds=seconds,
        last_run_offline=bool(last and last.offline),
        summary_at=None if summary is None else summary.generated_at,
        late=last is None or now - last.at > fresh,
        regions=list(regions),
        missing_regions=[region for region in regions if region not in reported],
    )
