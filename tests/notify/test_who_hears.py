"""Who is told about what: subscribers hear only of what happens after they confirm, and only a
publish to the configured target tells anyone (a preview build never does)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

from checker.alerting.mail import MailSettings
from checker.store import LocalStore
from checker.subscriber_settings import SubscribersSettings
from site_builder.notify.deliver import notify_subscribers
from site_builder.subscribe import records, tokens
from site_builder.subscribe.records import Subscriber
from tests.helpers import fixture

SECRET = "s" * 40
ENV = {"TOKEN_SECRET": SECRET}
CONFIRMED = datetime(2026, 11, 22, 14, 10, tzinfo=UTC)


def subscriber(store: LocalStore, kind: str, address: str, confirmed: datetime) -> None:
    records.save(
        store,
        Subscriber(
            id=tokens.subscriber_id(SECRET, kind, address),
            kind=kind,  # type: ignore[arg-type]
            address=address,
            status="active",
            created_at=confirmed - timedelta(minutes=2),
            confirmed_at=confirmed,
        ),
    )


def test_a_new_subscriber_hears_only_what_happens_after_they_confirm(
    make_bundle: Any, make_incident: Any, receiver: Any, tmp_path: Path
) -> None:
    """Subscriptions turned on for a page with a busy morning: ten updates before the person
    confirmed, one after. The first build after that sends them that one, nothing older."""
    store = LocalStore(tmp_path / "store")
    outbox = tmp_path / "outbox"
    subscriber(store, "email", "ada@example.com", CONFIRMED)
    subscriber(store, "webhook", receiver.url + "/hook", CONFIRMED)
    earlier = [
        (f"2026-11-22T{13 + m // 60:02d}:{m % 60:02d}:00+00:00", "update", f"Update {m}.") for m in range(5, 65, 6)
    ]
    updates = [
        ("2026-11-22T13:00:00+00:00", "investigating", "Errors."),
        *earlier,
        ("2026-11-22T14:20:00+00:00", "resolved", "Fixed."),
    ]
    bundle = make_bundle([make_incident("2026-11-22-api-errors", {"api": "partial_outage"}, updates)])
    settings = SubscribersSettings(
        token_secret="${TOKEN_SECRET}",
        allow_private_webhooks=True,
        email=MailSettings(backend="outbox", outbox=str(outbox)),
    )

    report = notify_subscribers(
        bundle, store, now=datetime(2026, 11, 22, 14, 30, tzinfo=UTC), settings=settings, env=ENV
    )

    (eml,) = outbox.glob("*.eml")  # sent although first seen after it happened: 14:20 < 14:30
    mail = message_from_bytes(eml.read_bytes(), policy=policy.default)
    assert mail["Subject"] == "[Example] Resolved: Elevated API errors"
    # The webhook hears the resolution and the component going back to operational, both after.
    assert sorted(r.json().get("component_update", {}).get("new_status", "incident") for r in receiver.requests) == [
        "incident",
        "operational",
    ]
    assert report.sent == 3


def statusgen(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(Path(sys.executable).parent / "statusgen"), *args, "--root", "."],
        cwd=root,
        env={**os.environ, "STATUSGEN_TOKEN_SECRET": SECRET},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_only_a_publish_to_the_configured_target_notifies(tmp_path: Path) -> None:
    root = tmp_path / "site"
    shutil.copytree(fixture("notify", "serve-site"), root)
    incident = root / "incidents" / "2026-11-22-api-errors.md"
    incident.parent.mkdir()
    now = datetime.now(UTC).replace(microsecond=0)
    incident.write_text(
        f"---\ntitle: Elevated API errors\ncomponents:\n  api: partial_outage\n---\n\n"
        f"## {(now - timedelta(minutes=1)).isoformat()} investigating\nErrors.\n"
    )
    subscriber(LocalStore(root / "data"), "email", "ada@example.com", now - timedelta(minutes=30))

    preview = statusgen(root, "build", "--out", "preview")
    assert preview.returncode == 0, preview.stderr
    assert "subscribers not notified: ./preview is not the configured publish target" in preview.stdout
    assert (root / "preview" / "index.html").is_file()
    assert not (root / "outbox").exists()

    published = statusgen(root, "build")
    assert published.returncode == 0, published.stderr
    assert [p.name for p in (root / "outbox").glob("*.eml")] != []
    assert "not notified" not in published.stdout
    assert "subscribers: 1 sent" in published.stdout
