"""The `http` probe: one request through the run's bounded client, judged on status, body and time.

Reasons are ours and short (`expected 200-299, got 503`); what the endpoint itself said (its body,
a value at a JSON path, a redirect's address) goes only to `endpoint_text`, at most 1 KB.
"""

from __future__ import annotations

import asyncio
import json
import re
import socket
import ssl
from typing import Any

import regex

from checker.bundle import HttpCheck
from checker.probes.base import Outcome, ProbeContext, judge_latency, slow_reason, timeout_reason
from checker.probes.http_client import (
    ENDPOINT_TEXT_BYTES,
    MAX_BODY_BYTES,
    HttpAnswer,
    HttpFailure,
    HttpRequest,
)
from checker.secrets import MissingVariable, expand_text

REGEX_SECONDS = 0.2
"""Longest a body pattern may take to match."""

__all__ = ["MAX_BODY_BYTES", "HttpProbe", "connection_reason", "tls_verify_message"]


class HttpProbe:
    async def probe(self, check: HttpCheck, context: ProbeContext) -> Outcome:
        try:
            request = _request(check, context)
        except MissingVariable as error:
            return Outcome("down", reason=f"configuration: ${{{error.name}}} is not set")
        except ValueError as error:
            return Outcome("down", reason=f"configuration: {error}")
        try:
            # One deadline for the whole exchange: connect, head, body and its decoding.
            async with asyncio.timeout(check.timeout):
                answer = await context.http.fetch(request)
        except TimeoutError:
            return Outcome("down", reason=timeout_reason(check.timeout))
        except HttpFailure as failure:
            return Outcome("down", reason=failure.reason, endpoint_text=failure.endpoint_text)
        except OSError as error:
            return Outcome("down", reason=connection_reason(error))
        return _judge(check, answer)


def _request(check: HttpCheck, context: ProbeContext) -> HttpRequest:
    """The request a check sends, its `${NAME}` references resolved (MissingVariable if unset)."""
    url = expand_text(check.url, context.env, "url")
    headers = {}
    for name, value in check.headers.items():
        text = expand_text(value, context.env, f"headers.{name}")
        if "\r" in text or "\n" in text:  # a variable's value must not add headers of its own
            raise ValueError(f"headers.{name} contains a line break")
        headers[name] = text
    body = None if check.body is None else expand_text(check.body, context.env, "body").encode()
    return HttpRequest(
        method=check.method, url=url, headers=headers, body=body, verify_tls=check.verify_tls,
        follow_redirects=check.follow_redirects, redirect_hosts=frozenset(check.redirect_hosts),
        read_body=bool(check.body_contains or check.body_regex or check.json_equals),
    )


def _judge(check: HttpCheck, answer: HttpAnswer) -> Outcome:
    code, latency_ms = answer.code, answer.latency_ms

    def down(reason: str, endpoint_text: str | None = None) -> Outcome:
        return Outcome("down", latency_ms=latency_ms, code=code, reason=reason,
                       endpoint_text=None if endpoint_text is None else endpoint_text[:ENDPOINT_TEXT_BYTES])

    if not check.accepts_status(code):
        expected = ", ".join(str(s) for s in check.expect_status)
        return down(f"expected {expected}, got {code}")
    text = _text(answer) if answer.body else ""
    if check.body_contains is not None and check.body_contains not in text:
        return down("body did not contain the expected text", text)
    if check.body_regex is not None:
        try:
            # The endpoint chooses the text: a pattern that backtracks badly on it must not hold
            # the run (the timeout cannot interrupt a match in progress, this limit can).
            matched = regex.search(check.body_regex, text, timeout=REGEX_SECONDS)
        except TimeoutError:
            return down("body pattern took too long to match", text)
        if not matched:
            return down("body did not match the expected pattern", text)
    if check.json_equals:
        try:
            document = json.loads(text)
        except ValueError:
            return down("body is not JSON", text)
        for path, expected in check.json_equals.items():
            found = _json_path(document, path)
            if found is _MISSING:
                return down(f"json {path}: missing", text)
            if found != expected:
                return down(f"json {path}: not the expected value", json.dumps(found))
    status = judge_latency(latency_ms, check.degraded_after)
    reason = slow_reason(latency_ms, check.degraded_after) if status == "degraded" else None
    return Outcome(status, latency_ms=latency_ms, code=code, reason=reason)


def _text(answer: HttpAnswer) -> str:
    charset = re.search(r"charset=\"?([\w.:-]+)", answer.content_type)
    try:
        return answer.body.decode(charset[1] if charset else "utf-8", "replace")
    except LookupError:  # an unknown charset name
        return answer.body.decode("utf-8", "replace")


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
    return f"connection failed: {type(error).__name__}"


def tls_verify_message(error: ssl.SSLCertVerificationError) -> str:
    message = str(error.verify_message or "certificate verify failed")
    return {
        "certificate has expired": "certificate expired",
        "self-signed certificate": "self-signed certificate",
        "self signed certificate": "self-signed certificate",
    }.get(message, message)
