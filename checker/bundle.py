"""The bundle: everything that comes from git, compiled into one JSON document.

`site_builder` validates `statuspage.yaml` and the incident files and compiles them into a `Bundle`;
CI writes it to the store, and the checker reads its check plan from there. These models are the
contract between the two halves, so they live on the side that both may import. Its parts have
modules of their own: the status words (checker.vocabulary), each check type's settings, next to
its probe (checker.probes), and incidents and maintenance (checker.incident_model).
"""

from __future__ import annotations

import bisect
import re
import zoneinfo
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Literal

from pydantic import Field, field_validator, model_validator

from checker.alerting.config import AlertsSettings
from checker.durations import Duration
from checker.header_text import HeaderText
from checker.ids import stable_id
from checker.incident_model import Incident, active_spans
from checker.probes import Check
from checker.strict_model import StrictModel
from checker.subscriber_settings import SubscribersSettings
from checker.vocabulary import COMPONENT_STATUSES, DEFAULT_DOWNTIME_WEIGHTS, SEVERITY, ComponentStatus

BUNDLE_KEY = "bundle.json"
"""Where CI writes the compiled bundle in the store; the checker reads its plan from there."""


# --- site, checker, components -----------------------------------------------------------------


class SiteSettings(StrictModel):
    name: HeaderText
    """The company or product name shown on the page (and in mail subjects: one line)."""
    url: HeaderText = "http://127.0.0.1:8000"
    """Public address of the status page; used in feeds, shortlinks and emails."""
    time_zone: str = "Etc/UTC"
    """IANA time zone of the page (Statuspage's `page.time_zone`)."""
    description: str = ""
    """One sentence for search engines and link previews."""
    language: str = "en"
    """Language of the page, for `<html lang>`."""
    logo: str | None = None
    """Path of a logo image, relative to the site's root."""
    accent_color: str = "#2563eb"
    """Colour of links and highlights (a CSS hex colour)."""
    custom_css: str | None = None
    """Path of a stylesheet appended to the built-in one, relative to the site's root."""

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (use an IANA name such as Europe/Paris)") from None
        return value

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if "${" in value:  # a reference, checked once resolved
            return value
        if not re.match(r"^https?://[^/\s]+", value):
            raise ValueError(f"must be an http(s) address such as https://status.example.com (got {value!r})")
        return value.rstrip("/")

    @field_validator("accent_color")
    @classmethod
    def _hex_colour(cls, value: str) -> str:
        if not re.fullmatch(r"#[0-9a-fA-F]{6}", value):
            raise ValueError(f"must be a colour such as #2563eb (got {value!r})")
        return value

    @property
    def page_id(self) -> str:
        return stable_id("page", self.url)


class CheckerSettings(StrictModel):
    interval: Duration = 60.0
    """Seconds between runs (the schedule); samples older than twice this are *no data*."""
    concurrency: int = Field(default=200, ge=1, le=5000)
    """Probes in flight at once."""
    failure_threshold: int = Field(default=2, ge=1)
    """Consecutive down runs before a component shows major_outage."""
    success_threshold: int = Field(default=1, ge=1)
    """Consecutive up runs before it shows operational again."""
    regions: list[str] = Field(default_factory=list)
    """AWS regions the checker runs in; empty means a single checker."""
    retention_days: int = Field(default=30, ge=1)
    """Days raw run objects are kept; rollups are kept forever."""
    quorum: int | None = Field(default=None, ge=1)
    """Regions that must see a component down; default a strict majority of reporting regions."""
    connectivity_url: str | None = None
    """Probed before each run; when it fails the checker itself is offline and the run is no data."""
    shards: int = Field(default=1, ge=1, le=100)
    """Split the plan over this many parallel worker invocations (large fleets)."""
    rebuild: Literal["none", "inline", "dispatch"] = "none"
    """After a run: nothing, rebuild the site in the same invocation, or ask CI to rebuild."""
    downtime_weights: dict[ComponentStatus, float] = Field(default=DEFAULT_DOWNTIME_WEIGHTS)
    """Share of each status that counts as downtime in uptime figures (statuses left out keep
    these defaults)."""


_COMPONENT_ID = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")


