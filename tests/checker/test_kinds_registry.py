"""Check types and alert channels are registered by their settings union alone: every `type:` the
settings accept has its probe or channel, and a type whose module lacks one is refused at once."""

from __future__ import annotations

import sys
import types
from typing import Annotated, Any, Literal

import pytest
from pydantic import Field, TypeAdapter

from checker.alerting.channels import CHANNELS, ChannelConfig, ChannelKind
from checker.kinds import kinds_by_type
from checker.probes import CHECK_TYPES, PROBES, Check, Probe
from checker.strict_model import StrictModel

CHECKS: dict[str, dict[str, Any]] = {
    "http": {"url": "https://example.org/health"},
    "tcp": {"host": "db.internal", "port": 5432},
    "dns": {"name": "example.org"},
    "tls": {"host": "example.org"},
    "heartbeat": {"every": "5m", "token": "${BEAT}"},
    "statuspage": {"url": "https://www.githubstatus.com", "component": "Git Operations"},
}
CHANNEL_SETTINGS: dict[str, dict[str, Any]] = {
    "slack": {"url": "${SLACK}"},
    "discord": {"url": "${DISCORD}"},
    "teams": {"url": "${TEAMS}"},
    "webhook": {"url": "${HOOK}"},
    "pagerduty": {"routing_key": "${PD}"},
    "email": {"to": ["oncall@example.org"]},
    "telegram": {"bot_token": "${BOT}", "chat_id": "42"},
    "opsgenie": {"api_key": "${OPSGENIE}"},
}


@pytest.mark.parametrize("check_type", sorted(CHECKS))
def test_every_check_type_the_settings_accept_has_its_probe(check_type: str) -> None:
    check = TypeAdapter(Check).validate_python({"type": check_type, **CHECKS[check_type]})
    assert type(check).__module__ == f"checker.probes.{check_type}"
    assert PROBES[check.type] is sys.modules[type(check).__module__].PROBE


@pytest.mark.parametrize("channel_type", sorted(CHANNEL_SETTINGS))
def test_every_channel_type_the_settings_accept_has_its_channel(channel_type: str) -> None:
    config = TypeAdapter(ChannelConfig).validate_python({"type": channel_type, **CHANNEL_SETTINGS[channel_type]})
    kind = CHANNELS[channel_type]
    assert isinstance(config, kind.config)


def test_the_registries_hold_exactly_the_types_above() -> None:
    assert set(CHECK_TYPES) == set(PROBES) == set(CHECKS)
    assert set(CHANNELS) == set(CHANNEL_SETTINGS)


def test_a_type_whose_module_defines_no_probe_is_refused_naming_the_module() -> None:
    module = types.ModuleType("checker_test_fake_probe")

    class FakeCheck(StrictModel):
        type: Literal["fake"]

    class OtherCheck(StrictModel):
        type: Literal["other"]

    FakeCheck.__module__ = OtherCheck.__module__ = module.__name__
    sys.modules[module.__name__] = module
    try:
        union = Annotated[FakeCheck | OtherCheck, Field(discriminator="type")]
        with pytest.raises(TypeError, match=r"checker_test_fake_probe must define PROBE .* `type: fake`"):
            kinds_by_type(union, "PROBE", Probe)  # type: ignore[type-abstract]
        module.PROBE = object()  # not a probe: no `probe` method
        with pytest.raises(TypeError, match="must define PROBE"):
            kinds_by_type(union, "PROBE", Probe)  # type: ignore[type-abstract]
        module.CHANNEL = ChannelKind(config=FakeCheck, send=lambda config, alert, context: None)
        assert set(kinds_by_type(union, "CHANNEL", ChannelKind)) == {"fake", "other"}
    finally:
        del sys.modules[module.__name__]
