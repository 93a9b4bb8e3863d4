"""Upptime's past uptime: each site's status changes, read from the git history of its
`history/<slug>.yml` (Upptime commits that file whenever the site's status changes, with the time
of the check in `lastUpdated`), written as the day rollups of the days before the import's day.

Upptime holds a status until the next change, and so does this: a day between two changes is
wholly in the earlier status. Only whole days before today are written (today is statusgen's to
measure), and only into a store that holds no measurements yet. The derived files are then made
from them as `rollup --rebuild` makes them, so the history, the closed days and the summary carry
the past over and the next `statusgen check` goes on from there."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import yaml

from checker.derived.daily import ComponentDay, DayRollup, day_key
from checker.derived.stored_runs import RUNS_PREFIX
from checker.store import LocalStore
from checker.store.base import dump_json
from checker.vocabulary import OUTAGE_STATUSES, ComponentStatus

STATUSES: dict[str, ComponentStatus] = {"up": "operational", "degraded": "degraded_performance", "down": "major_outage"}
"""Upptime's statuses, as statusgen's."""
_GIT_SECONDS = 60
"""Longest a git command may take (a repository of years of five-minute checks is large)."""

Change = tuple[datetime, ComponentStatus]


def status_changes(folder: Path, slug: str) -> list[Change] | str:
    """The status changes of site `slug`, oldest first, or why there are none to read."""
    path = f"history/{slug}.yml"
    git = shutil.which("git")
    if git is None:
        return "git is not installed"
    log = _git(git, folder, ["log", "--reverse", "--format=%H %cI", "--", path])
    if log is None:
        return f"{folder} is not a git repository (clone it with its history)"
    commits = [line.split(" ", 1) for line in log.decode().splitlines() if " " in line]
    if not commits:
        return f"{path} has no history"
    batch = "".join(f"{commit}:{path}\n" for commit, _ in commits).encode()
    blobs = _git(git, folder, ["cat-file", "--batch"], stdin=batch)
    if blobs is None:
        return f"cannot read the history of {path}"
    changes: list[Change] = []
    for (_, committed), text in zip(commits, _contents(blobs), strict=False):
        status, checked = _state(text)
        if status is None:
            continue
        at = checked or datetime.fromisoformat(committed).astimezone(UTC)
        if changes and at <= changes[-1][0]:
            continue  # a commit that does not move time on (a rebase, a clock): the earlier one holds
        if not changes or changes[-1][1] != status:
            changes.append((at, status))
    return changes or f"{path} never held a status"


def past_days(changes: Mapping[str, list[Change]], today: date) -> dict[str, DayRollup]:
    """The day rollups of every day from each component's first change to the day before `today`."""
    days: dict[str, DayRollup] = {}
    midnight = datetime.combine(today, time(), UTC)
    for component, timeline in changes.items():
        for start, end, status in _stretches(timeline, midnight):
            day = start.date()
            while datetime.combine(day, time(), UTC) < end:
                day_begins = datetime.combine(day, time(), UTC)
                begin = max(start, day_begins)
                finish = min(end, day_begins + timedelta(days=1))
                rollup = days.setdefault(day.isoformat(), DayRollup(date=day))
                entry = rollup.components.setdefault(component, ComponentDay())
                entry.segments.append(
                    (
                        round((begin - day_begins).total_seconds(), 3),
                        round((finish - day_begins).total_seconds(), 3),
                        status,
                    )
                )
                if status in OUTAGE_STATUSES:
                    entry.outages.append(entry.segments[-1])
                day += timedelta(days=1)
    return dict(sorted(days.items()))


def write_past(store: LocalStore, days: Mapping[str, DayRollup]) -> tuple[int, int] | str:
    """Write the day rollups into `store`: (written, unchanged), or why they were not written."""
    if any(True for _ in store.list(RUNS_PREFIX)):
        return f"{store.location} already holds measurements; past uptime goes only into a new store"
    written = unchanged = 0
    for name, rollup in days.items():
        data = dump_json(rollup.model_dump(mode="json"))  # as the checker writes it
        stored = store.get(day_key(name))
        if stored is not None and stored.data == data:
            unchanged += 1
            continue
        store.put(day_key(name), data)
        written += 1
    return written, unchanged


