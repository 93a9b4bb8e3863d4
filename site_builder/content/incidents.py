"""Incident and maintenance files: `incidents/<YYYY-MM-DD>-<slug>.md`, parsed into typed models.

A file is YAML front matter between `---` lines, then one `## <time> <status>` heading per update
with Markdown under it. Parsing never raises on bad input: it returns every Problem it finds, each
with the file, the line and the key.
"""

from __future__ import annotations

import os
import re
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, NamedTuple

from pydantic import Field, ValidationError, field_validator

from checker.errors import Problem
from checker.header_text import no_control_characters
from checker.incident_model import Incident, IncidentUpdate, Repeat
from checker.recurrence import parse_repeat
from checker.strict_model import StrictModel
from checker.vocabulary import (
    COMPONENT_STATUSES,
    IMPACTS,
    INCIDENT_UPDATE_STATUSES,
    MAINTENANCE_UPDATE_STATUSES,
    ComponentStatus,
    Impact,
    derived_impact,
)
from site_builder.content.incident_updates import parse_heading, parse_time, update_sections
from site_builder.content.problems import problems_from_error, suggest
from site_builder.content.yaml_source import LocatedYaml, load_front_matter

INCIDENTS_DIR = "incidents"
FILE_NAME = re.compile(r"^(\d{4})-(\d{2})-(\d{2})-([a-z0-9]+(?:-[a-z0-9]+)*)\.md$")
MAX_FILE_BYTES = 1_000_000


class FrontMatter(StrictModel):
    """The keys an incident or maintenance file may set between its `---` lines."""

    title: str
    """The headline shown on the page and in feeds."""
    type: Literal["incident", "maintenance"] = "incident"
    """`maintenance` for planned work; incidents are the default."""
    components: dict[str, str] | list[str] = Field(default_factory=dict)
    """Component id -> status while open; maintenance may list ids (all under_maintenance)."""
    impact: Impact | None = None
    """none, minor, major or critical; derived from the components when left out."""
    scheduled_for: str | None = None
    """Maintenance only: when the window starts (a time with a zone)."""
    scheduled_until: str | None = None
    """Maintenance only: when the window ends."""
    audience: Literal["public", "internal"] = "public"
    """`internal`: shown on the internal site only (site_builder.content.audience)."""
    repeat: str | dict[str, Any] | None = None
    """Maintenance only: `every week`, `{every: 2 weeks, until: 2027-06-30, except: [2026-12-27]}`
    or an RFC 5545 rule such as `FREQ=MONTHLY;BYDAY=1SU;COUNT=12` (see checker.recurrence)."""

    @field_validator("title")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("title is empty; write a short headline")
        return no_control_characters(value)  # the title goes into mail subjects


