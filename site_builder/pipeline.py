"""The jobs behind the CLI verbs, each one public function: check, rebuild rollups, compile, build
and publish (serving a preview is `site_builder.serving.preview`). The CLI and the Lambda entry
points only parse input and call these."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from checker.allocator import return_large_blocks_promptly
from checker.bundle import BUNDLE_KEY, Bundle
from checker.durations import parse_duration
from checker.errors import ContentError, StatusgenError
from checker.store import Store, dump_json, open_store
from checker.store.local import LocalStore
from checker.summary import SUMMARY_KEY, Summary, load_summary
from site_builder.builder.last_build import BUILD_CACHE, Inputs, read_sources
from site_builder.content.site import Site, check_site, compile_bundle, load_site
from site_builder.paths import shown_path

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

    from checker.run_report import RunReport
    from site_builder.builder.site import BuildReport
    from site_builder.deploy.gate import GateProbe, GateResult
    from site_builder.publish.publisher import PublishReport

WORK_DIR = ".statusgen"
"""Build state kept in the site's repository (the cache of each file's inputs); not committed."""


def site_store(site: Site) -> Store:
    return open_store(site.config.store, base=site.root)


def check_once(root: Path, *, now: datetime) -> RunReport:
    """One checker run over the site's components against its store; returns the run's report."""
    return check_loaded_site(load_site(root), now=now)


def check_loaded_site(site: Site, *, now: datetime) -> RunReport:
    """`check_once` for a site already loaded (the `run` loop loads it once per round). Check
    references are resolved by each probe: a missing variable fails that component only."""
    from checker.alerting import send_alerts
    from checker.run import run_checks

    store = site_store(site)
    report = run_checks(site.bundle, store, now=now)
    if site.bundle.alerts is not None:
        # Sent after every run, not only on transitions: escalations and reminders go by the clock.
        send_alerts(report.transitions_to_alert, site.bundle, store, now=now, summary=load_summary(store))
    return report


def rebuild_after_check(site: Site, *, now: datetime) -> BuildResult | None:
    """With `checker.rebuild: inline`, build and publish the site (and notify subscribers) as the
    checker's Lambda does after a run; otherwise None (CI or `statusgen build` rebuilds)."""
    if site.bundle.checker.rebuild != "inline":
        return None
    return build_site_and_publish(site, load_summary(site_store(site)), out=None, now=now, notify=True)


def rebuild_rollups(root: Path, *, now: datetime) -> Summary:
    """Recompute every derived file in the store from the raw runs."""
    from checker.derived.rebuild import rebuild

    site = load_site(root)
    return rebuild(site.bundle, site_store(site), now=now)


def month_report_of(root: Path, month: str, output_format: str, *, now: datetime) -> str:
    """The service report of `month` (`YYYY-MM`) as CSV or JSON text, from the site and its store."""
    from site_builder.outputs.report_data import as_csv, as_json, month_report, reported_months
    from site_builder.outputs.view import build_view

    site = load_site(root)
    summary = site.audience.public_summary(load_summary(site_store(site)))  # a report is for customers
    view = build_view(site.public_bundle, summary, now, site.public_languages)
    months = reported_months(view)
    if month not in months:
        known = ", ".join(months) or "none yet"
        raise StatusgenError(f"--month {month}: not a month that is over and was measured (reported: {known})")
    if output_format == "html":
        return _standalone_report(site, view, month).decode()
    report = month_report(view, month)
    return (as_csv(report) if output_format == "csv" else as_json(report)).decode()


def _standalone_report(site: Site, view: Any, month: str) -> bytes:
    """The report page with its stylesheet inside it, rendered as the build renders it."""
    from site_builder.outputs import RenderContext
    from site_builder.outputs.pages import environment, static_assets
    from site_builder.outputs.pages.base import Pages
    from site_builder.outputs.pages.report_pages import standalone_report
    from site_builder.outputs.theme import load_theme

    theme = load_theme(site.bundle.site, site.root)
    env = environment(theme, site.bundle.site.time_zone, site.languages.main)
    assets = static_assets(env, theme)
    context = RenderContext(
        theme=theme, assets={name: asset.name for name, asset in assets.items()}, available=frozenset(), digest=""
    )
    return standalone_report(Pages(view, context, env), month, assets["style.css"].content.decode())


