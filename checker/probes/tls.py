"""The `tls` check: its settings (`TlsCheck`) and its probe, which passes when the certificate is
valid and far enough from expiry. Validating a site imports this module for `TlsCheck`, so asyncio,
ssl and cryptography are imported in the functions that use them (see checker.probes)."""

from __future__ import annotations

import contextlib
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Literal

from pydantic import Field

from checker.probes.base import CheckBase, Outcome, ProbeContext, timeout_reason
from checker.probes.http import connection_reason, tls_verify_message

if TYPE_CHECKING:
    import ssl


class TlsCheck(CheckBase):
    type: Literal["tls"]
    host: str
    """Host whose certificate is checked (also sent as SNI)."""
    port: int = Field(default=443, ge=1, le=65535)
    """TLS port."""
    warn_days: int = Field(default=14, ge=0)
    """Fewer days left than this shows degraded_performance."""
    min_days: int = Field(default=3, ge=0)
    """Fewer days left than this (or an invalid certificate) is down."""


_EXPIRED = 10
"""OpenSSL's X509_V_ERR_CERT_HAS_EXPIRED."""


class TlsProbe:
    async def probe(self, check: TlsCheck, context: ProbeContext) -> Outcome:
        import asyncio
        import ssl

        started = time.perf_counter()
        try:
            async with asyncio.timeout(check.timeout):
                der = await _certificate(check, context.ssl_context)
        except TimeoutError:
            return Outcome("down", reason=timeout_reason(check.timeout))
        except ssl.SSLCertVerificationError as error:
            if error.verify_code == _EXPIRED:
                # Say when it expired: fetch the certificate again without judging it.
                with contextlib.suppress(OSError, TimeoutError):
                    async with asyncio.timeout(check.timeout):
                        der = await _certificate(check, _unverified())
                    expired = _not_after(der).date().isoformat()
                    return Outcome("down", reason=f"TLS: certificate expired {expired}")
            return Outcome("down", reason=f"TLS: {tls_verify_message(error)}")
        except OSError as error:
            return Outcome("down", reason=connection_reason(error))
        latency_ms = (time.perf_counter() - started) * 1000
        not_after = _not_after(der)
        days_left = (not_after - context.now).total_seconds() / 86400
        if days_left < 0:
            return Outcome("down", latency_ms, reason=f"TLS: certificate expired {not_after.date().isoformat()}")
        if days_left < check.min_days:
            return Outcome("down", latency_ms, reason=f"TLS: certificate expires in {int(days_left)} days")
        if days_left < check.warn_days:
            return Outcome("degraded", latency_ms, reason=f"TLS: certificate expires in {int(days_left)} days")
        return Outcome("up", latency_ms)


async def _certificate(check: TlsCheck, context: ssl.SSLContext) -> bytes:
    import asyncio
    import ssl

    _, writer = await asyncio.open_connection(check.host, check.port, ssl=context, server_hostname=check.host)
    try:
        ssl_object = writer.get_extra_info("ssl_object")
        der = ssl_object.getpeercert(binary_form=True) if ssl_object else None
        if not der:
            raise ssl.SSLError("no certificate")
        return bytes(der)
    finally:
        writer.close()
        with contextlib.suppress(OSError, ssl.SSLError):
            await writer.wait_closed()


def _unverified() -> ssl.SSLContext:
    import ssl

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def _not_after(der: bytes) -> datetime:
    from cryptography import x509  # only TLS checks pay for importing it

    return x509.load_der_x509_certificate(der).not_valid_after_utc.astimezone(UTC)


PROBE = TlsProbe()
"""How a `tls` check is measured (`checker.probes` finds it here by the check's `type:`)."""
