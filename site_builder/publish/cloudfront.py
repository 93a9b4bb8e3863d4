"""One CloudFront invalidation per publish, for the paths whose content changed."""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from checker.errors import PublishError
from site_builder.publish.headers import SHORT_LIVED, is_hashed_asset

MAX_INVALIDATION_PATHS = 15
"""Above this many changed paths one `/*` is invalidated instead: CloudFront bills per path, and a
page rebuilt every minute would otherwise pay for each changed file on each run."""


def invalidation_paths(paths: Iterable[str]) -> list[str]:
    """CloudFront paths for changed site paths; a directory index is also served at its folder.
    New content-hashed assets need none: nothing can have cached a name that did not exist."""
    out: set[str] = set()
    for path in paths:
        out.add("/" + quote(path, safe="/~"))
        if path == "index.html" or path.endswith("/index.html"):
            out.add("/" + quote(path.removesuffix("index.html"), safe="/~"))
    if len(out) > MAX_INVALIDATION_PATHS:
        return ["/*"]
    return sorted(out)


def invalidate_changes(
    distribution: str, uploaded: list[str], deleted: list[str], *, client: Any, now: datetime | None
) -> str | None:
    """Invalidate what a publish changed (uploaded files that are not new assets, and deleted
    files); the invalidation's id, or None when nothing needed one."""
    paths = invalidation_paths([p for p in uploaded if not is_hashed_asset(p)] + deleted)
    if not paths:
        return None
    return invalidate(distribution, paths, client=client, now=now or datetime.now(UTC))


def invalidate_quietly(distribution: str, uploaded: list[str], *, client: Any, now: datetime | None) -> None:
    """After a failed publish, still refresh the CDN for what was written; the failure is what to report."""
    # If this fails too, the pages still expire within a minute (SHORT_LIVED).
    with contextlib.suppress(PublishError):
        invalidate_changes(distribution, uploaded, [], client=client, now=now)


def invalidate(distribution: str, paths: list[str], *, client: Any, now: datetime) -> str:
    """Create one CloudFront invalidation for `paths`; return its id."""
    from botocore.exceptions import BotoCoreError, ClientError  # here: a folder publish never loads botocore

    if client is None:
        import boto3

        from checker.aws import retry_config

        client = boto3.client("cloudfront", config=retry_config())  # the publisher's S3 retry policy
    reference = "statusgen-" + hashlib.sha256((now.isoformat() + "\n" + "\n".join(paths)).encode()).hexdigest()[:32]
    try:
        answer = client.create_invalidation(
            DistributionId=distribution,
            InvalidationBatch={"Paths": {"Quantity": len(paths), "Items": paths}, "CallerReference": reference},
        )
    except ClientError as error:
        code = str(error.response.get("Error", {}).get("Code", "error"))
        raise PublishError(
            f"CloudFront distribution {distribution}: the files are published but the cache was not "
            f"invalidated ({code}); they expire within {SHORT_LIVED.rsplit('=', 1)[-1]} s"
        ) from None
    except BotoCoreError as error:
        raise PublishError(
            f"CloudFront distribution {distribution}: the files are published but the cache was not "
            f"invalidated ({type(error).__name__})"
        ) from None
    return str(answer["Invalidation"]["Id"])
