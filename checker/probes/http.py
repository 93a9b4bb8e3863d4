"""The `http` probe: one request through the run's shared client, judged on status, body and time."""

from __future__ import annotations

import asyncio
import json
import re
import socket
import ssl
import time
from typing import Any

import httpx

from checker.bundle import HttpCheck
from checker.probes.base import Outcome, ProbeContext, judge_latency, timeout_reason
from checker.secrets import MissingVariable, expand_text

MAX_BODY_BYTES = 1024 * 1024
"""Body checks look at the first MiB; a huge or endless body is never read into memory."""


class HttpProbe:
    async def probe(self, check: HttpCheck, context: ProbeContext) -> Outcome:
        try:
            url = expand_text(check.url, context.env, "url")
            headers = {k: expand_text(v, context.env, f"headers.{k}") for k, v in check.headers.items()}
            body = None if check.body is None else expand_text(check.body, context.env, "body")
        except MissingVariable as error:
            return Outcome("down", reason=f"configuration: ${{{error.name}}} is not set")
        client = context.clients[check.verify_tls]
        started = time.perf_counter()
        try:
            # httpx's timeout bounds each read; this bounds the whole exchange (a trickling body).
            async with asyncio.timeout(check.timeout):
                request = client.build_request(
                    check.method, url, headers=headers, content=body,
                    timeout=httpx.Timeout(check.timeout),
                )
                response = await client.send(
                    request, stream=True, follow_redirects=check.follow_redirects
                )
                try:
                    latency_ms = (time.perf_counter() - started) * 1000
                    text = await _read_text(response) if _needs_body(check) else ""
                finally:
                    await response.aclose()
        except (TimeoutError, httpx.TimeoutException):
            return Outcome("down", reason=timeout_reason(check.timeout))
        except httpx.TooManyRedirects:
            return Outcome("down", reason="too many redirects")
        except httpx.HTTPError as error:
            return Outcome("down", reason=connection_reason(error))
        return _judge(check, response.status_code, latency_ms, text)


def _needs_body(check: HttpCheck) -> bool:
    return bool(check.body_contains or check.body_regex or check.json_equals)


async def _read_text(response: httpx.Response) -> str:
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size >= MAX_BODY_BYTES:
            break
    return b"".join(chunks)[:MAX_BODY_BYTES].decode(response.encoding or "utf-8", "replace")


def _judge(check: HttpCheck, code: int, latency_ms: float, text: str) -> Outcome:
    def down(reason: str) -> Outcome:
        return Outcome("down", latency_ms=latency_ms, code=code, reason=reason)

    if not check.accepts_status(code):
        expected = ", ".join(str(s) for s in check.expect_status)
        return down(f"expected {expected}, got {code}")
    if check.body_contains is not None and check.body_contains not in text:
        return down(f"body does not contain {check.body_contains!r}")
    if check.body_regex is not None and not re.search(check.body_regex, text):
        return down(f"body does not match {check.body_regex!r}")
    if check.json_equals:
        try:
            document = json.loads(text)
        except ValueError:
            return down("body is not JSON")
        for path, expected in check.json_equals.items():
            found = _json_path(document, path)
            if found != expected:
                return down(f"json {path}: expected {_show(expected)}, got {_show(found)}")
    status = judge_latency(latency_ms, check.degraded_after)
    reason = None
    if status == "degraded":
        reason = f"slow: {latency_ms / 1000:.1f} s (degraded after {check.degraded_after:g} s)"
    return Outcome(status, latency_ms=latency_ms, code=code, reason=reason)


_MISSING = object()


def _json_path(document: Any, path: str) -> Any:
    node = document
    for part in path.split("."):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return _MISSING
    return node


def _show(value: Any) -> str:
    return "nothing" if value is _MISSING else json.dumps(value)


def connection_reason(error: BaseException) -> str:
    """A short human reason for a failed connection, from the innermost cause."""
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, ssl.SSLCertVerificationError):
            return f"TLS: {tls_verify_message(cause)}"
        if isinstance(cause, ssl.SSLError):
            return f"TLS: {cause.reason or 'handshake failed'}".replace("_", " ").lower()
        if isinstance(cause, socket.gaierror):
            return "DNS: name not found"
        if isinstance(cause, ConnectionRefusedError):
            return "connection refused"
        if isinstance(cause, ConnectionResetError):
            return "connection reset"
        cause = cause.__cause__ or cause.__context__
    text = str(error)
    if "Name or service not known" in text or "nodename nor servname" in text:
        return "DNS: name not found"
    if "Connection refused" in text:
        return "connection refused"
    if isinstance(error, httpx.RemoteProtocolError):
        return "connection closed without a valid response"
    return f"connection failed: {type(error).__name__}"


def tls_verify_message(error: ssl.SSLCertVerificationError) -> str:
    message = str(error.verify_message or "certificate verify failed")
    return {
        "certificate has expired": "certificate expired",
        "self-signed certificate": "self-signed certificate",
        "self signed certificate": "self-signed certificate",
    }.get(message, message)
