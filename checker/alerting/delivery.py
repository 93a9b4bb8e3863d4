"""Sending one queued alert message through its channel, with retries, and recording the outcome."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from checker.alerting.channels import CHANNELS, SendContext
from checker.alerting.config import AlertsSettings
from checker.alerting.state import ALERT_STATE_KEY, AlertState, QueuedMessage
from checker.backoff import delay
from checker.errors import StatusgenError
from checker.store import Store

_MAX_WAIT = 3600.0


def send_with_retries(
    entry: QueuedMessage,
    settings: AlertsSettings,
    context: SendContext,
    sleep: Callable[[float], None],
) -> str | None:
    """Send one queued message with retries; the last error, or None when it was delivered."""
    config = settings.channels.get(entry.channel)
    if config is None:
        return f"channel {entry.channel!r} is no longer in alerts.channels"
    kind = CHANNELS[config.type]
    error = ""
    for attempt in range(settings.retry_attempts):
        try:
            kind.send(config, entry.alert, context)
            return None
        except StatusgenError as problem:
            error = str(problem)
        except Exception as problem:  # a bug in one channel must not stop the others
            error = f"{entry.channel}: {type(problem).__name__}"
        if attempt + 1 < settings.retry_attempts:
            sleep(delay(attempt, base=settings.retry_backoff))
    return error


def record(
    state: AlertState,
    key: str,
    error: str | None,
    settings: AlertsSettings,
    now: datetime,
    owner: str,
) -> bool:
    """Record in `state` (in place) that the message `key` was sent (error None) or failed;
    True when it failed for `give_up_after` and was dropped."""
    entry = state.queue.get(key)
    if entry is None or entry.lease is None or entry.lease.owner != owner:
        return False  # our lease ran out and another run has taken the message over
    if error is None:
        del state.queue[key]
        state.done[key] = now
        return False
    entry.attempts += 1
    entry.lease = None
    if (now - entry.created_at).total_seconds() >= settings.give_up_after:
        del state.queue[key]
        return True
    wait = delay(entry.attempts - 1, base=60.0, cap=_MAX_WAIT)
    entry.next_at = now + timedelta(seconds=wait)
    return False


def store_outcome(
    store: Store, key: str, error: str | None, settings: AlertsSettings, now: datetime, owner: str
) -> bool:
    """Record the outcome of message `key` in the store; True when the message was dropped."""
    gave_up = False

    def recorded(current: Any | None) -> dict[str, Any]:
        nonlocal gave_up
        state = AlertState.load(current)
        gave_up = record(state, key, error, settings, now, owner) or gave_up
        return state.dump()

    store.update_json(ALERT_STATE_KEY, recorded)
    return gave_up
