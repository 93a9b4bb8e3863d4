"""No secret given through `${NAME}` ever reaches the bundle, the store, the published site, the
logs or an error message: a whole pipeline (compile, check, heartbeat, alert, mail, build) runs
with test secrets, and everything it wrote or said is scanned for them."""

from __future__ import annotations

import base64
import json
import logging
import shutil
import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from checker.alerting import AlertsSettings, send_alerts
from checker.alerting.mail import MailSettings, open_mailer
from checker.bundle import Bundle
from checker.errors import StatusgenError
from checker.handler import handle
from checker.run import run_checks
from checker.store import LocalStore
from checker.summary import load_summary
from site_builder.builder.site import build_site
from site_builder.content.site import compile_bundle, load_site
from tests.faults.faults_support import Endpoints
from tests.helpers import api_down, fixture

NOW = datetime(2026, 11, 22, 14, 0, tzinfo=UTC)
SECRETS = {
    "API_TOKEN": "tok-Lq3v9Zr8-api-bearer",
    "API_KEY": "key-7Hf2kQ-query",
    "PRIVATE_URL": "http://127.0.0.1:9/private-Wd84Tq",
    "HEARTBEAT_TOKEN": "hb-Xy83Pn2-heartbeat",
    "WEBHOOK_PATH": "hook-Mn45Rt7-path",
    "WEBHOOK_SIGNING": "sign-Bv61Ke3-hmac",
    "SMTP_PASSWORD": "smtp-Pw9Jd2-password",
}


def variants(secret: str) -> set[str]:
    """The forms a leak could take: as is, URL-quoted, and inside HTTP basic auth."""
    return {secret, quote(secret, safe=""), base64.b64encode(f"status:{secret}".encode()).decode()}


def leaks(where: str, text: str) -> list[str]:
    return [f"{where}: {name}" for name, secret in SECRETS.items() for form in variants(secret) if form in text]


def scan_folder(folder: Path) -> list[str]:
    found: list[str] = []
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            found += leaks(str(path.relative_to(folder.parent)), path.read_bytes().decode("utf-8", "replace"))
    return found


class Answers:
    """A loopback server that fails whatever asks it (the probed API and the alert webhook)."""

    def __init__(self) -> None:
        self.server = Endpoints()
        self.server.codes = {"api": 401, f"hook/{SECRETS['WEBHOOK_PATH']}": 500}

    def url(self, path: str) -> str:
        return self.server.url(path)


@pytest.fixture
def answers() -> Iterator[Answers]:
    running = Answers()
    yield running
    running.server.close()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def write_site(root: Path, base: str) -> None:
    shutil.copytree(fixture("faults", "site"), root)
    (root / "statuspage.yaml").write_text(f"""
site:
  name: Secrets Example
  url: https://status.example.test
components:
  - id: api
    name: API
    check:
      type: http
      url: "{base}api?key=${{API_KEY}}"
      headers: {{Authorization: "Bearer ${{API_TOKEN}}"}}
      timeout: 2
  - id: private
    name: Private
    check: {{type: http, url: "${{PRIVATE_URL}}", timeout: 2}}
  - id: cron
    name: Nightly job
    check: {{type: heartbeat, every: 1h, token: "${{HEARTBEAT_TOKEN}}"}}
  - id: billing
    name: Billing
""")


