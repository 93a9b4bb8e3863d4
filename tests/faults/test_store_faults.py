"""S3 failing under the checker: throttling, 500s, timeouts, lost answers and conflicting writes on
a seeded fraction of calls. Every run ends up stored once (or reports failure and is retried, as
Lambda retries an invocation), no summary goes backwards, and the derived data equals both a
fault-free replay of the same runs and `rollup --rebuild`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
import botocore.retries.standard
import pytest

from checker.aws import retry_config
from checker.bundle import Bundle
from checker.derived.rebuild import rebuild
from checker.errors import StoreError
from checker.run import run_checks
from checker.store.s3 import S3Store
from tests.faults.faults_support import (
    Endpoints,
    S3Faults,
    assert_counted_once,
    assert_not_backwards,
    assert_runs_stored_once,
    derived_files,
    differences,
    failing_schedule,
    fault_bundle,
    replay_without_faults,
    retry_until_done,
    run_time,
    run_until_recorded,
    summary_progress,
)

RUNS = 24


@pytest.fixture
def s3(aws_env: None, moto_url: str, unique_name: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A client of moto's server (real HTTP on loopback) with a fresh bucket, retrying as the
    store's own client does (`checker.aws`), so every injected fault meets the production retries.
    Only botocore's pauses between tries are left out: random, up to 20 s when throttled, they
    change nothing stored and made this file a minute long."""
    monkeypatch.setattr(botocore.retries.standard.ExponentialBackoff, "delay_amount", lambda _self, _context: 0.0)
    client = boto3.client("s3", region_name="us-east-1", endpoint_url=moto_url, config=retry_config())
    client.create_bucket(Bucket=unique_name)
    client.bucket = unique_name
    return client


def faulty_store(client: Any, faults: S3Faults) -> S3Store:
    faults.attach(client)
    return S3Store(client.bucket, "status", client=client)


def clean_view(client: Any) -> S3Store:
    """The same bucket read through a client without faults."""
    plain = boto3.client("s3", region_name="us-east-1", endpoint_url=client.meta.endpoint_url)
    return S3Store(client.bucket, "status", client=plain)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_runs_under_s3_faults_are_stored_once_and_add_up_like_a_run_without_faults(
    s3: Any, endpoints: Endpoints, tmp_path: Path, seed: int
) -> None:
    bundle = fault_bundle(endpoints.url(""))
    faults = S3Faults(rate=0.15, seed=seed)
    store = faulty_store(s3, faults)
    reader = clean_view(s3)
    failed_attempts = 0
    progress = None
    for index in range(RUNS):
        endpoints.codes = failing_schedule(index)
        report, failures = run_until_recorded(bundle, store, index=index)
        failed_attempts += failures
        assert report.run.id == f"run-{index:04d}"
        now = summary_progress(reader.get_json("summary.json"))
        assert_not_backwards(progress, now)
        progress = now
    assert sum(faults.injected.values()) > 20  # the faults really happened
    assert failed_attempts > 0  # and some runs had to report failure and be retried

    runs = assert_runs_stored_once(reader, {f"run-{i:04d}" for i in range(RUNS)}, components=3)
    assert_counted_once(reader, runs)
    incremental = derived_files(reader)
    reference = derived_files(replay_without_faults(bundle, runs, tmp_path / "reference"))
    assert incremental == reference, differences(incremental, reference)[:10]

    # A rebuild reads every run: at 15% it would rarely get through, since a read timeout is
    # retried by botocore in production (switched off here) and not by the store. Fewer faults.
    faults.rate = 0.05
    retry_until_done(lambda: rebuild(bundle, store, now=run_time(RUNS - 1)))
    rebuilt = derived_files(reader)
    assert rebuilt == reference, differences(rebuilt, reference)[:10]


def test_a_run_whose_answer_was_lost_is_not_counted_twice_when_lambda_retries_it(
    s3: Any, endpoints: Endpoints, tmp_path: Path
) -> None:
    """Every write of a run succeeds at S3 but the client hears a timeout; the retried invocation
    must neither store nor count the run again, and must finish what the first left undone."""
    bundle = fault_bundle(endpoints.url(""))
    for index in range(6):
        endpoints.codes = failing_schedule(index)
        faults = S3Faults(rate=1.0, seed=index, kinds=("lost",))
        store = faulty_store(s3, faults)
        with pytest.raises(StoreError):
            run_checks_once(bundle, store, index)
        faults.enabled = False
        run_until_recorded(bundle, store, index=index)
    reader = clean_view(s3)
    runs = assert_runs_stored_once(reader, {f"run-{i:04d}" for i in range(6)}, components=3)
    assert_counted_once(reader, runs)
    assert derived_files(reader) == derived_files(replay_without_faults(bundle, runs, tmp_path / "ref"))


def test_a_run_object_that_cannot_be_stored_makes_the_run_report_failure(s3: Any, endpoints: Endpoints) -> None:
    """S3 keeps answering ConditionalRequestConflict to the run object's create: the object is not
    there, so the run must fail (to be retried), not count samples that were never stored."""
    bundle = fault_bundle(endpoints.url(""))
    store = faulty_store(s3, S3Faults(rate=1.0, seed=0, kinds=("conflict",), only="/runs/"))
    with pytest.raises(StoreError, match="run"):
        run_checks_once(bundle, store, 0)
    assert clean_view(s3).get_json("summary.json") is None
    assert list(clean_view(s3).list("runs/")) == []


def run_checks_once(bundle: Bundle, store: S3Store, index: int) -> None:
    run_checks(bundle, store, now=run_time(index), region="eu-west-1", run_id=f"run-{index:04d}")
