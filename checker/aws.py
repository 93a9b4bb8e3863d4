"""The AWS clients statusgen makes, with the one retry policy the store, the publisher and its CloudFront
invalidation rely on."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from botocore.config import Config
    from mypy_boto3_s3 import S3Client

S3_ATTEMPTS = 5
"""Tries per S3 request, the first included. botocore's standard retry mode retries throttling
(SlowDown), 5xx answers and timeouts with jittered exponential backoff; nothing else retries on
top of it, so one call is at most this many requests."""


def retry_config(attempts: int = S3_ATTEMPTS) -> Config:
    """botocore's standard retries, `attempts` tries per request (for clients a test or a caller makes)."""
    from botocore.config import Config  # slow to import: only paid for by S3 users

    return Config(retries={"mode": "standard", "total_max_attempts": attempts})


def s3_client(attempts: int = S3_ATTEMPTS) -> S3Client:
    """A boto3 S3 client with `retry_config(attempts)`, for the environment's region and credentials."""
    import boto3

    return boto3.client("s3", config=retry_config(attempts))
