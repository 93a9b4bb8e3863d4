"""A plain (non-editable) install must carry everything the packages read at run time: the templates,
the stylesheet and the `statusgen init` scaffold (the wheel is also what Lambda gets)."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from helpers import REPO_ROOT


def test_the_wheel_ships_templates_static_assets_and_scaffold(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path),
         str(REPO_ROOT)],
        check=True, capture_output=True,
    )
    wheel = next(tmp_path.glob("statusgen-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    repo_templates = {
        f"site_builder/templates/{p.relative_to(REPO_ROOT / 'templates').as_posix()}"
        for p in (REPO_ROOT / "templates").rglob("*") if p.is_file()
    }
    assert repo_templates, "templates/ is empty"
    assert repo_templates <= names
    assert "site_builder/scaffold/statuspage.yaml" in names
    assert any(n.startswith("site_builder/scaffold/incidents/") for n in names)
    assert "checker/bundle.py" in names
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "statusgen = site_builder.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()
