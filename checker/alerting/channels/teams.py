"""Microsoft Teams through a Workflows webhook: a message carrying one Adaptive Card."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from checker.alerting.channels.base import ChannelKind, SendContext, post_json
from checker.strict_model import StrictModel

if TYPE_CHECKING:  # types only: the bundle loads the channels' settings, not what they send
    from checker.alerting.events import Alert


class TeamsConfig(StrictModel):
    type: Literal["teams"]
    url: str
    """The Workflows ("Post to a channel when a webhook request is received") URL; a `${NAME}`."""


def payload(alert: Alert) -> dict[str, Any]:
    card = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": [
            {
                "type": "TextBlock",
                "text": alert.title,
                "weight": "Bolder",
                "size": "Medium",
                "wrap": True,
                "color": "Good" if alert.is_resolved else "Attention",
            },
            {"type": "FactSet", "facts": [{"title": k, "value": v} for k, v in alert.details]},
        ],
        "actions": [{"type": "Action.OpenUrl", "title": "Open the status page", "url": alert.page_url}],
    }
    return {
        "type": "message",
        "attachments": [
            {
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": None,
                "content": card,
            }
        ],
    }


def send(config: TeamsConfig, alert: Alert, context: SendContext) -> None:
    post_json(context, context.secret(config.url, "url"), payload(alert), channel="teams")


CHANNEL = ChannelKind(config=TeamsConfig, send=send)