class Slo(StrictModel):
    target: float = Field(gt=0, lt=100)
    """Uptime objective in percent, e.g. 99.9."""
    window: Duration = 30 * 86400.0
    """The rolling window the objective is measured over (`30d`)."""


class Component(StrictModel):
    id: str
    """Lower-case letters, digits and dashes; used in incident files and URLs. Never change it."""
    name: str
    """Shown on the page."""
    group: str | None = None
    """Optional group name; groups are shown in the order they first appear."""
    description: str | None = None
    """One line shown under the name."""
    check: Check | None = None
    """How the checker measures it; without one, status comes from incidents alone."""
    slo: Slo | None = None
    """Optional objective; the summary then carries its error budget and burn rates."""
    depends_on: list[str] = Field(default_factory=list, exclude_if=lambda ids: not ids)
    """Ids of the components this one needs: when one of them fails too, it is the named root
    cause (one alert for all, "affected by" on the page)."""

    @field_validator("id")
    @classmethod
    def _slug_like(cls, value: str) -> str:
        if not _COMPONENT_ID.match(value):
            raise ValueError(f"{value!r} may use only a-z, 0-9 and dashes, not starting or ending with a dash")
        return value

    @property
    def statuspage_id(self) -> str:
        return stable_id("component", self.id)


def dependency_problems(components: list[Component]) -> list[tuple[int, str]]:
    """(index of the component, what is wrong) for every `depends_on` naming an unknown
    component or itself, and for each cycle (reported at its first component)."""
    ids = {c.id for c in components}
    problems = []
    for index, component in enumerate(components):
        for name in component.depends_on:
            if name == component.id:
                problems.append((index, f"{name!r} is the component itself"))
            elif name not in ids:
                problems.append((index, f"unknown component id {name!r}"))
    direct = {c.id: [d for d in c.depends_on if d in ids and d != c.id] for c in components}
    order = {c.id: i for i, c in enumerate(components)}
    for cycle in _cycles(direct, [c.id for c in components]):
        first = min(cycle[:-1], key=order.__getitem__)
        problems.append((order[first], f"a cycle: {' -> '.join(cycle)}; remove one of these dependencies"))
    return sorted(problems)


