"""Shared parts for the notification tests: loopback HTTP receivers, an SMTP server, bundles."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from checker.bundle import Bundle
from checker.incident_model import Incident, IncidentUpdate

FIXTURES = Path(__file__).parent.parent / "fixtures" / "notify"


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """An HTTP server on 127.0.0.1 that records every request and answers as told."""

    url: str = ""
    requests: list[Received] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    """Status codes for the next requests, in order; 200 once they run out."""

    def respond(self, *codes: int) -> None:
        self.statuses.extend(codes)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            body = self.rfile.read(length)
            with lock:
                state.requests.append(Received("POST", self.path, dict(self.headers), body))
                code = state.statuses.pop(0) if state.statuses else 200
            self.send_response(code)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield state
    server.shutdown()
    server.server_close()


class _Mailbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []

    async def handle_DATA(self, server: object, session: object, envelope: Any) -> str:
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 OK"


@dataclass
class SmtpServer:
    host: str
    port: int
    mailbox: _Mailbox

    @property
    def messages(self) -> list[EmailMessage]:
        return self.mailbox.messages


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 that keeps every message it receives."""
    mailbox = _Mailbox()
    with socket.socket() as probe:  # aiosmtpd checks readiness on its port, so it needs a real one
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield SmtpServer("127.0.0.1", port, mailbox)
    finally:
        controller.stop()


def load_bundle(incidents: list[Incident] | None = None) -> Bundle:
    data = json.loads((FIXTURES / "bundle.json").read_text())
    bundle = Bundle.model_validate(data)
    return bundle.model_copy(update={"incidents": incidents or []})


def incident(
    slug: str,
    components: dict[str, str],
    updates: list[tuple[str, str, str]],
    *,
    kind: str = "incident",
    title: str = "Elevated API errors",
    scheduled: tuple[str, str] | None = None,
) -> Incident:
    """An Incident as the content loader would compile it; updates are (ISO time, status, text)."""
    parsed = [
        IncidentUpdate(at=datetime.fromisoformat(at), status=status, body=text)  # type: ignore[arg-type]
        for at, status, text in updates
    ]
    parsed.sort(key=lambda u: u.at, reverse=True)
    return Incident(
        slug=slug,
        kind=kind,
        title=title,  # type: ignore[arg-type]
        impact="maintenance" if kind == "maintenance" else "major",
        components=components,  # type: ignore[arg-type]
        scheduled_for=datetime.fromisoformat(scheduled[0]) if scheduled else None,
        scheduled_until=datetime.fromisoformat(scheduled[1]) if scheduled else None,
        updates=parsed,
        file=f"incidents/{slug}.md",
    )


@pytest.fixture
def make_bundle() -> Any:
    return load_bundle


@pytest.fixture
def make_incident() -> Any:
    return incident
