"""The deployed functions' entry points: check then rebuild, dispatch, heartbeat, SSM secrets.

Real parts throughout: a loopback HTTP service that goes down, the folder store and a folder
publish target, a loopback server standing in for GitHub's API, moto's SSM.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import boto3
import pytest

from checker.bundle import BUNDLE_KEY
from checker.errors import StatusgenError
from checker.fanout import shard_of
from checker.store import LocalStore
from checker.store.base import StoredObject
from site_builder.lambda_entry import SsmSecrets, check_and_rebuild, heartbeat

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "infra"
T0 = datetime(2026, 11, 22, 15, 0, tzinfo=UTC)


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


class Recorder:
    """A loopback HTTP server answering `code`; remembers each request."""

    def __init__(self, code: int) -> None:
        self.code = code
        self.requests: list[tuple[str, str, dict[str, str], bytes]] = []
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                recorder.requests.append((self.command, self.path, dict(self.headers), body))
                self.send_response(recorder.code)
                payload = b"" if recorder.code == 204 else b'{"message": "Bad credentials"}'
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = _answer

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"


@pytest.fixture
def serve() -> Iterator[Callable[[int], Recorder]]:
    started: list[Recorder] = []

    def start(code: int) -> Recorder:
        recorder = Recorder(code)
        threading.Thread(target=recorder.server.serve_forever, daemon=True).start()
        started.append(recorder)
        return recorder

    yield start
    for recorder in started:
        recorder.server.shutdown()
        recorder.server.server_close()


def store_with_bundle(tmp_path: Path, *, heartbeat: bool = False, **checker: Any) -> LocalStore:
    """The fixture bundle; without `heartbeat`, only the HTTP-checked API (a heartbeat that
    never reported is down from the first run, which would change statuses by itself)."""
    bundle = fixture("lambda-bundle.json")
    bundle["checker"].update(checker)
    if not heartbeat:
        bundle["components"] = [c for c in bundle["components"] if c["id"] == "api"]
    store = LocalStore(tmp_path / "data")
    store.put_json(BUNDLE_KEY, bundle)
    return store


def scheduled(minute: int) -> dict[str, Any]:
    event = fixture("scheduled-event.json")
    event["id"] = f"run-{minute}"
    event["time"] = (T0 + timedelta(minutes=minute)).isoformat()
    return dict(event)


def api_status(public: Path) -> str:
    components = json.loads((public / "api" / "v2" / "components.json").read_text())
    return next(c["status"] for c in components["components"] if c["name"] == "API")


def run(store: LocalStore, env: dict[str, str], minute: int, **options: Any) -> dict[str, Any]:
    logged: list[str] = []
    result = check_and_rebuild(
        scheduled(minute),
        None,
        env=env,
        store=store,
        now=T0 + timedelta(minutes=minute),
        log=logged.append,
        **options,
    )
    return result


def checker_env(service: Recorder, **settings: str) -> dict[str, str]:
    """The function's environment for the bundle's check of `service`, plus `settings`."""
    return {"SERVICE_URL": service.url + "/health", "BACKUP_TOKEN": "t", **settings}


def outage(store: LocalStore, env: dict[str, str], service: Recorder) -> dict[str, Any]:
    """A healthy run, then the service fails: the second run changes a status."""
    run(store, env, 0)
    service.code = 503
    return run(store, env, 1)


def test_inline_rebuild_publishes_an_outage_in_the_same_invocation(
    serve: Callable[[int], Recorder], tmp_path: Path
) -> None:
    service = serve(200)
    store = store_with_bundle(tmp_path)
    public = tmp_path / "public"
    env = checker_env(service, STATUSGEN_SITE=str(public))

    assert "rebuild" not in run(store, env, 0)  # nothing changed: the page CI built stays

    service.code = 503
    outage = run(store, env, 1)
    assert outage["transitions"] >= 1
    assert outage["rebuild"].startswith("built ")
    assert api_status(public) == "major_outage"
    status = json.loads((public / "api" / "v2" / "status.json").read_text())
    assert status["status"]["indicator"] != "none"

    service.code = 200
    run(store, env, 2)
    assert api_status(public) == "operational"


def test_without_a_status_change_nothing_is_rebuilt_unless_every_run_is_asked(
    serve: Callable[[int], Recorder], tmp_path: Path
) -> None:
    service = serve(200)
    store = store_with_bundle(tmp_path)
    public = tmp_path / "public"
    env = checker_env(service, STATUSGEN_SITE=str(public))
    quiet = run(store, env, 0)
    assert quiet["transitions"] == 0
    assert "rebuild" not in quiet
    assert not public.exists()

    every = run(store, {**env, "STATUSGEN_REBUILD_ON": "every-run"}, 1)
    assert every["rebuild"].startswith("built ")
    assert api_status(public) == "operational"


def test_a_region_told_not_to_rebuild_only_checks(serve: Callable[[int], Recorder], tmp_path: Path) -> None:
    service = serve(200)
    store = store_with_bundle(tmp_path)
    env = checker_env(service, STATUSGEN_REBUILD="none")
    result = outage(store, env, service)
    assert result["transitions"] >= 1
    assert "rebuild" not in result


def test_inline_rebuild_without_a_publish_target_says_what_to_set(
    serve: Callable[[int], Recorder], tmp_path: Path
) -> None:
    service = serve(200)
    store = store_with_bundle(tmp_path)
    with pytest.raises(StatusgenError) as error:
        outage(store, checker_env(service), service)
    assert str(error.value) == ("rebuild: inline needs STATUSGEN_SITE (deploy the stack with RebuildMode inline)")


def test_dispatch_asks_github_to_rebuild_with_the_token_from_the_environment(
    serve: Callable[[int], Recorder], tmp_path: Path
) -> None:
    service = serve(200)
    github = serve(204)
    store = store_with_bundle(tmp_path, rebuild="dispatch")
    env = checker_env(
        service,
        STATUSGEN_GITHUB_REPOSITORY="acme/status",
        STATUSGEN_GITHUB_TOKEN="ghp_example",
        STATUSGEN_GITHUB_API=github.url,
    )
    result = outage(store, env, service)

    assert result["rebuild"] == "asked acme/status to rebuild (check-completed)"
    [(method, path, headers, body)] = github.requests
    assert (method, path) == ("POST", "/repos/acme/status/dispatches")
    assert headers["Authorization"] == "Bearer ghp_example"
    assert json.loads(body) == {"event_type": "check-completed"}


def test_a_refused_dispatch_is_reported_without_the_token(serve: Callable[[int], Recorder], tmp_path: Path) -> None:
    service = serve(200)
    github = serve(401)
    store = store_with_bundle(tmp_path, rebuild="dispatch")
    env = checker_env(
        service,
        STATUSGEN_GITHUB_REPOSITORY="acme/status",
        STATUSGEN_GITHUB_TOKEN="ghp_example",
        STATUSGEN_GITHUB_API=github.url,
    )
    with pytest.raises(StatusgenError) as error:
        outage(store, env, service)
    assert "GitHub refused the rebuild request for acme/status: 401" in str(error.value)
    assert "ghp_example" not in str(error.value)


def test_heartbeat_entry_records_a_report_with_the_right_token(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = store_with_bundle(tmp_path, heartbeat=True)
    monkeypatch.setenv("STATUSGEN_STORE", str(tmp_path / "data"))
    monkeypatch.setenv("BACKUP_TOKEN", "s3cret-heartbeat-token")
    monkeypatch.delenv("STATUSGEN_SSM_PREFIX", raising=False)

    answer = heartbeat(fixture("heartbeat-request.json"), None)

    assert answer["statusCode"] == 204
    assert store.get_json("heartbeats/nightly-backup.json") is not None
    assert heartbeat(fixture("scheduled-event.json"), None)["statusCode"] == 400


@pytest.fixture
def ssm(aws: None, monkeypatch: pytest.MonkeyPatch) -> Any:
    """SSM on moto in process (tests/conftest.py), in eu-west-1."""
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    return boto3.client("ssm", region_name="eu-west-1")


def test_secrets_come_from_ssm_and_the_functions_own_settings_win(ssm: Any) -> None:
    ssm.put_parameter(Name="/statusgen/SLACK_URL", Value="https://hooks.example/1", Type="SecureString")
    ssm.put_parameter(Name="/statusgen/alerts/PAGER_KEY", Value="pk-1", Type="SecureString")
    ssm.put_parameter(Name="/statusgen/REGION_NAME", Value="from-ssm", Type="String")
    ssm.put_parameter(Name="/other/NOT_OURS", Value="x", Type="String")
    env = {"STATUSGEN_SSM_PREFIX": "/statusgen", "REGION_NAME": "from-config"}

    loaded = SsmSecrets(ssm_client=ssm).load_into(env)

    assert loaded == 2
    assert env == {
        "STATUSGEN_SSM_PREFIX": "/statusgen",
        "REGION_NAME": "from-config",
        "SLACK_URL": "https://hooks.example/1",
        "PAGER_KEY": "pk-1",
    }


def test_a_rotated_secret_is_picked_up_after_the_refresh_interval(ssm: Any) -> None:
    ssm.put_parameter(Name="/statusgen/SLACK_URL", Value="old", Type="SecureString")
    clock = [0.0]
    secrets = SsmSecrets(ssm_client=ssm, clock=lambda: clock[0], ttl=300.0)
    env = {"STATUSGEN_SSM_PREFIX": "/statusgen"}
    secrets.load_into(env)
    ssm.put_parameter(Name="/statusgen/SLACK_URL", Value="new", Type="SecureString", Overwrite=True)

    clock[0] = 299.0
    secrets.load_into(env)
    assert env["SLACK_URL"] == "old"
    clock[0] = 301.0
    secrets.load_into(env)
    assert env["SLACK_URL"] == "new"


def test_without_a_prefix_ssm_is_not_asked() -> None:
    class Unreachable:
        def get_paginator(self, name: str) -> None:
            raise AssertionError("SSM must not be called")

    assert SsmSecrets(ssm_client=Unreachable()).load_into({}) == 0


def test_a_retried_invocation_rebuilds_in_case_the_first_attempt_died_before_publishing(
    serve: Callable[[int], Recorder], tmp_path: Path
) -> None:
    service = serve(200)
    store = store_with_bundle(tmp_path)
    public = tmp_path / "public"
    env = checker_env(service, STATUSGEN_SITE=str(public))
    first = run(store, env, 0)
    assert "rebuild" not in first

    retried = run(store, env, 0)  # the same scheduled event again

    assert retried["duplicate"] is True
    assert retried["rebuild"].startswith("built ")
    assert api_status(public) == "operational"


class CountingStore(LocalStore):
    """A folder store that counts the reads of each key."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.reads: Counter[str] = Counter()

    def get(self, key: str) -> StoredObject | None:
        self.reads[key] += 1
        return super().get(key)


