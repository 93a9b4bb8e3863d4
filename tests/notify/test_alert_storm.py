"""Alert storms: a database and the ten services that depend on it fail together. Measured by the
real checker against endpoints on 127.0.0.1, alerted through the real webhook channel: the team
gets one alert naming the root cause and listing the dependents, then one recovery."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from checker.summary import load_summary
from site_builder.content.site import load_site
from site_builder.pipeline import build_site_and_publish, check_loaded_site, site_store
from tests.checker.checker_support import LoopbackServer, Route, reply

T0 = datetime(2026, 11, 22, 14, 0, tzinfo=UTC)
SERVICES = [f"svc{n}" for n in range(10)]


class Endpoints:
    """Endpoints on 127.0.0.1 answering 200 on /<name>, or 503 for the names in `failing`."""

    def __init__(self) -> None:
        self.failing: set[str] = set()
        self.server = LoopbackServer({f"/{name}": self._route(name) for name in ("db", *SERVICES)})
        self.url = f"http://127.0.0.1:{self.server.port}"

    def _route(self, name: str) -> Route:
        return lambda handler: reply(handler, 503 if name in self.failing else 200)

    def close(self) -> None:
        self.server.close()


@pytest.fixture
def endpoints() -> Iterator[Endpoints]:
    running = Endpoints()
    yield running
    running.close()


def write_site(root: Path, endpoints: Endpoints, receiver_url: str) -> None:
    lines = [
        "site: {name: Example, url: 'https://status.example.com'}",
        "checker: {interval: 60}",
        "components:",
        f"  - {{id: db, name: Database, check: {{type: http, url: '{endpoints.url}/db', timeout: 2}}}}",
    ]
    lines += [
        f"  - {{id: {name}, name: Service {name[3:]}, depends_on: [db],"
        f" check: {{type: http, url: '{endpoints.url}/{name}', timeout: 2}}}}"
        for name in SERVICES
    ]
    lines += [
        "alerts:",
        f"  channels: {{oncall: {{type: webhook, url: '{receiver_url}/oncall'}}}}",
        "  routes: [{channels: [oncall]}]",
    ]
    root.mkdir(parents=True, exist_ok=True)
    (root / "statuspage.yaml").write_text("\n".join(lines) + "\n" + "store: ./data\n")


def test_a_database_and_ten_dependents_failing_together_make_one_alert(
    tmp_path: Path, endpoints: Endpoints, receiver
) -> None:
    write_site(tmp_path / "site", endpoints, receiver.url)
    site = load_site(tmp_path / "site")
    minute = 0

    def run() -> None:
        nonlocal minute
        check_loaded_site(site, now=T0 + timedelta(minutes=minute))
        minute += 1

    run()
    endpoints.failing = {"db", *SERVICES}
    for _ in range(4):  # two runs to cross the failure threshold, two more while it lasts
        run()
    messages = [r.json() for r in receiver.requests]
    assert [(m["event"], m["component"]) for m in messages] == [("triggered", "db")]
    assert messages[0]["affected"] == [f"Service {n}" for n in range(10)]
    assert "Also affected: Service 0, Service 1" in messages[0]["title"] + "\n" + _text(messages[0])
    # The page and the uptime API name the root cause; the Statuspage v2 files stay exact.
    build_site_and_publish(
        site,
        load_summary(site_store(site)),
        out=str(tmp_path / "public"),
        now=T0 + timedelta(minutes=minute),
        notify=False,
    )
    page = (tmp_path / "public" / "index.html").read_text()
    assert page.count('Affected by <a href="components/db/index.html">Database</a>') == 10
    uptime = json.loads((tmp_path / "public" / "api" / "uptime.json").read_text())
    roots = {c["id"]: c.get("affected_by") for c in uptime["components"]}
    assert roots == {"db": None, **dict.fromkeys(SERVICES, "db")}
    v2 = json.loads((tmp_path / "public" / "api" / "v2" / "components.json").read_text())
    assert all("affected_by" not in c for c in v2["components"])

    endpoints.failing = set()
    run()
    messages = [r.json() for r in receiver.requests]
    assert [(m["event"], m["component"]) for m in messages] == [("triggered", "db"), ("recovered", "db")]
    for _ in range(2):
        run()
    assert len(receiver.requests) == 2  # the dependents' recoveries were told with the root's


def test_a_dependent_still_failing_after_its_root_recovers_alerts_on_its_own(
    tmp_path: Path, endpoints: Endpoints, receiver
) -> None:
    write_site(tmp_path / "site", endpoints, receiver.url)
    site = load_site(tmp_path / "site")
    at = iter(T0 + timedelta(minutes=n) for n in range(20))
    check_loaded_site(site, now=next(at))
    endpoints.failing = {"db", "svc3"}
    for _ in range(3):
        check_loaded_site(site, now=next(at))
    endpoints.failing = {"svc3"}
    check_loaded_site(site, now=next(at))
    events = [(r.json()["event"], r.json()["component"], r.json().get("affected")) for r in receiver.requests]
    # The last two go out in the same run, in parallel: in either order.
    assert events[0] == ("triggered", "db", ["Service 3"])
    assert sorted(events[1:], key=str) == [("recovered", "db", ["Service 3"]), ("triggered", "svc3", None)]


def _text(message: dict[str, object]) -> str:
    """The plain-text body a person reads, rebuilt from the webhook's fields."""
    from checker.alerting.events import Alert

    fields = {k: v for k, v in message.items() if k not in ("event", "title")}
    return Alert.model_validate(fields).text
