"""Import from cState, a Hugo site: systems and categories from `config.yml` (`params.systems`,
`params.categories`), issues from the Markdown files under `content/issues/`."""

from __future__ import annotations

import re
import zoneinfo
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import yaml

from checker.errors import StatusgenError
from site_builder.importers.common import (
    ImportedComponent,
    ImportedIncident,
    ImportedSite,
    ImportedUpdate,
    fail,
    text_field,
)

CONFIG_NAMES = ("config.yml", "config.yaml", "hugo.yml", "hugo.yaml")
SEVERITY_STATUS = {"down": "major_outage", "disrupted": "partial_outage", "notice": "degraded_performance"}
# `{{< track "2018-04-01 13:00:00" >}}`: cState's shortcode stamping an update with its time.
_TRACK = re.compile(r"\{\{[<%]\s*track\s+\"([^\"]+)\"\s*[>%]\}\}")
_SHORTCODE = re.compile(r"\{\{[<%].*?[>%]\}\}", re.DOTALL)
# `*Resolved* -` or `**Investigating** —` at the start of an update: its status.
_LEAD_STATUS = re.compile(r"^\s*(\*{1,2}|_{1,2})([A-Za-z ]+?)\1\s*[-–—:]?\s*")
_WORD_STATUS = {
    "investigating": "investigating",
    "identified": "identified",
    "monitoring": "monitoring",
    "resolved": "resolved",
    "update": "update",
    "updated": "update",
    "postmortem": "postmortem",
}
_HEADING = re.compile(r"^(#{1,2})(?=\s|$)", re.MULTILINE)


def import_cstate(folder: Path) -> ImportedSite:
    config_path = next((folder / name for name in CONFIG_NAMES if (folder / name).is_file()), None)
    if config_path is None:
        if (folder / "config.toml").is_file() or (folder / "hugo.toml").is_file():
            raise StatusgenError(
                f"{folder}: only a YAML Hugo configuration (config.yml) can be imported; "
                "convert config.toml to YAML first"
            )
        raise StatusgenError(f"{folder}: no config.yml; is this a cState site?")
    name = config_path.name
    config = _load_yaml(config_path, name)
    if not isinstance(config, dict):
        raise fail(name, "expected a mapping with params:")
    params = config.get("params") or {}
    if not isinstance(params, dict):
        raise fail(f"{name}: params", "expected a mapping")
    zone = text_field(config, "timeZone", name) or text_field(params, "timeZone", f"{name}: params")
    site = ImportedSite(
        source="cState",
        name=text_field(config, "title", name) or "Status",
        url=_http(text_field(config, "baseURL", name)),
        time_zone=_zone(zone, name),
        description=text_field(params, "description", f"{name}: params"),
    )
    site.components = _systems(params, name)
    known = {c.key for c in site.components}
    page_zone = zoneinfo.ZoneInfo(site.time_zone or "Etc/UTC")
    issues = folder / "content" / "issues"
    for path in sorted(issues.rglob("*.md")) if issues.is_dir() else []:
        rel = path.relative_to(folder).as_posix()
        if path.name.startswith("_"):
            continue  # _index.md: the section page, not an issue
        incident = _issue(path, rel, known, page_zone, site.notes)
        if incident is not None:
            site.incidents.append(incident)
    return site


def _load_yaml(path: Path, where: str) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise StatusgenError(f"{where}: cannot read it: {error.strerror}") from None
    except UnicodeDecodeError:
        raise StatusgenError(f"{where}: is not valid UTF-8") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        raise StatusgenError(f"{where}{line}: invalid YAML: {getattr(error, 'problem', None) or error}") from None


def _http(url: str | None) -> str | None:
    return url.rstrip("/") if url and url.startswith(("http://", "https://")) else None


def _zone(name: str | None, where: str) -> str | None:
    if not name:
        return None
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise fail(f"{where}: timeZone", f"unknown time zone '{name}'") from None
    return name


def _systems(params: dict[str, Any], name: str) -> list[ImportedComponent]:
    """Systems in page order: by category (in the order the categories are listed), then as listed.

    cState 4 and later give each system a `category`; older sites list names only, or list the
    systems of each category under it. A category marked `untitled: true` shows without a heading,
    so its systems get no group."""
    categories = params.get("categories") or []
    if not isinstance(categories, list):
        raise fail(f"{name}: params.categories", "expected a list")
    order: dict[str, int] = {}
    untitled: set[str] = set()
    member_of: dict[str, str] = {}
    for index, category in enumerate(categories):
        where = f"{name}: params.categories[{index}]"
        if isinstance(category, str):
            category = {"name": category}
        if not isinstance(category, dict):
            raise fail(where, "expected a mapping with name:")
        category_name = text_field(category, "name", where, required=True) or ""
        order.setdefault(category_name, index)
        if category.get("untitled") is True:
            untitled.add(category_name)
        for system in category.get("systems") or []:
            if isinstance(system, str):
                member_of.setdefault(system, category_name)
    systems = params.get("systems")
    if not isinstance(systems, list) or not systems:
        raise fail(f"{name}: params.systems", "is missing or empty; list the systems the page reports on")
    found: list[tuple[int, int, ImportedComponent]] = []
    seen: set[str] = set()
    for index, system in enumerate(systems):
        where = f"{name}: params.systems[{index}]"
        if isinstance(system, str):
            system = {"name": system}
        if not isinstance(system, dict):
            raise fail(where, "expected a name or a mapping with name:")
        system_name = text_field(system, "name", where, required=True) or ""
        if system_name in seen:
            raise fail(f"{where}.name", f"'{system_name}' is listed twice")
        seen.add(system_name)
        category = text_field(system, "category", where) or member_of.get(system_name)
        group = None if category is None or category in untitled else category
        found.append(
            (
                order.get(category or "", len(order)),
                index,
                ImportedComponent(
                    key=system_name, name=system_name, group=group, description=text_field(system, "description", where)
                ),
            )
        )
    return [component for _, _, component in sorted(found, key=lambda item: (item[0], item[1]))]


