import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# Tests import their shared helpers as `helpers` (tests/helpers.py).
sys.path.insert(0, str(Path(__file__).parent))

from helpers import TOTALS


@pytest.fixture(scope="session")
def moto_url() -> Iterator[str]:
    """moto's server (every AWS service it emulates) on loopback over real HTTP, shared by a
    worker's tests: each test makes its own buckets and stacks."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


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