def _stretches(timeline: list[Change], until: datetime) -> list[tuple[datetime, datetime, ComponentStatus]]:
    """[start, end) of each status, the last one held until `until`."""
    ends = [at for at, _ in timeline[1:]] + [until]
    return [(at, min(end, until), status) for (at, status), end in zip(timeline, ends, strict=True) if at < until]


def _state(text: str) -> tuple[ComponentStatus | None, datetime | None]:
    """The status and the time of the check in one version of `history/<slug>.yml`."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        return None, None
    if not isinstance(data, dict):
        return None, None
    status = STATUSES.get(str(data.get("status", "")).lower())
    checked = data.get("lastUpdated")
    when: datetime | None = None
    if isinstance(checked, datetime):
        when = checked if checked.tzinfo else checked.replace(tzinfo=UTC)
    elif isinstance(checked, str):
        try:
            when = datetime.fromisoformat(checked.replace("Z", "+00:00"))
        except ValueError:
            when = None
    return status, None if when is None or when.tzinfo is None else when.astimezone(UTC)


def _contents(blobs: bytes) -> list[str]:
    """The texts in `git cat-file --batch` output: `<hash> <type> <size>\\n<content>\\n` each, or
    `<name> missing\\n` (an empty text)."""
    texts: list[str] = []
    position = 0
    while position < len(blobs):
        end = blobs.index(b"\n", position)
        header = blobs[position:end].split()
        position = end + 1
        if len(header) != 3:
            texts.append("")
            continue
        size = int(header[2])
        texts.append(blobs[position : position + size].decode("utf-8", "replace"))
        position += size + 1
    return texts


def _git(git: str, folder: Path, arguments: list[str], *, stdin: bytes | None = None) -> bytes | None:
    try:
        done = subprocess.run(
            [git, "-C", str(folder), *arguments],
            input=stdin,
            capture_output=True,
            timeout=_GIT_SECONDS,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout if done.returncode == 0 else None


def import_past_uptime(folder: Path, slugs: Mapping[str, str], root: Path, *, now: datetime) -> str:
    """Bring the past uptime of the sites `slugs` (Upptime slug -> component id) of the Upptime
    repository `folder` into the store of the site written at `root`; one line saying what was done."""
    from checker.derived.rebuild import rebuild
    from checker.store import open_store
    from site_builder.content.site import check_site

    changes: dict[str, list[Change]] = {}
    missing: list[str] = []
    for slug, component in slugs.items():
        found = status_changes(folder, slug)
        if isinstance(found, str):
            missing.append(found)
        else:
            changes[component] = found
    if not changes:
        return f"past uptime not imported: {missing[0] if missing else 'no sites'}"
    site, _ = check_site(root, None)
    if site is None:
        return "past uptime not imported: the imported site does not validate (see `statusgen validate`)"
    store = open_store(site.config.store, base=root)
    if not isinstance(store, LocalStore):
        return f"past uptime not imported: {site.config.store} is not a folder store; import into a folder first"
    days = past_days(changes, now.date())
    done = write_past(store, days)
    if isinstance(done, str):
        return f"past uptime not imported: {done}"
    written, unchanged = done
    if written:
        rebuild(site.bundle, store, now=now)  # the history, closed days and summary from them
    first = min((timeline[0][0] for timeline in changes.values()), default=now).date()
    skipped = f"; {len(missing)} sites without history ({missing[0]})" if missing else ""
    return (
        f"past uptime of {len(changes)} sites from {first} to yesterday, from the git history of "
        f"history/*.yml: {written} days written, {unchanged} unchanged in {store.location}{skipped}"
    )