def compile_and_store(root: Path, *, to_store: bool) -> Compiled:
    """The bundle as JSON (references kept, secrets never resolved); optionally stored for the
    checker at `bundle.json`, with the theme files a rebuild in Lambda needs."""
    bundle = compile_bundle(root)
    # The site resolved: `store:` itself may be a ${NAME} reference.
    stored_in = store_bundle(root, bundle, load_site(root)) if to_store else None
    return Compiled(bundle.model_dump_json(indent=2, by_alias=True), stored_in)


def store_bundle(root: Path, bundle: Bundle, site: Site) -> str:
    """Put `bundle` (references kept) at `bundle.json` in the store of `site` (references
    resolved), with the theme files, the languages and the audiences a rebuild in Lambda needs;
    returns the store's name."""
    from site_builder.content.audience import store_audience
    from site_builder.content.languages_store import store_languages
    from site_builder.content.theme_store import store_theme

    store = site_store(site)
    store_theme(root, bundle.site, store)
    store_languages(site.languages, store)
    store_audience(site.audience, store)  # before the bundle: see site_builder.content.audience
    store.put(BUNDLE_KEY, dump_json(bundle.model_dump(mode="json", by_alias=True)))
    return store_name(store)


@dataclass(frozen=True)
class Compiled:
    text: str
    """The bundle as JSON."""
    stored_in: str | None
    """The store it was written to (as `store_name` says it), or None."""


def store_name(store: Store) -> str:
    """The store as a person finds it: `s3://bucket/prefix`, or its folder as a path from the
    current directory (`./data`), absolute when it is elsewhere."""
    return store.location if not isinstance(store, LocalStore) else shown_path(store.root)


def gate_component(
    root: Path,
    component_id: str,
    *,
    duration: str,
    every: str,
    max_failures: int,
    on_probe: Callable[[GateProbe], None],
) -> GateResult:
    """Probe one component's check repeatedly; raises GateFailed when it fails too often."""
    from site_builder.deploy.gate import run_gate

    site, problems = check_site(root, None)  # references stay; the probe resolves them itself
    if site is None:
        raise ContentError(problems)
    try:
        seconds, interval = parse_duration(duration), parse_duration(every)
    except ValueError as error:
        raise StatusgenError(f"gate: {error}") from None
    return run_gate(
        site.bundle,
        component_id,
        store=site_store(site),
        duration=seconds,
        every=interval,
        max_failures=max_failures,
        on_probe=on_probe,
    )


@dataclass(frozen=True)
class BuildResult:
    built: BuildReport
    published: PublishReport
    notified: Any | None
    """What notifying subscribers did (its text is one line), or None when none are configured."""
    internal: BuildReport | None = None
    """What building the internal site did, when there is one (`internal:`)."""

    def lines(self) -> list[str]:
        """One line per step, with counts that add up: rendered + reused = built, and written +
        unchanged = built (deleted files are no longer part of the site)."""
        built, published = self.built, self.published
        lines = [
            f"built {_count(built.files, 'file')}: {built.files - built.skipped} rendered, "
            f"{built.skipped} reused from the cache",
            f"published to {shown_path(published.target)}: {len(published.uploaded)} written, "
            f"{published.unchanged} unchanged, {len(published.deleted)} deleted",
        ]
        if published.not_deleted:
            lines[-1] += f" ({len(published.not_deleted)} could not be deleted: retried next time)"
        if published.invalidation_id:
            lines[-1] += f"; CloudFront invalidation {published.invalidation_id}"
        if self.internal is not None:
            inside = self.internal.published
            lines.append(
                f"internal site: built {_count(self.internal.files, 'file')}, published to "
                f"{shown_path(inside.target)}: {len(inside.uploaded)} written, {inside.unchanged} "
                f"unchanged, {len(inside.deleted)} deleted"
            )
        if self.notified is not None:
            lines.append(str(self.notified))
        return lines

    def describe(self) -> str:
        return "\n".join(self.lines())


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def build_and_publish(
    root: Path,
    *,
    out: str | None,
    now: datetime,
    notify: bool,
    s3_client: S3Client | None = None,
    sources: Inputs | None = None,
) -> BuildResult:
    """Load and validate the site, build it and publish what changed to its target.

    Validation happens before anything is rendered, and everything is rendered before anything
    is written, so a failed build publishes nothing. The build is recorded with what it read, so
    that `statusgen build` can tell when a rebuild would change nothing (`site_builder.builder.last_build`);
    `sources` are the site's sources as `last_build.read_sources` took them just before, if it did.
    """
    sources = sources or read_sources(root, out=out)  # before any of them is read
    return_large_blocks_promptly()  # a build's peak memory: see checker.allocator
    site = load_site(root, while_parsing=_import_the_builder)
    store = site_store(site)
    inputs = _site_inputs(sources, site, store, out)  # before the summary, stylesheet and logo are read
    summary = load_summary(store)
    return build_site_and_publish(site, summary, out=out, now=now, notify=notify, s3_client=s3_client, inputs=inputs)


