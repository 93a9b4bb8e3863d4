"""Running the checker, recomputing its files and reporting on a month."""

from __future__ import annotations

from pathlib import Path

import click

from site_builder.cli.common import friendly_errors, now, root_option


@click.command()
@root_option
@friendly_errors
def check(root: Path) -> None:
    """Run every check once and record the results in the store (then, with `checker.rebuild:
    inline`, rebuild and publish the site)."""
    from site_builder.content.site import load_site
    from site_builder.pipeline import check_loaded_site, rebuild_after_check

    site = load_site(root)  # once: the rebuild that may follow uses the same files
    for line in check_loaded_site(site, now=now()).lines():
        click.echo(line)
    rebuilt = rebuild_after_check(site, now=now())
    for line in rebuilt.lines() if rebuilt is not None else []:
        click.echo(line)


@click.command()
@root_option
@click.option("--month", required=True, help="The month to report on, YYYY-MM (one that is over).")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["csv", "json", "html"]),
    default="csv",
    show_default=True,
    help="html: the report page as one file, its stylesheet inside, to keep or print.",
)
@friendly_errors
def report(root: Path, month: str, output_format: str) -> None:
    """Print a month's service report: each component's uptime, downtime, time without data,
    incidents and error budget (the published page is reports/YYYY-MM/)."""
    from site_builder.pipeline import month_report_of

    click.echo(month_report_of(root, month, output_format, now=now()), nl=False)


@click.command()
@root_option
@click.option("--rebuild", is_flag=True, required=True, help="Recompute every derived file from runs/.")
@friendly_errors
def rollup(root: Path, rebuild: bool) -> None:
    """Recompute state, rollups and the summary from the stored runs."""
    from site_builder.pipeline import rebuild_rollups

    summary = rebuild_rollups(root, now=now())
    click.echo(f"rebuilt the summary of {len(summary.components)} components")
