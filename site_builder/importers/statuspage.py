"""Import from Atlassian Statuspage through its public v2 JSON API: a page's address (fetched with
httpx) or a folder of saved responses (`summary.json`, `components.json`, `incidents.json`,
`scheduled-maintenances.json`, … directly in it or under `api/v2/`)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx

from checker.errors import StatusgenError
from checker.vocabulary import COMPONENT_STATUSES, IMPACTS, MAINTENANCE_STATUSES, SEVERITY
from site_builder.importers.common import (
    ImportedComponent,
    ImportedIncident,
    ImportedSite,
    ImportedUpdate,
    fail,
    parse_iso,
    plain_text_to_markdown,
    text_field,
)

# The documents read, in order of preference: components come from the first that has them, and
# an incident listed in several is taken from the copy with the most updates.
DOCUMENTS = (
    "components.json",
    "summary.json",
    "incidents.json",
    "incidents/unresolved.json",
    "scheduled-maintenances.json",
    "scheduled-maintenances/upcoming.json",
    "scheduled-maintenances/active.json",
)
REQUIRED_ONE_OF = ("components.json", "summary.json")
MAX_RESPONSE_BYTES = 50_000_000

Documents = dict[str, Any]
"""Document name (as in DOCUMENTS) -> its parsed JSON."""


def import_statuspage(source: str, *, transport: httpx.BaseTransport | None = None) -> ImportedSite:
    """Read a Statuspage page from `source` (an http(s) address, a folder or one saved JSON file)."""
    if source.startswith(("http://", "https://")):
        documents = fetch_documents(source, transport=transport)
    else:
        documents = read_documents(Path(source))
    return site_from_documents(documents)


def fetch_documents(address: str, *, transport: httpx.BaseTransport | None = None) -> Documents:
    """GET each document under `<address>/api/v2/`; the ones the page does not serve are left out."""
    base = address.rstrip("/")
    if not base.endswith("/api/v2"):
        base += "/api/v2"
    documents: Documents = {}
    with httpx.Client(transport=transport, timeout=30.0, follow_redirects=True) as client:
        for name in DOCUMENTS:
            url = f"{base}/{name}"
            try:
                response = client.get(url, headers={"Accept": "application/json"})
            except httpx.HTTPError as error:
                raise StatusgenError(f"{url}: cannot fetch it: {error}") from None
            if response.status_code == 404:
                continue
            if response.status_code != 200:
                raise StatusgenError(f"{url}: the server answered {response.status_code}")
            if len(response.content) > MAX_RESPONSE_BYTES:
                raise StatusgenError(f"{url}: larger than {MAX_RESPONSE_BYTES // 1_000_000} MB")
            documents[name] = _parse_json(response.content, url)
    _require_components(documents, base)
    return documents


def read_documents(path: Path) -> Documents:
    """The saved documents in the folder `path` (or under its `api/v2/`), or the one file `path`."""
    if path.is_file():
        document = _parse_json(_read(path), str(path))
        name = "components.json" if isinstance(document, dict) and "components" in document else "incidents.json"
        if isinstance(document, dict) and ("incidents" in document or "scheduled_maintenances" in document):
            name = "summary.json"
        return {name: document}
    if not path.is_dir():
        raise StatusgenError(f"{path}: no such folder or file")
    folder = path / "api" / "v2" if (path / "api" / "v2").is_dir() else path
    documents = {
        name: _parse_json(_read(folder / name), str(folder / name)) for name in DOCUMENTS if (folder / name).is_file()
    }
    _require_components(documents, str(folder))
    return documents


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise StatusgenError(f"{path}: cannot read it: {error.strerror}") from None


def _parse_json(data: bytes, where: str) -> Any:
    try:
        return json.loads(data)
    except (ValueError, RecursionError):
        raise StatusgenError(f"{where}: is not JSON (is this a Statuspage v2 API response?)") from None


def _require_components(documents: Documents, where: str) -> None:
    if not any(name in documents for name in REQUIRED_ONE_OF):
        raise StatusgenError(f"{where}: has neither components.json nor summary.json of a Statuspage page")


def site_from_documents(documents: Documents) -> ImportedSite:
    for name, document in documents.items():
        if not isinstance(document, dict):
            raise fail(name, "expected a JSON object with keys such as page and components")
    page_name, page = next(((n, d["page"]) for n, d in documents.items() if isinstance(d.get("page"), dict)), ("", {}))
    where = f"{page_name}: page"
    site = ImportedSite(
        source="Statuspage",
        name=text_field(page, "name", where) or "Status",
        url=_http_url(text_field(page, "url", where)),
        time_zone=_zone(text_field(page, "time_zone", where)),
    )
    component_doc = next(n for n in REQUIRED_ONE_OF if n in documents)
    site.components, groups = _components(documents[component_doc], component_doc)
    keys = {c.key: position for position, c in enumerate(site.components)}
    seen: dict[str, tuple[int, str]] = {}
    chosen: dict[str, tuple[str, str, dict[str, Any]]] = {}
    for name, list_key in _incident_lists(documents):
        items = documents[name][list_key]
        if not isinstance(items, list):
            raise fail(f"{name}: {list_key}", "expected a list")
        for index, item in enumerate(items):
            item_where = f"{name}: {list_key}[{index}]"
            if not isinstance(item, dict):
                raise fail(item_where, "expected an object")
            incident_id = text_field(item, "id", item_where, required=True) or ""
            updates = item.get("incident_updates")
            rank = (len(updates) if isinstance(updates, list) else 0, text_field(item, "updated_at", item_where) or "")
            if incident_id not in seen or rank > seen[incident_id]:
                seen[incident_id] = rank
                chosen[incident_id] = (item_where, list_key, item)
    dropped: set[str] = set()
    for incident_id in sorted(chosen):
        item_where, list_key, item = chosen[incident_id]
        incident = _incident(item, item_where, list_key == "scheduled_maintenances", keys, groups, dropped)
        if incident is not None:
            site.incidents.append(incident)
        else:
            site.notes.append(f"skipped {item_where} ({item.get('name')!s}): a maintenance without its window")
    if dropped:
        site.notes.append(
            f"left out references to {len(dropped)} components that the page no longer lists: "
            + ", ".join(sorted(dropped))
        )
    return site


def _incident_lists(documents: Documents) -> list[tuple[str, str]]:
    found = []
    for name in DOCUMENTS:
        for list_key in ("incidents", "scheduled_maintenances"):
            if name in documents and list_key in documents[name]:
                found.append((name, list_key))
    return found


def _http_url(url: str | None) -> str | None:
    return url if url and url.startswith(("http://", "https://")) else None


def _zone(name: str | None) -> str | None:
    import zoneinfo

    if not name:
        return None
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None  # Statuspage also has Rails zone names ("Pacific Time (US & Canada)"): UTC then
    return name


def _components(document: dict[str, Any], name: str) -> tuple[list[ImportedComponent], dict[str, str]]:
    """Components in page order (groups expanded to their members), and group id -> group name.

    Statuspage orders top-level components and groups by `position`, and a group's members by the
    group's `components` list (or their own `position`)."""
    items = document.get("components")
    if not isinstance(items, list):
        raise fail(f"{name}: components", "expected a list")
    records: list[tuple[str, dict[str, Any]]] = []
    for index, item in enumerate(items):
        where = f"{name}: components[{index}]"
        if not isinstance(item, dict):
            raise fail(where, "expected an object")
        text_field(item, "id", where, required=True)
        text_field(item, "name", where, required=True)
        records.append((where, item))
    by_id = {str(item["id"]): item for _, item in records}
    groups = {str(item["id"]): str(item["name"]) for _, item in records if item.get("group") is True}

    def position(item: dict[str, Any]) -> tuple[int, int]:
        value = item.get("position")
        return (value if isinstance(value, int) else 1_000_000, items.index(item))

    top = sorted(
        (item for _, item in records if item.get("group") is True or str(item.get("group_id")) not in groups),
        key=position,
    )
    ordered: list[tuple[dict[str, Any], str | None]] = []
    for item in top:
        if item.get("group") is not True:
            ordered.append((item, None))
            continue
        members = [by_id[m] for m in item.get("components") or [] if isinstance(m, str) and m in by_id]
        members += sorted(
            (
                m
                for _, m in records
                if m.get("group") is not True and str(m.get("group_id")) == str(item["id"]) and m not in members
            ),
            key=position,
        )
        ordered += [(member, str(item["name"])) for member in members if member.get("group") is not True]
    components = [
        ImportedComponent(
            key=str(item["id"]), name=str(item["name"]), group=group, description=text_field(item, "description", "")
        )
        for item, group in ordered
    ]
    return components, groups