def _import_the_builder() -> None:
    """Import what renders the site (Jinja, the API's models, the pages): done while a second
    process starts parsing the incident files, it is ready when they are."""
    import site_builder.builder.site  # noqa: F401


def _site_inputs(sources: Inputs, site: Site, store: Store, out: str | None) -> Inputs:
    """`sources` and the files only the loaded site names: its summary (with the parts of a
    sharded checker's) when the store is a folder, its stylesheet and logo."""
    files: list[Path] = []
    if isinstance(store, LocalStore):
        files.append(store.root / SUMMARY_KEY)
        with contextlib.suppress(OSError, ValueError, TypeError, AttributeError):
            files += [store.root / str(key) for key in json.loads(files[0].read_bytes()).get("parts", [])]
    settings = site.bundle.site
    files += [(site.root / name).resolve() for name in (settings.custom_css, settings.logo) if name]
    target = out or site.config.publish
    # The internal site's operations view reads store files a build record does not follow.
    return sources.with_site(
        files=files,
        zone=settings.time_zone,
        notifies=site.bundle.subscribers is not None,
        recordable=isinstance(store, LocalStore) and not target.startswith("s3://") and site.config.internal is None,
    )


def build_site_and_publish(
    site: Site,
    summary: Summary | None,
    *,
    out: str | None,
    now: datetime,
    notify: bool,
    s3_client: S3Client | None = None,
    inputs: Inputs | None = None,
) -> BuildResult:
    """Build the loaded site and publish what changed to `out` or its `publish:` target, then
    notify subscribers. With the `inputs` it was read from, the build is recorded (see
    `build_and_publish`)."""
    from site_builder.builder.site import build_and_publish_site

    # Straight to the target, each changed file written once: the target's own listing and
    # manifest say what is live (so a lost `.statusgen/` or a fresh clone never leaves a removed
    # incident published), and the cache of each file's inputs only spares rendering.
    public_summary = site.audience.public_summary(summary)
    built = build_and_publish_site(
        site.public_bundle,
        public_summary,
        out or site.config.publish,
        base=site.root,
        now=now,
        theme=site.root,
        cache=site.root / BUILD_CACHE,
        cloudfront_distribution=site.config.cloudfront_distribution,
        s3_client=s3_client,
        inputs=inputs,
        languages=site.public_languages,
    )
    internal = None
    if site.config.internal is not None and is_configured_target(site, out):  # `--out` previews the public site
        from site_builder.internal.site import build_internal_site

        internal = build_internal_site(site, summary, now=now, s3_client=s3_client)
    notified: Any = None
    if site.bundle.subscribers is None:
        pass  # nobody to tell, so nothing to say
    elif notify and not is_configured_target(site, out):
        # A build elsewhere is a preview: what it shows is not public yet, so nobody is told.
        notified = f"subscribers not notified: {shown_path(out or '')} is not the configured publish target"
    elif notify:
        notified = notify_subscribers(site, summary, now=now)
    return BuildResult(built=built, published=built.published, notified=notified, internal=internal)


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

    return send(site.public_bundle, site_store(site), now=now, summary=site.audience.public_summary(summary))


def publish_folder(site: Site) -> Path:
    """The folder the site is published to; serving an S3 target locally makes no sense."""
    if site.config.publish.startswith("s3://"):
        raise StatusgenError(f"publish is {site.config.publish}: serve a local build with --dir DIR")
    path = Path(site.config.publish)
    return path if path.is_absolute() else site.root / path