def _issue(path: Path, rel: str, known: set[str], zone: zoneinfo.ZoneInfo, notes: list[str]) -> ImportedIncident | None:
    try:
        text = path.read_text(encoding="utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError:
        raise StatusgenError(f"{rel}: is not valid UTF-8") from None
    lines = text.splitlines()
    closing = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
    if not lines or lines[0].strip() != "---" or closing is None:
        if lines and lines[0].strip() == "+++":
            raise StatusgenError(f"{rel}:1: TOML front matter (+++) is not supported; write it as YAML (---)")
        raise StatusgenError(f"{rel}:1: no front matter between '---' lines")
    try:
        front = yaml.safe_load("\n".join(lines[1:closing]))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f":{mark.line + 2}" if mark is not None else ""
        raise StatusgenError(f"{rel}{line}: invalid YAML in the front matter") from None
    if not isinstance(front, dict):
        raise fail(f"{rel}:2", "front matter must be keys such as title: and date:")
    if front.get("draft") is True:
        notes.append(f"skipped {rel}: a draft")
        return None
    title = text_field(front, "title", rel, required=True) or ""
    opened = _time(front.get("date"), f"{rel}: date", zone, required=True)
    assert opened is not None
    severity = text_field(front, "severity", rel) or "disrupted"
    if severity not in SEVERITY_STATUS:
        raise fail(f"{rel}: severity", f"'{severity}' is not down, disrupted or notice")
    affected = front.get("affected") or []
    if isinstance(affected, str):
        affected = [affected]
    if not isinstance(affected, list) or not all(isinstance(a, str) for a in affected):
        raise fail(f"{rel}: affected", "expected a list of system names")
    unknown = [a for a in affected if a not in known]
    if unknown:
        raise fail(f"{rel}: affected", f"unknown system '{unknown[0]}' (systems: {', '.join(sorted(known))})")
    status = "operational" if front.get("informational") is True else SEVERITY_STATUS[severity]
    incident = ImportedIncident(
        key=rel, title=title, kind="incident", created_at=opened, components=dict.fromkeys(affected, status)
    )
    if front.get("informational") is True:
        incident.impact = "none"
    incident.updates = _updates("\n".join(lines[closing + 1 :]), opened, f"{rel}", zone)
    if front.get("resolved") is True and not any(u.status == "resolved" for u in incident.updates):
        resolved_at = _time(front.get("resolvedWhen"), f"{rel}: resolvedWhen", zone) or opened
        incident.updates.append(
            ImportedUpdate(at=max(resolved_at, opened), status="resolved", body="This issue has been resolved.")
        )
    return incident


def _time(value: Any, where: str, zone: zoneinfo.ZoneInfo, *, required: bool = False) -> datetime | None:
    """A front-matter time; without a zone it is in the site's `timeZone`, as Hugo reads it."""
    if value is None or value == "":
        if required:
            raise fail(where, "is missing")
        return None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time())
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise fail(where, f"'{value}' is not a date and time such as 2024-03-01 14:05:00") from None
    else:
        raise fail(where, f"expected a date and time, got {type(value).__name__}")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.astimezone(UTC)


def _updates(body: str, opened: datetime, rel: str, zone: zoneinfo.ZoneInfo) -> list[ImportedUpdate]:
    """The issue's Markdown as updates: each paragraph stamped with `{{< track "…" >}}` is one update
    (status from a leading `*Resolved* -`), with the untimed paragraphs after it; a body without
    stamps is one update at the issue's date. Other shortcodes are left out (they are Hugo's)."""
    paragraphs = [p for p in re.split(r"\n\s*\n", body.strip()) if p.strip()]
    updates: list[tuple[datetime, str, list[str]]] = []
    for paragraph in paragraphs:
        track = _TRACK.search(paragraph)
        text = _demote(_SHORTCODE.sub("", paragraph).strip())
        if track is None:
            if updates:
                updates[-1][2].append(text)
            else:
                updates.append((opened, "investigating", [text]))
            continue
        at = _time(track.group(1), f"{rel}: track", zone, required=True)
        assert at is not None
        status = "update"
        lead = _LEAD_STATUS.match(text)
        if lead and lead.group(2).strip().lower() in _WORD_STATUS:
            status = _WORD_STATUS[lead.group(2).strip().lower()]
            text = text[lead.end() :]
        elif not updates:
            status = "investigating"
        updates.append((at, status, [text]))
    return [
        ImportedUpdate(at=at, status=status, body="\n\n".join(t for t in texts if t)) for at, status, texts in updates
    ]


def _demote(markdown: str) -> str:
    """`#` and `##` headings become `###`: a `##` line would start a new update in our files."""
    return _HEADING.sub("###", markdown)
