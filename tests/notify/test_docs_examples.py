"""The configuration examples in docs/notifications.md are valid, so copying them works."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from checker.alerting import AlertsSettings
from checker.subscriber_settings import SubscribersSettings

DOC = Path(__file__).resolve().parents[2] / "docs" / "notifications.md"


def yaml_blocks() -> list[dict[str, object]]:
    return [yaml.safe_load(block) for block in re.findall(r"```yaml\n(.*?)```", DOC.read_text(), re.S)]


def test_alerts_example_validates():
    (alerts,) = [b["alerts"] for b in yaml_blocks() if "alerts" in b]
    settings = AlertsSettings.model_validate(alerts)
    assert [r.name for r in settings.routes] == ["core", "everything-else"]
    assert [level.after for level in settings.routes[0].all_levels()] == [0.0, 600.0, 1200.0]
    assert settings.channels["pager"].type == "pagerduty"


def test_subscribers_example_validates():
    (subscribers,) = [b["subscribers"] for b in yaml_blocks() if "subscribers" in b]
    settings = SubscribersSettings.model_validate(subscribers)
    assert settings.email.backend == "ses"
    assert settings.webhook_disable_after == 3 * 86400
