"""An imported `check:` section uses only keys the checker's own check models have."""

from __future__ import annotations

from checker.probes.http import HttpCheck
from checker.probes.tcp import TcpCheck
from site_builder.importers.common import ImportedCheck


def test_every_key_of_an_imported_check_is_a_setting_of_an_http_or_tcp_check() -> None:
    settings = {*HttpCheck.model_fields, *TcpCheck.model_fields}
    assert set(ImportedCheck.__annotations__) <= settings
