"""Loading and validating a site, which every pull request and every command does, loads only
what validation needs: no probe runtime, no renderers, no mail or HTTP client, no AWS SDK. A
build loads an HTTP client only when it has something to send."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.helpers import fixture

HEAVY = (
    "asyncio",
    "ssl",
    "regex",
    "checker.probes.http_client",
    "checker.probes.addresses",
    "dns",
    "httpx",
    "jinja2",
    "cmarkgfm",
    "feedgen",
    "icalendar",
    "boto3",
    "botocore",
    "smtplib",
    "site_builder.builder.site",
    "site_builder.notify.deliver",
)


def test_validating_a_site_loads_nothing_it_does_not_use() -> None:
    script = (
        "import json, sys; from pathlib import Path\n"
        "from site_builder.content.site import check_site\n"
        "site, problems = check_site(Path(sys.argv[1]), None)\n"
        "assert site is not None and not problems, problems\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script, str(fixture("content", "site"))], capture_output=True, text=True, check=True
    ).stdout
    loaded = set(json.loads(out))
    assert sorted(name for name in HEAVY if name in loaded) == []


SUBSCRIBED_SITE = """\
site:
  name: Example
  url: https://status.example.com
components:
  - id: api
    name: API
subscribers:
  token_secret: "0123456789abcdef0123456789abcdef"
  email:
    outbox: ./outbox
"""

OLD_INCIDENT = """\
---
title: Errors on the API
components:
  api: major_outage
---

## 2026-01-05 10:30 UTC resolved
Fixed.

## 2026-01-05 10:00 UTC investigating
We are looking into errors.
"""


def test_a_build_with_nothing_new_for_subscribers_loads_no_http_client(tmp_path: Path) -> None:
    """Every build of a site with subscribers works out what they are owed; a webhook client is
    loaded only when there is something to send."""
    (tmp_path / "statuspage.yaml").write_text(SUBSCRIBED_SITE)
    (tmp_path / "incidents").mkdir()
    (tmp_path / "incidents" / "2026-01-05-api-errors.md").write_text(OLD_INCIDENT)
    script = (
        "import json, sys; from pathlib import Path\n"
        "from site_builder.pipeline import build_and_publish\n"
        "from checker.bundle import utc_now\n"
        "lines = build_and_publish(Path(sys.argv[1]), out=None, now=utc_now(), notify=True).lines()\n"
        "print(json.dumps({'lines': lines, 'modules': sorted(sys.modules)}))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)], capture_output=True, text=True, check=True
    ).stdout
    answer = json.loads(out)
    assert answer["lines"][-1].startswith("subscribers: 0 sent"), answer["lines"]
    assert "site_builder.notify.deliver" in answer["modules"]  # they were considered
    assert "httpx" not in answer["modules"]
