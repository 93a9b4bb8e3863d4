"""Everything that comes from git, checked and compiled: `statuspage.yaml` + `incidents/*.md` ->
a `Bundle`. This is the one place that reads a site's source files."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from checker.bundle import Bundle, Incident
from checker.errors import ContentError, Problem
from checker.secrets import KeepReferences
from site_builder.config import SiteConfig, load_config
from site_builder.incidents import incident_files, parse_incident_file


@dataclass(frozen=True)
class Site:
    """A loaded site: where it lives, its configuration, and the compiled bundle."""

    root: Path
    config: SiteConfig
    bundle: Bundle


def check_site(
    root: Path, env: Mapping[str, str] | None = None, *, require: tuple[tuple[str, ...], ...] = ()
) -> tuple[Site | None, list[Problem]]:
    """Load the site at `root` and return it with every problem found (the site is None if any).

    With `env` None, `${NAME}` references are kept as written (what `validate` and the bundle need);
    otherwise they are resolved from `env` (see site_builder.config) and a missing variable is a
    problem; `require` names the deferred sections whose references must be resolvable too.
    """
    config, _, problems = load_config(root, KeepReferences() if env is None else env, require=require)
    component_ids = [c.id for c in config.components] if config else None
    incidents: list[Incident] = []
    first_file_of_slug: dict[str, str] = {}
    for path in incident_files(root):
        rel = path.relative_to(root).as_posix()
        incident, found = parse_incident_file(path, rel, component_ids)
        problems.extend(found)
        if incident is None:
            continue
        if incident.slug in first_file_of_slug:
            problems.append(Problem(rel, 0, "", f"duplicate slug '{incident.slug}': "
                                                f"{first_file_of_slug[incident.slug]} has the same name; rename one"))
            continue
        first_file_of_slug[incident.slug] = rel
        incidents.append(incident)
    if problems or config is None:
        return None, sorted(problems)
    incidents.sort(key=lambda i: (i.created_at, i.slug), reverse=True)
    bundle = Bundle(
        site=config.site, checker=config.checker, components=config.components, incidents=incidents,
        alerts=config.alerts.model_dump(mode="json", by_alias=True) if config.alerts else None,
        subscribers=config.subscribers.model_dump(mode="json", by_alias=True) if config.subscribers else None,
    )
    return Site(root=root, config=config, bundle=bundle), []


def load_site(
    root: Path, env: Mapping[str, str] | None = None, *, require: tuple[tuple[str, ...], ...] = ()
) -> Site:
    """The site at `root` with references resolved from `env` (default: the process environment).

    Raises ContentError listing every problem.
    """
    site, problems = check_site(root, os.environ if env is None else env, require=require)
    if site is None:
        raise ContentError(problems)
    return site


def compile_bundle(root: Path) -> Bundle:
    """The bundle to store for the checker: validated, with `${NAME}` references kept, not resolved."""
    site, problems = check_site(root, None)
    if site is None:
        raise ContentError(problems)
    return site.bundle
