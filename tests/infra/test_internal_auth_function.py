"""The internal site's CloudFront Function (infra/template.yaml), executed with node against a
stubbed KeyValueStore holding records made by `statusgen internal credential`'s code: the right
user and password pass (and folder addresses get their index.html), anything else is a 401 that
makes a browser ask."""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from samtranslator.yaml_helper import yaml_parse

from site_builder.internal.access import credential_record
from tests.infra.infra_support import TEMPLATE

NODE = shutil.which("node")
needs_node = pytest.mark.skipif(NODE is None, reason="node is not installed (apt-get install nodejs)")

PASSWORD = "correct horse battery staple"
RECORDS = {"staff": credential_record(PASSWORD, salt="5a1t")}

# Stands in for CloudFront's `cloudfront` module: kvs(id).get(key) resolves to the value, or
# rejects for a missing key, as the real store does. Records which store id the code asked for.
STUB = """
var askedStore = null;
var cf = { kvs: function (id) { askedStore = id; return { get: function (key) {
  var records = JSON.parse(process.argv[2]);
  return Object.prototype.hasOwnProperty.call(records, key)
    ? Promise.resolve(records[key]) : Promise.reject(new Error('key not found'));
} }; } };
"""
HARNESS = """
var cases = JSON.parse(process.argv[3]);
Promise.all(cases.map(function (c) {
  var headers = c.authorization === null ? {} : { authorization: { value: c.authorization } };
  return handler({ version: '1.0', context: { eventType: 'viewer-request' }, viewer: { ip: '127.0.0.1' },
                   request: { method: 'GET', uri: c.uri, querystring: {}, headers: headers, cookies: {} } });
})).then(function (answers) { console.log(JSON.stringify({ store: askedStore, answers: answers })); });
"""


def function_code() -> str:
    template = yaml_parse(TEMPLATE.read_text(encoding="utf-8"))
    code = template["Resources"]["InternalAuthFunction"]["Properties"]["FunctionCode"]["Fn::Sub"]
    assert isinstance(code, str)
    return code


def run(cases: list[dict[str, Any]], tmp_path: Path) -> dict[str, Any]:
    assert NODE is not None
    code = function_code().replace("${InternalCredentials.Id}", "kvs-id")
    code = code.replace("import cf from 'cloudfront';", STUB)
    script = tmp_path / "function.mjs"
    script.write_text(code + HARNESS, encoding="utf-8")
    result = subprocess.run(
        [NODE, str(script), json.dumps(RECORDS), json.dumps(cases)], capture_output=True, text=True, check=True
    )
    answer = json.loads(result.stdout)
    assert isinstance(answer, dict)
    return answer


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def test_the_function_names_its_store_and_nothing_else_in_the_template() -> None:
    code = function_code()
    assert code.lstrip().startswith("import cf from 'cloudfront';")
    # The only substitution is the store's id: a stray ${...} would be CloudFormation's to fill.
    assert re.findall(r"\$\{[^}]*\}", code) == ["${InternalCredentials.Id}"]
    assert PASSWORD not in TEMPLATE.read_text(encoding="utf-8")


@needs_node
def test_the_right_password_passes_and_folders_get_their_index(tmp_path: Path) -> None:
    answer = run(
        [
            {"uri": "/operations/", "authorization": basic("staff", PASSWORD)},
            {"uri": "/components/api", "authorization": basic("staff", PASSWORD)},
            {"uri": "/assets/style.1a2b.css", "authorization": "basic " + basic("staff", PASSWORD)[6:]},
        ],
        tmp_path,
    )
    assert answer["store"] == "kvs-id"
    assert [a.get("uri") for a in answer["answers"]] == [
        "/operations/index.html",
        "/components/api/index.html",
        "/assets/style.1a2b.css",
    ]
    assert all("statusCode" not in a for a in answer["answers"])


@needs_node
def test_anything_else_is_refused_with_a_challenge(tmp_path: Path) -> None:
    refused = [
        None,  # no credentials at all
        basic("staff", PASSWORD + "x"),  # wrong password
        basic("staff", PASSWORD[:-1]),  # a prefix of the right one
        basic("staff", ""),  # empty password
        basic("nobody", PASSWORD),  # unknown user with the right password
        basic("", PASSWORD),  # no user
        "Bearer " + PASSWORD,  # another scheme
        "Basic !!!not-base64!!!",
        "Basic " + base64.b64encode(b"staff").decode(),  # no colon
        basic("staff", RECORDS["staff"]),  # the stored record itself is not the password
    ]
    answer = run([{"uri": "/index.html", "authorization": value} for value in refused], tmp_path)
    for value, response in zip(refused, answer["answers"], strict=True):
        assert response["statusCode"] == 401, value
        assert response["headers"]["www-authenticate"]["value"] == 'Basic realm="statusgen internal", charset="UTF-8"'
        assert response["headers"]["cache-control"]["value"] == "no-store"
        assert "uri" not in response


@needs_node
def test_a_record_of_another_form_lets_nobody_in(tmp_path: Path) -> None:
    global RECORDS
    saved = RECORDS
    RECORDS = {"staff": "plain:" + PASSWORD, "other": "sha256:salt"}
    try:
        answer = run(
            [
                {"uri": "/", "authorization": basic("staff", PASSWORD)},
                {"uri": "/", "authorization": basic("other", "")},
            ],
            tmp_path,
        )
    finally:
        RECORDS = saved
    assert [a["statusCode"] for a in answer["answers"]] == [401, 401]


def test_the_comparison_has_no_early_exit() -> None:
    """Timing: both digests are computed for every request, an unknown user included, and the
    comparison runs over all 64 characters whatever differs."""
    code = function_code()
    compare = code[code.index("function sameHex") : code.index("async function handler")]
    loop = compare[compare.index("for (") : compare.index("return")]
    assert compare.count("return") == 1 and not re.search(r"===|!==|break", loop), loop
    handler = code[code.index("async function handler") :]
    assert handler.index("createHash") < handler.index("refuse()")  # hashed before any refusal
