"""Email to the team, through the same mail backends as subscriber mail (outbox, SMTP, SES)."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import make_msgid
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import Field

from checker.alerting.channels.base import ChannelKind, SendContext
from checker.alerting.mail import MailSettings, new_message
from checker.header_text import HeaderText

if TYPE_CHECKING:  # types only: the bundle loads the channels' settings, not what they send
    from checker.alerting.events import Alert


class EmailConfig(MailSettings):
    type: Literal["email"]
    to: Annotated[list[HeaderText], Field(min_length=1)]
    """Recipients, e.g. `[oncall@example.com]`."""


def message(config: EmailConfig, alert: Alert) -> EmailMessage:
    mail = new_message(config.from_address, ", ".join(config.to), alert.headline, alert.at)
    mail["Message-ID"] = make_msgid(idstring=alert.dedup_key, domain="statusgen.invalid")
    mail.set_content(alert.text)
    return mail


def send(config: EmailConfig, alert: Alert, context: SendContext) -> None:
    context.mailer_for(config).send(message(config, alert))


CHANNEL = ChannelKind(config=EmailConfig, send=send)
