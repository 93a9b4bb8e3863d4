"""What the channels send (an Alert) and the kinds of alert. The engine consumes the transitions a
checker run reports (`checker.derived.state.Transition`)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from checker.durations import format_duration
from checker.strict_model import StrictModel
from checker.vocabulary import STATUS_LABELS, ComponentStatus

AlertKind = Literal["triggered", "escalated", "changed", "reminder", "recovered"]
"""triggered: an outage starts; escalated: a later level fires; changed: the outage got better or
worse but is still one; reminder: still not fixed after `remind_every`; recovered: it is over."""


def _status_words(status: ComponentStatus) -> str:
    """The status as an alert says it, mid-sentence: `partial outage`."""
    return STATUS_LABELS[status].lower()


class Alert(StrictModel):
    """One message to the on-call team, independent of the channel that carries it."""

    kind: AlertKind
    component: str
    """Component id."""
    component_name: str
    status: ComponentStatus
    """The component's status now (below the route's threshold once recovered)."""
    previous_status: ComponentStatus | None
    started_at: datetime
    """When the outage began."""
    at: datetime
    """When this alert's event happened."""
    duration_seconds: float
    """How long the outage has lasted so far (for `recovered`: how long it lasted)."""
    reason: str | None
    route: str
    """Name of the route that sent it."""
    level: int
    """Escalation level (0 for the first channels)."""
    dedup_key: str
    """The same for every alert about one outage, so services such as PagerDuty group them."""
    site_name: str
    page_url: str
    burn: Literal["fast", "slow"] | None = None
    """Set for error-budget alerts: which burn-rate rule fired (or stopped firing)."""
    burn_rate: float | None = None
    """The short-window burn rate (1 h for fast, 6 h for slow); 1.0 spends the budget exactly."""
    budget_left: float | None = None
    """Share of the error budget left (1.0 untouched, below 0 overspent)."""
    objective: float | None = None
    """The objective in percent, e.g. 99.9."""
    affected: list[str] = Field(default_factory=list, exclude_if=lambda names: not names)
    """Names of the components that depend on this one and are failing with it: their outages
    are told here, in one message, instead of one alert each."""

    @property
    def is_resolved(self) -> bool:
        return self.kind == "recovered"

    @property
    def title(self) -> str:
        """One line, the same in every channel."""
        name = self.component_name
        if self.burn is not None:
            speed = "fast" if self.burn == "fast" else "slowly"
            if self.kind == "recovered":
                return f"{name}: error budget no longer burning {speed}"
            return f"{name}: error budget burning {speed}"
        if self.kind == "recovered":
            return f"{name} recovered after {format_duration(self.duration_seconds)}"
        words = _status_words(self.status)
        if self.kind == "reminder":
            return f"Still {words}: {name} for {format_duration(self.duration_seconds)}"
        if self.kind == "escalated":
            return f"{name}: {words} for {format_duration(self.duration_seconds)} (escalated)"
        return f"{name}: {words}"

    @property
    def details(self) -> list[tuple[str, str]]:
        """Label/value pairs that channels show as fields."""
        if self.burn is not None:
            window = "1 h" if self.burn == "fast" else "6 h"
            rows = [("Component", self.component_name)]
            if self.objective is not None:
                rows.append(("Objective", f"{self.objective:g}%"))
            if self.burn_rate is not None:
                rows.append(("Burn rate", f"{self.burn_rate:g}× over {window}"))
            if self.budget_left is not None:
                rows.append(("Budget left", f"{self.budget_left * 100:.0f}%"))
            return rows
        rows = [
            ("Component", self.component_name),
            ("Status", _status_words(self.status)),
            ("Since", self.started_at.strftime("%Y-%m-%d %H:%M UTC")),
        ]
        if self.kind == "recovered":
            rows.append(("Lasted", format_duration(self.duration_seconds)))
        elif self.previous_status is not None:
            rows.append(("Was", _status_words(self.previous_status)))
        if self.reason and self.kind != "recovered":
            rows.append(("Reason", self.reason))
        if self.affected:
            label = "Dependents (were failing)" if self.kind == "recovered" else "Also affected"
            rows.append((label, ", ".join(self.affected)))
        return rows

    @property
    def headline(self) -> str:
        """`[Site] title`: the subject line every channel leads with."""
        return f"[{self.site_name}] {self.title}"

    @property
    def text(self) -> str:
        """Plain-text body: the headline, the details, and the page's address."""
        lines = [self.headline, ""]
        lines += [f"{label}: {value}" for label, value in self.details]
        lines += ["", self.page_url]
        return "\n".join(lines)
