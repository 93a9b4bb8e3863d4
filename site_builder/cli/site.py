"""Building, serving and running the site."""

from __future__ import annotations

from pathlib import Path

import click

from site_builder.cli.common import friendly_errors, from_cwd, now, root_option


@click.command()
@root_option
@click.option(
    "--out",
    type=str,
    help="Publish here instead of the configured `publish:` target (a preview: subscribers are not notified).",
)
@click.option("--no-notify", is_flag=True, help="Do not notify subscribers after publishing.")
@friendly_errors
def build(root: Path, out: str | None, no_notify: bool) -> None:
    """Build the site and publish what changed."""
    # Not through the pipeline's module: when nothing changed, this answers before the site is loaded.
    from site_builder.builder.last_build import build_unless_unchanged

    for line in build_unless_unchanged(root, out=from_cwd(out), now=now(), notify=not no_notify):
        click.echo(line)


@click.command()
@root_option
@click.option("--port", default=8000, show_default=True)
@click.option("--watch", is_flag=True, help="Rebuild when statuspage.yaml, incidents/ or templates change.")
@click.option(
    "--dir",
    "site_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Serve this folder instead of the configured publish folder.",
)
@click.option("--internal-port", type=int, help="Port of the internal site (with `internal:`); default PORT + 1.")
@friendly_errors
def serve(root: Path, port: int, watch: bool, site_dir: Path | None, internal_port: int | None) -> None:
    """Preview the built site on http://127.0.0.1:PORT (and the internal site, behind its password,
    on the next port)."""
    from site_builder.serving.preview import serve_site

    serve_site(
        root,
        port=port,
        watch=watch,
        site_dir=None if site_dir is None else site_dir.absolute(),
        internal_port=internal_port,
    )


@click.command()
@root_option
@click.option(
    "--port", default=8000, show_default=True, help="Port to serve the page, heartbeats and subscriptions on."
)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on (keep 127.0.0.1 behind a reverse proxy).",
)
@click.option("--internal-port", type=int, help="Port of the internal site (with `internal:`); default PORT + 1.")
@friendly_errors
def run(root: Path, port: int, host: str, internal_port: int | None) -> None:
    """Run the page on this machine: check every interval, rebuild, publish and serve, until
    stopped (SIGTERM or Ctrl+C)."""
    import signal
    import threading

    from site_builder.serving.run_loop import run_forever

    stop = threading.Event()

    def request_stop(signum: int, frame: object) -> None:
        stop.set()

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, request_stop)
    run_forever(root, port=port, host=host, stop=stop, echo=click.echo, internal_port=internal_port)


@click.command()
@root_option
@click.option("--port", default=8000, show_default=True, help="Port of the preview server.")
@click.option("--rounds", default=3, show_default=True, help="Checker runs before building.")
@click.option("--no-serve", is_flag=True, help="Build and exit instead of serving.")
@friendly_errors
def demo(root: Path, port: int, rounds: int, no_serve: bool) -> None:
    """Check local demo endpoints, build the example page and serve it."""
    from site_builder.start.demo import run_demo

    run_demo(root, port=port, rounds=rounds, serve=not no_serve, echo=click.echo)
