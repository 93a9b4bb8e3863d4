"""Publish a site to a folder or to S3, uploading only what changed, in an order that keeps the
live site whole, with one CloudFront invalidation.

    targets.py     where a site goes: a folder or `s3://bucket/prefix`
    manifest.py    what the target holds, per its listing and the manifest kept there
    headers.py     Content-Type and Cache-Control of each file
    order.py       assets before the pages that use them, deletions last
    cloudfront.py  one invalidation for the changed paths
    publisher.py   the publish itself
"""
