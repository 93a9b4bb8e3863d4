"""Every key of statuspage.yaml is documented: a key a user cannot look up is a key they cannot use."""

from __future__ import annotations

import types
import typing
from pathlib import Path

from pydantic import BaseModel

from site_builder.config import SiteConfig

DOCS = Path(__file__).parents[2] / "docs"


def models_under(model: type[BaseModel], seen: set[type[BaseModel]] | None = None) -> set[type[BaseModel]]:
    seen = set() if seen is None else seen
    if model in seen:
        return seen
    seen.add(model)
    for field in model.model_fields.values():
        for candidate in _flatten(field.annotation):
            if isinstance(candidate, type) and issubclass(candidate, BaseModel):
                models_under(candidate, seen)
    return seen


def _flatten(tp: object) -> list[object]:
    args = typing.get_args(tp)
    if typing.get_origin(tp) in (typing.Union, types.UnionType, typing.Annotated, list, dict, tuple) or args:
        out: list[object] = []
        for arg in args:
            out.extend(_flatten(arg))
        return out
    return [tp]


def test_every_configuration_key_is_documented() -> None:
    text = "\n".join(p.read_text(encoding="utf-8") for p in DOCS.glob("*.md"))
    missing = sorted(
        f"{model.__name__}.{field.alias or name}"
        for model in models_under(SiteConfig)
        for name, field in model.model_fields.items()
        if f"`{field.alias or name}`" not in text
    )
    assert missing == []
