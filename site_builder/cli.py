"""`statusgen`: the one command line for both halves. Each command parses its options and calls one
public function; user mistakes (StatusgenError) print a message and exit 1, never a traceback."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from checker.errors import ContentError, StatusgenError

F = TypeVar("F", bound=Callable[..., Any])

root_option = click.option(
    "--root", type=click.Path(file_okay=False, path_type=Path), default=Path(),
    show_default=True, help="The status-page repository (holds statuspage.yaml and incidents/).",
)


def _friendly_errors(command: F) -> F:
    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except StatusgenError as error:
            click.echo(f"error: {error}" if not isinstance(error, ContentError) else str(error), err=True)
            sys.exit(1)

    return wrapper  # type: ignore[return-value]


def _now() -> datetime:
    return datetime.now(UTC)


def _from_cwd(target: str | None) -> str | None:
    """A folder given on the command line, made absolute: command-line paths are relative to the
    current directory, while the pipeline resolves relative targets against the site's folder."""
    if target is None or target.startswith("s3://"):
        return target
    return str(Path(target).absolute())


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="statusgen")
def main() -> None:
    """A static status page that cannot go down with the thing it reports on."""


# --- content ---------------------------------------------------------------------------------


@main.command()
@root_option
@click.option("--format", "output_format", type=click.Choice(["text", "github", "json"]), default="text",
              show_default=True, help="github prints GitHub Actions annotations; json a list of objects.")
@click.option("--require-env", is_flag=True, help="Also fail when a ${NAME} reference is not set.")
def validate(root: Path, output_format: str, require_env: bool) -> None:
    """Check statuspage.yaml and every incident file; exit 1 when anything is wrong."""
    import os

    from site_builder.config import DEFERRED_SECTIONS
    from site_builder.content import check_site

    site, problems = (check_site(root, os.environ, require=DEFERRED_SECTIONS) if require_env
                      else check_site(root, None))
    if output_format == "json":
        click.echo(json.dumps([p.as_dict() for p in problems], indent=2))
    elif output_format == "github":
        from site_builder.problems import github_annotation, repository_prefix

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


@main.command(name="compile")
@root_option
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write to FILE instead of stdout.")
@click.option("--to-store", is_flag=True, help="Also write it to the configured store as bundle.json.")
@_friendly_errors
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


@main.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@_friendly_errors
def init(directory: Path) -> None:
    """Create a new status-page repository in DIRECTORY."""
    from site_builder.scaffold import init_site

    for path in init_site(directory):
        click.echo(f"created {path}")
    click.echo(f"next: cd {directory} && statusgen validate && statusgen build && statusgen serve")


# --- incidents and maintenance ---------------------------------------------------------------


def _parse_components(values: tuple[str, ...]) -> dict[str, str]:
    components = {}
    for value in values:
        component_id, _, status = value.partition("=")
        if not status:
            raise StatusgenError(f"--component {value}: write it as ID=STATUS, e.g. api=partial_outage")
        components[component_id.strip()] = status.strip()
    return components


@main.group()
def incident() -> None:
    """Write incident files (then commit them in a pull request)."""


@incident.command("new")
@click.argument("title")
@click.option("--component", "components", multiple=True, required=True, metavar="ID=STATUS",
              help="Affected component and its status, e.g. api=partial_outage (repeatable).")
@click.option("--status", default="investigating", show_default=True)
@click.option("--message", default="We are investigating this issue.", show_default=True)
@click.option("--impact", type=click.Choice(["none", "minor", "major", "critical"]),
              help="Override the impact derived from the components.")
@root_option
@_friendly_errors
def incident_new(title: str, components: tuple[str, ...], status: str, message: str,
                 impact: str | None, root: Path) -> None:
    """Open a new incident titled TITLE."""
    from site_builder.authoring import new_incident

    path = new_incident(root, title, _parse_components(components), status=status,
                        message=message, now=_now(), impact=impact)
    click.echo(f"created {path}")


@incident.command("update")
@click.argument("slug")
@click.option("--status", required=True, help="investigating, identified, monitoring, update, resolved, postmortem")
@click.option("--message", required=True)
@root_option
@_friendly_errors
def incident_update(slug: str, status: str, message: str, root: Path) -> None:
    """Add an update to the incident (or maintenance) SLUG."""
    from site_builder.authoring import add_update

    click.echo(f"updated {add_update(root, slug, status=status, message=message, now=_now())}")


@incident.command("resolve")
@click.argument("slug")
@click.option("--message", default="This incident has been resolved.", show_default=True)
@root_option
@_friendly_errors
def incident_resolve(slug: str, message: str, root: Path) -> None:
    """Resolve the incident SLUG."""
    from site_builder.authoring import add_update

    click.echo(f"resolved {add_update(root, slug, status='resolved', message=message, now=_now())}")


@main.group()
def maintenance() -> None:
    """Write maintenance files."""


