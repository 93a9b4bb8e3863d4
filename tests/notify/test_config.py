"""`alerts:` and `subscribers:` in statuspage.yaml: mistakes are named where they are."""

from __future__ import annotations

from pathlib import Path

from checker.secrets import KeepReferences
from site_builder.content.config import load_config

FIXTURES = Path(__file__).parent.parent / "fixtures" / "notify"


def test_mistakes_name_the_line_and_suggest_the_fix():
    config, _, problems = load_config(FIXTURES / "site-with-typos", KeepReferences())
    assert config is None
    assert [str(p) for p in problems] == [
        "statuspage.yaml:6: alerts: routes[0] names channel 'pagr', which is not in "
        "alerts.channels; did you mean 'pager'? (known: chat, pager)",
        "statuspage.yaml:15: subscribers.email.backend: 'smpt' is not allowed here; did you mean "
        "'smtp'? (one of: outbox, smtp, ses)",
    ]


def test_secrets_stay_references_until_sending():
    config, _, problems = load_config(FIXTURES / "site", KeepReferences())
    assert problems == []
    assert config is not None and config.alerts is not None and config.subscribers is not None
    assert config.alerts.channels["chat"].url == "${SLACK_URL}"  # type: ignore[union-attr]
    assert config.subscribers.email.smtp_password == "${SMTP_PASSWORD}"
    assert config.alerts.routes[0].remind_every == 1800.0
