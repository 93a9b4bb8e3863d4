"""Writing incident and maintenance files for engineers (`statusgen incident …`, `maintenance new`).

The files are what an engineer commits in a pull request, so they are written the way a person
would write them: front matter, then updates newest first, each stamped with the current UTC time.
Every file written is parsed back before it is saved, so these commands never produce a file that
`statusgen validate` would reject.
"""

from __future__ import annotations

import re
import stat
import unicodedata
from datetime import UTC, datetime
from pathlib import Path

import yaml

from checker.atomic_file import write_atomic
from checker.errors import ContentError, StatusgenError
from checker.secrets import KeepReferences
from checker.vocabulary import COMPONENT_STATUSES, INCIDENT_UPDATE_STATUSES, MAINTENANCE_UPDATE_STATUSES
from site_builder.content.config import load_config
from site_builder.content.incident_updates import parse_time
from site_builder.content.incidents import INCIDENTS_DIR, parse_incident_text
from site_builder.content.problems import suggest


def slugify(title: str, max_length: int = 50) -> str:
    """`Elevated API error rates!` -> `elevated-api-error-rates`."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")
    return slug[:max_length].rstrip("-") or "incident"


def format_time(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def new_incident(
    root: Path,
    title: str,
    components: dict[str, str],
    *,
    status: str = "investigating",
    message: str,
    now: datetime,
    impact: str | None = None,
) -> Path:
    """Create `incidents/<date>-<slug>.md` with one update; returns its path."""
    known = _component_ids(root)
    _check_components(components, known, allow_maintenance=False)
    _check_status(status, INCIDENT_UPDATE_STATUSES)
    front: dict[str, object] = {"title": title, "components": components}
    if impact:
        front["impact"] = impact
    return _create(root, title, front, [(now, status, message)], now, known)


def new_maintenance(
    root: Path,
    title: str,
    components: list[str],
    *,
    start: str,
    end: str,
    message: str,
    now: datetime,
) -> Path:
    """Create a maintenance file scheduled from `start` to `end` with a `scheduled` update."""
    known = _component_ids(root)
    _check_components(dict.fromkeys(components, "under_maintenance"), known, allow_maintenance=True)
    try:
        start_at, end_at = parse_time(start), parse_time(end)
    except ValueError as error:
        raise StatusgenError(str(error)) from None
    if end_at <= start_at:
        raise StatusgenError("the end of the window must be after its start")
    front: dict[str, object] = {
        "title": title,
        "type": "maintenance",
        "components": components,
        "scheduled_for": format_time(start_at),
        "scheduled_until": format_time(end_at),
    }
    return _create(root, title, front, [(now, "scheduled", message)], start_at, known)


def add_update(root: Path, slug: str, *, status: str, message: str, now: datetime) -> Path:
    """Insert a new update at the top of an existing incident or maintenance file."""
    path = _find(root, slug)
    text = path.read_text(encoding="utf-8")
    is_maintenance = re.search(r"(?m)^type:\s*maintenance\s*$", text) is not None
    allowed = MAINTENANCE_UPDATE_STATUSES if is_maintenance else INCIDENT_UPDATE_STATUSES
    _check_status(status, allowed)
    if status == "resolved":
        _refuse_second_resolve(root, path, text, now)
    lines = text.splitlines(keepends=True)
    closing = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
    if not lines or lines[0].strip() != "---" or closing is None:
        raise StatusgenError(f"{path}: has no front matter; fix the file by hand first")
    section = f"## {format_time(now)} {status}\n{message.strip()}\n\n"
    head, rest = "".join(lines[: closing + 1]), "".join(lines[closing + 1 :]).lstrip("\n")
    new_text = f"{head}\n{section}{rest}"
    _parse_or_raise(new_text, path.stem, path.relative_to(root).as_posix(), _component_ids(root))
    # Replaced at once, so `statusgen serve` or a crash never sees the file half written; with
    # the permissions it had, as when it was rewritten in place.
    write_atomic(path, (new_text.encode("utf-8"),), mode=stat.S_IMODE(path.stat().st_mode))
    return path


def _refuse_second_resolve(root: Path, path: Path, text: str, now: datetime) -> None:
    """A resolved incident stays resolved: a second `resolved` update would only repeat it (and
    notify subscribers again). Reopening it (`investigating`, …) and resolving again is fine."""
    incident, _ = parse_incident_text(text, path.stem, path.relative_to(root).as_posix(), None)
    if incident is not None and incident.kind == "incident" and incident.status_at(now) == "resolved":
        raise StatusgenError(
            f"{path.stem} is already resolved; add a note with "
            f"`statusgen incident update {path.stem} --status update --message TEXT`"
        )


def _create(
    root: Path,
    title: str,
    front: dict[str, object],
    updates: list[tuple[datetime, str, str]],
    dated: datetime,
    known: list[str],
) -> Path:
    folder = root / INCIDENTS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    base = f"{dated.astimezone(UTC):%Y-%m-%d}-{slugify(title)}"
    slug, counter = base, 2
    while (folder / f"{slug}.md").exists():
        slug, counter = f"{base}-{counter}", counter + 1
    matter = yaml.safe_dump(front, sort_keys=False, allow_unicode=True, width=100)
    body = "".join(f"## {format_time(at)} {status}\n{message.strip()}\n\n" for at, status, message in updates)
    text = f"---\n{matter}---\n\n{body}".rstrip("\n") + "\n"
    path = folder / f"{slug}.md"
    _parse_or_raise(text, slug, path.relative_to(root).as_posix(), known)
    path.write_text(text, encoding="utf-8")
    return path


def _parse_or_raise(text: str, slug: str, rel: str, known: list[str]) -> None:
    incident, problems = parse_incident_text(text, slug, rel, known)
    if incident is None:
        raise ContentError(problems)


def _component_ids(root: Path) -> list[str]:
    config, _, problems = load_config(root, KeepReferences())
    if config is None:
        raise ContentError(problems)
    return [c.id for c in config.components]


def _check_components(components: dict[str, str], known: list[str], *, allow_maintenance: bool) -> None:
    if not components:
        raise StatusgenError("name at least one component, e.g. --component api=partial_outage")
    problems = []
    for component_id, status in components.items():
        if component_id not in known:
            problems.append(
                f"unknown component '{component_id}'{suggest(component_id, known)} (components: {', '.join(known)})"
            )
        if status not in COMPONENT_STATUSES or (status == "under_maintenance" and not allow_maintenance):
            allowed = [s for s in COMPONENT_STATUSES if allow_maintenance or s != "under_maintenance"]
            problems.append(
                f"'{status}' is not a component status here{suggest(status, allowed)} (one of: {', '.join(allowed)})"
            )
    if problems:
        raise StatusgenError("\n".join(problems))


def _check_status(status: str, allowed: tuple[str, ...]) -> None:
    if status not in allowed:
        raise StatusgenError(
            f"'{status}' is not an update status here{suggest(status, allowed)} (one of: {', '.join(allowed)})"
        )


def _find(root: Path, slug: str) -> Path:
    slug = slug.removesuffix(".md").rsplit("/", 1)[-1]
    matches = sorted((root / INCIDENTS_DIR).rglob(f"{slug}.md"))
    if not matches:
        existing = [p.stem for p in (root / INCIDENTS_DIR).rglob("*.md")]
        raise StatusgenError(f"no incident '{slug}' in {root / INCIDENTS_DIR}{suggest(slug, existing)}")
    return matches[0]
