"""Fixtures of the faults suite; helpers live in faults_support (put on the path here)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent.parent / "hostile"))  # output_checks

import boto3
from faults_support import Endpoints

from checker.store import LocalStore, Store
from checker.store.s3 import S3Store


@pytest.fixture
def endpoints() -> Iterator[Endpoints]:
    running = Endpoints()
    yield running
    running.close()


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake credentials and a region, so boto3 never looks for real ones."""
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_SESSION_TOKEN": "testing", "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)


@pytest.fixture(params=["folder", "moto"])
def store_spec(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, Store]:
    """A worker's `--store` argument and the same store opened here: a folder, or a bucket of
    its own on the shared moto server."""
    if request.param == "folder":
        return str(tmp_path / "data"), LocalStore(tmp_path / "data")
    request.getfixturevalue("aws_env")
    url = request.getfixturevalue("moto_url")
    client = boto3.client("s3", region_name="us-east-1", endpoint_url=url)
    bucket = f"faults-{abs(hash(request.node.nodeid)) % 10**10}"
    client.create_bucket(Bucket=bucket)
    return f"s3:{url}/{bucket}", S3Store(bucket, "status", client=client)