def _cycles(direct: Mapping[str, list[str]], ids: list[str]) -> list[list[str]]:
    """Cycles of the dependency graph, one per back edge of a depth-first walk: linear in the
    number of components and dependencies, whatever the file holds."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    found: list[list[str]] = []
    for start in ids:
        if start in state:
            continue
        path = [start]
        state[start] = 1
        stack = [iter(direct[start])]
        while stack:
            above = next(stack[-1], None)
            if above is None:
                state[path.pop()] = 2
                stack.pop()
            elif state.get(above) == 1:
                found.append([*path[path.index(above) :], above])
            elif above not in state:
                state[above] = 1
                path.append(above)
                stack.append(iter(direct[above]))
    return found


class Bundle(StrictModel):
    format: Literal[1] = 1
    """Version of this document's shape."""
    site: SiteSettings
    checker: CheckerSettings
    components: list[Component]
    """In the order of `statuspage.yaml`."""
    incidents: list[Incident]
    """Incidents and maintenance, newest first by creation time."""
    alerts: AlertsSettings | None = None
    """`alerts:` of statuspage.yaml, its `${NAME}` references unresolved (resolved when sending)."""
    subscribers: SubscribersSettings | None = None
    """`subscribers:` of statuspage.yaml, its `${NAME}` references unresolved likewise."""

    @model_validator(mode="after")
    def _dependencies_known_and_acyclic(self) -> Bundle:
        problems = dependency_problems(self.components)
        if problems:
            raise ValueError("; ".join(f"components[{index}].depends_on: {message}" for index, message in problems))
        return self

    def component(self, component_id: str) -> Component:
        return next(c for c in self.components if c.id == component_id)

    def root_cause(self, component_id: str, failing: Callable[[str], bool]) -> str | None:
        """The component that `component_id`'s outage comes from, if one it depends on (directly
        or through others) is `failing` too: the failing one highest up, whose own dependencies
        are all fine (the first in statuspage.yaml's order when several are). None otherwise."""
        roots = [
            a
            for a in self._ancestors(component_id)
            if failing(a) and not any(failing(above) for above in self._ancestors(a))
        ]
        return roots[0] if roots else None

    def _ancestors(self, component_id: str) -> list[str]:
        """Every component `component_id` depends on, directly or not, in statuspage.yaml's
        order; worked out when first asked, once per component for this list of components."""
        cached = self.__dict__.get("_ancestor_index")
        if cached is None or cached[0] is not self.components:  # a copy with other components
            order = {c.id: i for i, c in enumerate(self.components)}
            found: dict[str, list[str]] = {}
            cached = (self.components, order, {c.id: c.depends_on for c in self.components}, found)
            self.__dict__["_ancestor_index"] = cached  # not a field: frozen is fine
        index: dict[str, list[str]]
        _, order, direct, index = cached
        if component_id not in index:
            seen: set[str] = set()
            pending = list(direct.get(component_id, []))
            while pending:
                above = pending.pop()
                if above not in seen and above in direct:
                    seen.add(above)
                    pending.extend(direct[above])
            index[component_id] = sorted(seen, key=order.__getitem__)
        return index[component_id]

    def declared_statuses_at(self, when: datetime) -> dict[str, ComponentStatus]:
        """Component id -> worst status declared by the incidents and maintenance active at `when`.

        One pass over the incidents: a build asks about one moment, for which making every
        component's timeline (what `declared_status_of` answers many moments from) costs three
        times as much."""
        worst: dict[str, ComponentStatus] = {}
        for incident in self.incidents:
            if incident.is_active_at(when):
                for component_id, status in incident.components.items():
                    if component_id not in worst or SEVERITY[status] > SEVERITY[worst[component_id]]:
                        worst[component_id] = status
        return worst

    def declared_status_of(self, component_id: str, when: datetime) -> ComponentStatus | None:
        """The worst status the incidents and maintenance active at `when` declare for the
        component; None when none declares one. O(log incidents) a question."""
        times, statuses = self.declared_timeline(component_id)
        position = bisect.bisect_right(times, when)
        return statuses[position - 1] if position else None

    def declared_timeline(self, component_id: str) -> tuple[list[datetime], list[ComponentStatus | None]]:
        """(times, status declared from that time on), oldest first: the moments the status the
        incidents and maintenance declare for the component changes (None: nothing declared)."""
        return self._declared_timelines().get(component_id, ([], []))

    def _declared_timelines(self) -> dict[str, tuple[list[datetime], list[ComponentStatus | None]]]:
        """Component id -> (times, declared status from that time on), oldest first: every change
        of what the incidents declare, made once for this list of incidents. Notifications ask
        about the time of every update, which must not walk every incident each time."""
        cached = self.__dict__.get("_declared_index")
        if cached is not None and cached[0] is self.incidents:
            return cached[1]  # type: ignore[no-any-return]
        changes: dict[str, list[tuple[datetime, int, ComponentStatus]]] = {}
        for incident in self.incidents:
            for start, end in active_spans(incident):
                for component_id, status in incident.components.items():
                    spans = changes.setdefault(component_id, [])
                    spans.append((start, 1, status))
                    if end is not None:
                        spans.append((end, -1, status))
        timelines: dict[str, tuple[list[datetime], list[ComponentStatus | None]]] = {}
        for component_id, steps in changes.items():
            steps.sort(key=lambda step: step[0])
            open_count = dict.fromkeys(COMPONENT_STATUSES, 0)
            times: list[datetime] = []
            statuses: list[ComponentStatus | None] = []
            for index, (at, delta, status) in enumerate(steps):
                open_count[status] += delta
                if index + 1 < len(steps) and steps[index + 1][0] == at:
                    continue  # the status at `at` is what all changes at that moment leave
                worst = max((s for s, n in open_count.items() if n), key=SEVERITY.__getitem__, default=None)
                if not statuses or statuses[-1] != worst:
                    times.append(at)
                    statuses.append(worst)
            timelines[component_id] = (times, statuses)
        self.__dict__["_declared_index"] = (self.incidents, timelines)  # not a field: frozen is fine
        return timelines


def utc_now() -> datetime:
    return datetime.now(UTC)
