"""Benchmark of notifications: one incident update to N email subscribers (outbox backend, local
store), the no-op pass that follows every publish, a team-alert pass with nothing to send, and
the planning of what subscribers are told (every event of every incident, with the component
changes they cause) for sites of M incidents written to disk and loaded as `statusgen build` does.
`--builds` times what subscribers add to the command itself: one incident edited, then `statusgen
build` on a copy of the site with subscribers and `statusgen build --no-notify` on another, in turns.

    python bench/notify_fanout.py 100 1000 --planning 1000 10000 --builds 1000

Prints medians over --repeat runs, each on a fresh store.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import installed  # noqa: E402  (bench/: how the timed commands run)
from build_corpus import Run  # noqa: E402

from checker.alerting import AlertsSettings, send_alerts  # noqa: E402
from checker.alerting.mail import MailSettings  # noqa: E402
from checker.bundle import Bundle, CheckerSettings, Component, SiteSettings  # noqa: E402
from checker.incident_model import Incident, IncidentUpdate  # noqa: E402
from checker.store import LocalStore  # noqa: E402
from checker.subscriber_settings import SubscribersSettings  # noqa: E402
from site_builder.notify.deliver import notify_subscribers  # noqa: E402
from site_builder.subscribe import records, tokens  # noqa: E402
from site_builder.subscribe.records import Subscriber  # noqa: E402

NOW = datetime(2026, 11, 22, 14, 10, tzinfo=UTC)
SECRET = "b" * 40


def bundle() -> Bundle:
    update = IncidentUpdate(at=NOW - timedelta(minutes=5), status="investigating", body="We are investigating.")
    incident = Incident(
        slug="2026-11-22-api",
        kind="incident",
        title="API errors",
        impact="major",
        components={"api": "partial_outage"},
        updates=[update],
        file="incidents/2026-11-22-api.md",
    )
    components = [Component(id=f"c{i}", name=f"Component {i}") for i in range(19)]
    return Bundle(
        site=SiteSettings(name="Bench", url="https://status.example.com"),
        checker=CheckerSettings(),
        components=[Component(id="api", name="API"), *components],
        incidents=[incident],
    )


def one_round(count: int, folder: Path) -> tuple[float, float, float]:
    store = LocalStore(folder / "store")
    for i in range(count):
        address = f"user{i}@example.com"
        records.save(
            store,
            Subscriber(
                id=tokens.subscriber_id(SECRET, "email", address),
                kind="email",
                address=address,
                status="active",
                # confirmed before the update: they are told of it
                created_at=NOW - timedelta(hours=1),
                confirmed_at=NOW - timedelta(hours=1),
            ),
        )
    settings = SubscribersSettings(token_secret=SECRET, email=MailSettings(outbox=str(folder / "outbox")))
    site = bundle()
    started = time.perf_counter()
    report = notify_subscribers(site, store, now=NOW, settings=settings, env={})
    send = time.perf_counter() - started
    assert report.sent == count, report
    started = time.perf_counter()
    notify_subscribers(site, store, now=NOW + timedelta(minutes=1), settings=settings, env={})
    noop = time.perf_counter() - started
    alerts = AlertsSettings.model_validate(
        {
            "channels": {"chat": {"type": "webhook", "url": "http://127.0.0.1:9/"}},
            "routes": [{"channels": ["chat"], "remind_every": "30m"}],
        }
    )
    started = time.perf_counter()
    send_alerts([], site, store, now=NOW, settings=alerts)
    alert_noop = time.perf_counter() - started
    return send, noop, alert_noop


def planning(incidents: int, repeat: int) -> tuple[float, int]:
    """Median seconds of `notification_events` over a site of `incidents` incident files (with
    subscribers on), loaded from disk; and the number of events it plans."""
    from build_corpus import write_site

    from site_builder.content.site import load_site
    from site_builder.notify.events import notification_events

    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory() as folder:
        site = load_site(write_site(Path(folder), incidents, now=now, subscribers=True), env={})
    assert site.bundle.subscribers is not None and len(site.bundle.incidents) == incidents
    times, planned = [], 0
    for _ in range(repeat):
        bundle = site.bundle.model_copy()  # no timeline left from the previous round
        started = time.perf_counter()
        planned = len(notification_events(bundle, now))
        times.append(time.perf_counter() - started)
    assert planned >= 4 * incidents, planned  # every update, plus the component changes
    return statistics.median(times), planned


def builds(incidents: int, repeat: int) -> tuple[Run, Run]:
    """Median runs of `statusgen build` (subscribers told) and `statusgen build --no-notify`, each
    after one incident was edited, on two copies of a site of `incidents` incident files with
    subscribers on; each checked for the edit on its page and, told, for the subscribers' line."""
    from build_corpus import statusgen, write_site

    commands = {"told": ("build",), "untold": ("build", "--no-notify")}
    runs: dict[str, list[Run]] = {name: [] for name in commands}
    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory() as folder:
        sites = {name: write_site(Path(folder) / name, incidents, now=now, subscribers=True) for name in commands}
        for name, site in sites.items():  # the caches, the ledger and the published site in place
            statusgen(*commands[name], cwd=site)
        for round_number in range(repeat):
            for name in sorted(commands, reverse=round_number % 2 == 1):
                site = sites[name]
                edited = sorted((site / "incidents").iterdir())[round_number * 97 % incidents]
                with edited.open("a", encoding="utf-8") as out:
                    out.write(f"\nEdited in round {round_number}.\n")
                run = statusgen(*commands[name], cwd=site)
                page = (site / "public" / "incidents" / edited.stem / "index.html").read_text(encoding="utf-8")
                assert f"Edited in round {round_number}." in page, edited
                assert name == "untold" or "subscribers: 0 sent" in run.stdout, run.stdout
                runs[name].append(run)
    return _median_run(runs["told"]), _median_run(runs["untold"])


