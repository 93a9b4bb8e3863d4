"""The `dns` check: its settings (`DnsCheck`) and its probe, which passes when the name resolves
(to an expected value, when one is given). Validating a site imports this module for `DnsCheck`,
so dnspython is imported in the functions that use it (see checker.probes)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Literal

from pydantic import Field, field_validator

from checker.probes.base import ENDPOINT_TEXT_BYTES, CheckBase, Outcome, ProbeContext, judge_latency, timeout_reason

if TYPE_CHECKING:
    import dns.asyncresolver


class DnsCheck(CheckBase):
    type: Literal["dns"]
    name: str
    """The name to resolve."""
    record_type: Literal["A", "AAAA", "CNAME", "MX", "TXT", "NS"] = "A"
    """The record type to ask for."""
    expect: list[str] = Field(default_factory=list)
    """When set, at least one of these values must be in the answer."""
    resolver: str | None = None
    """Address of the DNS server to ask (`10.0.0.2`, `10.0.0.2:5353`, `[fd00::2]:53`);
    default: the system's."""

    @field_validator("resolver")
    @classmethod
    def _resolver_address(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                resolver_address(value)
            except ValueError:
                raise ValueError(
                    f"{value!r} is not an IP address, optionally with a port, such as 10.0.0.2 or 10.0.0.2:5353"
                ) from None
        return value


def resolver_address(text: str) -> tuple[str, int]:
    """(IP address, port) of a `resolver:` value; ValueError when it is not one."""
    import ipaddress

    host, port = text, "53"
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        if rest:
            if not rest.startswith(":"):
                raise ValueError(text)
            port = rest[1:]
    elif text.count(":") == 1:
        host, port = text.split(":")
    ipaddress.ip_address(host)
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(text)
    return host, int(port)


class DnsProbe:
    async def probe(self, check: DnsCheck, context: ProbeContext) -> Outcome:
        # dnspython is imported here, not at the top: only DNS checks pay for it at cold start.
        import dns.exception
        import dns.resolver

        resolver = _resolver(check.resolver)
        started = time.perf_counter()
        try:
            answer = await resolver.resolve(check.name, check.record_type, lifetime=check.timeout, search=False)
        except dns.resolver.NXDOMAIN:
            return Outcome("down", reason="DNS: name not found")
        except dns.resolver.NoAnswer:
            return Outcome("down", reason=f"DNS: no {check.record_type} record")
        except dns.exception.Timeout:
            return Outcome("down", reason=timeout_reason(check.timeout))
        except dns.resolver.NoNameservers:
            return Outcome("down", reason="DNS: no server answered")
        except dns.exception.DNSException as error:
            return Outcome("down", reason=f"DNS: {type(error).__name__}")
        latency_ms = (time.perf_counter() - started) * 1000
        values = {_plain(r.to_text()) for r in answer}
        if check.expect and not values & {_plain(v) for v in check.expect}:
            # The answer is the endpoint's own text (a TXT record can say anything): private only.
            got = ", ".join(sorted(values))[:ENDPOINT_TEXT_BYTES]
            return Outcome(
                "down",
                latency_ms=latency_ms,
                endpoint_text=got,
                reason="DNS: the answer did not include an expected value",
            )
        return Outcome(judge_latency(latency_ms, check.degraded_after), latency_ms=latency_ms)


def _resolver(address: str | None) -> dns.asyncresolver.Resolver:
    import dns.asyncresolver

    if address is None:
        return dns.asyncresolver.Resolver()
    resolver = dns.asyncresolver.Resolver(configure=False)
    host, port = resolver_address(address)
    resolver.nameservers = [host]
    resolver.port = port
    return resolver


def _plain(value: str) -> str:
    """Names compare without their trailing dot and TXT values without quotes."""
    return value.rstrip(".").strip('"').lower()


PROBE = DnsProbe()
"""How a `dns` check is measured (`checker.probes` finds it here by the check's `type:`)."""
