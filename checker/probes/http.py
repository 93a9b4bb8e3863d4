"""The `http` check: its settings (`HttpCheck`) and its probe, which sends one request through the
run's bounded client and judges the answer on status, body and time.

Reasons are ours and short (`expected 200-299, got 503`); what the endpoint itself said (its body,
a value at a JSON path, a redirect's address) goes only to `endpoint_text`, at most 1 KB.

Validating a site imports this module for `HttpCheck`, so what only probing needs (asyncio, ssl, the
HTTP client, the `regex` engine, `${NAME}` resolution) is imported in the functions that use it
(see checker.probes).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Literal

from pydantic import ConfigDict, Field, field_validator

from checker.probes.base import (
    ENDPOINT_TEXT_BYTES,
    CheckBase,
    Outcome,
    ProbeContext,
    judge_latency,
    slow_reason,
    timeout_reason,
)

if TYPE_CHECKING:
    import ssl

    from checker.probes.http_client import HttpAnswer, HttpRequest

REGEX_SECONDS = 0.2
"""Longest a body pattern may take to match."""

_STATUS_RANGE = re.compile(r"^([1-5]\d\d)(?:-([1-5]\d\d))?$")
_HEADER_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_HOST_NAME = re.compile(r"[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\]")


class HttpCheck(CheckBase):
    type: Literal["http"]
    url: str
    """The address to request; `${NAME}` references are resolved from the environment."""
    method: Literal["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] = "GET"
    """HTTP method."""
    headers: dict[str, str] = Field(default_factory=dict)
    """Extra request headers (put tokens in `${NAME}` references, never in git)."""
    body: str | None = None
    """Request body, sent as is."""
    expect_status: list[int | str] = Field(default=["200-299"])
    """Accepted status codes: numbers or ranges such as `200-299`."""
    body_contains: str | None = None
    """The response body must contain this text."""
    body_regex: str | None = None
    """The response body must match this regular expression."""
    json_equals: dict[str, Any] = Field(default={}, alias="json")
    """Dotted JSON path -> expected value, e.g. `{status: ok, db.healthy: true}`."""
    follow_redirects: bool = True
    """Follow redirects (up to 10) on the same host and judge the final response."""
    redirect_hosts: list[str] = Field(default_factory=list)
    """Other hosts a redirect may lead to (`*`: any); never into an internal network (loopback,
    private, link-local, metadata) unless the check's own address is in one of the same kind."""
    verify_tls: bool = True
    """Reject invalid certificates."""

    model_config = ConfigDict(populate_by_name=True)

    @field_validator("url")
    @classmethod
    def _url_has_scheme(cls, value: str) -> str:
        return http_url(value)

    @field_validator("headers")
    @classmethod
    def _header_names(cls, value: dict[str, str]) -> dict[str, str]:
        for name, text in value.items():
            if not _HEADER_NAME.fullmatch(name):
                raise ValueError(f"{name!r} is not a valid header name (letters, digits and - only)")
            if "\r" in text or "\n" in text:
                raise ValueError(f"the value of {name} contains a line break")
        return value

    @field_validator("body_regex")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value is not None:
            import regex  # the probe matches with `regex` (it has a time limit); compile the same

            try:
                regex.compile(value)
            except regex.error as error:
                raise ValueError(f"{value!r} is not a valid regular expression: {error}") from None
        return value

    @field_validator("json_equals")
    @classmethod
    def _json_paths(cls, value: dict[str, Any]) -> dict[str, Any]:
        for path in value:
            if not path or any(not part for part in path.split(".")):
                raise ValueError(f"{path!r} is not a JSON path such as status or db.healthy")
        return value

    @field_validator("redirect_hosts")
    @classmethod
    def _host_names(cls, value: list[str]) -> list[str]:
        for host in value:
            if host != "*" and not _HOST_NAME.fullmatch(host):
                raise ValueError(f"{host!r} is not a host name such as login.example.com (or *)")
        return [host.lower() for host in value]

    @field_validator("expect_status")
    @classmethod
    def _status_ranges(cls, value: list[int | str]) -> list[int | str]:
        for item in value:
            if not _STATUS_RANGE.match(str(item)):
                raise ValueError(f"{item!r} is not a status code or a range such as 200-299")
        return value

    def accepts_status(self, code: int) -> bool:
        for item in self.expect_status:
            match = _STATUS_RANGE.match(str(item))
            assert match  # checked at load time
            low = int(match[1])
            high = int(match[2] or low)
            if low <= code <= high:
                return True
        return False


class HttpProbe:
    async def probe(self, check: HttpCheck, context: ProbeContext) -> Outcome:
        from checker.errors import MissingVariable

        try:
            request = _request(check, context)
        except MissingVariable as error:
            return Outcome("down", reason=f"configuration: ${{{error.name}}} is not set")
        except ValueError as error:
            return Outcome("down", reason=f"configuration: {error}")
        answer = await fetch_within(request, check.timeout, context)
        return answer if isinstance(answer, Outcome) else _judge(check, answer)


async def fetch_within(request: HttpRequest, timeout: float, context: ProbeContext) -> HttpAnswer | Outcome:
    """The answer to `request` through the run's client, or the down Outcome saying why there is
    none. One deadline for the whole exchange: connect, head, body and its decoding."""
    import asyncio

    from checker.errors import HttpFailure

    try:
        async with asyncio.timeout(timeout):
            return await context.http.fetch(request)
    except TimeoutError:
        return Outcome("down", reason=timeout_reason(timeout))
    except HttpFailure as failure:
        return Outcome("down", reason=failure.reason, endpoint_text=failure.endpoint_text)
    except OSError as error:
        return Outcome("down", reason=connection_reason(error))


def http_url(value: str) -> str:
    """`value` when it is an http(s) address (or a `${NAME}` reference to one); ValueError else."""
    if not re.match(r"^(https?://|\$\{)", value):
        raise ValueError(f"must start with http:// or https:// (got {value!r})")
    return value


def _request(check: HttpCheck, context: ProbeContext) -> HttpRequest:
    """The request a check sends, its `${NAME}` references resolved (MissingVariable if unset)."""
    from checker.probes.http_client import HttpRequest
    from checker.secrets import expand_text

    url = expand_text(check.url, context.env, "url")
    headers = {}
    for name, value in check.headers.items():
        text = expand_text(value, context.env, f"headers.{name}")
        if "\r" in text or "\n" in text:  # a variable's value must not add headers of its own
            raise ValueError(f"headers.{name} contains a line break")
        headers[name] = text
    body = None if check.body is None else expand_text(check.body, context.env, "body").encode()
    return HttpRequest(
        method=check.method,
        url=url,
        headers=headers,
        body=body,
        verify_tls=check.verify_tls,
        follow_redirects=check.follow_redirects,
        redirect_hosts=frozenset(check.redirect_hosts),
        read_body=bool(check.body_contains or check.body_regex or check.json_equals),
    )


def _judge(check: HttpCheck, answer: HttpAnswer) -> Outcome:
    import json

    import regex

    code, latency_ms = answer.code, answer.latency_ms

    def down(reason: str, endpoint_text: str | None = None) -> Outcome:
        return Outcome(
            "down",
            latency_ms=latency_ms,
            code=code,
            reason=reason,
            endpoint_text=None if endpoint_text is None else endpoint_text[:ENDPOINT_TEXT_BYTES],
        )

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
    import socket
    import ssl

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


PROBE = HttpProbe()
"""How a `http` check is measured (`checker.probes` finds it here by the check's `type:`)."""
