"""The subscribe endpoint's logic, free of any server: Lambda and `statusgen serve` both call it.

POST /subscribe (email or webhook, optional components), GET /confirm?token=…,
GET /unsubscribe?token=… (a page with a button) and POST /unsubscribe?token=… (RFC 8058 one-click).
GET never unsubscribes: mail scanners open links, and must not unsubscribe anybody by doing so.
"""

from __future__ import annotations

import html
import json
import logging
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, quote

from checker.alerting.mail import Mailer, open_mailer
from checker.bundle import Bundle, utc_now
from checker.errors import (
    DeliveryError,
    RequestRejected,
    StatusgenError,
    StoreError,
    TokenError,
)
from checker.secrets import expand_text
from checker.store import Store
from checker.subscriber_settings import SubscribersSettings
from site_builder.notify.messages import already_subscribed_email, confirmation_email
from site_builder.notify.webhook_target import is_private_host
from site_builder.serving.http_types import Request, Response
from site_builder.subscribe import limits, records, tokens
from site_builder.subscribe.records import Subscriber

logger = logging.getLogger("statusgen.subscribe")

# No `=?` anywhere: an RFC 2047 encoded word is never valid in an address (RFC 2047 section 5),
# and Python's mail headers would decode it, to another address or to a CR/LF that crashes.
# No control character either (NUL, DEL, C1): they cut or garble the address in mail software.
_EMAIL = re.compile(
    r"^(?!.*=\?)[^@\s<>\"(),;:\[\]\\\x00-\x1f\x7f-\x9f]{1,64}@"
    r"(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)
_MAX_BODY = 16 * 1024


def handle_subscribe_request(
    request: Request,
    *,
    bundle: Bundle,
    store: Store,
    now: datetime,
    settings: SubscribersSettings | None = None,
    env: Mapping[str, str] | None = None,
    mailer: Mailer | None = None,
) -> Response:
    """Answer one request to /subscribe, /confirm or /unsubscribe (any path prefix)."""
    if settings is None:
        settings = bundle.subscribers
    as_json = _wants_json(request)
    if settings is None or not settings.enabled:
        return _answer(bundle, 404, "Subscriptions are not offered on this page.", as_json)
    environment = os.environ if env is None else env
    try:
        secret = tokens.check_secret(expand_text(settings.token_secret, environment, "subscribers.token_secret"))
    except StatusgenError as error:
        logger.error("subscribe endpoint is not configured: %s", error)
        return _answer(bundle, 503, "Subscriptions are unavailable right now.", as_json)
    context = _Context(bundle, store, now, settings, environment, mailer, secret, as_json)
    route = request.path.rstrip("/").rsplit("/", 1)[-1]
    allowed = {"subscribe": ("POST",), "confirm": ("GET",), "unsubscribe": ("GET", "POST")}
    if route not in allowed:
        return _answer(bundle, 404, "Not found.", as_json)
    if request.method not in allowed[route]:
        response = _answer(bundle, 405, "Method not allowed.", as_json)
        response.headers["Allow"] = ", ".join(allowed[route])
        return response
    try:
        if route == "subscribe":
            return context.subscribe(request)
        token = parse_qs(request.query).get("token", [""])[0]
        if route == "confirm":
            return context.confirm(token)
        if request.method == "GET":
            return context.unsubscribe_page(token)
        return context.unsubscribe(token)
    except TokenError as error:
        return _answer(bundle, 400, str(error).capitalize() + ".", as_json)
    except RequestRejected as error:
        return _answer(bundle, error.status, str(error), as_json)
    except StoreError as error:
        logger.error("subscribe endpoint: %s", error)
        return _answer(bundle, 503, "Subscriptions are unavailable right now.", as_json)


@dataclass
class _Context:
    bundle: Bundle
    store: Store
    now: datetime
    settings: SubscribersSettings
    env: Mapping[str, str]
    mailer: Mailer | None
    secret: str
    as_json: bool

    @property
    def base(self) -> str:
        return self.settings.endpoint_base(self.bundle.site.url, self.env)

    def subscribe(self, request: Request) -> Response:
        form = _form(request)
        if not limits.allow(
            self.store,
            f"ip:{request.source_ip}",
            limit=self.settings.per_ip_limit,
            window=self.settings.rate_window,
            now=self.now,
        ):
            raise RequestRejected("Too many requests; try again later.", 429)
        components = self._components(form.get("components", []))
        email, webhook = _first(form, "email"), _first(form, "webhook")
        if bool(email) == bool(webhook):
            raise RequestRejected("Give either an email address or a webhook URL.")
        if email:
            address = tokens.normalise(email)
            if len(address) > 254 or not _EMAIL.match(address):
                raise RequestRejected("Enter a valid email address, such as name@example.com.")
            self._subscribe_email(address, components)
            return _answer(
                self.bundle,
                202,
                "Check your inbox: we sent a link to confirm the subscription. Nothing is sent until you open it.",
                self.as_json,
            )
        assert webhook is not None
        self._subscribe_webhook(self._check_webhook(webhook.strip()), components)
        return _answer(
            self.bundle,
            202,
            "The webhook is subscribed. Every notification carries its unsubscribe link in meta.unsubscribe.",
            self.as_json,
        )

    def _subscribe_email(self, address: str, components: list[str]) -> None:
        # Whatever happens below, the caller gives the same answer, and every address under its
        # limit costs the same work: one record read, one record write, one mail built and sent
        # (a confirmation link, or to an address already subscribed a note with its unsubscribe
        # link). So neither the answer nor its timing tells whether an address is subscribed.
        sid = tokens.subscriber_id(self.secret, "email", address)
        if not limits.allow(
            self.store,
            f"address:{sid}",
            limit=self.settings.per_address_limit,
            window=self.settings.rate_window,
            now=self.now,
        ):
            logger.info("subscribe: no mail for %s (address rate limit)", sid)
            return
        current = records.load(self.store, sid)
        if current is not None and current.status == "active":
            record = current  # written back unchanged: a request may not change a confirmed choice
            message = already_subscribed_email(
                self.bundle.site,
                self.settings.email.from_address,
                address,
                unsubscribe_url(self.base, self.secret, sid, self.now),
                self.now,
            )
        else:
            record = self._pending(current, sid, address, components)
            token = tokens.make_token(self.secret, tokens.CONFIRM, sid, self.now)
            message = confirmation_email(
                self.bundle.site,
                self.settings.email.from_address,
                address,
                f"{self.base}/confirm?token={quote(token)}",
                self.now,
                expires_in=self.settings.confirm_within,
            )
        records.save(self.store, record)
        try:
            self._mailer().send(message)
        except DeliveryError as error:
            logger.error("subscribe: mail for %s not sent: %s", sid, error)

    def _pending(self, current: Subscriber | None, sid: str, address: str, components: list[str]) -> Subscriber:
        """The pending record for a request: a new one, or the pending one with the new choice."""
        if current is None or current.status != "pending":
            return Subscriber(
                id=sid, kind="email", address=address, components=components, status="pending", created_at=self.now
            )
        return current.model_copy(update={"components": components})

    def _subscribe_webhook(self, url: str, components: list[str]) -> None:
        # Saved either way (a known webhook unchanged), so both cost the same, as for email.
        sid = tokens.subscriber_id(self.secret, "webhook", url)
        record = records.load(self.store, sid) or Subscriber(
            id=sid,
            kind="webhook",
            address=url,
            components=components,
            status="active",
            created_at=self.now,
            confirmed_at=self.now,
        )
        records.save(self.store, record)

    def confirm(self, token: str) -> Response:
        sid = tokens.read_token(self.secret, token, tokens.CONFIRM, now=self.now, max_age=self.settings.confirm_within)
        current = records.load(self.store, sid)
        if current is None:
            raise TokenError("this link is no longer valid; subscribe again")
        if current.status == "pending":
            records.save(self.store, current.model_copy(update={"status": "active", "confirmed_at": self.now}))
        return _answer(
            self.bundle,
            200,
            f"You are subscribed to {self.bundle.site.name} status updates. Every email has a link to unsubscribe.",
            self.as_json,
        )

    def unsubscribe_page(self, token: str) -> Response:
        tokens.read_token(self.secret, token, tokens.UNSUBSCRIBE, now=self.now)
        action = html.escape(f"{self.base}/unsubscribe?token={quote(token)}")
        form = f'<form method="post" action="{action}"><button type="submit">Unsubscribe</button></form>'
        return _answer(
            self.bundle, 200, f"Stop receiving {self.bundle.site.name} status updates?", self.as_json, extra_html=form
        )

    def unsubscribe(self, token: str) -> Response:
        sid = tokens.read_token(self.secret, token, tokens.UNSUBSCRIBE, now=self.now)
        # The record goes entirely (address included); a second click finds nothing, same answer.
        records.delete(self.store, sid)
        return _answer(self.bundle, 200, "You are unsubscribed and will receive nothing more.", self.as_json)

    def _components(self, requested: list[str]) -> list[str]:
        names = [n.strip() for item in requested for n in item.split(",") if n.strip()]
        known = {c.id for c in self.bundle.components}
        unknown = [n for n in names if n not in known]
        if unknown:
            raise RequestRejected(f"Unknown component {unknown[0]!r}.")
        return sorted(set(names))

    def _check_webhook(self, url: str) -> str:
        if not self.settings.allow_webhooks:
            raise RequestRejected("Webhook subscriptions are not offered on this page.")
        import httpx  # here, not at the top: a build loads this module for its unsubscribe links

        try:
            parsed = httpx.URL(url)
        except httpx.InvalidURL:
            raise RequestRejected("Enter a valid webhook URL, such as https://example.com/hook.") from None
        if parsed.scheme not in ("http", "https") or not parsed.host or parsed.userinfo:
            raise RequestRejected("Enter a valid webhook URL, such as https://example.com/hook.")
        if not self.settings.allow_private_webhooks and (parsed.scheme != "https" or is_private_host(parsed.host)):
            raise RequestRejected("The webhook must be a public https:// URL.")
        return str(parsed)

    def _mailer(self) -> Mailer:
        return self.mailer or open_mailer(self.settings.email, self.env)


def local_handler(
    bundle: Bundle,
    store: Store,
    *,
    settings: SubscribersSettings | None = None,
    env: Mapping[str, str] | None = None,
    mailer: Mailer | None = None,
    clock: Callable[[], datetime] = utc_now,
) -> Callable[[Any], Response]:
    """A handler for `statusgen serve` to mount at /subscribe, /confirm and /unsubscribe.

    It accepts any request object with this module's `Request` attributes (the preview server has
    its own class of the same shape) and reads the clock on each request.
    """

    def handle(incoming: Any) -> Response:
        request = Request(
            incoming.method, incoming.path, incoming.query, incoming.body, incoming.headers, incoming.source_ip
        )
        return handle_subscribe_request(
            request, bundle=bundle, store=store, now=clock(), settings=settings, env=env, mailer=mailer
        )

    return handle


def unsubscribe_url(base: str, secret: str, subscriber_id: str, now: datetime) -> str:
    token = tokens.make_token(secret, tokens.UNSUBSCRIBE, subscriber_id, now)
    return f"{base}/unsubscribe?token={quote(token)}"


def _wants_json(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    content_type = request.headers.get("content-type", "")
    return "application/json" in accept or content_type.startswith("application/json")


def _form(request: Request) -> dict[str, list[str]]:
    if len(request.body) > _MAX_BODY:
        raise RequestRejected("Request too large.", 413)
    text = request.body.decode("utf-8", errors="replace")
    if request.headers.get("content-type", "").startswith("application/json"):
        try:
            data: Any = json.loads(text or "{}")
        except (ValueError, RecursionError):  # RecursionError: thousands of nested brackets
            raise RequestRejected("The body is not valid JSON.") from None
        if not isinstance(data, dict):
            raise RequestRejected("The body must be a JSON object.")
        form: dict[str, list[str]] = {}
        for name, value in data.items():
            values = value if isinstance(value, list) else [value]
            form[str(name)] = [str(v) for v in values if isinstance(v, str)]
        return form
    return parse_qs(text)


def _first(form: dict[str, list[str]], name: str) -> str | None:
    values = [v for v in form.get(name, []) if v.strip()]
    return values[0] if values else None


def _answer(bundle: Bundle, status: int, message: str, as_json: bool, *, extra_html: str = "") -> Response:
    if as_json:
        body = json.dumps({"message": message}).encode()
        return Response(status, body, {"Content-Type": "application/json", "Cache-Control": "no-store"})
    site = bundle.site
    page = (
        f'<!doctype html><html lang="{html.escape(site.language)}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(site.name)} status</title></head><body><main>"
        f"<h1>{html.escape(site.name)} status</h1><p>{html.escape(message)}</p>{extra_html}"
        f'<p><a href="{html.escape(site.url)}/">Back to the status page</a></p></main></body></html>'
    )
    return Response(
        status,
        page.encode(),
        {"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
    )
