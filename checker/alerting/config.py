"""The `alerts:` section of `statuspage.yaml`: named channels, and routes saying who hears what."""

from __future__ import annotations

import difflib
from typing import Annotated

from pydantic import Field, field_validator, model_validator

from checker.alerting.channels import ChannelConfig
from checker.durations import Duration
from checker.strict_model import StrictModel
from checker.vocabulary import ComponentStatus


class AlertLevel(StrictModel):
    """One escalation step: these channels hear about an outage once it is `after` old."""

    after: Duration = 0.0
    """How long the outage must have lasted, still open and unacknowledged, e.g. `10m`."""
    channels: Annotated[list[str], Field(min_length=1)]
    """Names of channels (keys of `alerts.channels`)."""


class AlertRoute(StrictModel):
    """Which components' outages go where, from what severity, and how they escalate."""

    name: str | None = None
    """A name for the route, used in logs and in the stored alert state; default `routes[N]`."""
    components: list[str] = Field(default_factory=list)
    """Component ids this route covers; empty means every component."""
    min_status: ComponentStatus = "degraded_performance"
    """The least severe status that alerts: degraded_performance, partial_outage or major_outage."""
    channels: list[str] = Field(default_factory=list)
    """Channels told at once (shorthand for a level with `after: 0`)."""
    levels: list[AlertLevel] = Field(default_factory=list)
    """Escalation levels; each fires only while the outage is open and nobody acknowledged it (an
    open incident file that declares the outage's status or worse for the component is the
    acknowledgement)."""
    remind_every: Duration | None = None
    """Repeat the alert to the channels already told while the outage lasts, e.g. `30m`."""

    @field_validator("min_status")
    @classmethod
    def _an_outage_status(cls, value: ComponentStatus) -> ComponentStatus:
        if value in ("operational", "under_maintenance"):
            raise ValueError(f"must be degraded_performance, partial_outage or major_outage (got {value!r})")
        return value

    @model_validator(mode="after")
    def _has_channels(self) -> AlertRoute:
        if not self.channels and not self.levels:
            raise ValueError("a route needs `channels:` or `levels:`")
        return self

    def all_levels(self) -> list[AlertLevel]:
        """Levels in firing order, with the `channels:` shorthand as the first."""
        levels = [AlertLevel(after=0.0, channels=self.channels)] if self.channels else []
        return sorted([*levels, *self.levels], key=lambda level: level.after)


class BurnRateAlerts(StrictModel):
    """Error-budget alerts for components with an `slo:`, from the checker's burn rates."""

    fast: list[str] = Field(default_factory=list)
    """Channels paged when the budget burns fast (1 h and 6 h burn rates ≥ 14.4 and 6)."""
    slow: list[str] = Field(default_factory=list)
    """Channels told when the budget is on course to run out (6 h and 3 d burn rates ≥ 1)."""
    components: list[str] = Field(default_factory=list)
    """Component ids covered; empty means every component with an `slo:`."""


class AlertsSettings(StrictModel):
    """Team alerts: where the checker sends status changes of components."""

    channels: dict[str, ChannelConfig] = Field(default_factory=dict)
    """Channel name -> how to reach it (`type:` slack, discord, teams, webhook, pagerduty, email,
    telegram or opsgenie, plus that type's keys). Put tokens and webhook URLs in `${NAME}`
    references: they are resolved only when sending."""
    routes: list[AlertRoute] = Field(default_factory=list)
    """Every route whose components and `min_status` match an outage adds its channels; a channel
    named by several matching routes gets each message once."""
    slo: BurnRateAlerts | None = None
    """Burn-rate alerts on error budgets; off when not set."""
    retry_attempts: int = Field(default=3, ge=1, le=10)
    """Tries per message within one run before it waits for the next run."""
    retry_backoff: Duration = 1.0
    """Seconds before the second try within a run; doubled for each further try."""
    give_up_after: Duration = 86400.0
    """A message still undelivered this long after its event is dropped (and logged)."""

    @model_validator(mode="after")
    def _known_channels(self) -> AlertsSettings:
        names = set(self.channels)
        for index, route in enumerate(self.routes):
            for level in route.all_levels():
                for name in level.channels:
                    if name not in names:
                        raise ValueError(_unknown_channel(f"routes[{index}]", name, names))
        if self.slo is not None:
            for name in [*self.slo.fast, *self.slo.slow]:
                if name not in names:
                    raise ValueError(_unknown_channel("slo", name, names))
        keys = [route_key(i, r) for i, r in enumerate(self.routes)]
        duplicates = sorted({k for k in keys if keys.count(k) > 1})
        if duplicates:
            raise ValueError(f"route names must be unique: {', '.join(duplicates)}")
        return self


def _unknown_channel(where: str, name: str, names: set[str]) -> str:
    known = ", ".join(sorted(names)) or "none defined"
    close = difflib.get_close_matches(name, sorted(names), n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"{where} names channel {name!r}, which is not in alerts.channels{hint} (known: {known})"


def route_key(index: int, route: AlertRoute) -> str:
    return route.name or f"routes[{index}]"
