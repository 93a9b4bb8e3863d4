"""The base models: every model read from `statuspage.yaml` or the bundle, and every model of a
file the checker derives in the store, refuses keys it does not know. The documents that runs
share as a ledger (alert state, notification ledger) keep unknown keys instead."""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from datetime import datetime
from typing import Annotated, TypeVar, get_args

from pydantic import BaseModel, ConfigDict, PlainSerializer

KindT = TypeVar("KindT")


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


def absent(value: object) -> bool:
    """For `Field(exclude_if=absent)`: a ledger leaves out a key that has no value."""
    return value is None


def kinds_by_type(union: object, attribute: str, kind: type[KindT]) -> dict[str, KindT]:
    """A registry read off a discriminated union of settings models: for each member, its `type:`
    value -> `attribute` of the module that defines it (a check's `PROBE`, a channel's `CHANNEL`),
    which must be a `kind`.

    The union is the one list of kinds, so adding a kind is its module, its test and one member in
    the union: what the kind does lives in its module beside the settings that describe it."""
    members = get_args(get_args(union)[0])  # Annotated[A | B | ..., Field(...)] -> (A, B, ...)
    registry: dict[str, KindT] = {}
    for model in members:
        (type_name,) = get_args(model.model_fields["type"].annotation)
        value = getattr(importlib.import_module(model.__module__), attribute, None)
        if not isinstance(value, kind):
            raise TypeError(f"{model.__module__} must define {attribute} (a {kind.__name__}) for `type: {type_name}`")
        registry[type_name] = value
    return registry
