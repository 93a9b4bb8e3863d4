"""The notification ledger in the store (all under `private/notify/`, never published).

- `ledger.json` (a `Ledger`): event id -> done; an event is done when every recipient has a final
  outcome.
- `events/<event>.json` (`Recipients`): the recipients, fixed when the event is first seen, so a
  subscriber who joins later does not receive old news and a retry sends to the same people.
- `sent/<event>/<subscriber>.json` (a `DeliveryMarker`): one per recipient, written before sending
  with a create-only write (see site_builder.notify.deliver).

As in the alert state, every time is written as `datetime.isoformat()`, and keys this version does
not know are read without complaint (`LedgerModel`). The ledger and the recipients keep them when
written back; a marker is written whole at each step of its recipient's delivery.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from checker.strict_model import LedgerModel, LedgerTime, absent

LEDGER_KEY = "private/notify/ledger.json"
EVENTS_PREFIX = "private/notify/events/"
SENT_PREFIX = "private/notify/sent/"


class LedgerEntry(LedgerModel):
    first_seen_at: LedgerTime
    """When a notification pass first saw the event."""
    done: bool
    """Every recipient has a final outcome (or the event was too old to send when first seen)."""


class Ledger(LedgerModel):
    events: dict[str, LedgerEntry] = Field(default_factory=dict)


class Recipients(LedgerModel):
    """Who hears of one event, fixed by the first pass that saw it."""

    kind: str
    incident: str
    """The incident's slug."""
    first_seen_at: LedgerTime
    recipients: list[str]
    """Subscriber ids, sorted."""


MarkerState = Literal["sending", "retry", "sent", "skipped", "dropped", "disabled"]
"""`sending`: claimed, and perhaps sent (a run that crashed leaves this, and it is never resent);
`retry`: refused for now, tried again after `next_at`; the rest are final."""


class DeliveryMarker(LedgerModel):
    """What became of one recipient's copy of one event."""

    state: MarkerState
    at: LedgerTime | None = Field(default=None, exclude_if=absent)
    """When it was claimed (`sending`) or sent (`sent`)."""
    attempts: int | None = Field(default=None, exclude_if=absent)
    """Failed attempts so far (`retry`, and the final states that follow failures)."""
    next_at: LedgerTime | None = Field(default=None, exclude_if=absent)
    """Not tried again before this (`retry`)."""
    reason: str | None = Field(default=None, exclude_if=absent)
    """Why a copy was dropped without a refusal (`unwritable`)."""
