"""The manifest a publish writes is the JSON of `Manifest`, byte for byte, whatever its paths hold:
the target reads it back with that model, and a build's record compares its bytes."""

from __future__ import annotations

import pytest

from site_builder.publish.manifest import Manifest, manifest_bytes

FILES = {
    "index.html": ("a" * 64, 5120),
    "incidents/2026-11-22-api/index.html": ("b" * 64, 812),
    "de/incidents/größe/index.html": ("c" * 64, 0),
    'odd/"quoted"\\back\tslash.txt': ("d" * 64, 7),
    "emoji/\U0001f680.json": ("e" * 64, 2**40),
    "api/v2/status.json": ("f" * 64, 1),
}


@pytest.mark.parametrize("pending", [[], ["gone.html", "index.html"], ["z/late.txt", "a/early.txt"]])
def test_the_manifest_is_its_models_json_with_sorted_entries(pending: list[str]) -> None:
    written = manifest_bytes(FILES, pending)
    model = Manifest(files=dict(sorted(FILES.items())), pending=sorted(set(pending) - FILES.keys()))
    assert written == model.model_dump_json().encode()
    assert Manifest.model_validate_json(written) == model


def test_an_empty_site_has_an_empty_manifest() -> None:
    assert Manifest.model_validate_json(manifest_bytes({})) == Manifest()
