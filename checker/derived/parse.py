"""Reading the derived files (state, day rollups, history) back; one that cannot be read is a DamagedFile."""

from __future__ import annotations

from datetime import date
from typing import TypeVar

import orjson
from pydantic import BaseModel, ValidationError

from checker.derived.daily import HOURLY_PREFIX, DayRollup, HourRollup, day_key, hour_key, with_hours
from checker.derived.history import HISTORY_KEY, History, parse_history
from checker.errors import DamagedFile
from checker.store import Store, StoredObject

M = TypeVar("M", bound=BaseModel)


def parse_stored(stored: StoredObject | None, key: str, model: type[M]) -> M | None:
    """The model stored at `key` (None when there is none); DamagedFile when it cannot be read."""
    if stored is None:
        return None
    try:
        return model.model_validate_json(stored.data)
    except ValidationError as error:
        raise _damaged(key, error) from None


def parse_stored_history(stored: StoredObject | None) -> History | None:
    """`rollups/history.json` (None when there is none); DamagedFile when it cannot be read."""
    if stored is None:
        return None
    try:
        return parse_history(stored.data)
    except orjson.JSONDecodeError:
        raise DamagedFile(f"{HISTORY_KEY} cannot be read (not JSON)") from None
    except ValidationError as error:
        raise _damaged(HISTORY_KEY, error) from None


def _damaged(key: str, error: ValidationError) -> DamagedFile:
    first = error.errors()[0] if error.errors() else {"msg": "unreadable", "loc": ()}
    where = ".".join(str(part) for part in first.get("loc", ()))
    detail = f"{where}: {first['msg']}" if where else first["msg"]
    return DamagedFile(f"{key} cannot be read ({detail})")


def read_stored(store: Store, key: str, model: type[M]) -> M | None:
    return parse_stored(store.get(key), key, model)


def day_rollup(stored: StoredObject | None, name: str) -> DayRollup:
    return parse_stored(stored, day_key(name), DayRollup) or DayRollup(date=date.fromisoformat(name))


def day_rollup_or_none(stored: StoredObject | None, name: str) -> DayRollup | None:
    return None if stored is None else day_rollup(stored, name)


def hour_rollup(stored: StoredObject | None, day: str, hour: str) -> HourRollup:
    return parse_stored(stored, hour_key(day, hour), HourRollup) or HourRollup(date=date.fromisoformat(day), hour=hour)


def stored_hours(store: Store, day: str) -> list[HourRollup]:
    """Every hour rollup of `day` in the store."""
    keys = sorted(store.list(f"{HOURLY_PREFIX}{day}/"))
    hours = [key.rsplit("/", 1)[-1].removesuffix(".json") for key in keys]
    return [hour_rollup(store.get(key), day, hour) for key, hour in zip(keys, hours, strict=True)]


def stored_day_with_hours(store: Store, day: str) -> DayRollup | None:
    """The stored rollup of `day` with its latency by hour, as it is folded into the history."""
    return with_hours(day_rollup_or_none(store.get(day_key(day)), day), stored_hours(store, day))
