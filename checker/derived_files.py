"""Reading the derived files (state, day rollups, history) back; one that cannot be read is a DamagedFile."""

from __future__ import annotations

from datetime import date
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from checker.daily import DayRollup, day_key
from checker.errors import StoreError
from checker.store import Store, StoredObject


class DamagedFile(StoreError):
    """A derived file that cannot be read: it is made again from `runs/`."""


M = TypeVar("M", bound=BaseModel)


def parse_stored(stored: StoredObject | None, key: str, model: type[M]) -> M | None:
    """The model stored at `key` (None when there is none); DamagedFile when it cannot be read."""
    if stored is None:
        return None
    try:
        return model.model_validate_json(stored.data)
    except ValidationError as error:
        first = error.errors()[0] if error.errors() else {"msg": "unreadable", "loc": ()}
        where = ".".join(str(part) for part in first.get("loc", ()))
        detail = f"{where}: {first['msg']}" if where else first["msg"]
        raise DamagedFile(f"{key} cannot be read ({detail})") from None


def read_stored(store: Store, key: str, model: type[M]) -> M | None:
    return parse_stored(store.get(key), key, model)


def day_rollup(stored: StoredObject | None, name: str) -> DayRollup:
    return parse_stored(stored, day_key(name), DayRollup) or DayRollup(date=date.fromisoformat(name))


def day_rollup_or_none(stored: StoredObject | None, name: str) -> DayRollup | None:
    return None if stored is None else day_rollup(stored, name)
