"""`statusgen demo` end to end: real checks against its local endpoints decide what the page says."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from helpers import REPO_ROOT

from site_builder.demo import run_demo


def example_site(tmp_path: Path) -> Path:
    root = tmp_path / "example"
    root.mkdir()
    shutil.copy(REPO_ROOT / "statuspage.yaml", root / "statuspage.yaml")
    shutil.copytree(REPO_ROOT / "incidents", root / "incidents")
    return root


def test_the_demo_page_shows_what_the_local_endpoints_did(tmp_path: Path) -> None:
    root = example_site(tmp_path)
    printed: list[str] = []
    folder = run_demo(root, port=0, rounds=2, serve=False, echo=printed.append)

    assert folder == root / "public"
    components = json.loads((folder / "api/v2/components.json").read_text())["components"]
    status = {c["name"]: c["status"] for c in components if not c["group"]}
    assert status["API"] == "operational"  # answers 200 at once
    assert status["Website"] == "operational"  # 200 with "Acme" in the body
    assert status["Search"] == "degraded_performance"  # answers in 0.5 s, degraded after 0.3 s
    assert status["Payments"] == "major_outage"  # answers 503 twice: failure_threshold is 2
    assert status["CDN"] == "partial_outage"  # no check; declared by the open incident

    page = (folder / "index.html").read_text(encoding="utf-8")
    assert "Partial System Outage" in page
    assert any("expected 200-299, got 503" in line for line in printed)
    assert (root / "data/summary.json").is_file()
