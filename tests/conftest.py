"""Fixtures every suite shares: AWS stand-ins (moto in process, and moto's server over HTTP),
headless Chromium, and the end-of-session counts of faults and hostile inputs tried."""

import itertools
from collections.abc import Iterator
from typing import Any

import pytest
from moto import mock_aws

from tests.helpers import CHROMIUM, CHROMIUM_ARGS, TOTALS


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake credentials and a region (us-east-1), so boto3 never looks for real ones."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)


@pytest.fixture
def aws(aws_env: None) -> Iterator[None]:
    """moto in process for one test: every boto3 client made meanwhile talks to a fresh, empty AWS."""
    with mock_aws():
        yield


@pytest.fixture(scope="session")
def moto_url() -> Iterator[str]:
    """moto's server (every AWS service it emulates) on loopback over real HTTP, shared by a
    worker's tests: each test makes its own buckets and stacks (see `unique_name`)."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless, driven by Playwright (the tests that use it are marked to skip
    when it is not installed)."""
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def unique_name(request: pytest.FixtureRequest) -> str:
    """A bucket or stack name no other test of the session uses, for tests on the shared `moto_url`:
    the test's own name, cut to S3's 63 characters, with a counter."""
    stem = "".join(c if c.isalnum() else "-" for c in request.node.name.lower()).strip("-")
    return f"{stem[:50].rstrip('-')}-{next(_NAMES_GIVEN)}"


_NAMES_GIVEN = itertools.count(1)


def pytest_sessionfinish(session: pytest.Session) -> None:
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:  # a pytest-xdist worker: the controller prints the sums
        workeroutput["totals"] = dict(TOTALS)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    """pytest-xdist: a worker finished; add what it tried."""
    TOTALS.update(getattr(node, "workeroutput", {}).get("totals", {}))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if TOTALS:
        terminalreporter.write_sep("-", "faults and hostile inputs tried")
        for name, count in sorted(TOTALS.items()):
            terminalreporter.write_line(f"{name}: {count}")
