"""Alert channels, one module each, found by the `type:` of their config."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from checker.alerting.channels import (
    discord,
    email,
    opsgenie,
    pagerduty,
    slack,
    teams,
    telegram,
    webhook,
)
from checker.alerting.channels.base import ChannelKind, SendContext

CHANNELS: dict[str, ChannelKind[Any]] = {
    "slack": slack.CHANNEL,
    "discord": discord.CHANNEL,
    "teams": teams.CHANNEL,
    "webhook": webhook.CHANNEL,
    "pagerduty": pagerduty.CHANNEL,
    "email": email.CHANNEL,
    "telegram": telegram.CHANNEL,
    "opsgenie": opsgenie.CHANNEL,
}

ChannelConfig = Annotated[
    slack.SlackConfig
    | discord.DiscordConfig
    | teams.TeamsConfig
    | webhook.WebhookConfig
    | pagerduty.PagerDutyConfig
    | email.EmailConfig
    | telegram.TelegramConfig
    | opsgenie.OpsgenieConfig,
    Field(discriminator="type"),
]

__all__ = ["CHANNELS", "ChannelConfig", "ChannelKind", "SendContext"]
