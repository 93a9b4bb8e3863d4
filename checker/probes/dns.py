"""The `dns` probe: the name resolves (to an expected value, when one is given)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from checker.bundle import DnsCheck, resolver_address
from checker.probes.base import Outcome, ProbeContext, judge_latency, timeout_reason
from checker.probes.http_client import ENDPOINT_TEXT_BYTES

if TYPE_CHECKING:
    import dns.asyncresolver


class DnsProbe:
    async def probe(self, check: DnsCheck, context: ProbeContext) -> Outcome:
        # dnspython is imported here, not at the top: only DNS checks pay for it at cold start.
        import dns.exception
        import dns.resolver

        resolver = _resolver(check.resolver)
        started = time.perf_counter()
        try:
            answer = await resolver.resolve(
                check.name, check.record_type, lifetime=check.timeout, search=False
            )
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
            return Outcome("down", latency_ms=latency_ms, endpoint_text=got,
                           reason="DNS: the answer did not include an expected value")
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
