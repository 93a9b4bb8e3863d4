"""The S3 store through moto: conditional writes, retries, and whole runs over real HTTP."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from checker.aws import S3_ATTEMPTS, retry_config
from checker.derived.rebuild import rebuild
from checker.errors import PreconditionFailed, StoreError
from checker.run import run_checks
from checker.store import open_store
from checker.store.s3 import S3Store
from checker.summary import SUMMARY_KEY, load_summary
from tests.checker.checker_support import T0, LoopbackServer, http_component, make_bundle

BUCKET = "statusgen-test"  # made by the s3_client fixture (conftest.py)


def test_from_url_splits_bucket_and_prefix(s3_client: Any) -> None:
    store = S3Store.from_url(f"s3://{BUCKET}/status/prod", client=s3_client)
    store.put("state.json", b"{}")
    assert s3_client.get_object(Bucket=BUCKET, Key="status/prod/state.json")["Body"].read() == b"{}"
    assert list(store.list("")) == ["state.json"]
    assert store.location == f"s3://{BUCKET}/status/prod"
    with pytest.raises(StoreError, match="not an S3 address"):
        S3Store.from_url("s3:///nothing")


def test_open_store_picks_s3_for_s3_urls() -> None:
    assert isinstance(open_store(f"s3://{BUCKET}/x"), S3Store)


def test_conditional_writes(s3_client: Any) -> None:
    store = S3Store(BUCKET, "p", client=s3_client)
    etag = store.put("k.json", b"1", if_none_match=True)
    with pytest.raises(PreconditionFailed):
        store.put("k.json", b"2", if_none_match=True)
    with pytest.raises(PreconditionFailed):
        store.put("k.json", b"2", if_match='"not-the-etag"')
    with pytest.raises(PreconditionFailed):
        store.put("absent.json", b"2", if_match=etag)
    store.put("k.json", b"3", if_match=etag)
    obj = store.get("k.json")
    assert obj is not None and obj.data == b"3"
    assert store.get("nothing.json") is None
    store.delete("k.json")
    store.delete("k.json")
    assert store.get("k.json") is None


def test_update_json_retries_when_another_writer_wins(s3_client: Any) -> None:
    store = S3Store(BUCKET, client=s3_client)
    store.put_json("counter.json", {"n": 0})
    raced = []

    def add_one(current: Any) -> Any:
        if not raced:  # another writer gets in between our read and our write, once
            raced.append(True)
            store.put_json("counter.json", {"n": 10})
        return {"n": current["n"] + 1}

    assert store.update_json("counter.json", add_one) == {"n": 11}
    assert store.get_json("counter.json") == {"n": 11}


class ScriptedAnswers:
    """Answers a client's next requests with made-up S3 errors, in order, before they leave the
    machine; botocore's retry handler takes them for S3's own. Then requests go through."""

    def __init__(self, client: Any) -> None:
        self.errors: list[tuple[int, str]] = []
        self.requests = 0
        # First in line, ahead of moto's own before-send stub.
        client.meta.events.register_first("before-send.s3.*", self._before_send)

    def _before_send(self, request: Any, **_: Any) -> AWSResponse | None:
        self.requests += 1
        if not self.errors:
            return None
        status, code = self.errors.pop(0)
        body = f"<?xml version='1.0' encoding='UTF-8'?><Error><Code>{code}</Code></Error>".encode()
        return AWSResponse(request.url, status, {"Content-Type": "application/xml"}, _Raw(body))  # type: ignore[arg-type]


class _Raw:
    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **_: Any) -> Any:
        yield self._data


def test_throttling_is_retried_by_botocore_and_then_reported(aws_env: None, moto_url: str, unique_name: str) -> None:
    # The store's promise lives in its client's retry configuration, nowhere else: each call is
    # at most `attempts` requests, however the failures are mixed. moto's server, not moto in
    # process: in process, moto would carry out a request whose answer is made up here.
    client = boto3.client("s3", region_name="us-east-1", endpoint_url=moto_url, config=retry_config(attempts=3))
    client.create_bucket(Bucket=unique_name)
    answers = ScriptedAnswers(client)
    store = S3Store(unique_name, client=client)
    answers.errors = [(503, "SlowDown"), (500, "InternalError")]
    assert store.put("k", b"x") == client.head_object(Bucket=unique_name, Key="k")["ETag"]
    assert answers.requests == 4  # three tries of the put, and the head
    answers.errors = [(503, "SlowDown")] * 3
    with pytest.raises(StoreError, match=f"s3://{unique_name}/k: S3 answered SlowDown"):
        store.put("k", b"y")
    assert answers.requests == 7
    answers.errors = [(403, "AccessDenied")]
    with pytest.raises(StoreError, match="S3 answered AccessDenied"):
        store.get("k")
    assert answers.requests == 8  # not worth retrying
    stored = store.get("k")
    assert stored is not None and stored.data == b"x"


def test_the_store_makes_its_client_with_its_attempts(aws_env: None) -> None:
    retries = S3Store(BUCKET, attempts=3).client.meta.config.retries
    assert retries == {"mode": "standard", "total_max_attempts": 3}
    assert S3Store(BUCKET).client.meta.config.retries == {"mode": "standard", "total_max_attempts": S3_ATTEMPTS}


def test_a_failed_write_leaves_nothing_half_written(s3_client: Any) -> None:
    store = S3Store(BUCKET, client=s3_client, attempts=1)
    store.put_json("state.json", {"v": 1})
    with Stubber(s3_client) as stub:
        stub.add_client_error("put_object", "InternalError", http_status_code=500)
        with pytest.raises(StoreError):
            store.put_json("state.json", {"v": 2})
    assert store.get_json("state.json") == {"v": 1}


def test_runs_and_rebuild_over_real_http(aws_env: None, moto_url: str, unique_name: str) -> None:
    client = boto3.client("s3", region_name="us-east-1", endpoint_url=moto_url)
    client.create_bucket(Bucket=unique_name)
    store = S3Store.from_url(f"s3://{unique_name}/status", client=client)
    endpoint = LoopbackServer({})
    try:
        bundle = make_bundle(
            [http_component("api", endpoint.url("/missing"))], checker={"interval": 60, "failure_threshold": 1}
        )
        from datetime import timedelta

        reports = [run_checks(bundle, store, now=T0 + timedelta(minutes=n), run_id=f"r{n}") for n in range(3)]
    finally:
        endpoint.close()
    assert [len(r.transitions) for r in reports] == [1, 0, 0]  # down from the first run
    summary = load_summary(store)
    assert summary is not None and summary.components[0].status == "major_outage"
    before = store.get(SUMMARY_KEY)
    rebuild(bundle, store, now=T0 + timedelta(minutes=2))
    after = store.get(SUMMARY_KEY)
    assert before is not None and after is not None and before.data == after.data
    keys = list(store.list("runs/"))
    assert len(keys) == 3 and all(k.startswith("runs/2026/11/20/") for k in keys)


def test_errors_without_an_s3_code_are_store_errors(s3_client: Any) -> None:
    store = S3Store(BUCKET, client=s3_client, attempts=1)
    with Stubber(s3_client) as stub:
        stub.add_client_error("list_objects_v2", "NoSuchBucket", http_status_code=404)
        with pytest.raises(StoreError, match="S3 answered NoSuchBucket"):
            list(store.list("runs/"))
    assert isinstance(ClientError, type)
