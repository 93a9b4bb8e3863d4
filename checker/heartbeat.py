"""Receiving heartbeats: a job proves it ran by sending its component's secret token."""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from datetime import datetime

from checker.bundle import Bundle
from checker.errors import HeartbeatRejected, MissingVariable
from checker.probes.heartbeat import HeartbeatCheck, heartbeat_key
from checker.secrets import expand_text
from checker.store import Store


def record_heartbeat(
    bundle: Bundle,
    store: Store,
    component_id: str,
    token: str,
    *,
    now: datetime,
    env: Mapping[str, str],
) -> None:
    """Store that `component_id` reported at `now`; HeartbeatRejected when the token is wrong."""
    component = next((c for c in bundle.components if c.id == component_id), None)
    if component is None or not isinstance(component.check, HeartbeatCheck):
        raise HeartbeatRejected(f"no heartbeat check named {component_id!r}")
    try:
        expected = expand_text(component.check.token, env, f"{component_id}.check.token")
    except MissingVariable as error:
        raise HeartbeatRejected(f"{component_id}: the token variable {error.name} is not set") from None
    # Constant-time comparison: the token is a secret and timing must not leak it.
    if not token or not hmac.compare_digest(token.encode(), expected.encode()):
        raise HeartbeatRejected(f"{component_id}: wrong token")
    store.put_json(heartbeat_key(component_id), {"at": now.isoformat()})
