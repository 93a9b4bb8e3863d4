"""docs/architecture.md names files and folders a newcomer will open: every one must exist."""

from __future__ import annotations

import re

from tests.helpers import REPO_ROOT


def test_every_path_the_architecture_names_exists() -> None:
    text = (REPO_ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    named = set(re.findall(r"\b((?:checker|site_builder|templates|infra|tests|bench|docs)/[\w/.<>-]*)", text))
    concrete = sorted(path.rstrip("/.") for path in named if "<" not in path)
    assert len(concrete) > 20
    missing = [path for path in concrete if not (REPO_ROOT / path).exists()]
    assert missing == []
