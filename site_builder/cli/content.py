"""Validating and compiling a site's content, and creating a new one."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from site_builder.cli.common import friendly_errors, root_option


@click.command()
@root_option
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "github", "json"]),
    default="text",
    show_default=True,
    help="github prints GitHub Actions annotations; json a list of objects.",
)
@click.option("--require-env", is_flag=True, help="Also fail when a ${NAME} reference is not set.")
def validate(root: Path, output_format: str, require_env: bool) -> None:
    """Check statuspage.yaml, every incident file and the site's theme; exit 1 when anything is wrong."""
    import os

    from site_builder.content.config import DEFERRED_SECTIONS
    from site_builder.content.site import check_site
    from site_builder.outputs.theme import TEMPLATES_DIR

    site, problems = check_site(root, os.environ, require=DEFERRED_SECTIONS) if require_env else check_site(root, None)
    settings = site.bundle.site if site is not None else None
    if settings is not None and (settings.logo or settings.custom_css or (root / TEMPLATES_DIR).is_dir()):
        # Imported only for a site with a theme of its own: the pages' renderer is most of a build's imports.
        from site_builder.outputs.pages.template_problems import theme_problems

        problems = theme_problems(settings, root)
        if problems:
            site = None
    if output_format == "json":
        click.echo(json.dumps([p.as_dict() for p in problems], indent=2))
    elif output_format == "github":
        from site_builder.content.problems import github_annotation, repository_prefix

        prefix = repository_prefix(root)
        for p in problems:
            click.echo(github_annotation(p, prefix))
    else:
        for p in problems:
            click.echo(str(p), err=True)
        if site is not None:
            count = len(site.bundle.incidents)
            click.echo(f"ok: {len(site.bundle.components)} components, {count} incidents and maintenance")
        else:
            click.echo(f"{len(problems)} problem{'s' if len(problems) != 1 else ''} found", err=True)
    sys.exit(0 if site is not None else 1)


@click.command(name="compile")
@root_option
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write to FILE instead of stdout.")
@click.option("--to-store", is_flag=True, help="Also write it to the configured store as bundle.json.")
@friendly_errors
def compile_command(root: Path, out: Path | None, to_store: bool) -> None:
    """Compile the site's content into the bundle (JSON) that the checker reads."""
    from site_builder.pipeline import compile_and_store

    compiled = compile_and_store(root, to_store=to_store)
    if out is None:
        click.echo(compiled.text)
    else:
        out.write_text(compiled.text + "\n", encoding="utf-8")
        click.echo(f"wrote {out}", err=True)
    if compiled.stored_in is not None:
        click.echo(f"stored bundle.json in {compiled.stored_in}", err=True)


@click.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@friendly_errors
def init(directory: Path) -> None:
    """Create a new status-page repository in DIRECTORY."""
    from site_builder.start.new_site import init_site

    for path in init_site(directory):
        click.echo(f"created {path}")
    click.echo(f"next: cd {directory} && statusgen validate && statusgen build && statusgen serve")
