"""Writing incident and maintenance files from the command line."""

from __future__ import annotations

from pathlib import Path

import click

from checker.errors import StatusgenError
from site_builder.cli.common import friendly_errors, now, root_option


def _parse_components(values: tuple[str, ...]) -> dict[str, str]:
    components = {}
    for value in values:
        component_id, _, status = value.partition("=")
        if not status:
            raise StatusgenError(f"--component {value}: write it as ID=STATUS, e.g. api=partial_outage")
        components[component_id.strip()] = status.strip()
    return components


@click.group()
def incident() -> None:
    """Write incident files (then commit them in a pull request)."""


@incident.command("new")
@click.argument("title")
@click.option(
    "--component",
    "components",
    multiple=True,
    required=True,
    metavar="ID=STATUS",
    help="Affected component and its status, e.g. api=partial_outage (repeatable).",
)
@click.option("--status", default="investigating", show_default=True)
@click.option("--message", default="We are investigating this issue.", show_default=True)
@click.option(
    "--impact",
    type=click.Choice(["none", "minor", "major", "critical"]),
    help="Override the impact derived from the components.",
)
@root_option
@friendly_errors
def incident_new(
    title: str, components: tuple[str, ...], status: str, message: str, impact: str | None, root: Path
) -> None:
    """Open a new incident titled TITLE."""
    from site_builder.content.authoring import new_incident

    path = new_incident(
        root, title, _parse_components(components), status=status, message=message, now=now(), impact=impact
    )
    click.echo(f"created {path}")


@incident.command("update")
@click.argument("slug")
@click.option("--status", required=True, help="investigating, identified, monitoring, update, resolved, postmortem")
@click.option("--message", required=True)
@root_option
@friendly_errors
def incident_update(slug: str, status: str, message: str, root: Path) -> None:
    """Add an update to the incident (or maintenance) SLUG."""
    from site_builder.content.authoring import add_update

    click.echo(f"updated {add_update(root, slug, status=status, message=message, now=now())}")


@incident.command("resolve")
@click.argument("slug")
@click.option("--message", default="This incident has been resolved.", show_default=True)
@root_option
@friendly_errors
def incident_resolve(slug: str, message: str, root: Path) -> None:
    """Resolve the incident SLUG."""
    from site_builder.content.authoring import add_update

    click.echo(f"resolved {add_update(root, slug, status='resolved', message=message, now=now())}")


@click.group()
def maintenance() -> None:
    """Write maintenance files."""


@maintenance.command("new")
@click.argument("title")
@click.option(
    "--component",
    "components",
    multiple=True,
    required=True,
    metavar="ID",
    help="Component under maintenance (repeatable).",
)
@click.option("--start", required=True, help="e.g. '2026-11-25 02:00 UTC'")
@click.option("--end", required=True, help="e.g. '2026-11-25 03:00 UTC'")
@click.option("--message", default="We will be performing scheduled maintenance.", show_default=True)
@root_option
@friendly_errors
def maintenance_new(title: str, components: tuple[str, ...], start: str, end: str, message: str, root: Path) -> None:
    """Schedule maintenance titled TITLE."""
    from site_builder.content.authoring import new_maintenance

    path = new_maintenance(root, title, list(components), start=start, end=end, message=message, now=now())
    click.echo(f"created {path}")
