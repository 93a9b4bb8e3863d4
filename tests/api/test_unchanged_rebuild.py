"""A rebuild that would change nothing is skipped before the site is loaded, and only then: at every
moment it is skipped, a full build at that moment gives the bytes already published (however the
clock moved updates, maintenance windows, measurements, days and the zone's daylight saving time),
and a change to any input, to the target or to the request makes the next build a full one."""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import boto3
import pytest
from moto import mock_aws

import site_builder
from checker.summary import Summary, load_summary
from site_builder import pipeline
from site_builder.builder.last_build import BUILD_CACHE, Unchanged, build_unless_unchanged, unchanged_since_last_build
from site_builder.builder.site import build_site
from site_builder.content.site import compile_bundle, load_site
from site_builder.outputs.next_change import next_change
from site_builder.pipeline import build_and_publish, site_store
from site_builder.publish.manifest import MANIFEST_NAME

FIXTURES = Path(__file__).parent.parent / "fixtures" / "api"
SUMMARY_DAY = date(2026, 11, 22)
"""The last day of the fixture summary's bars."""
ZONE = ZoneInfo("America/Denver")
"""The fixture site's time zone: its daylight saving time ends 2026-11-01 08:00 UTC."""
TICK = timedelta(microseconds=1)
STALE_AFTER = timedelta(seconds=150)
"""The fixture site checks every minute: a measurement is shown for 2 x 60 + 30 s."""
WRITTEN_AHEAD = (
    "## 2026-11-22 12:50 UTC resolved\nThe failover finished.\n\n"
    "## 2026-11-22 12:45 UTC monitoring\nThe replica serves again.\n\n"
)
"""Updates written before they happen, added to the database incident."""
REPEATING = """---
title: Nightly backups
type: maintenance
components: [db]
scheduled_for: 2026-11-23 03:00 UTC
scheduled_until: 2026-11-23 03:30 UTC
repeat: {every: day, count: 14, except: [2026-11-29]}
---

## 2026-11-21 03:00 UTC scheduled
The database is read-only while it is backed up.
"""
"""A maintenance repeating every night: each window is a maintenance of its own, announced two days ahead."""


def make_site(
    folder: Path, moment: datetime | None = None, *, checked: timedelta = timedelta(days=1), missing_today: float = 0.0
) -> Path:
    """The API fixture site with updates written ahead and a repeating maintenance, and a folder
    store whose summary was made `checked` before `moment`
    and whose bars end on `moment`'s day (today's bar of `api` missing `missing_today` seconds of
    data); no summary when `moment` is None."""
    root = Path(shutil.copytree(FIXTURES / "site", folder))
    database = root / "incidents" / "2026-11-22-database-down.md"
    head, _, updates = database.read_text().partition("## ")
    database.write_text(f"{head}{WRITTEN_AHEAD}## {updates}")
    (root / "incidents" / "2026-11-23-nightly-backups.md").write_text(REPEATING)
    if moment is not None:
        (root / "data").mkdir()
        (root / "data" / "summary.json").write_text(
            json.dumps(summary_at(moment, checked=checked, missing_today=missing_today))
        )
    return root


def summary_at(moment: datetime, *, checked: timedelta, missing_today: float) -> dict[str, object]:
    data = json.loads((FIXTURES / "summary.json").read_text())
    shift = moment.date() - SUMMARY_DAY
    data["generated_at"] = (moment - checked).isoformat()
    for component in data["components"]:
        if component["last_checked_at"] is not None:  # a component without a check stays unmeasured
            component["last_checked_at"] = (moment - checked).isoformat()
        for day in [*component["bars"], *component["latency_daily"]]:
            day["date"] = (date.fromisoformat(day["date"]) + shift).isoformat()
    data["components"][0]["bars"][-1]["no_data_seconds"] = missing_today
    return data


def build(root: Path, moment: datetime, *, out: str | None = None, notify: bool = False) -> list[str]:
    return build_and_publish(root, out=out, now=moment, notify=notify).lines()


def skipped(root: Path, moment: datetime, *, out: str | None = None, notify: bool = False) -> bool:
    return unchanged_since_last_build(root, out=out, now=moment, notify=notify) is not None


def record(root: Path) -> dict[str, object]:
    last: dict[str, object] = json.loads((root / BUILD_CACHE).read_bytes())["last_build"]
    return last


def served(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != MANIFEST_NAME
    }


# --- whenever a rebuild is skipped, a full build gives the published bytes ----------------------------


