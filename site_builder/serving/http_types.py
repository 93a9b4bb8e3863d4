"""The HTTP request and response that endpoints (subscribe, confirm, unsubscribe) take and give,
whether they run behind a Lambda Function URL or inside the local preview server."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: str
    """The raw query string, without `?`."""
    body: bytes
    headers: Mapping[str, str]
    """Header names in lower case."""
    source_ip: str


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
