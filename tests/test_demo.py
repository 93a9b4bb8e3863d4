"""`statusgen demo` end to end: real checks against its local endpoints decide what the page says."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from site_builder.start.demo import run_demo
from tests.helpers import REPO_ROOT


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


def test_the_demo_opens_with_believable_figures_and_labels_its_simulated_days(tmp_path: Path) -> None:
    root = example_site(tmp_path)
    printed: list[str] = []
    folder = run_demo(root, port=0, rounds=2, serve=False, echo=printed.append)

    page = (folder / "index.html").read_text(encoding="utf-8")
    figures = {
        name: float(value)
        for name, value in re.findall(
            r'<a href="components/\w+/index.html">(\w+)</a>.*?<span class="wide">([\d.]+)% uptime', page, re.S
        )
    }
    # A declared 65-minute partial outage and a 49-minute payments outage over a (simulated) 90
    # days, not over the few minutes the demo measured.
    assert set(figures) == {"API", "Website", "Search", "Payments"}
    assert all(99.0 <= value <= 100.0 for value in figures.values()), figures
    assert figures["API"] < 100.0 and figures["Payments"] < 100.0  # the incidents still count
    assert page.count("are simulated; today is measured by real checks") == 4  # each checked component
    assert any("simulated for this demo" in line for line in printed)
    # The store keeps only what was measured: nothing simulated is written to data/.
    stored = json.loads((root / "data/summary.json").read_text())
    api = next(c for c in stored["components"] if c["id"] == "api")
    assert api["uptime"]["90d"]["uptime"] < 0.9
