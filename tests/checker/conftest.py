"""Fixtures of the checker tests; helpers live in checker_support (put on the path here)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

sys.path.insert(0, str(Path(__file__).parent))

from checker_support import LoopbackServer, answer

from checker.store import LocalStore


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    running = LoopbackServer({"/ok": answer(200)})
    yield running
    running.close()


@pytest.fixture
def s3_client(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """An S3 client on moto, in process, with the bucket `statusgen-test`."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket="statusgen-test")
        yield client


@pytest.fixture
def store(tmp_path: Path) -> LocalStore:
    return LocalStore(tmp_path / "data")


