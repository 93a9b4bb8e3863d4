"""Where a subscriber's webhook may be sent: public addresses only, checked at each delivery.

Anyone can subscribe a webhook, so its URL must not reach the checker's own network (loopback,
private ranges, cloud metadata at 169.254.169.254). A URL accepted at subscribe time can later
resolve elsewhere, because its DNS changed or answers differently on a second lookup; so each
delivery resolves the name once, refuses non-public addresses, and connects to the very address
it checked, with the original name in `Host` and in TLS (SNI and the certificate check).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from checker.errors import DeliveryError

if TYPE_CHECKING:
    import httpx

Resolver = Callable[[str, int], list[str]]
"""(host, port) -> the addresses the name resolves to."""


def system_resolver(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({str(info[4][0]) for info in infos})


def is_private_host(host: str) -> bool:
    """True for names and address literals that stay inside a network (by their form alone)."""
    if host == "localhost" or host.endswith((".localhost", ".local", ".internal")):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return not address.is_global


@dataclass(frozen=True)
class WebhookTarget:
    url: httpx.URL
    """The webhook URL with the checked address in place of its host name."""
    headers: dict[str, str] = field(default_factory=dict)
    sni_hostname: str | None = None
    """The original host name, for TLS (SNI and the certificate check) on an `https` URL."""

    @property
    def extensions(self) -> dict[str, str]:
        """The httpx request extensions that carry `sni_hostname`."""
        return {} if self.sni_hostname is None else {"sni_hostname": self.sni_hostname}


def webhook_target(url: str, *, allow_private: bool, resolve: Resolver = system_resolver) -> WebhookTarget:
    """Resolve `url`'s host, refuse it unless every address is public (or `allow_private`), and
    pin the request to the first address."""
    import httpx  # here, not at the top: a build loads this module, and few send to a webhook

    parsed = httpx.URL(url)
    host = parsed.host
    if not allow_private and is_private_host(host):
        raise DeliveryError("webhook: the address is not public")
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        return WebhookTarget(parsed)  # an address already: nothing to resolve
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    try:
        addresses = resolve(host, port)
    except OSError:
        raise DeliveryError("webhook: the host name does not resolve") from None
    if not addresses:
        raise DeliveryError("webhook: the host name does not resolve")
    if not allow_private and any(not ipaddress.ip_address(a).is_global for a in addresses):
        raise DeliveryError("webhook: the host name resolves to an address that is not public")
    return WebhookTarget(
        parsed.copy_with(host=addresses[0]),
        headers={"Host": parsed.netloc.decode("ascii")},
        sni_hostname=host if parsed.scheme == "https" else None,
    )
