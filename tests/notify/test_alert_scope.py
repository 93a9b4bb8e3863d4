"""What an acknowledgement covers, one message per channel however many routes match, and
maintenance shown and alerted the same way on the page, in the API and to the team."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from checker.alerting import AlertsSettings, send_alerts
from checker.store import LocalStore
from checker.summary import Summary
from site_builder.builder.site import build_site
from site_builder.outputs.api.statuspage import ApiRenderer
from site_builder.outputs.view import build_view
from tests.helpers import api_down, status_change
from tests.notify.alert_support import FIXTURES, T0, hooks, minutes, received


def test_an_incident_about_a_partial_outage_does_not_silence_a_major_one(
    receiver: Any, make_bundle: Any, make_incident: Any, tmp_path: Path
) -> None:
    config = AlertsSettings.model_validate(
        {
            "channels": hooks(receiver, "chat", "pager"),
            "routes": [
                {
                    "min_status": "major_outage",
                    "levels": [{"after": "0m", "channels": ["chat"]}, {"after": "10m", "channels": ["pager"]}],
                }
            ],
        }
    )
    monitoring = make_bundle(
        [
            make_incident(
                "2026-11-22-api-slow",
                {"api": "partial_outage"},
                [
                    ("2026-11-22T13:00:00+00:00", "investigating", "Some requests fail."),
                    ("2026-11-22T13:30:00+00:00", "monitoring", "A fix is out; watching."),
                ],
            )
        ]
    )
    store = LocalStore(tmp_path / "store")
    send_alerts(
        [status_change("api", "partial_outage", "major_outage", minutes(0))],
        monitoring,
        store,
        now=minutes(0),
        settings=config,
    )
    send_alerts([], monitoring, store, now=minutes(11), settings=config)

    assert received(receiver) == [("chat", "triggered", "api"), ("pager", "escalated", "api")]

    # The other way round, an incident declaring the outage or worse is the acknowledgement.
    declared = make_bundle(
        [
            make_incident(
                "2026-11-22-web-down",
                {"web": "major_outage"},
                [("2026-11-22T13:58:00+00:00", "investigating", "The website is down.")],
            )
        ]
    )
    send_alerts(
        [status_change("web", "operational", "major_outage", minutes(20))],
        declared,
        store,
        now=minutes(20),
        settings=config,
    )
    send_alerts([], declared, store, now=minutes(31), settings=config)
    assert len(receiver.requests) == 2


def test_one_message_per_channel_however_many_routes_match(receiver: Any, make_bundle: Any, tmp_path: Path) -> None:
    """The documented layout: `core` for api and web, `everything-else` for every component, both
    telling `chat` at once. An api outage is one message in chat, and one recovery."""
    config = AlertsSettings.model_validate(
        {
            "channels": hooks(receiver, "chat", "mail"),
            "routes": [
                {
                    "name": "core",
                    "components": ["api", "web"],
                    "min_status": "partial_outage",
                    "levels": [{"after": "0m", "channels": ["chat"]}, {"after": "10m", "channels": ["mail"]}],
                },
                {"name": "everything-else", "channels": ["chat"]},
            ],
        }
    )
    store = LocalStore(tmp_path / "store")
    bundle = make_bundle()
    send_alerts([api_down(minutes(0))], bundle, store, now=minutes(0), settings=config)
    send_alerts([], bundle, store, now=minutes(11), settings=config)
    send_alerts(
        [status_change("api", "major_outage", "partial_outage", minutes(12))],
        bundle,
        store,
        now=minutes(12),
        settings=config,
    )
    send_alerts(
        [status_change("api", "partial_outage", "operational", minutes(15))],
        bundle,
        store,
        now=minutes(15),
        settings=config,
    )

    told = received(receiver)
    assert told[:2] == [("chat", "triggered", "api"), ("mail", "escalated", "api")]
    assert sorted(told[2:4]) == [("chat", "changed", "api"), ("mail", "changed", "api")]
    assert sorted(told[4:]) == [("chat", "recovered", "api"), ("mail", "recovered", "api")]


def measured_down(component: str) -> Summary:
    data = json.loads((FIXTURES / "summary-burning.json").read_text())
    data["components"] = [
        {
            **data["components"][0],
            "id": component,
            "status": "major_outage",
            "slo": None,
            "last_checked_at": "2026-11-22T14:00:00Z",
        }
    ]
    return Summary.model_validate(data)


def test_maintenance_is_shown_and_alerted_as_on_statuspage(
    receiver: Any, make_bundle: Any, make_incident: Any, tmp_path: Path
) -> None:
    """A component measured down inside its maintenance window shows `under_maintenance` on the
    page and in the API, the page says "Service Under Maintenance", and nobody is alerted."""
    window = make_incident(
        "2026-11-22-db-upgrade",
        {"db": "under_maintenance"},
        [("2026-11-21T10:00:00+00:00", "scheduled", "We will upgrade the database.")],
        kind="maintenance",
        title="Database upgrade",
        scheduled=("2026-11-22T13:30:00+00:00", "2026-11-22T15:00:00+00:00"),
    )
    bundle = make_bundle([window])
    summary = measured_down("db")

    view = build_view(bundle, summary, T0)
    api = {c.name: c.status for c in ApiRenderer(view).components()}
    assert api["Database"] == "under_maintenance"
    assert (view.indicator, view.description) == ("maintenance", "Service Under Maintenance")
    out = tmp_path / "public"
    build_site(bundle, summary, out, now=T0)
    status = json.loads((out / "api" / "v2" / "status.json").read_text())["status"]
    assert status == {"indicator": "maintenance", "description": "Service Under Maintenance"}
    page = (out / "index.html").read_text()
    assert "Major System Outage" not in page and "Service Under Maintenance" in page
    # Only an open incident that declares worse shows through the maintenance.
    overran = make_incident(
        "2026-11-22-db-down",
        {"db": "major_outage"},
        [("2026-11-22T13:50:00+00:00", "investigating", "The upgrade failed.")],
    )
    worse = build_view(make_bundle([window, overran]), summary, T0)
    assert (worse.component("db").status, worse.indicator) == ("major_outage", "major")

    config = AlertsSettings.model_validate({"channels": hooks(receiver, "chat"), "routes": [{"channels": ["chat"]}]})
    store = LocalStore(tmp_path / "store")
    send_alerts([status_change("db", "operational", "major_outage", T0)], bundle, store, now=T0, settings=config)
    assert receiver.requests == []
