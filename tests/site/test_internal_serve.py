"""`statusgen serve` and `statusgen run` serve the internal site on its own port behind HTTP Basic
credentials, asked of a real client over 127.0.0.1; without the password they refuse to start."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.helpers import fixture

STATUSGEN = str(Path(sys.executable).with_name("statusgen"))
PASSWORD_ENV = "EXAMPLE_INTERNAL_PASSWORD"
PASSWORD = "a long enough internal password"
WAIT = 60.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    shutil.copytree(fixture("site", "internal"), root)
    return root


def environment(password: str | None) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key != PASSWORD_ENV}
    return env if password is None else {**env, PASSWORD_ENV: password}


@pytest.mark.parametrize("command", ["serve", "run"])
def test_without_the_password_nothing_is_served(site: Path, command: str) -> None:
    result = subprocess.run(
        [STATUSGEN, command, "--root", str(site), "--port", str(free_port())],
        capture_output=True,
        text=True,
        env=environment(None),
        timeout=WAIT,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"error: internal.password_env: {PASSWORD_ENV} is not set, so the internal site is not served; "
        f"set {PASSWORD_ENV} to its password, or remove `internal:`"
    ]
    assert not (site / "public").exists()  # refused before anything started


@pytest.fixture(params=["serve", "run"])
def serving(request: pytest.FixtureRequest, site: Path) -> Iterator[tuple[str, str]]:
    """The command running with the password set: (public address, internal address)."""
    if request.param == "serve":
        subprocess.run(
            [STATUSGEN, "build", "--root", str(site)],
            env=environment(PASSWORD),
            check=True,
            capture_output=True,
            timeout=WAIT,
        )
    port, internal_port = free_port(), free_port()
    process = subprocess.Popen(
        [STATUSGEN, request.param, "--root", str(site), "--port", str(port), "--internal-port", str(internal_port)],
        env=environment(PASSWORD),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    public, internal = f"http://127.0.0.1:{port}/", f"http://127.0.0.1:{internal_port}/"
    try:
        deadline = time.monotonic() + WAIT
        while True:
            try:
                if (
                    httpx.get(internal + "operations/", timeout=5).status_code in (200, 401)
                    and (site / "internal-site" / "operations" / "index.html").is_file()
                ):
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "the internal site was not served in time"
            time.sleep(0.1)
        yield public, internal
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.communicate(timeout=WAIT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()


def test_the_internal_site_asks_for_credentials_and_lets_the_right_ones_in(serving: tuple[str, str]) -> None:
    public, internal = serving
    with httpx.Client(timeout=10) as client:
        for auth in (None, ("staff", PASSWORD + "!"), ("staff", ""), ("root", PASSWORD)):
            refused = client.get(internal + "operations/", auth=auth)
            assert refused.status_code == 401, auth
            assert refused.headers["WWW-Authenticate"] == 'Basic realm="statusgen internal", charset="UTF-8"'
            assert refused.headers["Cache-Control"] == "no-store"
            assert "Operations" not in refused.text
        assert client.get(internal + "operations/index.html", headers={"Authorization": "Bearer x"}).status_code == 401
        page = client.get(internal + "operations/", auth=("staff", PASSWORD))
        assert page.status_code == 200 and "<h1>Operations</h1>" in page.text
        index = client.get(internal, auth=("staff", PASSWORD))
        assert index.status_code == 200 and "Zanzibar Queue" in index.text
        # The public site stays public, and holds nothing internal.
        front = client.get(public)
        assert front.status_code == 200 and "Zanzibar" not in front.text
        assert client.get(public + "operations/").status_code == 404