def moments_of(root: Path, summary: dict[str, object] | None, around: datetime) -> set[datetime]:
    """Every moment at which some output could change, found from the files themselves: each
    date in the incident files (and 14 days after, and 30 days before), each measurement going
    stale, midnight in UTC and in the site's zone, the zone's changes, and the moments today's
    strip bar of `api` (28 units high) is drawn one unit shorter."""
    found: set[datetime] = set()
    for incident in compile_bundle(root).incidents:
        dates = [u.at for u in incident.updates] + [incident.created_at, incident.started_at()]
        dates += [t for t in (incident.resolved_at(), incident.scheduled_for, incident.scheduled_until) if t]
        found.update(t + shift for t in dates for shift in (timedelta(0), timedelta(days=14), -timedelta(days=30)))
    for day in (around.date() + timedelta(days=n) for n in range(-1, 3)):
        found.add(datetime.combine(day, time(), UTC))
        found.add(datetime.combine(day, time(), ZONE).astimezone(UTC))
    found.update({datetime(2026, 11, 1, 8, tzinfo=UTC), datetime(2027, 3, 14, 9, tzinfo=UTC)})
    if summary is not None:
        components = summary["components"]
        assert isinstance(components, list)
        for component in components:
            if component["last_checked_at"] is None:  # not measured (no check): nothing goes stale
                continue
            found.add(datetime.fromisoformat(component["last_checked_at"]) + STALE_AFTER)
            found.add(datetime.fromisoformat(component["status_since"]))
            missing = component["bars"][-1]["no_data_seconds"]
            midnight = datetime.combine(date.fromisoformat(component["bars"][-1]["date"]), time(), UTC)
            found.update(
                midnight + timedelta(seconds=28 * missing / (units - 0.5)) for units in range(1, 29) if missing
            )
    return {t + tick for t in found for tick in (-TICK, timedelta(0), TICK)}


MOMENTS = {
    # (when the last build ran, how long before it the checker last ran, data missing today)
    "measured a moment ago, during an incident and a maintenance window": (
        datetime(2026, 11, 22, 12, 0, tzinfo=UTC),
        timedelta(seconds=30),
        0.0,
    ),
    "the instant a measurement goes stale": (datetime(2026, 11, 22, 12, 2, tzinfo=UTC), STALE_AFTER, 0.0),
    "before updates written ahead": (datetime(2026, 11, 22, 12, 40, tzinfo=UTC), timedelta(hours=1), 0.0),
    "before a resolution written ahead and the window's end": (
        datetime(2026, 11, 22, 12, 46, tzinfo=UTC),
        timedelta(hours=1),
        0.0,
    ),
    "before a window opens, today's bar shrinking": (
        datetime(2026, 11, 30, 21, 0, tzinfo=UTC),
        timedelta(hours=2),
        4125.0,
    ),
    "before midnight UTC at a month's end, during a window": (
        datetime(2026, 11, 30, 23, 30, tzinfo=UTC),
        timedelta(hours=2),
        0.0,
    ),
    "before midnight in the site's zone": (datetime(2026, 12, 1, 6, 30, tzinfo=UTC), timedelta(hours=5), 600.0),
    "before maintenance is listed as upcoming, 30 days ahead": (
        datetime(2026, 10, 31, 21, 30, tzinfo=UTC),
        timedelta(hours=3),
        0.0,
    ),
    "before maintenance announced 14 days ago leaves the recent days": (
        datetime(2026, 12, 5, 7, 30, tzinfo=UTC),
        timedelta(hours=3),
        0.0,
    ),
    "during a window of a repeating maintenance": (datetime(2026, 11, 26, 3, 10, tzinfo=UTC), timedelta(hours=3), 0.0),
    "before daylight saving time ends in the site's zone": (
        datetime(2026, 11, 1, 7, 30, tzinfo=UTC),
        timedelta(hours=3),
        0.0,
    ),
}