def _incident(
    item: dict[str, Any],
    where: str,
    listed_as_maintenance: bool,
    keys: dict[str, int],
    groups: dict[str, str],
    dropped: set[str],
) -> ImportedIncident | None:
    title = text_field(item, "name", where, required=True) or ""
    status = text_field(item, "status", where) or ""
    scheduled_for_text = text_field(item, "scheduled_for", where)
    is_maintenance = listed_as_maintenance or status in MAINTENANCE_STATUSES or scheduled_for_text is not None
    updates = _updates(item, where, is_maintenance, keys, groups, dropped)
    created_text = text_field(item, "created_at", where)
    created = (
        parse_iso(created_text, f"{where}.created_at")
        if created_text
        else min((u.at for u, _ in updates), default=None)
    )
    if created is None:
        raise fail(f"{where}.created_at", "is missing, and the incident has no updates to date it by")
    incident = ImportedIncident(
        key=text_field(item, "id", where) or "",
        title=title,
        kind="maintenance" if is_maintenance else "incident",
        created_at=created,
        updates=[u for u, _ in updates],
    )
    impact = text_field(item, "impact", where)
    if impact in IMPACTS or (impact == "maintenance" and not is_maintenance):
        incident.impact = impact if impact != "maintenance" else None
    _affected(incident, item, where, updates, keys, groups, dropped)
    if is_maintenance:
        return _with_window(incident, item, where, scheduled_for_text)
    if not incident.updates:
        incident.updates.append(
            ImportedUpdate(at=created, status=status or "investigating", body="(This incident had no updates.)")
        )
    postmortem = text_field(item, "postmortem_body", where)
    published = text_field(item, "postmortem_published_at", where)
    if postmortem and postmortem.strip() and published:
        incident.updates.append(
            ImportedUpdate(
                at=parse_iso(published, f"{where}.postmortem_published_at"),
                status="postmortem",
                body=plain_text_to_markdown(postmortem),
            )
        )
    return incident


