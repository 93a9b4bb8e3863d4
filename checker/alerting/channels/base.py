"""The one interface every alert channel implements, and the HTTP helper most of them share."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from checker.alerting.mail import Mailer, MailSettings
from checker.errors import DeliveryError
from checker.secrets import expand_text
from checker.strict_model import StrictModel

if TYPE_CHECKING:  # types only: the bundle loads the channels' settings, not what they send
    import httpx

    from checker.alerting.events import Alert

ConfigT = TypeVar("ConfigT", bound=StrictModel)
ConfigT_contra = TypeVar("ConfigT_contra", bound=StrictModel, contravariant=True)


@dataclass(frozen=True)
class SendContext:
    """The I/O a channel may use, injected so tests point it at loopback servers."""

    http: httpx.Client
    env: Mapping[str, str]
    """Where `${NAME}` references are resolved, at send time only."""
    mailer_for: Callable[[MailSettings], Mailer]

    def secret(self, value: str, key: str) -> str:
        return expand_text(value, self.env, key)


class SendFunction(Protocol[ConfigT_contra]):
    def __call__(self, config: ConfigT_contra, alert: Alert, context: SendContext) -> None: ...


@dataclass(frozen=True)
class ChannelKind(Generic[ConfigT]):
    """A channel type: its config model (with `type:`) and how it sends one alert."""

    config: type[ConfigT]
    send: SendFunction[ConfigT]


def post_json(
    context: SendContext,
    url: str,
    payload: Any,
    *,
    channel: str,
    headers: Mapping[str, str] | None = None,
    content: bytes | None = None,
) -> httpx.Response:
    """POST `payload` as JSON; any answer but 2xx, or no answer, raises DeliveryError.

    The error names the channel and the host, never the full URL: webhook URLs are secrets.
    """
    import httpx  # here, not at the top: every check loads the channels' settings, few send

    request_headers = {"Content-Type": "application/json", **(headers or {})}
    body = content if content is not None else httpx.Request("POST", url, json=payload).content
    try:
        response = context.http.post(url, content=body, headers=request_headers)
    except httpx.HTTPError as error:
        host = httpx.URL(url).host
        raise DeliveryError(f"{channel}: no answer from {host}: {type(error).__name__}") from error
    if not response.is_success:
        host = httpx.URL(url).host
        raise DeliveryError(f"{channel}: {host} answered {response.status_code}")
    return response
