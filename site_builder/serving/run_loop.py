"""`statusgen run`: the whole status page on one machine, in one process.

Every `checker.interval` it reloads the site (so an edited `statuspage.yaml` or a new incident
applies from the next round), runs the checks, rebuilds what changed and publishes it to the
`publish:` folder, and notifies subscribers; meanwhile it serves that folder with the heartbeat
and subscribe endpoints, as the Function URLs do on AWS.

Rounds run one after another in one thread, so a check that overruns its interval delays the next
one instead of overlapping it. A stop request (SIGTERM, Ctrl+C) is honoured between steps: the
step under way finishes (probes have timeouts; the store's writes are atomic or conditional) and
nothing further starts.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from checker.errors import ContentError, StatusgenError
from checker.summary import Summary, load_summary
from site_builder.content.site import Site, load_site
from site_builder.pipeline import (
    build_site_and_publish,
    check_loaded_site,
    compile_and_store,
    publish_folder,
    site_store,
)
from site_builder.serving.endpoints import SiteEndpoints


def run_forever(
    root: Path,
    *,
    port: int,
    stop: threading.Event,
    host: str = "127.0.0.1",
    echo: Callable[[str], None] = print,
    clock: Callable[[], float] = time.monotonic,
    internal_port: int | None = None,
) -> None:
    """Check, build, publish and serve the site at `root` until `stop` is set; the internal site,
    when there is one, on `internal_port` (default the next port) behind its password."""
    from site_builder.internal.serving import InternalServing
    from site_builder.serving.serve import start

    site = load_site(root)
    folder = publish_folder(site)
    internal = InternalServing(site)  # a missing password stops the command before anything starts
    loop = _Loop(root, echo)
    loop.store_bundle(site)
    # The page is served from the first moment, with what the store already knows.
    loop.build(site, load_summary(site_store(site)))
    endpoints = SiteEndpoints(site)
    server = start(folder, port=port, host=host, handlers=endpoints.handlers())
    try:
        inside = internal.start(port=port + 1 if internal_port is None else internal_port, host=host)
    except StatusgenError:
        server.close()
        raise
    interval = site.bundle.checker.interval
    echo(f"serving {folder} at {server.url}, checking every {interval:g} s (Ctrl+C to stop)")
    if inside is not None:
        echo(f"serving the internal site {inside.site_dir} at {inside.url} (Basic auth)")
    elif internal.note:
        echo(internal.note)
    try:
        due = clock()
        while not stop.is_set():
            started = clock()
            try:
                interval = loop.round(endpoints, stop) or interval
            except Exception as error:  # a service keeps serving the last good page; say what broke
                echo(f"error: the round failed ({type(error).__name__}: {error}); retrying next round")
            due += interval
            if clock() > due:
                # Never two rounds at once: the late one starts now, and the schedule restarts.
                echo(
                    f"the round took {clock() - started:.1f} s, longer than the {interval:g} s "
                    "interval: starting the next one now"
                )
                due = clock()
            stop.wait(max(0.0, due - clock()))
    finally:
        server.close()
        if inside is not None:
            inside.close()
    echo("stopped")


class _Loop:
    """One round's steps, each reporting in one line and none able to end the loop."""

    def __init__(self, root: Path, echo: Callable[[str], None]) -> None:
        self.root = root
        self.echo = echo
        self.stored_bundle: str | None = None

    def round(self, endpoints: SiteEndpoints, stop: threading.Event) -> float | None:
        """Reload, check, build and publish; returns the interval the site now asks for (None
        when the site could not be loaded)."""
        try:
            site = load_site(self.root)
            self.store_bundle(site)
        except StatusgenError as error:
            self._report(error, "the last good build is still served")
            return None
        endpoints.update(site)
        try:
            report = check_loaded_site(site, now=datetime.now(UTC))
        except StatusgenError as error:
            self._report(error, "checks skipped this round")
            return site.bundle.checker.interval
        # The table is `statusgen check`'s; a long-running log keeps the counts and what changed.
        for line in report.lines()[len(report.components) + 1 :]:
            self.echo(f"check: {line}")
        if stop.is_set():
            self.echo("stopping: the check is recorded; the page is rebuilt at the next start")
            return site.bundle.checker.interval
        self.build(site, load_summary(site_store(site)))
        return site.bundle.checker.interval

    def store_bundle(self, site: Site) -> None:
        """Keep the store's bundle (what heartbeats are checked against, as on AWS) current."""
        text = compile_and_store(site.root, to_store=False).text
        if text != self.stored_bundle:
            compile_and_store(site.root, to_store=True)
            self.stored_bundle = text

    def build(self, site: Site, summary: Summary | None) -> None:
        try:
            result = build_site_and_publish(site, summary, out=None, now=datetime.now(UTC), notify=True)
        except StatusgenError as error:
            self._report(error, "the last good build is still served")
            return
        for line in result.lines():
            self.echo(line)

    def _report(self, error: StatusgenError, consequence: str) -> None:
        text = str(error) if isinstance(error, ContentError) else f"error: {error}"
        self.echo(f"{text}\n({consequence})")