def test_a_shards_worker_rebuilds_the_whole_site_from_the_one_read_of_the_bundle(
    serve: Callable[[int], Recorder], tmp_path: Path
) -> None:
    service = serve(200)
    bundle = fixture("lambda-bundle.json")
    bundle["checker"]["shards"] = 2
    api = bundle["components"][0]
    ids = [f"api-{n}" for n in range(6)]
    bundle["components"] = [{**api, "id": cid, "name": cid.upper()} for cid in ids]
    store = CountingStore(tmp_path / "data")
    store.put_json(BUNDLE_KEY, bundle)
    public = tmp_path / "public"
    env = checker_env(service, STATUSGEN_SITE=str(public), STATUSGEN_REBUILD_ON="every-run")
    shard = shard_of(ids[0], 2)
    worker = {"statusgen": "check", "run_id": "run-0", "shard": shard, "shards": 2}

    result = check_and_rebuild(worker, None, env=env, store=store, now=T0, log=lambda _: None)

    assert result["components"] == len([c for c in ids if shard_of(c, 2) == shard]) < len(ids)  # its part only
    assert result["rebuild"].startswith("built ")
    components = json.loads((public / "api" / "v2" / "components.json").read_text())["components"]
    assert sorted(c["name"] for c in components) == [cid.upper() for cid in ids]  # every component
    assert store.reads[BUNDLE_KEY] == 1
