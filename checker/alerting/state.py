"""The stored alert state, `alerts/state.json`: open outages, queued messages, delivered ids.

Each run reads and writes it whole (see checker.alerting.engine). Its JSON keeps the shape earlier
versions wrote, times included (`datetime.isoformat()`), so a store keeps working across an
upgrade; keys this version does not know are kept as they are (a rollback loses nothing).
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from checker.alerting.events import Alert
from checker.strict_model import LedgerModel, LedgerTime, absent
from checker.vocabulary import ComponentStatus

ALERT_STATE_KEY = "alerts/state.json"


class Episode(LedgerModel):
    """One open outage of one component, as one route sees it."""

    opened_at: LedgerTime
    """When the component first reached the route's `min_status`."""
    status: ComponentStatus
    """The component's status now."""
    previous: ComponentStatus | None
    """Its status before the last change."""
    reason: str | None
    """Why the last sample was not up, when known."""
    fired: list[int]
    """Indexes of the levels already told (of `AlertRoute.all_levels()`), in firing order."""
    reminders: int
    """`remind_every` periods accounted for (sent, or covered by a fresh alert)."""
    silenced: bool
    """The component was in maintenance when last looked at: nothing is sent."""
    caused_by: str | None = Field(default=None, exclude_if=lambda value: value is None)
    """A component this one depends on whose outage this route tracks too: the root cause. Its
    alerts name this one, and this one sends none of its own while it lasts."""


class BurnEpisode(LedgerModel):
    """One component's error budget burning past one burn-rate rule."""

    opened_at: LedgerTime
    """When the rule started firing."""


class Lease(LedgerModel):
    """Which run is sending a message, and until when it may."""

    owner: str
    """The run's random id."""
    until: LedgerTime
    """After this, another run may take the message over."""


class QueuedMessage(LedgerModel):
    """One alert to one channel, waiting to be sent or sent again."""

    channel: str
    """Name of the channel (a key of `alerts.channels`)."""
    alert: Alert
    """What to send."""
    created_at: LedgerTime
    """When it was queued; it is dropped `give_up_after` later if still undelivered."""
    next_at: LedgerTime
    """Not sent before this (the backoff after a failure)."""
    attempts: int
    """Runs that tried and failed so far."""
    lease: Lease | None = Field(default=None, exclude_if=absent)
    """Set while a run is sending it; not written when there is none."""


class AlertState(LedgerModel):
    """The whole document."""

    episodes: dict[str, Episode] = Field(default_factory=dict)
    """`<route name>|<component id>` -> the outage that route is tracking."""
    queue: dict[str, QueuedMessage] = Field(default_factory=dict)
    """Message id -> message not yet delivered (ids are derived from the event, see engine)."""
    done: dict[str, LedgerTime] = Field(default_factory=dict)
    """Message id -> when it was delivered, remembered for `DONE_KEPT` so a replay sends nothing."""
    burns: dict[str, BurnEpisode] | None = Field(default=None, exclude_if=absent)
    """`slo-<fast|slow>|<component id>` -> burn-rate episode; not written until burn-rate alerts
    were first planned."""

    @classmethod
    def load(cls, stored: Any | None) -> AlertState:
        """The state in `stored` (the document's JSON value), or an empty one for None."""
        return cls() if stored is None else cls.model_validate(stored)

    def dump(self) -> dict[str, Any]:
        """The document's JSON value, as `Store.update_json` writes it."""
        return self.model_dump(mode="json")
