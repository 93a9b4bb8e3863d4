"""The CloudFront function of infra/template.yaml, executed with node: every page of a built site is
reachable at its folder address with and without the trailing slash, and every file at its own."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from samtranslator.yaml_helper import yaml_parse

from tests.helpers import fixture
from tests.infra.infra_support import TEMPLATE

NODE = shutil.which("node")
needs_node = pytest.mark.skipif(NODE is None, reason="node is not installed (apt-get install nodejs)")

# Wraps the function as CloudFront calls it: one viewer-request event in, the request out.
HARNESS = """
var uris = JSON.parse(process.argv[2]);
console.log(JSON.stringify(uris.map(function (uri) {
  return handler({version: '1.0', context: {eventType: 'viewer-request'}, viewer: {ip: '127.0.0.1'},
                  request: {method: 'GET', uri: uri, querystring: {}, headers: {}, cookies: {}}}).uri;
})));
"""


def function_code() -> str:
    template = yaml_parse(TEMPLATE.read_text(encoding="utf-8"))
    code = template["Resources"]["DirectoryIndexFunction"]["Properties"]["FunctionCode"]
    assert isinstance(code, str)
    return code


def rewrite(uris: list[str], tmp_path: Path) -> list[str]:
    assert NODE is not None
    script = tmp_path / "function.js"
    script.write_text(function_code() + HARNESS, encoding="utf-8")
    result = subprocess.run([NODE, str(script), json.dumps(uris)], capture_output=True, text=True, check=True)
    rewritten = json.loads(result.stdout)
    assert isinstance(rewritten, list)
    return [str(u) for u in rewritten]


def test_the_function_keeps_to_the_shape_and_syntax_cloudfront_runs() -> None:
    code = function_code()
    assert code.lstrip().startswith("function handler(event) {")
    # ES5.1 only: no arrow functions, block-scoped declarations, template strings or classes.
    assert not re.search(r"=>|\blet\b|\bconst\b|`|\bclass\b", code), code


@needs_node
def test_folders_with_and_without_the_slash_serve_their_index(tmp_path: Path) -> None:
    cases = {
        "/": "/index.html",
        "/history": "/history/index.html",
        "/history/": "/history/index.html",
        "/history/2026-11": "/history/2026-11/index.html",
        "/incidents/2026-11-22-api-errors": "/incidents/2026-11-22-api-errors/index.html",
        "/incidents/2026-11-22-api-errors/": "/incidents/2026-11-22-api-errors/index.html",
        "/components/api": "/components/api/index.html",
        "/components/api/": "/components/api/index.html",
        "/components/metrics": "/components/metrics/index.html",
        # Files keep their address.
        "/index.html": "/index.html",
        "/history.atom": "/history.atom",
        "/api/v2/summary.json": "/api/v2/summary.json",
        "/assets/style.1a2b3c4d.css": "/assets/style.1a2b3c4d.css",
        "/badges/api/status.svg": "/badges/api/status.svg",
        "/metrics": "/metrics",
    }
    assert rewrite(list(cases), tmp_path) == list(cases.values())


@needs_node
def test_every_address_of_a_built_site_reaches_a_file(tmp_path: Path) -> None:
    from site_builder.builder.site import build_site
    from site_builder.content.site import load_site

    out = tmp_path / "public"
    site = load_site(fixture("content", "site"))
    build_site(site.bundle, None, out, now=datetime(2026, 11, 22, 16, tzinfo=UTC))
    files = sorted("/" + p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    addresses = {f: f for f in files}
    for f in files:
        if f.endswith("/index.html"):
            folder = f.removesuffix("index.html")
            addresses[folder] = f
            if folder != "/":
                addresses[folder.rstrip("/")] = f
    assert "/history" in addresses and any(a.startswith("/incidents/") for a in addresses)
    assert rewrite(list(addresses), tmp_path) == list(addresses.values())
