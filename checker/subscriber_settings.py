"""The `subscribers:` section of `statuspage.yaml`: public email and webhook subscriptions.

`site_builder.notify` and `site_builder.subscribe` act on it; the model lives on this side because
the bundle (`checker.bundle`) carries it, and the checker never imports `site_builder`.
"""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import Field, field_validator

from checker.alerting.mail import MailSettings
from checker.durations import Duration
from checker.header_text import no_control_characters
from checker.secrets import expand_text
from checker.strict_model import StrictModel


class SubscribersSettings(StrictModel):
    """Who may subscribe, how their links are signed, and how notifications are sent."""

    enabled: bool = True
    """Offer subscriptions and notify subscribers after each publish."""
    token_secret: str = "${STATUSGEN_TOKEN_SECRET}"
    """Key that signs confirm/unsubscribe links and keys subscriber records; a `${NAME}` reference
    of at least 32 characters. Keep it stable: a new secret invalidates every link already sent."""
    endpoint_url: str | None = None
    """Public address that answers /subscribe, /confirm and /unsubscribe (the Function URL);
    default the site's own address (what `statusgen serve` answers)."""
    email: MailSettings = MailSettings()
    """How subscriber mail is sent: `backend: outbox` (default), `smtp` or `ses`."""
    allow_webhooks: bool = True
    """Accept webhook subscriptions (Statuspage's payload shape)."""
    allow_private_webhooks: bool = False
    """Accept webhook URLs on loopback or private networks; keep off in production, where such a
    URL would let anyone make the sender call into your own network."""
    confirm_within: Duration = 7 * 86400.0
    """How long a confirmation link stays valid."""
    per_address_limit: int = Field(default=3, ge=1)
    """Subscribe requests per address per `rate_window` that send a confirmation mail."""
    per_ip_limit: int = Field(default=20, ge=1)
    """Subscribe requests per source IP per `rate_window`; more are refused with 429."""
    rate_window: Duration = 3600.0
    """The window both rate limits count over."""
    webhook_timeout: Duration = 30.0
    """A webhook must answer 2xx within this many seconds to count as delivered."""
    webhook_disable_after: Duration = 3 * 86400.0
    """A webhook subscriber whose deliveries fail for this long is disabled."""
    max_event_age: Duration = 86400.0
    """Updates older than this when first seen are recorded without sending (so enabling
    notifications on a page with history does not mail its whole past)."""
    maintenance_reminder: Duration | None = None
    """How long before each maintenance window subscribers get a reminder (`1h`, `1d`), once
    per window and subscriber; none by default. Calendars remind as long before."""

    @field_validator("endpoint_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not value.startswith(("http://", "https://", "${")):
            raise ValueError(f"must be an http(s) address (got {value!r})")
        return no_control_characters(value).rstrip("/")  # it goes into List-Unsubscribe

    def endpoint_base(self, site_url: str, env: Mapping[str, str]) -> str:
        """The address confirm and unsubscribe links start with: `endpoint_url` with its
        `${NAME}` references expanded from `env`, else the site's own address."""
        if self.endpoint_url is None:
            return site_url
        return expand_text(self.endpoint_url, env, "subscribers.endpoint_url").rstrip("/")
