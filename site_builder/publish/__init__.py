"""Publish a site to a folder or to S3, uploading only what changed, in an order that keeps the
live site whole, with one CloudFront invalidation.

    targets.py     where a site goes: a folder or `s3://bucket/prefix`
    manifest.py    what the target holds, per its listing and the manifest kept there
    headers.py     Content-Type and Cache-Control of each file
    order.py       assets before the pages that use them, deletions last
    cloudfront.py  one invalidation for the changed paths
    publisher.py   the publish itself
"""

from site_builder.publish.cloudfront import MAX_INVALIDATION_PATHS, invalidate, invalidation_paths
from site_builder.publish.headers import IMMUTABLE, SHORT_LIVED, cache_control, content_type, is_hashed_asset
from site_builder.publish.manifest import MANIFEST_NAME, LiveFile, LiveSite, Manifest, read_live_site
from site_builder.publish.order import upload_batches
from site_builder.publish.publisher import PublishReport, local_files, publish, publish_files
from site_builder.publish.targets import FolderTarget, S3Target, Target, open_target

__all__ = [
    "IMMUTABLE",
    "MANIFEST_NAME",
    "MAX_INVALIDATION_PATHS",
    "SHORT_LIVED",
    "FolderTarget",
    "LiveFile",
    "LiveSite",
    "Manifest",
    "PublishReport",
    "S3Target",
    "Target",
    "cache_control",
    "content_type",
    "invalidate",
    "invalidation_paths",
    "is_hashed_asset",
    "local_files",
    "open_target",
    "publish",
    "publish_files",
    "read_live_site",
    "upload_batches",
]
