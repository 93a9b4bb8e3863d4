"""Crash safety: a sender killed mid-run neither loses the rest nor mails anyone twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from checker.alerting.mail import MailSettings
from checker.store import LocalStore
from checker.subscriber_settings import SubscribersSettings
from site_builder.notify.deliver import notify_subscribers
from site_builder.subscribe import records, tokens
from site_builder.subscribe.records import Subscriber

NOW = datetime(2026, 11, 22, 14, 0, tzinfo=UTC)
SECRET = "s" * 40
CHILD = Path(__file__).parent.parent / "fixtures" / "notify" / "notify_once.py"


def test_killed_mid_send_then_rerun(smtp_server, make_bundle, make_incident, tmp_path):
    store = LocalStore(tmp_path / "store")
    addresses = [f"user{i}@example.com" for i in range(6)]
    for address in addresses:
        sid = tokens.subscriber_id(SECRET, "email", address)
        records.save(
            store, Subscriber(id=sid, kind="email", address=address, status="active", created_at=NOW, confirmed_at=NOW)
        )
    settings = SubscribersSettings(
        token_secret="${TOKEN_SECRET}",
        email=MailSettings(backend="smtp", smtp_host=smtp_server.host, smtp_port=smtp_server.port),
    )
    bundle = make_bundle(
        [
            make_incident(
                "2026-11-22-api", {"api": "major_outage"}, [("2026-11-22T14:05:00+00:00", "investigating", "Down.")]
            )
        ]
    )
    (tmp_path / "bundle.json").write_text(bundle.model_dump_json())
    (tmp_path / "settings.json").write_text(settings.model_dump_json())
    at = NOW + timedelta(minutes=6)

    child = subprocess.Popen(
        [
            sys.executable,
            str(CHILD),
            str(tmp_path / "store"),
            str(tmp_path / "bundle.json"),
            str(tmp_path / "settings.json"),
            at.isoformat(),
        ],
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
    )
    original = smtp_server.mailbox.handle_DATA

    async def kill_on_third(server: object, session: object, envelope: object) -> str:
        answer = await original(server, session, envelope)
        if len(smtp_server.messages) == 3:
            os.kill(child.pid, signal.SIGKILL)  # the third message is in, its "250" never is
            child.wait()
        return answer

    smtp_server.mailbox.handle_DATA = kill_on_third  # type: ignore[method-assign]
    child.wait(timeout=60)
    assert child.returncode == -signal.SIGKILL
    assert len(smtp_server.messages) == 3

    report = notify_subscribers(
        bundle, store, now=at + timedelta(minutes=1), settings=settings, env={"TOKEN_SECRET": SECRET}
    )

    received = Counter(m["To"] for m in smtp_server.messages)
    assert received == Counter(addresses)  # everyone exactly once
    assert (report.sent, report.uncertain) == (3, 1)
    again = notify_subscribers(
        bundle, store, now=at + timedelta(minutes=2), settings=settings, env={"TOKEN_SECRET": SECRET}
    )
    assert (again.events, again.sent) == (0, 0)
