"""Probe types, one module each, found by the check's `type:`."""

from __future__ import annotations

from checker.probes.base import Outcome, Probe, ProbeContext
from checker.probes.dns import DnsProbe
from checker.probes.heartbeat import HeartbeatProbe
from checker.probes.http import HttpProbe
from checker.probes.tcp import TcpProbe
from checker.probes.tls import TlsProbe

PROBES: dict[str, Probe] = {
    "http": HttpProbe(),
    "tcp": TcpProbe(),
    "dns": DnsProbe(),
    "tls": TlsProbe(),
    "heartbeat": HeartbeatProbe(),
}

__all__ = ["PROBES", "Outcome", "Probe", "ProbeContext"]
