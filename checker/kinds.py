"""Kinds registered by their settings union: check types (`checker.probes`) and alert channels
(`checker.alerting.channels`)."""

from __future__ import annotations

import importlib
from typing import TypeVar, get_args

KindT = TypeVar("KindT")


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
