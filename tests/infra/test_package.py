"""`statusgen package`: the Lambda zip, unpacked and run in a clean interpreter.

Builds the x86_64 variant for this interpreter's Python version (so it can run here), then runs
the checker's entry point from the unpacked zip with `python -I -S`: no site-packages, so every
import must come from the zip. pip downloads wheels from the package registry: marked `package`.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from checker.bundle import BUNDLE_KEY
from checker.errors import PackageError
from checker.store import LocalStore
from site_builder.deploy.package import package_lambda, runtime_requirements

pytestmark = pytest.mark.package

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "infra"
PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"

INVOKE = """
import json, sys
sys.path.insert(0, sys.argv[1])
import site_builder.lambda_entry as entry

class Context:
    aws_request_id = "c0ffee00-0000-4000-8000-000000000001"

event = json.load(open(sys.argv[2]))
result = entry.handler(event, Context())
import botocore, pydantic_core, site_builder
print(json.dumps({
    "result": result,
    "files": [site_builder.__file__, pydantic_core.__file__, botocore.__file__],
}))
"""


@pytest.fixture(scope="module")
def unpacked(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    out = tmp_path_factory.mktemp("dist") / "lambda.zip"
    assert package_lambda(out, arch="x86_64", python_version=PYTHON) == out
    folder = tmp_path_factory.mktemp("lambda")
    with zipfile.ZipFile(out) as archive:
        names = archive.namelist()
        assert all(info.date_time == (1980, 1, 1, 0, 0, 0) for info in archive.infolist())
        archive.extractall(folder)
    assert "site_builder/lambda_entry.py" in names
    assert "checker/handler.py" in names
    assert "templates/base.html" in names
    assert not any(name.endswith(".pyc") for name in names)
    yield folder


@pytest.fixture
def service() -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/health"
    server.shutdown()
    server.server_close()


def test_the_unpacked_zip_checks_and_publishes_in_a_clean_interpreter(
    unpacked: Path, service: str, tmp_path: Path
) -> None:
    store = LocalStore(tmp_path / "data")
    store.put_json(BUNDLE_KEY, json.loads((FIXTURES / "lambda-bundle.json").read_text()))
    public = tmp_path / "public"
    environment = {
        "STATUSGEN_STORE": str(tmp_path / "data"),
        "STATUSGEN_SITE": str(public),
        "STATUSGEN_REBUILD_ON": "every-run",
        "SERVICE_URL": service,
        "BACKUP_TOKEN": "t",
        "AWS_REGION": "eu-west-1",
    }
    answer = subprocess.run(
        [sys.executable, "-I", "-S", "-c", INVOKE, str(unpacked), str(FIXTURES / "scheduled-event.json")],
        capture_output=True,
        text=True,
        env=environment,
        cwd=tmp_path,
        timeout=90,
    )
    assert answer.returncode == 0, answer.stderr[-3000:]
    report = json.loads(answer.stdout.strip().splitlines()[-1])

    assert report["result"]["event"] == "run"
    assert report["result"]["up"] == 1
    assert report["result"]["rebuild"].startswith("built ")
    assert all(path.startswith(str(unpacked)) for path in report["files"])
    components = json.loads((public / "api" / "v2" / "components.json").read_text())
    api = next(c for c in components["components"] if c["name"] == "API")
    assert api["status"] == "operational"
    assert store.get_json("summary.json") is not None


def test_boto3_can_be_left_to_the_lambda_runtime() -> None:
    names = [r.split(">")[0].split("=")[0].lower() for r in runtime_requirements(include_boto3=False)]
    assert "boto3" not in names
    assert {"pydantic", "httpx", "jinja2"} <= set(names)
    assert "pytest" not in names  # the dev extra stays out


def test_an_unknown_architecture_is_refused_before_anything_is_downloaded(tmp_path: Path) -> None:
    with pytest.raises(PackageError) as error:
        package_lambda(tmp_path / "lambda.zip", arch="sparc")
    assert str(error.value) == "unknown architecture 'sparc': use one of arm64, x86_64"
    assert not (tmp_path / "lambda.zip").exists()
