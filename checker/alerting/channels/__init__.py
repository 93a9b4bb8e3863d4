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
from checker.kinds import kinds_by_type

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
"""An alert route's channel settings, of the model its `type:` names: the one list of channel
types. Adding one is its module (its config model and `CHANNEL`), its test and its member here."""
CHANNELS: dict[str, ChannelKind[Any]] = kinds_by_type(ChannelConfig, "CHANNEL", ChannelKind)
"""Each channel type's kind (its config model and how it sends), by `type:`."""

__all__ = ["CHANNELS", "ChannelConfig", "ChannelKind", "SendContext"]
