"""Bringing components and incident history over from other tools."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from site_builder.cli.common import F, friendly_errors, root_option


@click.group(name="import")
def import_group() -> None:
    """Bring components and incident history over from Statuspage, cState or Upptime."""


def _import_options(command: F) -> F:
    command = click.option(
        "--force", is_flag=True, help="Overwrite files that exist with other content (they are kept otherwise)."
    )(command)
    return root_option(command)


def _report_import(result: Any) -> None:
    """The notes and kept files of an import, then its summary line; exit 1 when a file was kept."""
    from site_builder.importers.writing import ImportResult

    assert isinstance(result, ImportResult)
    for note in result.site.notes:
        click.echo(f"note: {note}", err=True)
    for rel in result.kept:
        click.echo(f"kept {rel}: it differs from the import; --force replaces it", err=True)
    click.echo(result.summary())
    if result.kept:
        sys.exit(1)


@import_group.command("statuspage")
@click.argument("source")
@_import_options
@friendly_errors
def import_statuspage_command(source: str, root: Path, force: bool) -> None:
    """Import from Statuspage: SOURCE is the page's address or a folder of its saved v2 JSON."""
    from site_builder.importers.statuspage import import_statuspage
    from site_builder.importers.writing import write_site

    _report_import(write_site(import_statuspage(source), root, force=force))


@import_group.command("cstate")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@_import_options
@friendly_errors
def import_cstate_command(folder: Path, root: Path, force: bool) -> None:
    """Import from cState: FOLDER is the Hugo site (config.yml, content/issues/)."""
    from site_builder.importers.cstate import import_cstate
    from site_builder.importers.writing import write_site

    _report_import(write_site(import_cstate(folder), root, force=force))


@import_group.command("upptime")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@_import_options
@friendly_errors
def import_upptime_command(folder: Path, root: Path, force: bool) -> None:
    """Import from Upptime: FOLDER is the repository (.upptimerc.yml, history/ and its git history)."""
    from datetime import UTC, datetime

    from site_builder.importers.upptime import import_upptime
    from site_builder.importers.upptime_history import import_past_uptime
    from site_builder.importers.writing import component_ids, write_site

    result = write_site(import_upptime(folder), root, force=force)
    if not result.kept:  # the site as imported: its components are the ones the past belongs to
        slugs = component_ids(result.site)
        result.site.notes.append(import_past_uptime(folder, slugs, root, now=datetime.now(UTC)))
    _report_import(result)