def slug_from_name(name: str) -> str | None:
    """The slug of a valid incident file name, else None."""
    match = FILE_NAME.match(name)
    if not match:
        return None
    try:
        datetime(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None
    return name[: -len(".md")]


def parse_incident_file(path: Path, rel: str, component_ids: list[str] | None) -> tuple[Incident | None, list[Problem]]:
    """Read and parse one file; `rel` is how problems name it (relative to the site's root).

    `component_ids` are the valid ids; None when the config is broken and ids cannot be checked.
    """
    refused = file_problem(path, rel)
    if refused is not None:
        return None, [refused]
    return parse_incident_bytes(path.read_bytes(), slug_from_name(path.name) or "", rel, component_ids)


def file_problem(path: Path, rel: str) -> Problem | None:
    """Why the file at `path` is not read at all (its name, its size), or None."""
    name = path.name
    if not name.endswith(".md"):
        return Problem(rel, 0, "", "not a Markdown file: incident files are named YYYY-MM-DD-slug.md")
    if slug_from_name(name) is None:
        hint = name.lower() if name.lower() != name and slug_from_name(name.lower()) else "2026-11-22-api-errors.md"
        return Problem(rel, 0, "", f"file name must be YYYY-MM-DD-slug.md in lower case, e.g. {hint}")
    if path.stat().st_size > MAX_FILE_BYTES:
        return _too_big(rel)
    return None


class ParsedIncident(NamedTuple):
    """An incident file's incident, and what the builder alone reads of its front matter."""

    incident: Incident
    audience: Literal["public", "internal"]
    """Who may see it (site_builder.content.audience)."""
    components_line: int
    """The line of its `components:` key (of `title:` without one), for problems found later."""


def parse_incident_bytes(
    raw: bytes, slug: str, rel: str, component_ids: list[str] | None
) -> tuple[Incident | None, list[Problem]]:
    """Parse the bytes of a file that `file_problem` let through; see `parse_incident_file`."""
    parsed, problems = read_incident_bytes(raw, slug, rel, component_ids)
    return (None if parsed is None else parsed.incident), problems


def read_incident_bytes(
    raw: bytes, slug: str, rel: str, component_ids: list[str] | None
) -> tuple[ParsedIncident | None, list[Problem]]:
    """`parse_incident_bytes`, with the audience of the file."""
    if len(raw) > MAX_FILE_BYTES:  # it grew since it was looked at
        return None, [_too_big(rel)]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        return None, [Problem(rel, line, "", "is not valid UTF-8; save the file as UTF-8")]
    return read_incident_text(text, slug, rel, component_ids)


def _too_big(rel: str) -> Problem:
    return Problem(rel, 0, "", f"file is larger than {MAX_FILE_BYTES // 1000} kB; split the incident or shorten it")


def parse_incident_text(
    text: str, slug: str, rel: str, component_ids: list[str] | None
) -> tuple[Incident | None, list[Problem]]:
    """Parse the text of an incident file named `slug`; see the module docstring for the format."""
    parsed, problems = read_incident_text(text, slug, rel, component_ids)
    return (None if parsed is None else parsed.incident), problems


def read_incident_text(
    text: str, slug: str, rel: str, component_ids: list[str] | None
) -> tuple[ParsedIncident | None, list[Problem]]:
    """`parse_incident_text`, with the audience of the file."""
    text = text.removeprefix("\ufeff")
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        return None, [Problem(rel, line, "", "contains a NUL byte; is this a text file?")]
    lines = text.splitlines()
    located, body_start, problems = load_front_matter(
        lines,
        rel,
        "missing front matter: the file must start with a line '---', then title: and components:, then '---'",
    )
    if located is None:
        return None, problems
    if not isinstance(located.data, dict):
        problems.append(Problem(rel, 2, "", "front matter must be keys such as title: and components:"))
        return None, problems
    try:
        front = FrontMatter.model_validate(located.data)
    except ValidationError as error:
        problems.extend(problems_from_error(error, FrontMatter, located, rel))
        return None, problems

    components = _components(front, located, rel, component_ids, problems)
    window = _window(front, located, rel, problems)
    repeat = _repeat(front, located, rel, problems)
    allowed = MAINTENANCE_UPDATE_STATUSES if front.type == "maintenance" else INCIDENT_UPDATE_STATUSES
    updates = _updates(lines, body_start, rel, allowed, problems)
    if front.type == "incident" and not updates and not problems:
        problems.append(
            Problem(
                rel,
                body_start,
                "",
                "an incident needs at least one update: add '## 2026-11-22 14:05 UTC investigating' and a line of text",
            )
        )
    if problems or components is None:
        return None, problems
    if front.type == "maintenance":
        impact: Impact = front.impact or "maintenance"
    else:
        impact = front.impact or derived_impact(list(components.values()))
    incident = Incident(
        slug=slug,
        kind=front.type,
        title=front.title,
        impact=impact,
        components=components,
        scheduled_for=window[0] if window else None,
        scheduled_until=window[1] if window else None,
        updates=sorted(updates, key=lambda u: u.at, reverse=True),
        file=rel,
        repeat=repeat,
    )
    line = located.line_of(("components",) if "components" in located.data else ("title",))
    return ParsedIncident(incident, front.audience, line), []


def _repeat(front: FrontMatter, located: LocatedYaml, rel: str, problems: list[Problem]) -> Repeat | None:
    if front.repeat is None:
        return None
    line = located.line_of(("repeat",))
    if front.type != "maintenance":
        problems.append(Problem(rel, line, "repeat", "repeat is only for maintenance; add 'type: maintenance'"))
        return None
    try:
        return parse_repeat(front.repeat, parse_time)
    except ValueError as error:
        problems.append(Problem(rel, line, "repeat", str(error)))
        return None


def _components(
    front: FrontMatter, located: LocatedYaml, rel: str, known: list[str] | None, problems: list[Problem]
) -> dict[str, ComponentStatus] | None:
    entries: dict[str, str]
    if isinstance(front.components, list):
        if front.type != "maintenance":
            problems.append(
                Problem(
                    rel,
                    located.line_of(("components",)),
                    "components",
                    "give each component its status, e.g. 'api: partial_outage'",
                )
            )
            return None
        entries = dict.fromkeys(front.components, "under_maintenance")
    else:
        entries = front.components
    ok = True
    for index, (component_id, status) in enumerate(entries.items()):
        key_path: tuple[str | int, ...] = (
            ("components", index) if isinstance(front.components, list) else ("components", component_id)
        )
        line = located.line_of(key_path)
        if known is not None and component_id not in known:
            problems.append(
                Problem(
                    rel,
                    line,
                    f"components.{component_id}",
                    f"unknown component '{component_id}'{suggest(component_id, known)} "
                    f"(components: {', '.join(known)})",
                )
            )
            ok = False
        if status not in COMPONENT_STATUSES:
            problems.append(
                Problem(
                    rel,
                    line,
                    f"components.{component_id}",
                    f"'{status}' is not a component status{suggest(str(status), COMPONENT_STATUSES)} "
                    f"(one of: {', '.join(COMPONENT_STATUSES)})",
                )
            )
            ok = False
    if front.impact is not None and front.impact not in IMPACTS and front.type == "incident":
        problems.append(
            Problem(
                rel,
                located.line_of(("impact",)),
                "impact",
                f"'{front.impact}' is for maintenance; an incident's impact is one of: {', '.join(IMPACTS)}",
            )
        )
        ok = False
    return entries if ok else None  # type: ignore[return-value]


def _window(
    front: FrontMatter, located: LocatedYaml, rel: str, problems: list[Problem]
) -> tuple[datetime, datetime] | None:
    keys = ("scheduled_for", "scheduled_until")
    if front.type == "incident":
        for key in keys:
            if getattr(front, key) is not None:
                problems.append(
                    Problem(
                        rel, located.line_of((key,)), key, f"{key} is only for maintenance; add 'type: maintenance'"
                    )
                )
        return None
    times: list[datetime] = []
    for key in keys:
        value = getattr(front, key)
        if value is None:
            problems.append(
                Problem(rel, located.line_of(()), key, f"maintenance needs {key}, e.g. '{key}: 2026-11-25 02:00 UTC'")
            )
            continue
        try:
            times.append(parse_time(value))
        except ValueError as error:
            problems.append(Problem(rel, located.line_of((key,)), key, str(error)))
    if len(times) != 2:
        return None
    if times[1] <= times[0]:
        problems.append(
            Problem(
                rel,
                located.line_of(("scheduled_until",)),
                "scheduled_until",
                "scheduled_until must be after scheduled_for",
            )
        )
        return None
    return times[0], times[1]


def _updates(
    lines: list[str], start: int, rel: str, allowed: tuple[str, ...], problems: list[Problem]
) -> list[IncidentUpdate]:
    """One update per `## <time> <status>` heading from line index `start` on."""
    updates = []
    for line_number, heading, body_lines in update_sections(lines, start, rel, problems):
        problem_count = len(problems)
        parsed = parse_heading(heading, line_number, rel, allowed, problems)
        body = "\n".join(body_lines).strip()
        if not body:
            problems.append(Problem(rel, line_number, "", "update has no text; write what happened under the heading"))
        if parsed is not None and len(problems) == problem_count:
            updates.append(IncidentUpdate(at=parsed[0], status=parsed[1], body=body))
    return updates


def incident_files(root: Path) -> list[Path]:
    """Every file under `root/incidents/` (recursively), hidden files and folders left out, sorted."""
    # os.scandir and plain strings: a site may hold tens of thousands of files, and a stat and a
    # Path comparison per file cost more than reading the folder. Symlinked folders are not
    # entered (as os.walk does not); a symlink to a file is a file.
    found: list[tuple[tuple[str, ...], str]] = []
    pending: list[tuple[tuple[str, ...], str]] = [((), os.fspath(root / INCIDENTS_DIR))]
    while pending:
        parts, folder = pending.pop()
        try:
            with os.scandir(folder) as entries:
                for entry in entries:
                    if entry.name.startswith("."):
                        continue
                    if entry.is_dir():
                        if not entry.is_symlink():
                            pending.append(((*parts, entry.name), entry.path))
                    elif entry.is_file():
                        found.append(((*parts, entry.name), entry.path))
        except OSError:  # no such folder, or one that cannot be read: no files there
            continue
    return [Path(path) for _, path in sorted(found)]  # in the order of the paths' parts, as Path sorts
