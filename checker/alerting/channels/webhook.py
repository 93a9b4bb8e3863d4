"""A generic JSON webhook, optionally signed: `X-Statusgen-Signature: sha256=<HMAC of the body>`."""

from __future__ import annotations

import hashlib
import hmac
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field

from checker.alerting.channels.base import ChannelKind, SendContext, post_json
from checker.store import dump_json
from checker.strict_model import StrictModel

if TYPE_CHECKING:  # types only: the bundle loads the channels' settings, not what they send
    from checker.alerting.events import Alert

SIGNATURE_HEADER = "X-Statusgen-Signature"


class WebhookConfig(StrictModel):
    type: Literal["webhook"]
    url: str
    """Where to POST; may contain `${NAME}` references."""
    secret: str | None = None
    """When set (as a `${NAME}` reference), the body is signed with HMAC-SHA256 under this key."""
    headers: dict[str, str] = Field(default_factory=dict)
    """Extra request headers; values may contain `${NAME}` references."""


def payload(alert: Alert) -> dict[str, Any]:
    return {"event": alert.kind, "title": alert.title, **alert.model_dump(mode="json")}


def signature(secret: str, body: bytes) -> str:
    """The header value a receiver recomputes to check the body came from us."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def send(config: WebhookConfig, alert: Alert, context: SendContext) -> None:
    body = dump_json(payload(alert))
    headers = {name: context.secret(value, f"headers.{name}") for name, value in config.headers.items()}
    if config.secret is not None:
        headers[SIGNATURE_HEADER] = signature(context.secret(config.secret, "secret"), body)
    url = context.secret(config.url, "url")
    post_json(context, url, None, channel="webhook", headers=headers, content=body)


CHANNEL = ChannelKind(config=WebhookConfig, send=send)
