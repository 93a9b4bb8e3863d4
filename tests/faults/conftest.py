"""Fixtures of the faults suite; its helpers live in tests/faults/faults_support.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from checker.store import LocalStore, Store
from checker.store.s3 import S3Store
from tests.faults.faults_support import Endpoints


@pytest.fixture
def endpoints() -> Iterator[Endpoints]:
    running = Endpoints()
    yield running
    running.close()


@pytest.fixture(params=["folder", "moto"])
def store_spec(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, Store]:
    """A worker's `--store` argument and the same store opened here: a folder, or a bucket of
    its own on the shared moto server."""
    if request.param == "folder":
        return str(tmp_path / "data"), LocalStore(tmp_path / "data")
    request.getfixturevalue("aws_env")
    url = request.getfixturevalue("moto_url")
    client = boto3.client("s3", region_name="us-east-1", endpoint_url=url)
    bucket = request.getfixturevalue("unique_name")
    client.create_bucket(Bucket=bucket)
    return f"s3:{url}/{bucket}", S3Store(bucket, "status", client=client)