@pytest.mark.parametrize("name", list(MOMENTS))
def test_whenever_a_rebuild_is_skipped_a_full_build_gives_the_published_bytes(tmp_path: Path, name: str) -> None:
    built_at, checked, missing = MOMENTS[name]
    root = make_site(tmp_path / "site", built_at, checked=checked, missing_today=missing)
    build(root, built_at)
    published = served(root / "public")
    until = datetime.fromisoformat(str(record(root)["until"]))
    assert built_at < until <= datetime.combine(built_at.date() + timedelta(days=1), time(), UTC)
    assert skipped(root, until - TICK) and not skipped(root, until) and not skipped(root, built_at - TICK)

    site = load_site(root)
    summary = load_summary(site_store(site))
    stored = json.loads((root / "data" / "summary.json").read_text())
    rng = random.Random(name)
    span = (until - built_at) * 1.5
    samples = {built_at + span * rng.random() for _ in range(25)}
    samples |= {
        t for t in moments_of(root, stored, built_at) if built_at - timedelta(minutes=1) <= t <= built_at + span
    }
    taken = 0
    for moment in sorted(samples):
        if not skipped(root, moment):
            continue
        taken += 1
        build_site(site.bundle, summary, tmp_path / "full", now=moment, theme=root, cache=tmp_path / "cache.json")
        assert served(tmp_path / "full") == published, f"skipped at {moment.isoformat()}, but the site differs"
    assert taken >= min(3, (until - built_at) // TICK), taken
    print(f"{name}: skipped at {taken} of {len(samples)} moments, until {until.isoformat()}")


def test_a_moment_after_each_change_is_where_the_next_build_stops_being_skipped() -> None:
    """The moments the skip ends at, for the site of the first case above: the measurement going
    stale, then (measured no longer) the resolution written ahead, the window's end, midnight."""
    root = FIXTURES / "site"
    bundle = compile_bundle(root)
    built_at, checked, _ = MOMENTS["measured a moment ago, during an incident and a maintenance window"]
    summary = Summary.model_validate(summary_at(built_at, checked=checked, missing_today=0.0))
    assert next_change(bundle, summary, built_at) == built_at - checked + STALE_AFTER
    stale = summary.model_copy(
        update={"components": [c.model_copy(update={"last_checked_at": None}) for c in summary.components]}
    )
    assert next_change(bundle, stale, built_at) == datetime(2026, 11, 22, 13, tzinfo=UTC)  # the window ends
    night = datetime(2026, 11, 22, 23, tzinfo=UTC)
    assert next_change(bundle, stale, night) == datetime(2026, 11, 23, tzinfo=UTC)


def test_a_site_dated_by_the_clock_itself_is_never_skipped(tmp_path: Path) -> None:
    """No measurement and no update due yet: the page says it was updated `now`, every instant."""
    root = make_site(tmp_path / "site")
    early = datetime(2026, 10, 1, tzinfo=UTC)
    build(root, early)
    assert "last_build" not in json.loads((root / BUILD_CACHE).read_bytes())
    assert not skipped(root, early)


# --- anything else changed: a full build ---------------------------------------------------------------

BUILT_AT = datetime(2026, 11, 22, 12, 30, tzinfo=UTC)
LATER = BUILT_AT + timedelta(minutes=1)
SITE_DESCRIPTION = "STATUS_DESCRIPTION"


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The site built at BUILT_AT, with a stylesheet, a logo, a template of its own and a
    description from the environment; a rebuild a minute later is skipped."""
    monkeypatch.setenv(SITE_DESCRIPTION, "Status of Example's services.")
    root = make_site(tmp_path / "site", BUILT_AT)
    config = root / "statuspage.yaml"
    config.write_text(
        config.read_text().replace(
            "description: Status of Example's services.",
            f"description: ${{{SITE_DESCRIPTION}}}\n  custom_css: brand/extra.css\n  logo: brand/logo.svg",
        )
    )
    (root / "brand").mkdir()
    (root / "brand" / "extra.css").write_text(".banner { border-radius: 0; }\n")
    (root / "brand" / "logo.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>\n')
    (root / "templates").mkdir()
    (root / "templates" / "robots.txt").write_text("User-agent: *\nAllow: /\n")
    build(root, BUILT_AT)
    assert skipped(root, LATER)
    yield root


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


CHANGES: dict[str, Callable[[Path], None]] = {
    # an incident file: one letter, same size; a new one; one removed
    "incident edited": lambda root: edit(root / "incidents" / "2026-11-20-api-errors.md", "rates", "Rates"),
    "incident added": lambda root: shutil.copy(
        root / "incidents" / "2026-11-20-api-errors.md", root / "incidents" / "2026-11-21-api-errors-again.md"
    ),
    "incident removed": lambda root: (root / "incidents" / "2026-11-20-api-errors.md").unlink(),
    "statuspage.yaml edited": lambda root: edit(root / "statuspage.yaml", "name: Example", "name: Exemple"),
    "template edited": lambda root: edit(root / "templates" / "robots.txt", "Allow", "allow"),
    "template added": lambda root: (root / "templates" / "404.html").write_text("{{ page_title }}\n"),
    "stylesheet edited": lambda root: edit(root / "brand" / "extra.css", "0", "1"),
    "logo replaced": lambda root: (root / "brand" / "logo.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg"></svg>'
    ),
    "summary rewritten": lambda root: edit(root / "data" / "summary.json", '"uptime": 1.0', '"uptime": 0.5'),
    "summary removed": lambda root: (root / "data" / "summary.json").unlink(),
    "a published file altered": lambda root: edit(root / "public" / "index.html", "Example", "Exempel"),
    "a published file removed": lambda root: (root / "public" / "history" / "index.html").unlink(),
    "a published folder moved away and linked to": lambda root: (  # its files are the same files
        (root / "public" / "history").rename(root / "history-moved"),
        (root / "public" / "history").symlink_to(root / "history-moved"),
    ),
    "the publish folder removed": lambda root: shutil.rmtree(root / "public"),
    "the manifest edited": lambda root: edit(root / "public" / MANIFEST_NAME, '"pending":[]', '"pending":["x"]'),
}


UNTRUSTED = {"a published folder moved away and linked to"}
"""Changes after which the target cannot be trusted even after a full build (a publish does not
see files under a linked folder, and writes them again each time)."""


@pytest.mark.parametrize("change", list(CHANGES))
def test_each_changed_input_or_target_makes_the_next_build_a_full_one(root: Path, change: str) -> None:
    CHANGES[change](root)
    assert not skipped(root, LATER)
    lines = build(root, LATER)
    assert lines[0].startswith("built ")
    assert skipped(root, LATER + TICK) == (change not in UNTRUSTED)  # recorded again


def test_a_full_rebuild_that_changes_nothing_writes_nothing_either(root: Path) -> None:
    """Built again within the span, the record is only confirmed: not even the cache is written."""
    cache = root / BUILD_CACHE
    before = (cache.stat().st_ino, cache.stat().st_mtime_ns, cache.read_bytes())
    lines = build(root, LATER)
    assert re.search(r": 0 written, \d+ unchanged, 0 deleted$", lines[1]), lines
    assert (cache.stat().st_ino, cache.stat().st_mtime_ns, cache.read_bytes()) == before
    assert record(root)["built_at"] == BUILT_AT.isoformat()


def test_an_environment_variable_the_configuration_names_makes_the_next_build_a_full_one(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(SITE_DESCRIPTION, "Another description.")
    assert not skipped(root, LATER)
    monkeypatch.setenv(SITE_DESCRIPTION, "Status of Example's services.")
    assert skipped(root, LATER)
    monkeypatch.setenv("SOME_OTHER_VARIABLE", "anything")  # not named: no difference
    assert skipped(root, LATER)


def test_a_library_installed_on_the_import_path_makes_the_next_build_a_full_one(
    root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    libraries = tmp_path / "site-packages"
    libraries.mkdir()
    monkeypatch.syspath_prepend(str(libraries))
    build(root, LATER)
    assert skipped(root, LATER)
    (libraries / "jinja2-9.9.dist-info").mkdir()
    assert not skipped(root, LATER)


def test_a_rebuild_elsewhere_or_with_subscribers_to_notify_is_a_full_one(root: Path, tmp_path: Path) -> None:
    other = str(tmp_path / "preview")
    assert not skipped(root, LATER, out=other)
    build(root, LATER, out=other)
    assert skipped(root, LATER, out=other) and not skipped(root, LATER)  # one target is remembered
    build(root, LATER)
    assert skipped(root, LATER)

    with (root / "statuspage.yaml").open("a") as config:
        config.write(f'subscribers:\n  token_secret: "{"s" * 40}"\n  email:\n    outbox: ./outbox\n')
    build(root, LATER, notify=False)
    assert skipped(root, LATER, notify=False)
    assert not skipped(root, LATER, notify=True)  # telling subscribers is never skipped


def test_a_file_someone_else_put_at_the_target_changes_nothing(root: Path) -> None:
    (root / "public" / "CNAME").write_text("status.example.test\n")
    (root / "public" / "history" / "notes.txt").write_text("not statusgen's\n")
    assert skipped(root, LATER)
    lines = build(root, LATER)  # and indeed a full build writes and deletes nothing
    assert re.search(r": 0 written, \d+ unchanged, 0 deleted$", lines[1]), lines


def test_an_input_changed_while_the_site_is_built_leaves_no_record(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    load = pipeline.load_site

    def load_then_edit(where: Path, **options: Any) -> pipeline.Site:
        site = load(where, **options)
        edit(where / "incidents" / "2026-11-20-api-errors.md", "rates", "Rates")  # after it was read
        return site

    monkeypatch.setattr(pipeline, "load_site", load_then_edit)
    build(root, LATER)
    assert "last_build" not in json.loads((root / BUILD_CACHE).read_bytes())
    assert not skipped(root, LATER)


def forget_in_manifest(root: Path) -> None:
    """The manifest rewritten without the history page: no longer known to be statusgen's."""
    path = root / "public" / MANIFEST_NAME
    manifest = json.loads(path.read_bytes())
    del manifest["files"]["history/index.html"]
    path.write_text(json.dumps(manifest))


TARGET_CHANGES: dict[str, Callable[[Path], None]] = {
    "a published file removed": CHANGES["a published file removed"],
    "a published file resized": lambda root: (root / "public" / "history" / "index.html").write_text("x"),
    "a published folder moved away and linked to": CHANGES["a published folder moved away and linked to"],
    "the manifest rewritten to forget a file": forget_in_manifest,
}


@pytest.mark.parametrize("change", list(TARGET_CHANGES))
def test_the_target_changed_after_publishing_leaves_no_record(
    root: Path, monkeypatch: pytest.MonkeyPatch, change: str
) -> None:
    """Changed between the publish and the record, the target is not trusted: the look that takes
    its state also checks that it serves what was built."""
    publish_files = site_builder.builder.site.publish_files

    def publish_then_change(*args: object, **kwargs: object) -> object:
        report = publish_files(*args, **kwargs)  # type: ignore[arg-type]
        TARGET_CHANGES[change](root)
        return report

    monkeypatch.setattr(site_builder.builder.site, "publish_files", publish_then_change)
    build(root, LATER)
    assert "last_build" not in json.loads((root / BUILD_CACHE).read_bytes())
    monkeypatch.undo()
    assert not skipped(root, LATER)


def test_a_build_to_s3_is_never_skipped(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in (
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("AWS_DEFAULT_REGION", "us-east-1"),
    ):
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="status-site")
        build_and_publish(root, out="s3://status-site/www", now=LATER, notify=False, s3_client=s3)
    assert "last_build" not in json.loads((root / BUILD_CACHE).read_bytes())
    assert not skipped(root, LATER, out="s3://status-site/www") and not skipped(root, LATER)


def test_the_clock_must_lie_between_the_build_and_the_next_change(root: Path) -> None:
    until = datetime.fromisoformat(str(record(root)["until"]))
    assert until == datetime(2026, 11, 22, 12, 45, tzinfo=UTC)  # the update written ahead
    assert skipped(root, BUILT_AT) and skipped(root, until - TICK)
    assert not skipped(root, BUILT_AT - TICK) and not skipped(root, until)


def test_statusgen_build_says_nothing_changed_in_one_line(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(root)
    files = len(served(root / "public"))
    assert build_unless_unchanged(root, out=None, now=LATER, notify=False) == [
        f"nothing changed since the last build: {files} files published to ./public unchanged"
    ]
    assert str(Unchanged(files=2249, target="/elsewhere/public")) == (
        "nothing changed since the last build: 2,249 files published to /elsewhere/public unchanged"
    )
    edit(root / "incidents" / "2026-11-20-api-errors.md", "rates", "Rates")
    lines = build_unless_unchanged(root, out=None, now=LATER, notify=False)
    assert lines[0].startswith(f"built {files} files") and lines[1].startswith("published to ./public: ")


def test_recognising_an_unchanged_site_loads_no_model_and_no_renderer(root: Path) -> None:
    script = (
        "import json, sys; from datetime import datetime; from pathlib import Path\n"
        "from site_builder.builder.last_build import build_unless_unchanged\n"
        "lines = build_unless_unchanged(Path('.'), out=None, now=datetime.fromisoformat(sys.argv[1]), notify=False)\n"
        "print(json.dumps([lines, sorted(sys.modules)]))\n"
    )
    environment = {**os.environ, "PYTHONPATH": str(Path(site_builder.__file__).parent.parent)}

    def build_in_a_process() -> tuple[list[str], list[str]]:
        answer = subprocess.run(
            [sys.executable, "-c", script, LATER.isoformat()],
            capture_output=True,
            text=True,
            check=True,
            env=environment,
            cwd=root,
        ).stdout
        lines, modules = json.loads(answer)
        return lines, modules

    build_in_a_process()  # this process's import path is not the test's: a full build, recorded
    lines, modules = build_in_a_process()
    assert lines == [
        f"nothing changed since the last build: {len(served(root / 'public'))} files published to ./public unchanged"
    ]
    light = (
        "site_builder",
        "site_builder.builder",  # the folder's __init__, which imports nothing
        "site_builder.builder.last_build",
        "site_builder.builder.input_state",
        "site_builder.paths",
        "site_builder.shipped",
    )
    assert [
        m for m in modules if m.split(".")[0] in ("pydantic", "jinja2", "yaml", "site_builder") and m not in light
    ] == []
