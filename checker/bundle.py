"""The bundle: everything that comes from git, compiled into one JSON document.

`site_builder` validates `statuspage.yaml` and the incident files and compiles them into a `Bundle`;
CI writes it to the store, and the checker reads its check plan from there. These models are the
contract between the two halves, so they live on the side that both may import.
"""

from __future__ import annotations

import bisect
import hashlib
import operator
import re
import zoneinfo
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from checker.durations import parse_duration
from checker.header_text import HeaderText

ComponentStatus = Literal[
    "operational", "degraded_performance", "partial_outage", "major_outage", "under_maintenance"
]
COMPONENT_STATUSES: tuple[ComponentStatus, ...] = (
    "operational", "degraded_performance", "partial_outage", "major_outage", "under_maintenance"
)
IncidentStatus = Literal["investigating", "identified", "monitoring", "resolved", "postmortem"]
MaintenanceStatus = Literal["scheduled", "in_progress", "verifying", "completed"]
UpdateStatus = Literal[
    "investigating", "identified", "monitoring", "update", "resolved", "postmortem",
    "scheduled", "in_progress", "verifying", "completed",
]
INCIDENT_UPDATE_STATUSES = (
    "investigating", "identified", "monitoring", "update", "resolved", "postmortem"
)
MAINTENANCE_UPDATE_STATUSES = ("scheduled", "in_progress", "verifying", "completed", "update")
Impact = Literal["none", "minor", "major", "critical", "maintenance"]
BUNDLE_KEY = "bundle.json"
"""Where CI writes the compiled bundle in the store; the checker reads its plan from there."""
IMPACTS = ("none", "minor", "major", "critical")

# How bad each component status is, for "worst of" decisions. Maintenance ranks below outages:
# an outage during a maintenance window is still shown as an outage.
SEVERITY: dict[str, int] = {
    "operational": 0,
    "under_maintenance": 1,
    "degraded_performance": 2,
    "partial_outage": 3,
    "major_outage": 4,
}
_IMPACT_OF_STATUS: dict[str, Impact] = {
    "operational": "none",
    "under_maintenance": "none",
    "degraded_performance": "minor",
    "partial_outage": "major",
    "major_outage": "critical",
}
_OPEN_INCIDENT_STATUSES = ("investigating", "identified", "monitoring")
_MAINTENANCE_STAGE = {"scheduled": 0, "in_progress": 1, "verifying": 2, "completed": 3}

Duration = Annotated[float, BeforeValidator(parse_duration)]
"""Seconds; written as a number of seconds or as `30s`, `5m`, `2h`, `1d`."""


def worst_status(statuses: list[ComponentStatus]) -> ComponentStatus:
    """The most severe of `statuses`; operational when there are none."""
    return max(statuses, key=SEVERITY.__getitem__, default="operational")


def stable_id(*parts: str) -> str:
    """A 12-character lower-case base36 id derived from `parts`, as Statuspage ids look.

    Derived rather than random so that the same incident keeps its id across builds and machines.
    """
    number = int.from_bytes(hashlib.sha256("\x1f".join(parts).encode()).digest()[:8], "big")
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    for _ in range(12):
        number, rest = divmod(number, 36)
        out += digits[rest]
    return out


