"""Helpers of the alerting tests: a clock, webhook channels and what a receiver was sent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

T0 = datetime(2026, 11, 22, 14, 0, tzinfo=UTC)
FIXTURES = Path(__file__).parent.parent / "fixtures" / "notify"


def minutes(n: float) -> datetime:
    return T0 + timedelta(minutes=n)


def hooks(receiver: Any, *names: str) -> dict[str, Any]:
    """One webhook channel per name, each posting to its own path of `receiver`."""
    return {name: {"type": "webhook", "url": f"{receiver.url}/{name}"} for name in names}


def received(receiver: Any) -> list[tuple[str, str, str]]:
    """(channel, event, component) of every request so far."""
    return [(r.path.strip("/"), r.json()["event"], r.json()["component"]) for r in receiver.requests]