def _updates(
    item: dict[str, Any],
    where: str,
    is_maintenance: bool,
    keys: dict[str, int],
    groups: dict[str, str],
    dropped: set[str],
) -> list[tuple[ImportedUpdate, dict[str, str]]]:
    """Each update with the statuses it set (component key -> new status)."""
    raw = item.get("incident_updates") or []
    if not isinstance(raw, list):
        raise fail(f"{where}.incident_updates", "expected a list")
    updates = []
    for index, update in enumerate(raw):
        update_where = f"{where}.incident_updates[{index}]"
        if not isinstance(update, dict):
            raise fail(update_where, "expected an object")
        when = text_field(update, "display_at", update_where) or text_field(
            update, "created_at", update_where, required=True
        )
        assert when is not None
        at = parse_iso(when, f"{update_where}.display_at")
        status = text_field(update, "status", update_where) or "update"
        statuses: dict[str, str] = {}
        affected = update.get("affected_components") or []
        if not isinstance(affected, list):
            raise fail(f"{update_where}.affected_components", "expected a list")
        for position, entry in enumerate(affected):
            entry_where = f"{update_where}.affected_components[{position}]"
            if not isinstance(entry, dict):
                raise fail(entry_where, "expected an object")
            code = text_field(entry, "code", entry_where) or ""
            new_status = text_field(entry, "new_status", entry_where) or ""
            if code in keys and new_status in COMPONENT_STATUSES:
                statuses[code] = new_status
            elif code and code not in keys and code not in groups:
                dropped.add(code)
        body = text_field(update, "body", update_where) or ""
        updates.append((ImportedUpdate(at=at, status=status, body=plain_text_to_markdown(body)), statuses))
    return updates


def _affected(
    incident: ImportedIncident,
    item: dict[str, Any],
    where: str,
    updates: list[tuple[ImportedUpdate, dict[str, str]]],
    keys: dict[str, int],
    groups: dict[str, str],
    dropped: set[str],
) -> None:
    """Each affected component with the worst status an update gave it. Components the incident
    lists without any update saying how they were affected keep their status in the JSON while the
    incident is open, and are listed as operational once it is over (the JSON no longer says)."""
    worst: dict[str, str] = {}
    for _, statuses in sorted(updates, key=lambda pair: pair[0].at):
        for key, status in statuses.items():
            if incident.kind == "incident" and status == "under_maintenance":
                status = "operational"
            if key not in worst or SEVERITY[status] > SEVERITY[worst[key]]:
                worst[key] = status
    listed = item.get("components") or []
    if not isinstance(listed, list):
        raise fail(f"{where}.components", "expected a list")
    open_now = (text_field(item, "status", where) or "") in (
        "investigating",
        "identified",
        "monitoring",
        "in_progress",
        "verifying",
    )
    for index, entry in enumerate(listed):
        entry_where = f"{where}.components[{index}]"
        if not isinstance(entry, dict):
            raise fail(entry_where, "expected an object")
        key = text_field(entry, "id", entry_where) or ""
        if key not in keys:
            if key and key not in groups:
                dropped.add(key)
            continue
        if key not in worst:
            status = text_field(entry, "status", entry_where) or "operational"
            if not open_now or status not in COMPONENT_STATUSES:
                status = "operational"
            if incident.kind == "incident" and status == "under_maintenance":
                status = "operational"
            worst[key] = status
    if incident.kind == "maintenance":
        worst = {key: "under_maintenance" if status == "operational" else status for key, status in worst.items()}
    incident.components = dict(sorted(worst.items(), key=lambda pair: keys[pair[0]]))


def _with_window(
    incident: ImportedIncident, item: dict[str, Any], where: str, scheduled_for_text: str | None
) -> ImportedIncident | None:
    start = parse_iso(scheduled_for_text, f"{where}.scheduled_for") if scheduled_for_text else None
    until_text = text_field(item, "scheduled_until", where)
    end = parse_iso(until_text, f"{where}.scheduled_until") if until_text else None
    completed = [u.at for u in incident.updates if u.status == "completed"]
    start = start or min((u.at for u in incident.updates if u.status == "in_progress"), default=None)
    end = end or min(completed, default=None)
    if start is None or end is None:
        return None
    if end <= start:
        end = start + timedelta(minutes=1)
    incident.scheduled_for, incident.scheduled_until, incident.created_at = start, end, start
    return incident