class StrictModel(BaseModel):
    """Unknown keys are errors: a misspelt key must never be silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


# --- checks ----------------------------------------------------------------------------------


class CheckBase(StrictModel):
    timeout: Duration = 10.0
    """Seconds before the probe gives up and records the component as down."""
    degraded_after: Duration | None = None
    """A response slower than this many seconds counts as degraded_performance."""
    retries: int = Field(default=0, ge=0, le=5)
    """Extra attempts within one run before a failure counts."""
    failure_threshold: int | None = Field(default=None, ge=1)
    """Consecutive down runs before the component shows major_outage; default from `checker`."""
    success_threshold: int | None = Field(default=None, ge=1)
    """Consecutive up runs before it shows operational again; default from `checker`."""


_STATUS_RANGE = re.compile(r"^([1-5]\d\d)(?:-([1-5]\d\d))?$")
_HEADER_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_HOST_NAME = re.compile(r"[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\]")


class HttpCheck(CheckBase):
    type: Literal["http"]
    url: str
    """The address to request; `${NAME}` references are resolved from the environment."""
    method: Literal["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] = "GET"
    """HTTP method."""
    headers: dict[str, str] = {}
    """Extra request headers (put tokens in `${NAME}` references, never in git)."""
    body: str | None = None
    """Request body, sent as is."""
    expect_status: list[int | str] = ["200-299"]
    """Accepted status codes: numbers or ranges such as `200-299`."""
    body_contains: str | None = None
    """The response body must contain this text."""
    body_regex: str | None = None
    """The response body must match this regular expression."""
    json_equals: dict[str, Any] = Field(default={}, alias="json")
    """Dotted JSON path -> expected value, e.g. `{status: ok, db.healthy: true}`."""
    follow_redirects: bool = True
    """Follow redirects (up to 10) on the same host and judge the final response."""
    redirect_hosts: list[str] = []
    """Other hosts a redirect may lead to (`*`: any); never into an internal network (loopback,
    private, link-local, metadata) unless the check's own address is in one of the same kind."""
    verify_tls: bool = True
    """Reject invalid certificates."""

    model_config = ConfigDict(populate_by_name=True)

    @field_validator("url")
    @classmethod
    def _url_has_scheme(cls, value: str) -> str:
        if not re.match(r"^(https?://|\$\{)", value):
            raise ValueError(f"must start with http:// or https:// (got {value!r})")
        return value

    @field_validator("headers")
    @classmethod
    def _header_names(cls, value: dict[str, str]) -> dict[str, str]:
        for name, text in value.items():
            if not _HEADER_NAME.fullmatch(name):
                raise ValueError(f"{name!r} is not a valid header name (letters, digits and - only)")
            if "\r" in text or "\n" in text:
                raise ValueError(f"the value of {name} contains a line break")
        return value

    @field_validator("body_regex")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value is not None:
            import regex  # the probe matches with `regex` (it has a time limit); compile the same

            try:
                regex.compile(value)
            except regex.error as error:
                raise ValueError(f"{value!r} is not a valid regular expression: {error}") from None
        return value

    @field_validator("json_equals")
    @classmethod
    def _json_paths(cls, value: dict[str, Any]) -> dict[str, Any]:
        for path in value:
            if not path or any(not part for part in path.split(".")):
                raise ValueError(f"{path!r} is not a JSON path such as status or db.healthy")
        return value

    @field_validator("redirect_hosts")
    @classmethod
    def _host_names(cls, value: list[str]) -> list[str]:
        for host in value:
            if host != "*" and not _HOST_NAME.fullmatch(host):
                raise ValueError(f"{host!r} is not a host name such as login.example.com (or *)")
        return [host.lower() for host in value]

    @field_validator("expect_status")
    @classmethod
    def _status_ranges(cls, value: list[int | str]) -> list[int | str]:
        for item in value:
            if not _STATUS_RANGE.match(str(item)):
                raise ValueError(f"{item!r} is not a status code or a range such as 200-299")
        return value

    def accepts_status(self, code: int) -> bool:
        for item in self.expect_status:
            match = _STATUS_RANGE.match(str(item))
            assert match  # checked at load time
            low = int(match[1])
            high = int(match[2] or low)
            if low <= code <= high:
                return True
        return False


class TcpCheck(CheckBase):
    type: Literal["tcp"]
    host: str
    """Host name or address to connect to."""
    port: int = Field(ge=1, le=65535)
    """TCP port."""