def _median_run(runs: list[Run]) -> Run:
    return Run(
        wall=statistics.median(r.wall for r in runs),
        cpu=statistics.median(r.cpu for r in runs),
        system=statistics.median(r.system for r in runs),
        rss_mb=statistics.median(r.rss_mb for r in runs),
        stdout="",
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("counts", nargs="*", type=int, default=[100, 1000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--planning",
        nargs="*",
        type=int,
        default=[1000, 10000],
        help="incident counts for timing notification planning",
    )
    parser.add_argument(
        "--builds",
        nargs="*",
        type=int,
        default=[],
        help="incident counts for timing `statusgen build` with subscribers against --no-notify",
    )
    args = parser.parse_args()
    if args.builds:
        installed.byte_compile()
    for incidents in args.builds:
        told, untold = builds(incidents, max(args.repeat, 5))
        print(
            f"{incidents:>6} incidents, one edited: statusgen build {told.wall:.3f} s wall ({told.cpu:.3f} s CPU), "
            f"--no-notify {untold.wall:.3f} s wall ({untold.cpu:.3f} s CPU): subscribers add "
            f"{told.wall - untold.wall:.3f} s"
        )
    for incidents in args.planning:
        seconds, planned = planning(incidents, args.repeat)
        print(f"{incidents:>6} incidents: notification planning {seconds:.3f} s for {planned} events")
    for count in args.counts:
        rounds = []
        for _ in range(args.repeat):
            with tempfile.TemporaryDirectory() as folder:
                rounds.append(one_round(count, Path(folder)))
        send, noop, alert = (statistics.median(r[i] for r in rounds) for i in range(3))
        print(
            f"{count:>6} subscribers: send {send:.3f} s ({count / send:.0f} msg/s), "
            f"no-op pass {noop * 1000:.1f} ms, alert pass with nothing due {alert * 1000:.1f} ms"
        )


if __name__ == "__main__":
    main()
