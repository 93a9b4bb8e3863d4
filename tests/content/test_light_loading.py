"""Loading and validating a site, which every pull request and every command does, loads only
what validation needs: no probe runtime, no renderers, no mail or HTTP client, no AWS SDK."""

from __future__ import annotations

import json
import subprocess
import sys

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
