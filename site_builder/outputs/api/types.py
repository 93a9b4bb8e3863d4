"""The strict base model and the checked string types (timestamps, dates, ids) of every published JSON model."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict

_TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}(Z|[+-]\d\d:\d\d)$")
_DATE = re.compile(r"^\d{4}-\d\d-\d\d$")
_ID = re.compile(r"^[0-9a-z]{12}$")


def _timestamp(value: str) -> str:
    if not _TIMESTAMP.match(value):
        raise ValueError(f"{value!r} is not a Statuspage timestamp such as 2021-12-07T09:06:43.178Z")
    return value


def _date(value: str) -> str:
    if not _DATE.match(value):
        raise ValueError(f"{value!r} is not a date such as 2021-10-04")
    return value


def _statuspage_id(value: str) -> str:
    if not _ID.match(value):
        raise ValueError(f"{value!r} is not a 12-character lower-case base36 id")
    return value


Timestamp = Annotated[str, AfterValidator(_timestamp)]
"""ISO 8601 with milliseconds, in the page's time zone (`Z` for UTC), as Statuspage writes them."""
Day = Annotated[str, AfterValidator(_date)]
"""A calendar date, `YYYY-MM-DD`."""
StatuspageId = Annotated[str, AfterValidator(_statuspage_id)]
"""12 lower-case base36 characters, stable across builds (checker.ids.stable_id)."""


class ApiModel(BaseModel):
    """Strict both ways: unknown keys are rejected, and values are not coerced when read back."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)
