"""Each alert channel sends the payload its service documents, to a real loopback server."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from moto import mock_aws

from checker.alerting import AlertsSettings, send_alerts
from checker.store import LocalStore
from tests.helpers import api_down, api_up

T0 = datetime(2026, 11, 22, 14, 5, tzinfo=UTC)
DOWN = api_down(T0, 3600.0, "expected 200, got 503")
UP = api_up(T0 + timedelta(minutes=12), 720.0)


def settings(channel: dict[str, Any]) -> AlertsSettings:
    return AlertsSettings.model_validate(
        {"channels": {"team": channel}, "routes": [{"name": "all", "channels": ["team"]}]}
    )


def outage_and_recovery(config: AlertsSettings, bundle: Any, tmp_path: Any, env: dict[str, str], **kw: Any) -> None:
    store = LocalStore(tmp_path / "store")
    for change, now in ((DOWN, T0), (UP, T0 + timedelta(minutes=12))):
        report = send_alerts([change], bundle, store, now=now, settings=config, env=env, **kw)
        assert report.failures == []


def test_slack_block_kit_message(receiver, make_bundle, tmp_path):
    config = settings({"type": "slack", "url": "${SLACK_URL}"})
    outage_and_recovery(config, make_bundle(), tmp_path, {"SLACK_URL": receiver.url + "/hook/T1"})

    down, up = receiver.requests
    assert down.path == "/hook/T1"
    assert down.headers["Content-Type"] == "application/json"
    assert down.json() == {
        "text": "[Example] API: major outage",
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": "API: major outage"}},
            {
                "type": "section",
                "fields": [
                    {"type": "mrkdwn", "text": "*Component*\nAPI"},
                    {"type": "mrkdwn", "text": "*Status*\nmajor outage"},
                    {"type": "mrkdwn", "text": "*Since*\n2026-11-22 14:05 UTC"},
                    {"type": "mrkdwn", "text": "*Was*\noperational"},
                    {"type": "mrkdwn", "text": "*Reason*\nexpected 200, got 503"},
                ],
            },
            {
                "type": "context",
                "elements": [{"type": "mrkdwn", "text": "<https://status.example.com/|Example status page>"}],
            },
        ],
    }
    assert up.json()["text"] == "[Example] API recovered after 12 min"
    assert {"type": "mrkdwn", "text": "*Lasted*\n12 min"} in up.json()["blocks"][1]["fields"]


def test_pagerduty_trigger_then_resolve_with_one_dedup_key(receiver, make_bundle, tmp_path):
    config = settings({"type": "pagerduty", "routing_key": "${PD_KEY}", "url": receiver.url + "/v2/enqueue"})
    outage_and_recovery(config, make_bundle(), tmp_path, {"PD_KEY": "R0UT1NGKEY"})

    trigger, resolve = (r.json() for r in receiver.requests)
    key = trigger["dedup_key"]
    assert key.startswith("statusgen-")
    assert trigger == {
        "routing_key": "R0UT1NGKEY",
        "event_action": "trigger",
        "dedup_key": key,
        "payload": {
            "summary": "[Example] API: major outage",
            "source": "https://status.example.com/",
            "severity": "critical",
            "timestamp": "2026-11-22T14:05:00+00:00",
            "component": "api",
            "custom_details": {
                "Component": "API",
                "Status": "major outage",
                "Since": "2026-11-22 14:05 UTC",
                "Was": "operational",
                "Reason": "expected 200, got 503",
            },
        },
        "links": [{"href": "https://status.example.com/", "text": "Example status page"}],
    }
    assert resolve == {"routing_key": "R0UT1NGKEY", "event_action": "resolve", "dedup_key": key}


def test_teams_adaptive_card(receiver, make_bundle, tmp_path):
    config = settings({"type": "teams", "url": receiver.url + "/workflows/1"})
    outage_and_recovery(config, make_bundle(), tmp_path, {})

    message = receiver.requests[0].json()
    assert message["type"] == "message"
    (attachment,) = message["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert attachment["contentUrl"] is None
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.4"
    assert card["body"][0]["text"] == "API: major outage"
    assert card["body"][1] == {
        "type": "FactSet",
        "facts": [
            {"title": "Component", "value": "API"},
            {"title": "Status", "value": "major outage"},
            {"title": "Since", "value": "2026-11-22 14:05 UTC"},
            {"title": "Was", "value": "operational"},
            {"title": "Reason", "value": "expected 200, got 503"},
        ],
    }
    assert card["actions"] == [
        {"type": "Action.OpenUrl", "title": "Open the status page", "url": "https://status.example.com/"}
    ]
    assert receiver.requests[1].json()["attachments"][0]["content"]["body"][0]["color"] == "Good"


def test_discord_embed_without_mentions(receiver, make_bundle, tmp_path):
    config = settings({"type": "discord", "url": receiver.url + "/api/webhooks/1/x"})
    outage_and_recovery(config, make_bundle(), tmp_path, {})

    down = receiver.requests[0].json()
    assert down["content"] == "[Example] API: major outage"
    assert down["allowed_mentions"] == {"parse": []}
    (embed,) = down["embeds"]
    assert embed["title"] == "API: major outage"
    assert embed["color"] == 0xC62828
    assert embed["timestamp"] == "2026-11-22T14:05:00+00:00"
    assert embed["fields"][0] == {"name": "Component", "value": "API", "inline": True}
    assert receiver.requests[1].json()["embeds"][0]["color"] == 0x2E7D32


def test_telegram_send_message(receiver, make_bundle, tmp_path):
    config = settings({"type": "telegram", "bot_token": "${TG_TOKEN}", "chat_id": "-100123", "api_url": receiver.url})
    outage_and_recovery(config, make_bundle(), tmp_path, {"TG_TOKEN": "123:abc"})

    request = receiver.requests[0]
    assert request.path == "/bot123:abc/sendMessage"
    assert request.json() == {
        "chat_id": "-100123",
        "text": "<b>[Example] API: major outage</b>\nComponent: API\nStatus: major outage\n"
        "Since: 2026-11-22 14:05 UTC\nWas: operational\nReason: expected 200, got 503\n"
        '<a href="https://status.example.com/">Status page</a>',
        "parse_mode": "HTML",
        "disable_web_page_preview": True,
    }


def test_opsgenie_create_then_close_by_alias(receiver, make_bundle, tmp_path):
    config = settings({"type": "opsgenie", "api_key": "${OG_KEY}", "api_url": receiver.url, "tags": ["statuspage"]})
    outage_and_recovery(config, make_bundle(), tmp_path, {"OG_KEY": "k-1"})

    create, close = receiver.requests
    assert create.path == "/v2/alerts"
    assert create.headers["Authorization"] == "GenieKey k-1"
    body = create.json()
    assert body["message"] == "[Example] API: major outage"
    assert body["priority"] == "P1"
    assert body["tags"] == ["statuspage", "api"]
    assert close.path == f"/v2/alerts/{body['alias']}/close?identifierType=alias"
    assert close.json() == {"source": "statusgen", "note": "API recovered after 12 min"}


def test_webhook_body_is_signed(receiver, make_bundle, tmp_path):
    config = settings(
        {
            "type": "webhook",
            "url": receiver.url + "/alerts",
            "secret": "${HOOK_SECRET}",
            "headers": {"X-Team": "${TEAM}"},
        }
    )
    outage_and_recovery(config, make_bundle(), tmp_path, {"HOOK_SECRET": "s3cret", "TEAM": "core"})

    request = receiver.requests[0]
    expected = "sha256=" + hmac.new(b"s3cret", request.body, hashlib.sha256).hexdigest()
    assert request.headers["X-Statusgen-Signature"] == expected
    assert request.headers["X-Team"] == "core"
    body = request.json()
    assert (body["event"], body["component"], body["status"]) == ("triggered", "api", "major_outage")
    assert receiver.requests[1].json()["event"] == "recovered"
    assert receiver.requests[1].json()["duration_seconds"] == 720.0


def test_email_through_a_real_smtp_server(smtp_server, make_bundle, tmp_path):
    config = settings(
        {
            "type": "email",
            "backend": "smtp",
            "smtp_host": smtp_server.host,
            "smtp_port": smtp_server.port,
            "from_address": "Status <status@example.com>",
            "to": ["oncall@example.com"],
        }
    )
    outage_and_recovery(config, make_bundle(), tmp_path, {})

    down, up = smtp_server.messages
    assert down["Subject"] == "[Example] API: major outage"
    assert down["To"] == "oncall@example.com"
    assert "Reason: expected 200, got 503" in down.get_content()
    assert up["Subject"] == "[Example] API recovered after 12 min"


@mock_aws
def test_email_through_ses(make_bundle, tmp_path):
    from moto.backends import get_backend

    ses = boto3.client("ses", region_name="eu-west-1")
    ses.verify_email_identity(EmailAddress="status@example.com")
    config = settings(
        {
            "type": "email",
            "backend": "ses",
            "ses_region": "eu-west-1",
            "from_address": "status@example.com",
            "to": ["oncall@example.com"],
        }
    )
    outage_and_recovery(config, make_bundle(), tmp_path, {}, ses_client=ses)

    sent = get_backend("ses")["123456789012"]["eu-west-1"].sent_messages
    assert len(sent) == 2
    assert "Subject: [Example] API: major outage" in sent[0].raw_data


@pytest.mark.parametrize("missing", ["SLACK_URL"])
def test_missing_secret_is_reported_without_a_traceback(missing, make_bundle, tmp_path):
    config = settings({"type": "slack", "url": "${SLACK_URL}"})
    store = LocalStore(tmp_path)
    report = send_alerts([DOWN], make_bundle(), store, now=T0, settings=config, env={}, sleep=lambda s: None)
    (failure,) = report.failures
    assert failure.error == f"url: environment variable {missing} is not set"


def test_errors_and_logs_never_show_the_secret_url(receiver, make_bundle, tmp_path, caplog):
    config = settings({"type": "slack", "url": "${SLACK_URL}"})
    receiver.respond(500, 500, 500)
    report = send_alerts(
        [DOWN],
        make_bundle(),
        LocalStore(tmp_path),
        now=T0,
        settings=config,
        env={"SLACK_URL": receiver.url + "/services/T0/B0/s3cr3tT0ken"},
        sleep=lambda s: None,
    )

    (failure,) = report.failures
    assert failure.error == "slack: 127.0.0.1 answered 500"
    assert "s3cr3tT0ken" not in caplog.text
    assert "alert triggered about api via team failed: slack: 127.0.0.1 answered 500" in caplog.text
