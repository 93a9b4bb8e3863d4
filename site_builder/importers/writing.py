"""Turning an `ImportedSite` into `statuspage.yaml` and `incidents/*.md`, and writing them.

Every file is rendered in full, checked with the same parsers as `statusgen validate`, and only then
written. Writing is idempotent: a file with the same bytes is left alone, and one that differs (say,
edited since the last import) is reported and kept unless `force` is given.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from checker.atomic_file import write_atomic
from checker.errors import ContentError, Problem, StatusgenError
from checker.vocabulary import INCIDENT_UPDATE_STATUSES, MAINTENANCE_UPDATE_STATUSES
from site_builder.content.authoring import slugify
from site_builder.content.config import CONFIG_FILE, SiteConfig
from site_builder.content.incidents import INCIDENTS_DIR, parse_incident_text
from site_builder.content.problems import problems_from_error
from site_builder.content.yaml_source import load_yaml
from site_builder.importers.common import ImportedIncident, ImportedSite, format_time, one_line


@dataclass
class ImportResult:
    """What an import did, file by file (paths relative to the site's root)."""

    site: ImportedSite
    groups: int = 0
    created: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    """Files that exist with other content and were not overwritten (no `--force`)."""

    def summary(self) -> str:
        incidents = sum(1 for i in self.site.incidents if i.kind == "incident")
        maintenance = len(self.site.incidents) - incidents
        return (
            f"imported from {self.site.source}: {len(self.site.components)} components in {self.groups} "
            f"groups, {incidents} incidents, {maintenance} maintenance; files: {len(self.created)} created, "
            f"{len(self.unchanged)} unchanged, {len(self.replaced)} replaced, {len(self.kept)} kept"
        )


def render_site(site: ImportedSite) -> tuple[dict[str, str], int]:
    """Every file of the imported site (relative path -> text), checked, and the number of groups."""
    ids = component_ids(site)
    files = {CONFIG_FILE: render_config(site, ids)}
    files.update(render_incidents(site, ids))
    _check(files, list(ids.values()))
    groups = len({c.group for c in site.components if c.group})
    return files, groups


def write_site(site: ImportedSite, root: Path, *, force: bool = False) -> ImportResult:
    """Render, check and write the site into `root`; see the module docstring for what is kept."""
    files, groups = render_site(site)
    result = ImportResult(site=site, groups=groups)
    for rel, text in files.items():
        path = root / rel
        data = text.encode("utf-8")
        try:
            existing = path.read_bytes() if path.is_file() else None
        except OSError as error:
            raise StatusgenError(f"{rel}: cannot read: {error.strerror}") from None
        if existing == data:
            result.unchanged.append(rel)
            continue
        if existing is not None and not force:
            result.kept.append(rel)
            continue
        _write(path, data, rel)
        (result.created if existing is None else result.replaced).append(rel)
    return result


def component_ids(site: ImportedSite) -> dict[str, str]:
    """Component key -> id: the preferred id or one made from the name, made unique (first the
    group's name is put in front, then a number is added), in page order, so it is the same on
    every run."""
    taken: set[str] = set()
    ids: dict[str, str] = {}
    for component in site.components:
        base = component.preferred_id or slugify(component.name, 40)
        if base == "incident":  # slugify's fallback for a name without letters
            base = "component"
        candidate = base
        if candidate in taken and component.group:
            candidate = f"{slugify(component.group, 30)}-{base}"
        number = 2
        while candidate in taken:
            candidate, number = f"{base}-{number}", number + 1
        taken.add(candidate)
        ids[component.key] = candidate
    return ids


def render_config(site: ImportedSite, ids: dict[str, str]) -> str:
    settings: dict[str, Any] = {"name": _literal(one_line(site.name) or "Status")}
    if site.url:
        settings["url"] = _literal(site.url)
    if site.time_zone:
        settings["time_zone"] = site.time_zone
    if site.description:
        settings["description"] = _literal(one_line(site.description))
    components = []
    for component in site.components:
        entry: dict[str, Any] = {"id": ids[component.key], "name": _literal(one_line(component.name))}
        if component.group:
            entry["group"] = _literal(one_line(component.group))
        if component.description and one_line(component.description):
            entry["description"] = _literal(one_line(component.description))
        if component.check:
            entry["check"] = component.check
        components.append(entry)
    header = (
        f"# statuspage.yaml: imported from {site.source}. Every key is documented in\n"
        "# docs/configuration.md; docs/importing.md lists what the import leaves out.\n\n"
    )
    body = yaml.safe_dump({"site": settings, "components": components}, sort_keys=False, allow_unicode=True, width=100)
    return header + body


def _literal(text: str) -> str:
    """Text from another tool, kept literal: `${` would otherwise be read as a variable reference."""
    return text.replace("${", "$${")


def render_incidents(site: ImportedSite, ids: dict[str, str]) -> dict[str, str]:
    """One file per incident, named `<date>-<slug of the title>.md`; titles that meet on one day are
    told apart by a number, in order of creation."""
    files: dict[str, str] = {}
    for incident in sorted(site.incidents, key=lambda i: (i.created_at, i.key)):
        base = f"{incident.created_at.astimezone(UTC):%Y-%m-%d}-{slugify(incident.title)}"
        name, number = base, 2
        while f"{INCIDENTS_DIR}/{name}.md" in files:
            name, number = f"{base}-{number}", number + 1
        files[f"{INCIDENTS_DIR}/{name}.md"] = render_incident(incident, ids)
    return files


def render_incident(incident: ImportedIncident, ids: dict[str, str]) -> str:
    front: dict[str, Any] = {"title": one_line(incident.title) or "Untitled"}
    if incident.kind == "maintenance":
        front["type"] = "maintenance"
    components = {ids[key]: status for key, status in incident.components.items() if key in ids}
    if components or incident.kind == "incident":
        front["components"] = components
    if incident.impact is not None:
        front["impact"] = incident.impact
    if incident.kind == "maintenance":
        assert incident.scheduled_for is not None and incident.scheduled_until is not None
        front["scheduled_for"] = format_time(incident.scheduled_for)
        front["scheduled_until"] = format_time(incident.scheduled_until)
    matter = yaml.safe_dump(front, sort_keys=False, allow_unicode=True, width=10_000)
    allowed = MAINTENANCE_UPDATE_STATUSES if incident.kind == "maintenance" else INCIDENT_UPDATE_STATUSES
    sections = []
    # Newest first, as the page shows them; of two at the same time, the later in the source first.
    ordered = sorted(enumerate(incident.updates), key=lambda pair: (pair[1].at, pair[0]), reverse=True)
    for _, update in ordered:
        status = update.status if update.status in allowed else "update"
        body = update.body.strip() or "(This update had no text.)"
        sections.append(f"## {format_time(update.at)} {status}\n{body}\n")
    return f"---\n{matter}---\n\n" + "\n".join(sections) if sections else f"---\n{matter}---\n"


def _check(files: dict[str, str], known: list[str]) -> None:
    """Parse every rendered file as `statusgen validate` would; an import never writes a site that
    does not validate."""
    problems: list[Problem] = []
    located, found = load_yaml(files[CONFIG_FILE], CONFIG_FILE)
    problems += found
    if located is not None:
        try:
            SiteConfig.model_validate(located.data)
        except ValidationError as error:
            problems += problems_from_error(error, SiteConfig, located, CONFIG_FILE)
    for rel, text in files.items():
        if rel != CONFIG_FILE:
            problems += parse_incident_text(text, Path(rel).stem, rel, known)[1]
    if problems:
        raise ContentError(problems)


def _write(path: Path, data: bytes, rel: str) -> None:
    """Write at once (`write_atomic`), so a file is never left half written."""
    try:
        write_atomic(path, (data,), make_folders=True)
    except OSError as error:
        raise StatusgenError(f"{rel}: cannot write: {error.strerror}") from None
