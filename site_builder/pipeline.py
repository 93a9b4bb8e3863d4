"""The jobs behind the CLI verbs, each one public function: check, rebuild rollups, compile, build
and publish, serve. The CLI and the Lambda entry points only parse input and call these."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from checker.bundle import BUNDLE_KEY
from checker.durations import parse_duration
from checker.errors import ContentError, StatusgenError
from checker.store import Store, dump_json, open_store
from checker.summary import Summary, load_summary
from site_builder.content import Site, check_site, compile_bundle, load_site

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

    from checker.run import RunReport
    from site_builder.gate import GateProbe, GateResult


WORK_DIR = ".statusgen"
"""Build state kept in the site's repository (the cache of each file's inputs); not committed."""


def site_store(site: Site) -> Store:
    return open_store(site.config.store, base=site.root)


def check_once(root: Path, *, now: datetime) -> RunReport:
    """One checker run over the site's components against its store; returns the run's report."""
    from checker.alerting import send_alerts
    from checker.run import run_checks

    # Check references are resolved by each probe: a missing variable fails that component only.
    site = load_site(root)
    store = site_store(site)
    report = run_checks(site.bundle, store, now=now)
    if site.bundle.alerts is not None:
        # Sent after every run, not only on transitions: escalations and reminders go by the clock.
        send_alerts(report.transitions_to_alert, site.bundle, store, now=now, summary=load_summary(store))
    return report


def rebuild_rollups(root: Path, *, now: datetime) -> Summary:
    """Recompute every derived file in the store from the raw runs."""
    from checker.rollup import rebuild

    site = load_site(root)
    return rebuild(site.bundle, site_store(site), now=now)


def compile_and_store(root: Path, *, to_store: bool) -> str:
    """The bundle as JSON (references kept, secrets never resolved); optionally stored for the
    checker at `bundle.json`, with the theme files a rebuild in Lambda needs."""
    from site_builder.theme_store import store_theme

    bundle = compile_bundle(root)
    if to_store:
        site = load_site(root)  # resolved: `store:` itself may be a ${NAME} reference
        store = site_store(site)
        store_theme(root, bundle.site, store)
        store.put(BUNDLE_KEY, dump_json(bundle.model_dump(mode="json", by_alias=True)))
    return bundle.model_dump_json(indent=2, by_alias=True)


def gate_component(
    root: Path, component_id: str, *, duration: str, every: str, max_failures: int,
    on_probe: Callable[[GateProbe], None],
) -> GateResult:
    """Probe one component's check repeatedly; raises GateFailed when it fails too often."""
    from site_builder.gate import run_gate

    site, problems = check_site(root, None)  # references stay; the probe resolves them itself
    if site is None:
        raise ContentError(problems)
    try:
        seconds, interval = parse_duration(duration), parse_duration(every)
    except ValueError as error:
        raise StatusgenError(f"gate: {error}") from None
    return run_gate(site.bundle, component_id, store=site_store(site), duration=seconds,
                    every=interval, max_failures=max_failures, on_probe=on_probe)


@dataclass(frozen=True)
class BuildResult:
    built: Any
    published: Any
    notified: Any | None

    def describe(self) -> str:
        lines = [str(self.built), str(self.published)]
        if self.notified is not None:
            lines.append(str(self.notified))
        return "\n".join(lines)


def build_and_publish(
    root: Path, *, out: str | None, now: datetime, notify: bool, s3_client: S3Client | None = None
) -> BuildResult:
    """Load and validate the site, build it and publish what changed to its target.

    Validation happens before anything is rendered, and everything is rendered before anything
    is written, so a failed build publishes nothing.
    """
    site = load_site(root)
    summary = load_summary(site_store(site))
    return build_site_and_publish(site, summary, out=out, now=now, notify=notify, s3_client=s3_client)


def build_site_and_publish(
    site: Site, summary: Summary | None, *, out: str | None, now: datetime, notify: bool,
    s3_client: S3Client | None = None,
) -> BuildResult:
    from site_builder.build import build_and_publish_site

    # Straight to the target, each changed file written once: the target's own listing and
    # manifest say what is live (so a lost `.statusgen/` or a fresh clone never leaves a removed
    # incident published), and the cache of each file's inputs only spares rendering.
    built = build_and_publish_site(
        site.bundle, summary, out or site.config.publish, base=site.root, now=now, theme=site.root,
        cache=site.root / WORK_DIR / "build-cache.json",
        cloudfront_distribution=site.config.cloudfront_distribution, s3_client=s3_client,
    )
    notified: Any = None
    if notify and not is_configured_target(site, out):
        # A build elsewhere is a preview: what it shows is not public yet, so nobody is told.
        notified = f"subscribers not notified: {out} is not the configured publish target"
    elif notify:
        notified = notify_subscribers(site, summary, now=now)
    return BuildResult(built=built, published=built.published, notified=notified)


def is_configured_target(site: Site, out: str | None) -> bool:
    """True when `out` (relative to the site's folder, as publishing reads it) is `publish:`."""
    configured = site.config.publish
    if out is None or out.rstrip("/") == configured.rstrip("/"):
        return True
    if out.startswith("s3://") or configured.startswith("s3://"):
        return False
    return (site.root / out).resolve() == (site.root / configured).resolve()


def notify_subscribers(site: Site, summary: Summary | None, *, now: datetime) -> Any:
    """Send subscribers what is new since the last publish (nothing when none are configured)."""
    from site_builder.notify.deliver import notify_subscribers as send

    return send(site.bundle, site_store(site), now=now, summary=summary)


def publish_folder(site: Site) -> Path:
    """The folder the site is published to; serving an S3 target locally makes no sense."""
    if site.config.publish.startswith("s3://"):
        raise StatusgenError(f"publish is {site.config.publish}: serve a local build with --dir DIR")
    path = Path(site.config.publish)
    return path if path.is_absolute() else site.root / path


def serve_site(root: Path, *, port: int, watch: bool, site_dir: Path | None) -> None:
    """Serve the published folder on 127.0.0.1; with `watch`, rebuild on source changes."""
    from datetime import UTC

    from site_builder.serve import serve

    site = load_site(root)
    folder = site_dir or publish_folder(site)
    rebuild = None
    if watch:
        def rebuild() -> None:
            build_and_publish(root, out=str(folder), now=datetime.now(UTC), notify=False)

        rebuild()
    handlers = {}
    if site.bundle.subscribers is not None:
        # The subscribe endpoints answer on the same port, as the Function URL does in production.
        from site_builder.subscribe import local_handler

        handle = local_handler(site.bundle, site_store(site))
        handlers = dict.fromkeys(("/subscribe", "/confirm", "/unsubscribe"), handle)
    serve(folder, port=port, rebuild=rebuild, handlers=handlers,
          watch_paths=[root / "statuspage.yaml", root / "incidents", root / "templates"] if watch else None)
