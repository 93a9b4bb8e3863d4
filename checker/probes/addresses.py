"""Where a probe may connect: names resolved once, and redirects kept away from internal networks.

A check's own URL is trusted (someone wrote it in `statuspage.yaml`); where it redirects to is
decided by the endpoint, so a redirect may not lead the checker into a network the check itself
does not point at: loopback, private ranges, link-local (which holds the cloud metadata service)
or reserved addresses are refused unless the check's own address is in the same kind of network.
The address that was vetted is the one connected to, so a name cannot re-resolve elsewhere.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable

Resolve = Callable[[str, int], Awaitable[list[str]]]
"""Host name and port -> the addresses to try, in order (injected in tests: no real DNS)."""

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

METADATA_ADDRESSES = frozenset(
    {
        ipaddress.ip_address("169.254.169.254"),
        ipaddress.ip_address("fd00:ec2::254"),
        ipaddress.ip_address("100.100.100.200"),
    }
)
"""Cloud instance metadata services (AWS, AWS IPv6, Alibaba): credentials live there."""


def literal_address(host: str) -> IpAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


async def system_resolve(host: str, port: int) -> list[str]:
    """The system resolver's addresses for `host` (an address literal is returned as is)."""
    if literal_address(host) is not None:
        return [host.strip("[]")]
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    seen: list[str] = []
    for *_, sockaddr in infos:
        if str(sockaddr[0]) not in seen:
            seen.append(str(sockaddr[0]))
    return seen


def network_kind(address: str) -> str:
    """`public`, or which internal network an address is in: `loopback`, `private`,
    `link-local`, `metadata` or `reserved`."""
    ip: IpAddress = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip in METADATA_ADDRESSES:
        return "metadata"
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip.is_unspecified or ip.is_multicast or ip.is_reserved:
        return "reserved"
    if ip.is_private or not ip.is_global:
        return "private"
    return "public"


def refused_kind(origin: Iterable[str], target: Iterable[str]) -> str | None:
    """The internal network a redirect target is in that the check's own address is not in
    (None: the target may be connected to)."""
    allowed = {network_kind(a) for a in origin} | {"public"}
    for address in target:
        kind = network_kind(address)
        if kind not in allowed:
            return kind
    return None
