"""Discord webhook: one embed per alert, coloured by severity, with mentions disabled."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from checker.alerting.channels.base import ChannelKind, SendContext, post_json
from checker.strict_model import StrictModel
from checker.vocabulary import DISCORD_COLOURS

if TYPE_CHECKING:  # types only: the bundle loads the channels' settings, not what they send
    from checker.alerting.events import Alert


class DiscordConfig(StrictModel):
    type: Literal["discord"]
    url: str
    """The webhook URL; a `${NAME}` reference (it is a secret)."""


def payload(alert: Alert) -> dict[str, Any]:
    return {
        "content": alert.headline,
        "embeds": [
            {
                "title": alert.title[:256],
                "url": alert.page_url,
                "color": DISCORD_COLOURS[alert.status],  # the title says the status in words too
                "timestamp": alert.at.isoformat(),
                "fields": [{"name": k, "value": v[:1024], "inline": True} for k, v in alert.details],
            }
        ],
        # A reason text could contain @everyone; nobody should be pinged by a probe's error.
        "allowed_mentions": {"parse": []},
    }


def send(config: DiscordConfig, alert: Alert, context: SendContext) -> None:
    post_json(context, context.secret(config.url, "url"), payload(alert), channel="discord")


CHANNEL = ChannelKind(config=DiscordConfig, send=send)
