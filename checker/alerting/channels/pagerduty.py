"""PagerDuty Events API v2: `trigger` for an outage, `resolve` when it ends, one `dedup_key`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from checker.alerting.channels.base import ChannelKind, SendContext, post_json
from checker.strict_model import StrictModel

if TYPE_CHECKING:  # types only: the bundle loads the channels' settings, not what they send
    from checker.alerting.events import Alert

_SEVERITY = {
    "major_outage": "critical",
    "partial_outage": "error",
    "degraded_performance": "warning",
}


class PagerDutyConfig(StrictModel):
    type: Literal["pagerduty"]
    routing_key: str
    """The integration key of an Events API v2 integration; a `${NAME}` reference."""
    url: str = "https://events.pagerduty.com/v2/enqueue"
    """Events API address (change only for the EU service region or a proxy)."""


def payload(alert: Alert, routing_key: str) -> dict[str, Any]:
    if alert.is_resolved:
        return {"routing_key": routing_key, "event_action": "resolve", "dedup_key": alert.dedup_key}
    return {
        "routing_key": routing_key,
        "event_action": "trigger",
        "dedup_key": alert.dedup_key,
        "payload": {
            "summary": alert.headline[:1024],
            "source": alert.page_url,
            "severity": _severity(alert),
            "timestamp": alert.at.isoformat(),
            "component": alert.component,
            "custom_details": dict(alert.details),
        },
        "links": [{"href": alert.page_url, "text": f"{alert.site_name} status page"}],
    }


def _severity(alert: Alert) -> str:
    if alert.burn is not None:
        return "critical" if alert.burn == "fast" else "warning"
    return _SEVERITY.get(alert.status, "info")


def send(config: PagerDutyConfig, alert: Alert, context: SendContext) -> None:
    if alert.kind == "reminder":
        return  # PagerDuty re-notifies by itself while the incident is open
    routing_key = context.secret(config.routing_key, "routing_key")
    post_json(context, config.url, payload(alert, routing_key), channel="pagerduty")


CHANNEL = ChannelKind(config=PagerDutyConfig, send=send)
