"""The base models: every model read from `statuspage.yaml` or the bundle, and every model of a
file the checker derives in the store, refuses keys it does not know. The documents that runs
share as a ledger (alert state, notification ledger) keep unknown keys instead."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, PlainSerializer


class StrictModel(BaseModel):
    """Unknown keys are errors: a misspelt key must never be silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def share_given_fields(models: Iterable[StrictModel], shared: dict[frozenset[str], set[str]] | None = None) -> None:
    """Let the models given the same fields share one set of their names; `shared` holds the sets
    to share, for a caller that shares as it goes.

    Pydantic keeps on every model object the set of fields its input gave (what
    `model_dump(exclude_unset=True)` reads): about 220 bytes for each incident and for each of its
    updates, a quarter of the memory a large site's incidents take. A StrictModel is frozen, so
    nothing changes that set in place: a copy (`model_copy`) copies it before adding to it."""
    shared = {} if shared is None else shared
    for model in models:
        given = model.__pydantic_fields_set__
        object.__setattr__(model, "__pydantic_fields_set__", shared.setdefault(frozenset(given), given))


class StoredModel(BaseModel):
    """A file of the store (state, rollups, history, summary): unknown keys are errors, so a file
    written by another version is refused rather than half read; not frozen, since a run
    updates these in place."""

    model_config = ConfigDict(extra="forbid")


class LedgerModel(BaseModel):
    """A ledger document of the store that one run reads, changes and writes back whole (the alert
    state, the notification ledger and markers): keys this version does not know are kept as they
    are, not refused, so a store keeps working across an upgrade and a rollback loses nothing."""

    model_config = ConfigDict(extra="allow")


LedgerTime = Annotated[datetime, PlainSerializer(lambda at: at.isoformat(), return_type=str, when_used="json")]
"""A time as the ledgers have always stored it: `datetime.isoformat()` (`+00:00`, not pydantic's `Z`)."""


_NO_OFFSET = timedelta(0)


def _in_shared_utc(at: datetime) -> datetime:
    if at.tzinfo is not UTC and at.tzinfo is not None and at.utcoffset() == _NO_OFFSET:
        return at.replace(tzinfo=UTC)
    return at


UtcTime = Annotated[datetime, AfterValidator(_in_shared_utc)]
"""A time that, when it is in UTC, has the one `datetime.UTC` object as its zone. Pydantic gives
each time it reads from JSON a zone object of its own, and two times whose zone objects differ
compare by asking each for its offset: a site's incidents read back from the parse cache sorted
and compared at half the speed of the same incidents parsed from their files. The same moment,
written the same way."""


def absent(value: object) -> bool:
    """For `Field(exclude_if=absent)`: a ledger leaves out a key that has no value."""
    return value is None