class DnsCheck(CheckBase):
    type: Literal["dns"]
    name: str
    """The name to resolve."""
    record_type: Literal["A", "AAAA", "CNAME", "MX", "TXT", "NS"] = "A"
    """The record type to ask for."""
    expect: list[str] = []
    """When set, at least one of these values must be in the answer."""
    resolver: str | None = None
    """Address of the DNS server to ask (`10.0.0.2`, `10.0.0.2:5353`, `[fd00::2]:53`);
    default: the system's."""

    @field_validator("resolver")
    @classmethod
    def _resolver_address(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                resolver_address(value)
            except ValueError:
                raise ValueError(f"{value!r} is not an IP address, optionally with a port, such as "
                                 "10.0.0.2 or 10.0.0.2:5353") from None
        return value


class TlsCheck(CheckBase):
    type: Literal["tls"]
    host: str
    """Host whose certificate is checked (also sent as SNI)."""
    port: int = Field(default=443, ge=1, le=65535)
    """TLS port."""
    warn_days: int = Field(default=14, ge=0)
    """Fewer days left than this shows degraded_performance."""
    min_days: int = Field(default=3, ge=0)
    """Fewer days left than this (or an invalid certificate) is down."""


class HeartbeatCheck(CheckBase):
    type: Literal["heartbeat"]
    every: Duration
    """How often the job reports in."""
    grace: Duration = 0.0
    """Extra time allowed before a missing report counts as down."""
    token: str
    """Secret the job sends; use a `${NAME}` reference."""


def resolver_address(text: str) -> tuple[str, int]:
    """(IP address, port) of a `resolver:` value; ValueError when it is not one."""
    import ipaddress

    host, port = text, "53"
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        if rest:
            if not rest.startswith(":"):
                raise ValueError(text)
            port = rest[1:]
    elif text.count(":") == 1:
        host, port = text.split(":")
    ipaddress.ip_address(host)
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(text)
    return host, int(port)


Check = Annotated[
    HttpCheck | TcpCheck | DnsCheck | TlsCheck | HeartbeatCheck, Field(discriminator="type")
]
CHECK_TYPES = ("http", "tcp", "dns", "tls", "heartbeat")


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
    regions: list[str] = []
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
    downtime_weights: dict[ComponentStatus, float] = {
        "major_outage": 1.0, "partial_outage": 0.3, "degraded_performance": 0.0
    }
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

    @field_validator("id")
    @classmethod
    def _slug_like(cls, value: str) -> str:
        if not _COMPONENT_ID.match(value):
            raise ValueError(
                f"{value!r} may use only a-z, 0-9 and dashes, not starting or ending with a dash"
            )
        return value

    @property
    def statuspage_id(self) -> str:
        return stable_id("component", self.id)


# --- incidents and maintenance ----------------------------------------------------------------


class IncidentUpdate(StrictModel):
    at: datetime
    """When the update was posted (UTC)."""
    status: UpdateStatus
    """The status word of its heading; `update` keeps the previous status."""
    body: str
    """The Markdown as written; the site renders and sanitises it when it builds a page."""

    @model_validator(mode="before")
    @classmethod
    def _without_rendered_html(cls, data: Any) -> Any:
        # Bundles compiled before rendering moved to build time carry each body's HTML too; the
        # builder renders the body again, so such a bundle still loads.
        if isinstance(data, dict) and "html" in data:
            return {key: value for key, value in data.items() if key != "html"}
        return data


class Incident(StrictModel):
    slug: str
    """`<YYYY-MM-DD>-<name>` from the file name; the permanent URL."""
    kind: Literal["incident", "maintenance"]
    """An unplanned incident, or scheduled maintenance."""
    title: str
    """The headline."""
    impact: Impact
    """As given in the file, or derived from the worst component status."""
    components: dict[str, ComponentStatus]
    """Component id -> its status while this is open (in progress, for maintenance)."""
    scheduled_for: datetime | None = None
    """Maintenance only: when the window starts."""
    scheduled_until: datetime | None = None
    """Maintenance only: when the window ends."""
    updates: list[IncidentUpdate]
    """Newest first."""
    file: str
    """Source file, relative to the site's root."""

    @property
    def id(self) -> str:
        return stable_id("incident", self.slug)

    @property
    def created_at(self) -> datetime:
        return self._times()[0]

    @property
    def updated_at(self) -> datetime:
        return self._times()[1]

    @property
    def digest(self) -> str:
        """SHA-256 of everything the incident holds (its JSON), made once per incident object:
        outputs put it in their cache keys, and a site has thousands of incidents."""
        fields = self._field_values()
        cached = self.__dict__.get("_digest")
        if cached is not None and _same(cached[0], fields):
            return cached[1]  # type: ignore[no-any-return]
        digest = hashlib.sha256(self.model_dump_json().encode()).hexdigest()
        self.__dict__["_digest"] = (fields, digest)  # not a field: frozen is fine
        return digest

    def _field_values(self) -> tuple[object, ...]:
        return tuple(self.__dict__[name] for name in type(self).model_fields)

    def _times(self) -> tuple[datetime, datetime, datetime | None, datetime]:
        """(created, updated, resolved, started), made once for these updates and this window:
        every output asks for them, some once per incident per component. Kept with the values
        they were made from, as `_said` is, so a copy with other updates or another window (for
        instance through `model_copy`, which copies the cache) does not reuse them."""
        cached = self.__dict__.get("_times_index")
        if (cached is not None and cached[0] is self.updates and cached[1] is self.kind
                and cached[2] is self.scheduled_for and cached[3] is self.scheduled_until):
            return cached[4]  # type: ignore[no-any-return]
        times = [u.at for u in self.updates]
        if times:
            created = min(times)
        else:
            assert self.scheduled_for is not None  # an incident always has an update
            created = self.scheduled_for
        updated = max(times, default=created)
        if self.kind == "maintenance":
            assert self.scheduled_for is not None and self.scheduled_until is not None
            resolved: datetime | None = min([*(u.at for u in self.updates if u.status == "completed"),
                                             self.scheduled_until])
            started = min([*(u.at for u in self.updates if u.status == "in_progress"), self.scheduled_for])
        else:
            resolved = min((u.at for u in self.updates if u.status in ("resolved", "postmortem")), default=None)
            started = created
        result = (created, updated, resolved, started)
        # Not a field: frozen is fine.
        self.__dict__["_times_index"] = (self.updates, self.kind, self.scheduled_for, self.scheduled_until, result)
        return result

    def _said(self) -> tuple[list[datetime], list[UpdateStatus]]:
        """Times and statuses of the updates that set a status, oldest first; of updates posted at
        the same moment, the one listed first wins. Kept with the list it was built from: the API
        asks `status_at` for every update, which must not cost O(updates) each time (an incident
        may have thousands), and a copy with other updates must not reuse it."""
        cached = self.__dict__.get("_said_index")
        if cached is not None and cached[0] is self.updates:
            return cached[1], cached[2]
        ordered = sorted(
            ((u.at, -index, u.status) for index, u in enumerate(self.updates) if u.status != "update"),
            key=lambda item: (item[0], item[1]),
        )
        times = [at for at, _, _ in ordered]
        statuses: list[UpdateStatus] = [status for _, _, status in ordered]
        self.__dict__["_said_index"] = (self.updates, times, statuses)  # not a field: frozen is fine
        return times, statuses

    def status_at(self, when: datetime) -> IncidentStatus | MaintenanceStatus:
        """The incident's status at `when`, from its updates (and, for maintenance, the clock)."""
        times, statuses = self._said()
        position = bisect.bisect_right(times, when)
        latest = statuses[position - 1] if position else None
        if self.kind == "incident":
            return latest or "investigating"  # type: ignore[return-value]
        assert self.scheduled_for is not None and self.scheduled_until is not None
        if when < self.scheduled_for:
            clock: MaintenanceStatus = "scheduled"
        elif when < self.scheduled_until:
            clock = "in_progress"
        else:
            clock = "completed"
        # Updates can only move maintenance forward (started early, verifying, completed early).
        if latest in _MAINTENANCE_STAGE and _MAINTENANCE_STAGE[latest] > _MAINTENANCE_STAGE[clock]:
            return latest  # type: ignore[return-value]
        return clock

    def is_active_at(self, when: datetime) -> bool:
        """True while it affects component status: open incident, or maintenance in progress."""
        if self.kind == "incident":
            return self.created_at <= when and self.status_at(when) in _OPEN_INCIDENT_STATUSES
        return self.status_at(when) in ("in_progress", "verifying")

    def resolved_at(self) -> datetime | None:
        """When it stopped affecting components (first resolved/completed), if it has."""
        return self._times()[2]

    def started_at(self) -> datetime:
        return self._times()[3]


def _same(old: tuple[object, ...], new: tuple[object, ...]) -> bool:
    """True when each value is the very object it was (not merely equal): what a cache kept on
    a model was made from."""
    return len(old) == len(new) and all(map(operator.is_, old, new))


def derived_impact(statuses: list[ComponentStatus]) -> Impact:
    """Statuspage's impact for an incident from the worst status it declares."""
    return _IMPACT_OF_STATUS[worst_status(statuses)]


class Bundle(StrictModel):
    format: Literal[1] = 1
    """Version of this document's shape."""
    site: SiteSettings
    checker: CheckerSettings
    components: list[Component]
    """In the order of `statuspage.yaml`."""
    incidents: list[Incident]
    """Incidents and maintenance, newest first by creation time."""
    alerts: dict[str, Any] | None = None
    """`alerts:` of statuspage.yaml (references unresolved), validated by checker.alerting where used."""
    subscribers: dict[str, Any] | None = None
    """`subscribers:` of statuspage.yaml, validated by site_builder.notify where used."""

    def component(self, component_id: str) -> Component:
        return next(c for c in self.components if c.id == component_id)

    def declared_statuses_at(self, when: datetime) -> dict[str, ComponentStatus]:
        """Component id -> worst status declared by the incidents and maintenance active at `when`."""
        declared = {cid: self.declared_status_of(cid, when) for cid in self._declared_timelines()}
        return {cid: status for cid, status in declared.items() if status is not None}

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
            for start, end in _active_spans(incident):
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


def _active_spans(incident: Incident) -> list[tuple[datetime, datetime | None]]:
    """The [start, end) spans in which `incident.is_active_at` is true (end None: still active).

    Its status changes only at an update's time, or for maintenance at the window's edges, so the
    state at each such moment holds until the next one. Evaluated as `is_active_at` does, with
    the start of an incident (its first update) known here instead of searched for each time."""
    moments = {u.at for u in incident.updates}
    active: tuple[str, ...]
    if incident.kind == "maintenance":
        assert incident.scheduled_for is not None and incident.scheduled_until is not None
        moments |= {incident.scheduled_for, incident.scheduled_until}
        active = ("in_progress", "verifying")
    else:
        active = _OPEN_INCIDENT_STATUSES
    spans: list[tuple[datetime, datetime | None]] = []
    start: datetime | None = None
    for moment in sorted(moments):
        if (incident.status_at(moment) in active) == (start is not None):
            continue
        if start is None:
            start = moment
        else:
            spans.append((start, moment))
            start = None
    if start is not None:
        spans.append((start, None))
    return spans


def utc_now() -> datetime:
    return datetime.now(UTC)
