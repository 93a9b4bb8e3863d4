"""Telegram Bot API `sendMessage` to one chat, as HTML-formatted text."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any, Literal

from checker.alerting.channels.base import ChannelKind, SendContext, post_json
from checker.strict_model import StrictModel

if TYPE_CHECKING:  # types only: the bundle loads the channels' settings, not what they send
    from checker.alerting.events import Alert


class TelegramConfig(StrictModel):
    type: Literal["telegram"]
    bot_token: str
    """The bot's token from @BotFather; a `${NAME}` reference."""
    chat_id: str
    """The chat, group or channel id (or `@channelname`)."""
    api_url: str = "https://api.telegram.org"
    """Bot API address (change only for a self-hosted Bot API server)."""


def payload(alert: Alert, chat_id: str) -> dict[str, Any]:
    lines = [f"<b>{html.escape(alert.headline)}</b>"]
    lines += [f"{html.escape(k)}: {html.escape(v)}" for k, v in alert.details]
    lines.append(f'<a href="{html.escape(alert.page_url)}">Status page</a>')
    return {
        "chat_id": chat_id,
        "text": "\n".join(lines),
        "parse_mode": "HTML",
        "disable_web_page_preview": True,
    }


def send(config: TelegramConfig, alert: Alert, context: SendContext) -> None:
    token = context.secret(config.bot_token, "bot_token")
    url = f"{config.api_url.rstrip('/')}/bot{token}/sendMessage"
    chat_id = context.secret(config.chat_id, "chat_id")
    post_json(context, url, payload(alert, chat_id), channel="telegram")


CHANNEL = ChannelKind(config=TelegramConfig, send=send)
