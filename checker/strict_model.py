"""The base models: every model read from `statuspage.yaml` or the bundle, and every model of a
file in the store, refuses keys it does not know."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class StrictModel(BaseModel):
    """Unknown keys are errors: a misspelt key must never be silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class StoredModel(BaseModel):
    """A file of the store (state, rollups, history, summary): unknown keys are errors, so a file
    written by another version is refused rather than half read; not frozen, since a run
    updates these in place."""

    model_config = ConfigDict(extra="forbid")
