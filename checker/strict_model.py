"""The base models: every model read from `statuspage.yaml` or the bundle, and every model of a
file the checker derives in the store, refuses keys it does not know. The documents that runs
share as a ledger (alert state, notification ledger) keep unknown keys instead."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, PlainSerializer


class StrictModel(BaseModel):
    """Unknown keys are errors: a misspelt key must never be silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


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


def absent(value: object) -> bool:
    """For `Field(exclude_if=absent)`: a ledger leaves out a key that has no value."""
    return value is None
