"""Subscriber records, kept in the store under a private prefix that is never published."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Literal

from pydantic import Field

from checker.store import Store
from checker.strict_model import StoredModel

PREFIX = "private/subscribers/"


class Subscriber(StoredModel):
    """One subscription: an email address or a webhook URL, optionally limited to components."""

    id: str
    """Keyed hash of the address (see `tokens.subscriber_id`); also the record's store key."""
    kind: Literal["email", "webhook"]
    address: str
    """The email address or webhook URL; private, never logged or published."""
    components: list[str] = Field(default_factory=list)
    """Component ids this subscriber cares about; empty means everything."""
    status: Literal["pending", "active", "disabled"]
    """pending until the email is confirmed; disabled after its webhook failed for days."""
    created_at: datetime
    confirmed_at: datetime | None = None
    failing_since: datetime | None = None
    """First failed webhook delivery since the last success."""

    @property
    def subscribed_at(self) -> datetime:
        """Since when this subscriber hears of events: confirmation (creation for older records)."""
        return self.confirmed_at or self.created_at

    def wants(self, components: list[str]) -> bool:
        """True when an event touching `components` concerns this subscriber."""
        return not self.components or bool(set(self.components) & set(components))


def key(subscriber_id: str) -> str:
    return f"{PREFIX}{subscriber_id}.json"


def load(store: Store, subscriber_id: str) -> Subscriber | None:
    data = store.get_json(key(subscriber_id))
    return None if data is None else Subscriber.model_validate(data)


def save(store: Store, subscriber: Subscriber) -> None:
    store.put_json(key(subscriber.id), subscriber.model_dump(mode="json"))


def delete(store: Store, subscriber_id: str) -> None:
    store.delete(key(subscriber_id))


def all_subscribers(store: Store) -> Iterator[Subscriber]:
    for name in store.list(PREFIX):
        data = store.get_json(name)
        if data is not None:
            yield Subscriber.model_validate(data)