def test_no_secret_reaches_the_bundle_store_site_logs_or_errors(
    tmp_path: Path, answers: Answers, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)
    root = tmp_path / "site"
    write_site(root, answers.url(""))
    said: list[str] = []

    compiled = compile_bundle(root)
    bundle_json = json.dumps(compiled.model_dump(mode="json", by_alias=True))
    loaded = load_site(root, env=SECRETS).bundle
    store = LocalStore(tmp_path / "data")
    store.put_json("bundle.json", compiled.model_dump(mode="json", by_alias=True))

    for minute in range(3):
        report = run_checks(loaded, store, now=NOW + timedelta(minutes=minute), env=SECRETS, run_id=f"r{minute}")
        said += report.lines()
    said += [
        json.dumps(
            handle(
                {"rawPath": "/heartbeat/cron", "requestContext": {}, "headers": {"authorization": f"Bearer {token}"}},
                None,
                store=store,
                env=SECRETS,
                now=NOW,
                log=said.append,
            )
        )
        for token in (SECRETS["HEARTBEAT_TOKEN"], "wrong-token")
    ]
    said += [
        json.dumps(
            handle(
                {"id": "scheduled-1"}, None, store=store, env=SECRETS, now=NOW + timedelta(minutes=5), log=said.append
            )
        )
    ]

    alerts = AlertsSettings.model_validate(
        {
            "channels": {
                "hook": {
                    "type": "webhook",
                    "url": answers.url("hook/${WEBHOOK_PATH}"),
                    "secret": "${WEBHOOK_SIGNING}",
                    "headers": {"X-Key": "${API_TOKEN}"},
                },
                "mail": {
                    "type": "email",
                    "to": ["oncall@example.test"],
                    "backend": "smtp",
                    "smtp_port": closed_port(),
                    "smtp_user": "status",
                    "smtp_password": "${SMTP_PASSWORD}",
                },
            },
            "routes": [{"name": "all", "channels": ["hook", "mail"]}],
        }
    )
    report = send_alerts([api_down(NOW)], loaded, store, now=NOW, settings=alerts, env=SECRETS, sleep=lambda _: None)
    said += [f"{d.channel}: {d.error}" for d in report.deliveries]
    assert report.failures, "the failing channels must have been tried"

    mailer = open_mailer(
        MailSettings(backend="smtp", smtp_port=closed_port(), smtp_user="status", smtp_password="${SMTP_PASSWORD}"),
        SECRETS,
    )
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "a@example.test", "b@example.test", "x"
    with pytest.raises(StatusgenError) as raised:
        mailer.send(message)
    said.append(str(raised.value))

    out = tmp_path / "public"
    build_site(compiled, load_summary(store), out, now=NOW + timedelta(minutes=5), theme=root)
    captured = capsys.readouterr()

    found = leaks("bundle.json", bundle_json) + scan_folder(tmp_path / "data") + scan_folder(out)
    found += leaks("messages and logs", "\n".join(said) + caplog.text + captured.out + captured.err)
    assert found == []
    # The secrets were used: the probe sent them (and was refused), the heartbeat was accepted.
    assert answers.server.hits["api"] == 4  # three runs and the scheduled invocation
    assert any('"statusCode": 204' in line for line in said)
    assert any('"statusCode": 403' in line for line in said)


def test_the_scan_finds_a_planted_secret(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "page.html").write_text(f"<p>{quote(SECRETS['API_KEY'], safe='')}</p>")
    assert scan_folder(tmp_path / "out") == ["out/page.html: API_KEY"]


def test_probe_reasons_never_quote_the_address(answers: Answers, tmp_path: Any) -> None:
    """A failing check's reason is public (it is on the page): it must not echo the URL, whose
    query or path may hold a key."""
    root = tmp_path / "site"
    write_site(root, answers.url(""))
    bundle = load_site(root, env=SECRETS).bundle
    report = run_checks(bundle, LocalStore(tmp_path / "data"), now=NOW, env=SECRETS)
    reasons = {s.component: s.reason for s in report.run.samples}
    assert reasons["api"] == "expected 200-299, got 401"
    assert reasons["private"] == "connection refused"


def test_a_merged_check_cannot_send_the_functions_own_credentials_away(answers: Answers, tmp_path: Path) -> None:
    """A pull request may add a check whose header or URL names `${AWS_SECRET_ACCESS_KEY}`; in
    Lambda that variable holds the function's credentials. It is never resolved."""
    env = {"AWS_SECRET_ACCESS_KEY": "aws-Sk93Lm-credential", "AWS_SESSION_TOKEN": "aws-Tk58Qp-session"}
    bundle = Bundle.model_validate(
        {
            "site": {"name": "Exfiltration"},
            "checker": {},
            "incidents": [],
            "components": [
                {
                    "id": "sneaky",
                    "name": "Sneaky",
                    "check": {
                        "type": "http",
                        "url": answers.url("api?k=${AWS_SESSION_TOKEN:-none}"),
                        "timeout": 2,
                        "headers": {"X-Data": "${AWS_SECRET_ACCESS_KEY:-none}"},
                    },
                }
            ],
        }
    )
    report = run_checks(bundle, LocalStore(tmp_path / "data"), now=NOW, env=env)
    (received,) = answers.server.requests
    assert "aws-" not in received and "k=none" in received
    bare = bundle.model_copy(
        update={
            "components": [
                bundle.components[0].model_copy(
                    update={
                        "check": bundle.components[0].check.model_copy(
                            update={"headers": {"X": "${AWS_SECRET_ACCESS_KEY}"}}
                        )
                    }
                )
            ]
        }
    )
    again = run_checks(bare, LocalStore(tmp_path / "data2"), now=NOW, env=env)
    assert again.run.samples[0].reason == "configuration: ${AWS_SECRET_ACCESS_KEY} is not set"
    assert report.run.samples[0].reason == "expected 200-299, got 401"
