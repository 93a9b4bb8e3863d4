"""Slack incoming webhook, with a Block Kit message (and `text` as the notification fallback)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from checker.alerting.channels.base import ChannelKind, SendContext, post_json
from checker.strict_model import StrictModel

if TYPE_CHECKING:  # types only: the bundle loads the channels' settings, not what they send
    from checker.alerting.events import Alert


class SlackConfig(StrictModel):
    type: Literal["slack"]
    url: str
    """The incoming-webhook URL; a `${NAME}` reference (it is a secret)."""


def payload(alert: Alert) -> dict[str, Any]:
    """The message as Slack's Block Kit describes it: header, fields, context with the link."""
    fields = [{"type": "mrkdwn", "text": f"*{label}*\n{value}"} for label, value in alert.details]
    return {
        "text": alert.headline,
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": alert.title[:150]}},
            {"type": "section", "fields": fields[:10]},
            {
                "type": "context",
                "elements": [{"type": "mrkdwn", "text": f"<{alert.page_url}|{alert.site_name} status page>"}],
            },
        ],
    }


def send(config: SlackConfig, alert: Alert, context: SendContext) -> None:
    post_json(context, context.secret(config.url, "url"), payload(alert), channel="slack")


CHANNEL = ChannelKind(config=SlackConfig, send=send)
