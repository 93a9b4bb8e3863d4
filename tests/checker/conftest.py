"""Fixtures of the checker tests; their helpers live in tests/checker/checker_support.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from checker.store import LocalStore
from tests.checker.checker_support import LoopbackServer, answer


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    running = LoopbackServer({"/ok": answer(200)})
    yield running
    running.close()


@pytest.fixture
def s3_client(aws: None) -> Any:
    """An S3 client on moto, in process (tests/conftest.py), with the bucket `statusgen-test`."""
    client = boto3.client("s3", region_name="us-east-1")
    client.create_bucket(Bucket="statusgen-test")
    return client


@pytest.fixture
def store(tmp_path: Path) -> LocalStore:
    return LocalStore(tmp_path / "data")