@maintenance.command("new")
@click.argument("title")
@click.option("--component", "components", multiple=True, required=True, metavar="ID",
              help="Component under maintenance (repeatable).")
@click.option("--start", required=True, help="e.g. '2026-11-25 02:00 UTC'")
@click.option("--end", required=True, help="e.g. '2026-11-25 03:00 UTC'")
@click.option("--message", default="We will be performing scheduled maintenance.", show_default=True)
@root_option
@_friendly_errors
def maintenance_new(title: str, components: tuple[str, ...], start: str, end: str, message: str,
                    root: Path) -> None:
    """Schedule maintenance titled TITLE."""
    from site_builder.authoring import new_maintenance

    path = new_maintenance(root, title, list(components), start=start, end=end, message=message, now=_now())
    click.echo(f"created {path}")


# --- importing from other tools --------------------------------------------------------------


@main.group(name="import")
def import_group() -> None:
    """Bring components and incident history over from Statuspage, cState or Upptime."""


def _import_options(command: F) -> F:
    command = click.option("--force", is_flag=True,
                           help="Overwrite files that exist with other content (they are kept otherwise).")(command)
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
@_friendly_errors
def import_statuspage_command(source: str, root: Path, force: bool) -> None:
    """Import from Statuspage: SOURCE is the page's address or a folder of its saved v2 JSON."""
    from site_builder.importers.statuspage import import_statuspage
    from site_builder.importers.writing import write_site

    _report_import(write_site(import_statuspage(source), root, force=force))


@import_group.command("cstate")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@_import_options
@_friendly_errors
def import_cstate_command(folder: Path, root: Path, force: bool) -> None:
    """Import from cState: FOLDER is the Hugo site (config.yml, content/issues/)."""
    from site_builder.importers.cstate import import_cstate
    from site_builder.importers.writing import write_site

    _report_import(write_site(import_cstate(folder), root, force=force))


@import_group.command("upptime")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@_import_options
@_friendly_errors
def import_upptime_command(folder: Path, root: Path, force: bool) -> None:
    """Import from Upptime: FOLDER is the repository (.upptimerc.yml, history/)."""
    from site_builder.importers.upptime import import_upptime
    from site_builder.importers.writing import write_site

    _report_import(write_site(import_upptime(folder), root, force=force))


# --- checking, building, serving -------------------------------------------------------------


@main.command()
@root_option
@_friendly_errors
def check(root: Path) -> None:
    """Run every check once and record the results in the store (then, with `checker.rebuild:
    inline`, rebuild and publish the site)."""
    from site_builder.content import load_site
    from site_builder.pipeline import check_loaded_site, rebuild_after_check

    site = load_site(root)  # once: the rebuild that may follow uses the same files
    for line in check_loaded_site(site, now=_now()).lines():
        click.echo(line)
    rebuilt = rebuild_after_check(site, now=_now())
    for line in rebuilt.lines() if rebuilt is not None else []:
        click.echo(line)


@main.command()
@root_option
@click.option("--month", required=True, help="The month to report on, YYYY-MM (one that is over).")
@click.option("--format", "output_format", type=click.Choice(["csv", "json"]), default="csv", show_default=True)
@_friendly_errors
def report(root: Path, month: str, output_format: str) -> None:
    """Print a month's service report: each component's uptime, downtime, time without data,
    incidents and error budget (the published page is reports/YYYY-MM/)."""
    from site_builder.pipeline import month_report_of

    click.echo(month_report_of(root, month, output_format, now=_now()), nl=False)


@main.command()
@root_option
@click.option("--rebuild", is_flag=True, required=True, help="Recompute every derived file from runs/.")
@_friendly_errors
def rollup(root: Path, rebuild: bool) -> None:
    """Recompute state, rollups and the summary from the stored runs."""
    from site_builder.pipeline import rebuild_rollups

    summary = rebuild_rollups(root, now=_now())
    click.echo(f"rebuilt the summary of {len(summary.components)} components")


@main.command()
@root_option
@click.option("--out", type=str, help="Publish here instead of the configured `publish:` target (a preview: "
              "subscribers are not notified).")
@click.option("--no-notify", is_flag=True, help="Do not notify subscribers after publishing.")
@_friendly_errors
def build(root: Path, out: str | None, no_notify: bool) -> None:
    """Build the site and publish what changed."""
    from site_builder.pipeline import build_and_publish

    result = build_and_publish(root, out=_from_cwd(out), now=_now(), notify=not no_notify)
    click.echo(result.describe())


@main.command()
@root_option
@click.option("--port", default=8000, show_default=True)
@click.option("--watch", is_flag=True, help="Rebuild when statuspage.yaml, incidents/ or templates change.")
@click.option("--dir", "site_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Serve this folder instead of the configured publish folder.")
@_friendly_errors
def serve(root: Path, port: int, watch: bool, site_dir: Path | None) -> None:
    """Preview the built site on http://127.0.0.1:PORT."""
    from site_builder.pipeline import serve_site

    serve_site(root, port=port, watch=watch, site_dir=None if site_dir is None else site_dir.absolute())


