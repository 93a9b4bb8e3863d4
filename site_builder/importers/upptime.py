"""Import from Upptime: its `.upptimerc.yml` sites become components with checks; `history/<slug>.yml`
gives a site's address when the configuration leaves it to a secret. Its past uptime lives in the
repository's commit history (see `upptime_history`); its incidents are GitHub issues, not files."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from checker.errors import StatusgenError
from site_builder.content.authoring import slugify
from site_builder.importers.common import ImportedCheck, ImportedComponent, ImportedSite, fail, text_field

CONFIG = ".upptimerc.yml"
# Upptime replaces `$NAME` with the repository secret NAME; ours are written `${NAME}`.
_SECRET = re.compile(r"\$(?!\{)([A-Z_][A-Z0-9_]*)")


def import_upptime(folder: Path) -> ImportedSite:
    path = folder / CONFIG
    if not path.is_file():
        raise StatusgenError(f"{folder}: no {CONFIG}; is this an Upptime repository?")
    try:
        config = yaml.safe_load(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise StatusgenError(f"{CONFIG}: is not valid UTF-8") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise StatusgenError(f"{CONFIG}{f':{mark.line + 1}' if mark else ''}: invalid YAML") from None
    if not isinstance(config, dict):
        raise fail(CONFIG, "expected a mapping with owner:, repo: and sites:")
    website = config.get("status-website") or {}
    if not isinstance(website, dict):
        raise fail(f"{CONFIG}: status-website", "expected a mapping")
    owner, repo = text_field(config, "owner", CONFIG), text_field(config, "repo", CONFIG)
    name = text_field(website, "name", f"{CONFIG}: status-website") or repo or "Status"
    cname = text_field(website, "cname", f"{CONFIG}: status-website")
    url = f"https://{cname}" if cname else (f"https://{owner}.github.io/{repo}" if owner and repo else None)
    site = ImportedSite(
        source="Upptime",
        name=name,
        url=url,
        description=text_field(website, "introMessage", f"{CONFIG}: status-website"),
    )
    sites = config.get("sites")
    if not isinstance(sites, list) or not sites:
        raise fail(f"{CONFIG}: sites", "is missing or empty; list the sites to check")
    for index, entry in enumerate(sites):
        site.components.append(_component(entry, f"{CONFIG}: sites[{index}]", folder))
    site.notes.append(
        "response times are not imported (statusgen measures its own from now on); Upptime's "
        "incidents are GitHub issues, not files, so none are imported"
    )
    return site


def _component(entry: Any, where: str, folder: Path) -> ImportedComponent:
    if not isinstance(entry, dict):
        raise fail(where, "expected a mapping with name: and url:")
    name = text_field(entry, "name", where, required=True) or ""
    slug = text_field(entry, "slug", where) or slugify(name)
    url = text_field(entry, "url", where) or _history_url(folder, slug)
    if not url:
        raise fail(f"{where}.url", "is missing")
    url = _SECRET.sub(r"${\1}", url)
    kind = text_field(entry, "check", where) or "http"
    check: ImportedCheck
    if kind == "tcp-ping":
        parts = urlsplit(url if "://" in url else f"tcp://{url}")
        port = entry.get("port") or parts.port
        if not parts.hostname or not isinstance(port, int):
            raise fail(f"{where}.port", "a tcp-ping check needs a host and a port")
        check = {"type": "tcp", "host": parts.hostname, "port": port}
    elif kind in ("http", "ws"):
        check = {"type": "http", "url": url.replace("ws://", "http://", 1).replace("wss://", "https://", 1)}
        method = text_field(entry, "method", where)
        if method and method.upper() != "GET":
            check["method"] = method.upper()
        codes = entry.get("expectedStatusCodes")
        if isinstance(codes, list) and codes:
            check["expect_status"] = [int(c) if isinstance(c, int) or str(c).isdigit() else str(c) for c in codes]
        headers = entry.get("headers")
        if isinstance(headers, list):
            parsed = {}
            for position, header in enumerate(headers):
                key, separator, value = str(header).partition(":")
                if not separator:
                    raise fail(f"{where}.headers[{position}]", "write it as 'Name: value'")
                parsed[key.strip()] = _SECRET.sub(r"${\1}", value.strip())
            check["headers"] = parsed
        body = text_field(entry, "body", where)
        if body:
            check["body"] = _SECRET.sub(r"${\1}", body)
        if entry.get("__dangerous__insecure") is True or entry.get("__dangerous__disable_verify_peer") is True:
            check["verify_tls"] = False
    else:
        raise fail(f"{where}.check", f"'{kind}' is not a check statusgen has (http, ws, tcp-ping)")
    max_response = entry.get("maxResponseTime")
    if isinstance(max_response, int | float) and not isinstance(max_response, bool) and max_response > 0:
        check["degraded_after"] = max_response / 1000
    return ImportedComponent(key=slug, name=name, check=check, preferred_id=slugify(slug))


def _history_url(folder: Path, slug: str) -> str | None:
    """The address Upptime recorded in `history/<slug>.yml` (it writes the resolved one there)."""
    path = folder / "history" / f"{slug}.yml"
    if not path.is_file():
        return None
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, yaml.YAMLError):
        raise StatusgenError(f"history/{slug}.yml: is not valid YAML") from None
    return text_field(data, "url", f"history/{slug}.yml") if isinstance(data, dict) else None
