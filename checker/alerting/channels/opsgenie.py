"""Opsgenie Alert API: create an alert (alias = the outage's dedup key), close it on recovery."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field

from checker.alerting.channels.base import ChannelKind, SendContext, post_json
from checker.strict_model import StrictModel

if TYPE_CHECKING:  # types only: the bundle loads the channels' settings, not what they send
    from checker.alerting.events import Alert

_PRIORITY = {"major_outage": "P1", "partial_outage": "P2", "degraded_performance": "P3"}


class OpsgenieConfig(StrictModel):
    type: Literal["opsgenie"]
    api_key: str
    """An API integration key; a `${NAME}` reference."""
    api_url: str = "https://api.opsgenie.com"
    """`https://api.eu.opsgenie.com` for accounts in the EU region."""
    tags: list[str] = Field(default_factory=list)
    """Tags added to every alert."""


def create_payload(alert: Alert, tags: list[str]) -> dict[str, Any]:
    return {
        "message": alert.headline[:130],
        "alias": alert.dedup_key,
        "description": alert.text[:15000],
        "priority": _PRIORITY.get(alert.status, "P5"),
        "source": "statusgen",
        "entity": alert.component,
        "tags": [*tags, alert.component],
        "details": dict(alert.details),
    }


def close_payload(alert: Alert) -> dict[str, Any]:
    return {"source": "statusgen", "note": alert.title}


def send(config: OpsgenieConfig, alert: Alert, context: SendContext) -> None:
    headers = {"Authorization": f"GenieKey {context.secret(config.api_key, 'api_key')}"}
    base = config.api_url.rstrip("/")
    if alert.is_resolved:
        url = f"{base}/v2/alerts/{alert.dedup_key}/close?identifierType=alias"
        post_json(context, url, close_payload(alert), channel="opsgenie", headers=headers)
    else:
        post_json(context, f"{base}/v2/alerts", create_payload(alert, config.tags), channel="opsgenie", headers=headers)


CHANNEL = ChannelKind(config=OpsgenieConfig, send=send)