@main.command()
@root_option
@click.option("--port", default=8000, show_default=True,
              help="Port to serve the page, heartbeats and subscriptions on.")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (keep 127.0.0.1 behind a reverse proxy).")
@_friendly_errors
def run(root: Path, port: int, host: str) -> None:
    """Run the page on this machine: check every interval, rebuild, publish and serve, until
    stopped (SIGTERM or Ctrl+C)."""
    import signal
    import threading

    from site_builder.run_loop import run_forever

    stop = threading.Event()

    def request_stop(signum: int, frame: object) -> None:
        stop.set()

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, request_stop)
    run_forever(root, port=port, host=host, stop=stop, echo=click.echo)


@main.command()
@root_option
@click.option("--port", default=8000, show_default=True, help="Port of the preview server.")
@click.option("--rounds", default=3, show_default=True, help="Checker runs before building.")
@click.option("--no-serve", is_flag=True, help="Build and exit instead of serving.")
@_friendly_errors
def demo(root: Path, port: int, rounds: int, no_serve: bool) -> None:
    """Check local demo endpoints, build the example page and serve it."""
    from site_builder.demo import run_demo

    run_demo(root, port=port, rounds=rounds, serve=not no_serve, echo=click.echo)


# --- deployment ------------------------------------------------------------------------------


@main.command()
@click.option("--arch", type=click.Choice(["arm64", "x86_64"]), default="arm64", show_default=True)
@click.option("--python-version", default="3.12", show_default=True, help="Python of the Lambda runtime.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=Path("dist/lambda.zip"),
              show_default=True)
@click.option("--without-boto3", is_flag=True, help="Rely on the runtime's boto3 (smaller zip).")
@_friendly_errors
def package(arch: str, python_version: str, out: Path, without_boto3: bool) -> None:
    """Build the Lambda zip (no Docker needed): the project and its dependencies for Lambda."""
    from site_builder.package import package_lambda

    path = package_lambda(out, arch=arch, python_version=python_version, include_boto3=not without_boto3,
                          progress=lambda step: click.echo(f"{step}…", err=True))
    click.echo(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB)")


@main.command()
@root_option
@click.option("--stack-name", default="statusgen", show_default=True, help="The CloudFormation stack.")
@click.option("--region", required=True, envvar="AWS_REGION", show_envvar=True,
              help="The stack's AWS region.")
@click.option("--parameter", "parameters", multiple=True, metavar="KEY=VALUE",
              help="A template parameter, e.g. AlarmEmail=oncall@example.com (repeatable); the others "
                   "keep the stack's values.")
@click.option("--package", "package_zip", type=click.Path(dir_okay=False, path_type=Path),
              help="A Lambda zip built before with `statusgen package` (default: build dist/lambda.zip).")
@click.option("--template", type=click.Path(dir_okay=False, path_type=Path),
              help="The stack's template (default: infra/template.yaml in --root).")
@click.option("--artifacts-bucket", help="Bucket for the zip and template (default: "
              "statusgen-artifacts-ACCOUNT-REGION, created when missing).")
@click.option("--no-first-run", is_flag=True, help="Only create or update the stack.")
@_friendly_errors
def deploy(root: Path, stack_name: str, region: str, parameters: tuple[str, ...], package_zip: Path | None,
           template: Path | None, artifacts_bucket: str | None, no_first_run: bool) -> None:
    """Create or update the AWS stack, store the bundle, run the checker once and publish the page."""
    from site_builder.deploy import DeployOptions, deploy_stack, parse_parameters

    options = DeployOptions(
        root=root, stack_name=stack_name, region=region, parameters=parse_parameters(parameters),
        package=None if package_zip is None else package_zip.absolute(),
        template=None if template is None else template.absolute(),
        artifacts_bucket=artifacts_bucket, first_run=not no_first_run,
    )
    deploy_stack(options, now=_now, echo=click.echo)


@main.command()
@click.option("--component", "component_id", required=True, help="The component whose check to run.")
@click.option("--for", "duration", default="5m", show_default=True, help="How long to keep checking.")
@click.option("--every", default="10s", show_default=True, help="Time between probes.")
@click.option("--max-failures", default=0, show_default=True, help="Failed probes tolerated.")
@root_option
@_friendly_errors
def gate(component_id: str, duration: str, every: str, max_failures: int, root: Path) -> None:
    """After a deploy: probe a component repeatedly; exit 1 when it fails (for CI/CD pipelines)."""
    from site_builder.pipeline import gate_component

    result = gate_component(root, component_id, duration=duration, every=every, max_failures=max_failures,
                            on_probe=lambda probe: click.echo(probe.describe()))
    click.echo(result.summary())


if __name__ == "__main__":
    main()
