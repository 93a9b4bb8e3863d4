"""Planning what subscribers are told: the declared status of each component over time, made
once per bundle, answers as walking every active incident would (the definition)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from checker.bundle import Bundle, CheckerSettings, SiteSettings
from checker.incident_model import Incident, IncidentUpdate
from checker.vocabulary import (
    COMPONENT_STATUSES,
    INCIDENT_UPDATE_STATUSES,
    MAINTENANCE_UPDATE_STATUSES,
    ComponentStatus,
    worst_status,
)
from site_builder.notify.events import notification_events

START = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def by_definition(bundle: Bundle, when: datetime) -> dict[str, ComponentStatus]:
    """The worst status each component is given by the incidents active at `when`."""
    declared: dict[str, list[ComponentStatus]] = {}
    for incident in bundle.incidents:
        if incident.is_active_at(when):
            for component_id, status in incident.components.items():
                declared.setdefault(component_id, []).append(status)
    return {component_id: worst_status(statuses) for component_id, statuses in declared.items()}


def random_bundle(rng: random.Random) -> Bundle:
    incidents = []
    for number in range(rng.randint(0, 6)):
        kind = rng.choice(["incident", "maintenance"])
        allowed = INCIDENT_UPDATE_STATUSES if kind == "incident" else MAINTENANCE_UPDATE_STATUSES
        updates = [
            IncidentUpdate(
                at=START + timedelta(minutes=rng.randint(0, 20)),  # type: ignore[arg-type]
                status=rng.choice(allowed),
                body="text",
            )
            for _ in range(rng.randint(1 if kind == "incident" else 0, 5))
        ]
        window = {}
        if kind == "maintenance":
            begins = START + timedelta(minutes=rng.randint(0, 18))
            window = {"scheduled_for": begins, "scheduled_until": begins + timedelta(minutes=rng.randint(1, 5))}
        components = {c: rng.choice(COMPONENT_STATUSES) for c in rng.sample(["api", "web", "db"], rng.randint(1, 3))}
        incidents.append(
            Incident(
                slug=f"2026-11-22-case-{number}",
                kind=kind,
                title="Case",  # type: ignore[arg-type]
                impact="minor",
                components=components,
                updates=updates,
                file=f"incidents/2026-11-22-case-{number}.md",
                **window,
            )
        )
    return Bundle(site=SiteSettings(name="Planning"), checker=CheckerSettings(), components=[], incidents=incidents)


@pytest.mark.parametrize("seed", range(40))
def test_declared_statuses_match_the_definition_at_every_moment(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(10):
        bundle = random_bundle(rng)
        for minute in range(-1, 28):
            for offset in (timedelta(0), timedelta(microseconds=-1), timedelta(seconds=30)):
                when = START + timedelta(minutes=minute) + offset
                expected = by_definition(bundle, when)
                assert bundle.declared_statuses_at(when) == expected, (seed, when)
                for component_id in ("api", "web", "db"):  # from the timelines notifications use
                    assert bundle.declared_status_of(component_id, when) == expected.get(component_id), (seed, when)


def test_a_copy_with_other_incidents_does_not_reuse_the_timeline() -> None:
    bundle = random_bundle(random.Random(0))
    assert bundle.declared_timeline("api") != ([], [])
    emptied = bundle.model_copy(update={"incidents": []})
    assert emptied.declared_timeline("api") == ([], [])


def test_component_changes_are_planned_where_the_declared_status_changes() -> None:
    def update(minute: int, status: str) -> IncidentUpdate:
        return IncidentUpdate(at=START + timedelta(minutes=minute), status=status, body="text")  # type: ignore[arg-type]

    def incident(slug: str, status: ComponentStatus, updates: list[IncidentUpdate]) -> Incident:
        return Incident(
            slug=slug,
            kind="incident",
            title=slug,
            impact="major",
            components={"api": status},
            updates=updates,
            file=f"incidents/{slug}.md",
        )

    first = incident("2026-11-22-first", "partial_outage", [update(10, "resolved"), update(0, "investigating")])
    second = incident("2026-11-22-second", "major_outage", [update(8, "resolved"), update(5, "investigating")])
    bundle = Bundle(
        site=SiteSettings(name="Planning"), checker=CheckerSettings(), components=[], incidents=[first, second]
    )
    changes = [
        (e.at - START, e.old_status, e.new_status)
        for e in notification_events(bundle, START + timedelta(hours=1))
        if e.kind == "component_updated"
    ]
    assert changes == [
        (timedelta(minutes=0), "operational", "partial_outage"),
        (timedelta(minutes=5), "partial_outage", "major_outage"),
        (timedelta(minutes=8), "major_outage", "partial_outage"),
        (timedelta(minutes=10), "partial_outage", "operational"),
    ]
