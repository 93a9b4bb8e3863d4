"""Sending email: one small interface with three backends (an `outbox/` folder, SMTP, Amazon SES).

Team alerts (`checker.alerting`) and subscriber notifications (`site_builder.notify`) both send
mail, so the transport lives here, on the side both packages may import.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any, Literal, Protocol

from pydantic import Field

from checker.atomic_file import write_atomic
from checker.errors import DeliveryError
from checker.header_text import HeaderText, header_safe
from checker.secrets import expand_text
from checker.strict_model import StrictModel

MAIL_POLICY = policy.SMTP.clone(max_line_length=998)
"""How every message is written: CRLF line ends, and headers folded only beyond RFC 5322's hard
limit of 998 characters. With the usual 78, Python wraps a long unbroken value such as the
`List-Unsubscribe` URL in RFC 2047 encoded words, which mail providers do not decode there, so
they would offer no one-click unsubscribe."""


class MailSettings(StrictModel):
    """How mail leaves this machine."""

    backend: Literal["outbox", "smtp", "ses"] = "outbox"
    """`outbox` writes each message as an `.eml` file (the embedded default, no mail server needed);
    `smtp` hands it to an SMTP server; `ses` sends it with Amazon SES."""
    from_address: HeaderText = "Status <status@localhost>"
    """The `From:` header, e.g. `Example Status <status@example.com>`."""
    outbox: str = "./outbox"
    """Folder the `outbox` backend writes into; in statuspage.yaml, relative to that file's folder."""
    smtp_host: str = "127.0.0.1"
    """SMTP server host."""
    smtp_port: int = Field(default=25, ge=1, le=65535)
    """SMTP server port (25 or 587 with STARTTLS, 465 with `smtp_tls: implicit`)."""
    smtp_user: str | None = None
    """SMTP user name; a `${NAME}` reference is resolved when sending."""
    smtp_password: str | None = None
    """SMTP password; write it as a `${NAME}` reference, never in git."""
    smtp_tls: Literal["none", "starttls", "implicit"] = "none"
    """`starttls` upgrades a plain connection; `implicit` connects with TLS from the start."""
    ses_region: str | None = None
    """AWS region of SES; the default region of the environment when not set."""
    timeout: float = Field(default=30.0, gt=0)
    """Seconds before a connection to the mail server gives up."""


def new_message(from_address: str, to: str, subject: str, at: datetime) -> EmailMessage:
    """An empty message with its envelope headers, written with `MAIL_POLICY`.

    Every value passes through `header_safe` again here, although configuration and content are
    checked when validated: a bundle compiled before a rule existed must not be able to add a
    header or crash the send.
    """
    mail = EmailMessage(policy=MAIL_POLICY)
    mail["From"] = header_safe(from_address)
    mail["To"] = header_safe(to)
    mail["Subject"] = header_safe(subject)
    mail["Date"] = format_datetime(at)
    mail["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies, please
    return mail


class Mailer(Protocol):
    """Something that delivers a finished message or raises DeliveryError."""

    def send(self, message: EmailMessage) -> None: ...


class OutboxMailer:
    """Writes `<Message-ID>.eml` files into a folder: the whole flow runs with no mail server."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)

    def send(self, message: EmailMessage) -> None:
        name = _file_name(message)
        try:
            # A reader (or a crash) never sees half a message; owner-only, as the outbox always was.
            write_atomic(self.folder / name, (message.as_bytes(),), mode=0o600, make_folders=True)
        except OSError as error:
            raise DeliveryError(f"outbox {self.folder}: {error.strerror}") from error


class SmtpMailer:
    """Hands messages to an SMTP server, one connection per message (sending is rare and short)."""

    def __init__(self, settings: MailSettings, env: Mapping[str, str]) -> None:
        self.settings = settings
        self.user = _resolved(settings.smtp_user, env, "smtp_user")
        self.password = _resolved(settings.smtp_password, env, "smtp_password")

    def send(self, message: EmailMessage) -> None:
        import smtplib  # here: loading a site's mail settings should not load the SMTP client
        import ssl

        s = self.settings
        try:
            smtp: smtplib.SMTP
            if s.smtp_tls == "implicit":
                tls = ssl.create_default_context()
                smtp = smtplib.SMTP_SSL(s.smtp_host, s.smtp_port, timeout=s.timeout, context=tls)
            else:
                smtp = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.timeout)
            with smtp:
                if s.smtp_tls == "starttls":
                    smtp.starttls(context=ssl.create_default_context())
                if self.user and self.password:
                    smtp.login(self.user, self.password)
                smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as error:
            # The message names the server, never the credentials.
            raise DeliveryError(f"SMTP {s.smtp_host}:{s.smtp_port} refused the message: {_short(error)}") from error


class SesMailer:
    """Sends raw MIME through Amazon SES, so the headers (List-Unsubscribe…) go out as built."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def send(self, message: EmailMessage) -> None:
        try:
            self.client.send_raw_email(RawMessage={"Data": message.as_bytes()})
        except Exception as error:  # botocore raises many unrelated classes; all mean "not sent"
            raise DeliveryError(f"SES refused the message: {_short(error)}") from error


def open_mailer(settings: MailSettings, env: Mapping[str, str], *, ses_client: Any = None) -> Mailer:
    """The mailer for `settings`; `ses_client` replaces the boto3 client (tests pass moto's)."""
    if settings.backend == "outbox":
        return OutboxMailer(settings.outbox)
    if settings.backend == "smtp":
        return SmtpMailer(settings, env)
    if ses_client is None:
        import boto3  # only SES users pay for importing boto3

        ses_client = boto3.client("ses", region_name=settings.ses_region)
    return SesMailer(ses_client)


def _resolved(value: str | None, env: Mapping[str, str], key: str) -> str | None:
    return None if value is None else expand_text(value, env, key)


def _file_name(message: EmailMessage) -> str:
    message_id = str(message.get("Message-ID", "")).strip("<>") or os.urandom(8).hex()
    safe = "".join(c if c.isalnum() or c in "-_.@" else "_" for c in message_id)
    return f"{safe}.eml"


def _short(error: BaseException) -> str:
    text = str(error) or type(error).__name__
    return text if len(text) <= 200 else text[:197] + "..."
