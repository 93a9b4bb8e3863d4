import sys
from pathlib import Path
from typing import Any

import pytest

# Tests import their shared helpers as `helpers` (tests/helpers.py).
sys.path.insert(0, str(Path(__file__).parent))

from helpers import TOTALS


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
