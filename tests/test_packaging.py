"""A plain (non-editable) install must carry everything the packages read at run time: the templates,
the stylesheet and the `statusgen init` scaffold (the wheel is also what Lambda gets)."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from helpers import REPO_ROOT, fixture


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
    # Every package of the source tree ships (the list in pyproject.toml is written by hand).
    packages = {p.relative_to(REPO_ROOT).as_posix() for root in ("checker", "site_builder")
                for p in (REPO_ROOT / root).rglob("__init__.py")}
    assert packages <= names, sorted(packages - names)
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "statusgen = site_builder.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()


def test_the_installed_wheel_builds_a_site_outside_the_checkout(tmp_path: Path) -> None:
    """Install the wheel into a bare folder and build the fixture site from there, so nothing can
    come from the source checkout."""
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(REPO_ROOT)],
                   check=True, capture_output=True)
    wheel = next(tmp_path.glob("statusgen-*.whl"))
    target = tmp_path / "installed"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
                   check=True, capture_output=True)
    script = (
        "import sys; sys.path.insert(0, sys.argv[1])\n"
        "from datetime import datetime, UTC; from pathlib import Path\n"
        "import site_builder\n"
        "assert site_builder.__file__.startswith(sys.argv[1]), site_builder.__file__\n"
        "from site_builder.content import load_site; from site_builder.build import build_site\n"
        "site = load_site(Path(sys.argv[2]))\n"
        "build_site(site.bundle, None, Path(sys.argv[3]), now=datetime(2026, 11, 22, 16, tzinfo=UTC))\n"
        # A module missing from the wheel would be found in the checkout (an editable install's
        # finder): every module used must come from the installed folder.
        "ours = [m.__file__ for n, m in list(sys.modules.items())\n"
        "        if n.split('.')[0] in ('checker', 'site_builder') and getattr(m, '__file__', None)]\n"
        "assert all(f.startswith(sys.argv[1]) for f in ours), [f for f in ours if not f.startswith(sys.argv[1])]\n"
    )
    out = tmp_path / "public"
    subprocess.run([sys.executable, "-c", script, str(target), str(fixture("content", "site")), str(out)],
                   check=True, cwd=tmp_path)
    assert "Fixture" in (out / "index.html").read_text(encoding="utf-8")
