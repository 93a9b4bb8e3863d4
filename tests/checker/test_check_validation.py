"""A check that could only fail at run time is refused by `statusgen validate` instead, naming
file:line:key; and what cannot be known before the run (a missing secret) fails one component,
never the run."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from site_builder.cli import main
from tests.checker.checker_support import LoopbackServer, answer

BAD_CHECKS = """\
site: {name: Example}
components:
  - id: api
    name: API
    check: {type: http, url: "http://127.0.0.1:1/", body_regex: "([a-z"}
  - id: dns
    name: DNS
    check: {type: dns, name: example.test, resolver: "not an ip"}
  - id: web
    name: Web
    check:
      type: http
      url: http://127.0.0.1:1/
      headers: {"Bad Header": x}
      json: {"db..ok": true}
      redirect_hosts: ["not a host"]
"""


def test_validate_names_each_bad_check_by_file_line_and_key(tmp_path: Path) -> None:
    (tmp_path / "statuspage.yaml").write_text(BAD_CHECKS)
    result = CliRunner().invoke(main, ["validate", "--root", str(tmp_path)])
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "statuspage.yaml:5: components[0].check.body_regex: '([a-z' is not a valid regular "
        "expression: unterminated character set at position 5",
        "statuspage.yaml:8: components[1].check.resolver: 'not an ip' is not an IP address, "
        "optionally with a port, such as 10.0.0.2 or 10.0.0.2:5353",
        "statuspage.yaml:14: components[2].check.headers: 'Bad Header' is not a valid header name "
        "(letters, digits and - only)",
        "statuspage.yaml:15: components[2].check.json: 'db..ok' is not a JSON path such as status or db.healthy",
        "statuspage.yaml:16: components[2].check.redirect_hosts: 'not a host' is not a host name "
        "such as login.example.com (or *)",
        "5 problems found",
    ]


def test_a_missing_secret_fails_its_own_component_and_every_other_probe_runs(tmp_path: Path) -> None:
    server = LoopbackServer({"/ok": answer(200)})
    try:
        (tmp_path / "statuspage.yaml").write_text(f"""\
site: {{name: Example}}
components:
  - id: api
    name: API
    check: {{type: http, url: "{server.url("/ok")}", timeout: 2}}
  - id: billing
    name: Billing
    check: {{type: http, url: "{server.url("/ok")}", headers: {{X-Key: "${{BILLING_KEY_UNSET}}"}}}}
  - id: nightly
    name: Nightly job
    check: {{type: heartbeat, every: 1d, token: "${{NIGHTLY_TOKEN_UNSET}}"}}
""")
        result = CliRunner().invoke(main, ["check", "--root", str(tmp_path)])
    finally:
        server.close()
    assert result.exit_code == 0, result.output
    rows = {line.split()[0]: line for line in result.output.splitlines()}
    assert "up" in rows["api"].split()
    assert rows["billing"].endswith("configuration: ${BILLING_KEY_UNSET} is not set")
    assert rows["nightly"].endswith("no report yet")
