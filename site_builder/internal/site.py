"""Build the internal site: the whole bundle (internal components and incidents included) and the
operations view, published to `internal.publish` with its own build cache."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from checker.store import open_store
from checker.summary import Summary
from site_builder.content.site import Site

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

    from site_builder.builder.site import BuildReport

INTERNAL_CACHE = Path(".statusgen") / "internal-build.json"
"""The internal site's cache of each file's inputs, relative to the site's root (not committed)."""


def build_internal_site(
    site: Site,
    summary: Summary | None,
    *,
    now: datetime,
    s3_client: S3Client | None = None,
) -> BuildReport:
    """Build the internal site of `site` (which has `internal:`) and publish what changed."""
    from site_builder.builder.site import build_and_publish_site
    from site_builder.internal.operations import load_operations
    from site_builder.internal.operations_page import operations_outputs

    settings = site.config.internal
    assert settings is not None
    shown = site.bundle.site if settings.url is None else site.bundle.site.model_copy(update={"url": settings.url})
    # Subscriptions are the public's: the internal pages carry no subscribe form.
    bundle = site.bundle.model_copy(update={"site": shown, "subscribers": None})
    store = open_store(site.config.store, base=site.root)
    operations = load_operations(site.bundle, site.audience.components, store, summary, now=now)
    names = {c.id: c.name for c in site.bundle.components}
    return build_and_publish_site(
        bundle,
        summary,
        settings.publish,
        base=site.root,
        now=now,
        theme=site.root,
        cache=site.root / INTERNAL_CACHE,
        cloudfront_distribution=settings.cloudfront_distribution,
        s3_client=s3_client,
        languages=site.languages,
        extra=operations_outputs(operations, names, shown.name, shown.time_zone),
    )


def internal_folder(site: Site) -> Path | None:
    """The folder the internal site is published to; None without `internal:` or when it is
    published to S3 (then there is nothing to serve here)."""
    settings = site.config.internal
    if settings is None or settings.publish.startswith("s3://"):
        return None
    path = Path(settings.publish)
    return path if path.is_absolute() else site.root / path
