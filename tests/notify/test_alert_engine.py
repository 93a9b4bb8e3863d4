"""Routing, escalation, reminders, maintenance silence and exactly-once state of team alerts."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import ValidationError

from checker.alerting import ALERT_STATE_KEY, AlertsSettings, send_alerts
from checker.store import LocalStore
from checker.summary import Summary
from tests.helpers import api_down, api_up, status_change
from tests.notify.alert_support import FIXTURES, hooks, minutes, received


@pytest.fixture
def store(tmp_path: Any) -> LocalStore:
    return LocalStore(tmp_path / "store")


def test_routes_by_component_and_min_status(receiver, make_bundle, store):
    config = AlertsSettings.model_validate(
        {
            "channels": hooks(receiver, "api-team", "everyone"),
            "routes": [
                {"name": "api", "components": ["api"], "channels": ["api-team"]},
                {"name": "big", "min_status": "major_outage", "channels": ["everyone"]},
            ],
        }
    )
    changes = [
        status_change("api", "operational", "degraded_performance", minutes(0)),
        status_change("web", "operational", "partial_outage", minutes(0)),
        status_change("db", "operational", "major_outage", minutes(0)),
    ]
    send_alerts(changes, make_bundle(), store, now=minutes(0), settings=config)

    assert sorted(received(receiver)) == [
        ("api-team", "triggered", "api"),
        ("everyone", "triggered", "db"),
    ]


def test_escalates_by_level_until_recovered(receiver, make_bundle, store):
    config = AlertsSettings.model_validate(
        {
            "channels": hooks(receiver, "chat", "mail", "pager"),
            "routes": [
                {
                    "levels": [
                        {"after": "0m", "channels": ["chat"]},
                        {"after": "10m", "channels": ["mail"]},
                        {"after": "20m", "channels": ["pager"]},
                    ]
                }
            ],
        }
    )
    bundle = make_bundle()
    send_alerts([api_down(minutes(0))], bundle, store, now=minutes(0), settings=config)
    send_alerts([], bundle, store, now=minutes(5), settings=config)
    assert received(receiver) == [("chat", "triggered", "api")]

    send_alerts([], bundle, store, now=minutes(11), settings=config)
    assert received(receiver)[-1] == ("mail", "escalated", "api")

    send_alerts([api_up(minutes(15))], bundle, store, now=minutes(15), settings=config)
    send_alerts([], bundle, store, now=minutes(25), settings=config)
    # The recovery goes to every channel that heard of the outage; the pager never fires.
    assert sorted(received(receiver)[2:]) == [("chat", "recovered", "api"), ("mail", "recovered", "api")]
    assert receiver.requests[-1].json()["duration_seconds"] == 900.0


def test_an_open_incident_acknowledges_and_stops_escalation(receiver, make_bundle, make_incident, store):
    config = AlertsSettings.model_validate(
        {
            "channels": hooks(receiver, "chat", "pager"),
            "routes": [
                {"channels": ["chat"], "remind_every": "5m", "levels": [{"after": "10m", "channels": ["pager"]}]}
            ],
        }
    )
    send_alerts([api_down(minutes(0))], make_bundle(), store, now=minutes(0), settings=config)
    acknowledged = make_bundle(
        [
            make_incident(
                "2026-11-22-api",
                {"api": "major_outage"},
                [("2026-11-22T14:03:00+00:00", "investigating", "We are looking into it.")],
            )
        ]
    )
    send_alerts([], acknowledged, store, now=minutes(30), settings=config)

    assert received(receiver) == [("chat", "triggered", "api")]


def test_reminders_while_still_down(receiver, make_bundle, store):
    config = AlertsSettings.model_validate(
        {
            "channels": hooks(receiver, "chat"),
            "routes": [{"channels": ["chat"], "remind_every": "30m"}],
        }
    )
    bundle = make_bundle()
    send_alerts([api_down(minutes(0))], bundle, store, now=minutes(0), settings=config)
    for minute in (10, 29, 31, 45, 61):
        send_alerts([], bundle, store, now=minutes(minute), settings=config)

    assert [event for _, event, _ in received(receiver)] == ["triggered", "reminder", "reminder"]
    assert receiver.requests[1].json()["title"] == "Still major outage: API for 31 min"


def test_silent_during_maintenance_then_alerts_if_still_down(receiver, make_bundle, make_incident, store):
    config = AlertsSettings.model_validate(
        {
            "channels": hooks(receiver, "chat"),
            "routes": [{"channels": ["chat"]}],
        }
    )
    window = make_incident(
        "2026-11-22-db-upgrade",
        {"api": "under_maintenance"},
        [],
        kind="maintenance",
        title="Database upgrade",
        scheduled=("2026-11-22T13:30:00+00:00", "2026-11-22T14:30:00+00:00"),
    )
    bundle = make_bundle([window])
    send_alerts([api_down(minutes(0))], bundle, store, now=minutes(0), settings=config)
    send_alerts([], bundle, store, now=minutes(20), settings=config)
    assert receiver.requests == []

    send_alerts([], bundle, store, now=minutes(31), settings=config)
    assert received(receiver) == [("chat", "triggered", "api")]


def test_recovery_within_maintenance_sends_nothing(receiver, make_bundle, make_incident, store):
    config = AlertsSettings.model_validate(
        {
            "channels": hooks(receiver, "chat"),
            "routes": [{"channels": ["chat"]}],
        }
    )
    window = make_incident(
        "2026-11-22-deploy",
        {"api": "under_maintenance"},
        [],
        kind="maintenance",
        scheduled=("2026-11-22T13:30:00+00:00", "2026-11-22T14:30:00+00:00"),
    )
    bundle = make_bundle([window])
    send_alerts([api_down(minutes(0))], bundle, store, now=minutes(0), settings=config)
    send_alerts([api_up(minutes(5))], bundle, store, now=minutes(5), settings=config)
    send_alerts([], bundle, store, now=minutes(40), settings=config)
    assert receiver.requests == []


def test_a_retried_invocation_does_not_alert_twice(receiver, make_bundle, store):
    config = AlertsSettings.model_validate(
        {
            "channels": hooks(receiver, "chat"),
            "routes": [{"channels": ["chat"]}],
        }
    )
    change = [api_down(minutes(0))]
    for _ in range(3):  # the same run's transitions delivered three times (Lambda retries)
        send_alerts(change, make_bundle(), store, now=minutes(0), settings=config)

    assert received(receiver) == [("chat", "triggered", "api")]


def test_failing_channel_is_retried_and_does_not_block_others(receiver, make_bundle, store):
    config = AlertsSettings.model_validate(
        {
            "channels": {
                "broken": {"type": "webhook", "url": "http://127.0.0.1:9/unreachable"},
                **hooks(receiver, "chat"),
            },
            "routes": [{"channels": ["broken", "chat"]}],
            "retry_attempts": 3,
            "retry_backoff": 2,
        }
    )
    waits: list[float] = []
    report = send_alerts(
        [api_down(minutes(0))], make_bundle(), store, now=minutes(0), settings=config, sleep=waits.append
    )

    assert received(receiver) == [("chat", "triggered", "api")]
    (failure,) = report.failures
    assert failure.channel == "broken"
    assert failure.error == "webhook: no answer from 127.0.0.1: ConnectError"
    assert waits == [2, 4]
    state = store.get_json(ALERT_STATE_KEY)
    (pending,) = state["queue"].values()
    assert pending["channel"] == "broken"
    assert pending["next_at"] == minutes(1).isoformat()


def test_pending_message_is_delivered_on_a_later_run(receiver, make_bundle, store):
    config = AlertsSettings.model_validate(
        {
            "channels": hooks(receiver, "chat"),
            "routes": [{"channels": ["chat"]}],
            "retry_attempts": 1,
        }
    )
    receiver.respond(503)
    first = send_alerts([api_down(minutes(0))], make_bundle(), store, now=minutes(0), settings=config)
    assert first.failures[0].error.endswith("127.0.0.1 answered 503")
    send_alerts([], make_bundle(), store, now=minutes(0.5), settings=config)  # not due yet
    second = send_alerts([], make_bundle(), store, now=minutes(1), settings=config)

    assert len(receiver.requests) == 2
    assert [d.delivered for d in second.deliveries] == [True]
    assert store.get_json(ALERT_STATE_KEY)["queue"] == {}


def test_unknown_channel_in_a_route_is_a_clear_error():
    with pytest.raises(ValidationError) as error:
        AlertsSettings.model_validate(
            {
                "channels": {"chat": {"type": "slack", "url": "${X}"}},
                "routes": [{"channels": ["chat", "pagr"]}],
            }
        )
    assert "routes[0] names channel 'pagr', which is not in alerts.channels (known: chat)" in str(error.value)


def test_unknown_channel_type_and_keys_are_rejected():
    with pytest.raises(ValidationError) as error:
        AlertsSettings.model_validate({"channels": {"chat": {"type": "slak", "url": "x"}}})
    assert "'slack', 'discord', 'teams', 'webhook', 'pagerduty', 'email'" in str(error.value)
    with pytest.raises(ValidationError) as error:
        AlertsSettings.model_validate({"channels": {"chat": {"type": "slack", "url": "x", "ur": 1}}})
    assert "Extra inputs are not permitted" in str(error.value)


def test_accepts_the_transitions_a_checker_run_reports(receiver, make_bundle, store):
    from checker.derived.state import Transition as RunTransition

    config = AlertsSettings.model_validate(
        {
            "channels": hooks(receiver, "chat"),
            "routes": [{"channels": ["chat"]}],
        }
    )
    change = RunTransition(
        component="api",
        old="operational",
        new="partial_outage",
        at=minutes(0),
        previous_lasted_seconds=3600.0,
        reason="timeout after 5.0 s",
    )
    send_alerts([change], make_bundle(), store, now=minutes(0), settings=config)

    (request,) = receiver.requests
    assert (request.json()["title"], request.json()["reason"]) == ("API: partial outage", "timeout after 5.0 s")


def burning_summary(fast: bool, slow: bool) -> Summary:
    data = json.loads((FIXTURES / "summary-burning.json").read_text())
    data["components"][0]["slo"].update(fast_burn=fast, slow_burn=slow)
    return Summary.model_validate(data)


def test_burn_rate_alerts_page_fast_and_notify_slow(receiver, make_bundle, store):
    config = AlertsSettings.model_validate(
        {
            "channels": hooks(receiver, "pager", "chat"),
            "slo": {"fast": ["pager"], "slow": ["chat"]},
        }
    )
    bundle = make_bundle()
    for minute, summary in (
        (0, burning_summary(True, True)),
        (1, burning_summary(True, True)),
        (30, burning_summary(False, True)),
        (90, burning_summary(False, False)),
    ):
        send_alerts([], bundle, store, now=minutes(minute), settings=config, summary=summary)

    seen = [(r.path, r.json()["event"], r.json()["title"]) for r in receiver.requests]
    assert sorted(seen[:2]) == [  # sent in parallel by the first run
        ("/chat", "triggered", "API: error budget burning slowly"),
        ("/pager", "triggered", "API: error budget burning fast"),
    ]
    assert seen[2:] == [
        ("/pager", "recovered", "API: error budget no longer burning fast"),
        ("/chat", "recovered", "API: error budget no longer burning slowly"),
    ]
    fast = next(r.json() for r in receiver.requests if r.path == "/pager")
    assert (fast["burn"], fast["burn_rate"], fast["budget_left"], fast["objective"]) == ("fast", 300.0, -0.9, 99.9)


def test_burn_rate_page_to_pagerduty_is_critical(receiver, make_bundle, store):
    config = AlertsSettings.model_validate(
        {
            "channels": {"pd": {"type": "pagerduty", "routing_key": "k", "url": receiver.url + "/v2/enqueue"}},
            "slo": {"fast": ["pd"]},
        }
    )
    send_alerts([], make_bundle(), store, now=minutes(0), settings=config, summary=burning_summary(True, False))
    payload = receiver.requests[0].json()["payload"]
    assert payload["severity"] == "critical"
    assert payload["custom_details"] == {
        "Component": "API",
        "Objective": "99.9%",
        "Burn rate": "300× over 1 h",
        "Budget left": "-90%",
    }


def test_worse_or_better_while_still_down_is_a_change(receiver, make_bundle, store):
    config = AlertsSettings.model_validate(
        {
            "channels": hooks(receiver, "chat"),
            "routes": [{"channels": ["chat"], "min_status": "partial_outage"}],
        }
    )
    bundle = make_bundle()
    for minute, old, new in (
        (0, "operational", "partial_outage"),
        (3, "partial_outage", "major_outage"),
        (6, "major_outage", "degraded_performance"),
    ):
        send_alerts(
            [status_change("api", old, new, minutes(minute))],
            bundle,
            store,  # type: ignore[arg-type]
            now=minutes(minute),
            settings=config,
        )

    assert [(r.json()["event"], r.json()["title"]) for r in receiver.requests] == [
        ("triggered", "API: partial outage"),
        ("changed", "API: major outage"),
        # degraded is below this route's min_status: for this route the outage is over
        ("recovered", "API recovered after 6 min"),
    ]


def test_undeliverable_message_is_dropped_after_give_up_after(make_bundle, store):
    config = AlertsSettings.model_validate(
        {
            "channels": {"gone": {"type": "webhook", "url": "http://127.0.0.1:9/"}},
            "routes": [{"channels": ["gone"]}],
            "retry_attempts": 1,
            "give_up_after": "1h",
        }
    )
    bundle = make_bundle()
    send_alerts([api_down(minutes(0))], bundle, store, now=minutes(0), settings=config)
    last = send_alerts([], bundle, store, now=minutes(61), settings=config)

    (failure,) = last.failures
    assert failure.gave_up
    assert store.get_json(ALERT_STATE_KEY)["queue"] == {}
