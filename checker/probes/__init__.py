"""Check types, one module each, found by the check's `type:`: a module holds the type's settings
model (`HttpCheck`, what `check:` may say) and its probe (`HttpProbe`, how it is measured).

Adding a type is its module (its settings model and `PROBE`, how it is measured), its test, and
its member in the `Check` union below, from which `PROBES` is read.

The bundle imports `Check` from here, so validating a site imports every type module. Each keeps
its probe's runtime (asyncio, ssl, `regex`, dnspython, the HTTP client in http_client.py) out of
its top-level imports and imports it in the functions that use it, so `statusgen validate` loads
none of it. That keeps the settings next to the probe that reads them, at the price of those
function-level imports; a separate light module of settings per type would have made a new type
touch four files instead of two.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from checker.kinds import kinds_by_type
from checker.probes.base import CheckBase, Outcome, Probe, ProbeContext
from checker.probes.dns import DnsCheck
from checker.probes.heartbeat import HeartbeatCheck
from checker.probes.http import HttpCheck
from checker.probes.statuspage import StatuspageCheck
from checker.probes.tcp import TcpCheck
from checker.probes.tls import TlsCheck

Check = Annotated[
    HttpCheck | TcpCheck | DnsCheck | TlsCheck | HeartbeatCheck | StatuspageCheck, Field(discriminator="type")
]
"""A component's `check:`, of the model its `type:` names: the one list of check types."""
# Probe is a runtime-checkable protocol, so isinstance works though mypy sees it as abstract.
PROBES: dict[str, Probe] = kinds_by_type(Check, "PROBE", Probe)  # type: ignore[type-abstract]
"""Each type's probe, by `type:`."""
CHECK_TYPES = tuple(PROBES)
"""Every `type:` a check may have."""

__all__ = ["CHECK_TYPES", "PROBES", "Check", "CheckBase", "Outcome", "Probe", "ProbeContext"]
