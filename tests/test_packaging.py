"""A plain (non-editable) install must carry everything the packages read at run time: the templates,
the stylesheet and the `statusgen init` scaffold (the wheel is also what Lambda gets), and installs
the way a generated repository's workflows install it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest
import yaml

from tests.helpers import REPO_ROOT, fixture


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel built from the checkout, once for this module (in each test worker). Built from a
    copy: setuptools works in the source's `build/` folder, which two workers building at once, or
    an earlier build's leftovers, would share."""
    folder = tmp_path_factory.mktemp("wheelhouse")
    source = tmp_path_factory.mktemp("source") / "statusgen"
    shutil.copytree(
        REPO_ROOT,
        source,
        ignore=shutil.ignore_patterns(".*", "build", "*.egg-info", "__pycache__", "test-artifacts", "public"),
    )
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(folder), str(source)],
        check=True,
        capture_output=True,
    )
    return next(folder.glob("statusgen-*.whl"))


def test_the_wheel_ships_templates_static_assets_and_scaffold(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    repo_templates = {
        f"site_builder/templates/{p.relative_to(REPO_ROOT / 'templates').as_posix()}"
        for p in (REPO_ROOT / "templates").rglob("*")
        if p.is_file()
    }
    assert repo_templates, "templates/ is empty"
    assert repo_templates <= names
    assert "site_builder/scaffold/statuspage.yaml" in names
    # The stack `statusgen init` writes into a new repository and `statusgen deploy` creates.
    assert (
        zipfile.ZipFile(wheel).read("site_builder/infra/template.yaml")
        == (REPO_ROOT / "infra" / "template.yaml").read_bytes()
    )
    assert any(n.startswith("site_builder/scaffold/incidents/") for n in names)
    assert "checker/bundle.py" in names
    # Every package of the source tree ships (setup.py finds them).
    packages = {
        p.relative_to(REPO_ROOT).as_posix()
        for root in ("checker", "site_builder")
        for p in (REPO_ROOT / root).rglob("__init__.py")
    }
    assert packages <= names, sorted(packages - names)
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "statusgen = site_builder.cli:run" in zipfile.ZipFile(wheel).read(entry_points).decode()


def test_the_wheel_ships_the_message_catalogs_as_text(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    locales = REPO_ROOT / "site_builder" / "locales"
    catalogs = {p.relative_to(REPO_ROOT).as_posix() for p in locales.rglob("*.po")}
    expected = {f"site_builder/locales/{code}/LC_MESSAGES/messages.po" for code in ("en", "de", "fr", "es", "ja")}
    assert expected <= catalogs
    assert catalogs <= names, sorted(catalogs - names)
    assert not any(name.endswith(".mo") for name in names)


def test_the_installed_wheel_builds_a_site_outside_the_checkout(wheel: Path, tmp_path: Path) -> None:
    """Install the wheel into a bare folder and build the fixture site from there, so nothing can
    come from the source checkout."""
    target = tmp_path / "installed"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
        check=True,
        capture_output=True,
    )
    script = (
        "import sys; sys.path.insert(0, sys.argv[1])\n"
        "from datetime import datetime, UTC; from pathlib import Path\n"
        "import site_builder\n"
        "assert site_builder.__file__.startswith(sys.argv[1]), site_builder.__file__\n"
        "from site_builder.content.site import load_site; from site_builder.builder.site import build_site\n"
        "site = load_site(Path(sys.argv[2]))\n"
        "build_site(site.bundle, None, Path(sys.argv[3]), now=datetime(2026, 11, 22, 16, tzinfo=UTC))\n"
        # A module missing from the wheel would be found in the checkout (an editable install's
        # finder): every module used must come from the installed folder.
        "ours = [m.__file__ for n, m in list(sys.modules.items())\n"
        "        if n.split('.')[0] in ('checker', 'site_builder') and getattr(m, '__file__', None)]\n"
        "assert all(f.startswith(sys.argv[1]) for f in ours), [f for f in ours if not f.startswith(sys.argv[1])]\n"
    )
    out = tmp_path / "public"
    subprocess.run(
        [sys.executable, "-c", script, str(target), str(fixture("content", "site")), str(out)], check=True, cwd=tmp_path
    )
    assert "Fixture" in (out / "index.html").read_text(encoding="utf-8")


@pytest.mark.slow
def test_the_scaffolds_install_step_installs_the_pinned_wheel_and_runs_it(wheel: Path, tmp_path: Path) -> None:
    """A fresh virtual environment runs the generated workflow's install step against a folder of
    wheels (as a mirror or a downloaded release would serve it): the pinned version installs, and
    its `statusgen` reports that version and builds the page that `init` wrote."""
    from site_builder.start.new_site import init_site, statusgen_version

    repo = tmp_path / "my-status"
    init_site(repo)
    job = yaml.safe_load((repo / ".github/workflows/publish.yml").read_text())["jobs"]["publish"]
    install = next(s["run"] for s in job["steps"] if s.get("name") == "Install statusgen")
    pinned = job["env"]["STATUSGEN_PACKAGE"].split("'")[1]  # the default after `vars.STATUSGEN_PACKAGE ||`
    assert pinned == f"statusgen=={statusgen_version()}"

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    # No registry here: the dependencies (and pip) come from this test run's environment, through
    # a folder that holds everything of it except statusgen itself.
    shared = tmp_path / "dependencies"
    shared.mkdir()
    for entry in Path(sysconfig.get_paths()["purelib"]).iterdir():
        if "statusgen" not in entry.name and entry.suffix != ".pth":
            (shared / entry.name).symlink_to(entry)
    (Path(purelib) / "dependencies.pth").write_text(f"{shared}\n")

    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "VIRTUAL_ENV"))},
        "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
        "STATUSGEN_PACKAGE": pinned,
        "PIP_NO_INDEX": "1",
        "PIP_FIND_LINKS": str(wheel.parent),
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    }
    subprocess.run(["bash", "-ec", install], cwd=repo, env=env, check=True, capture_output=True, timeout=300)

    version = subprocess.run(
        ["statusgen", "--version"], cwd=repo, env=env, check=True, capture_output=True, text=True, timeout=60
    )
    assert statusgen_version() in version.stdout
    where = subprocess.run(
        [str(python), "-c", "import site_builder; print(site_builder.__file__)"],
        cwd=repo,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert where.startswith(str(venv)), where
    subprocess.run(
        ["statusgen", "build", "--no-notify"], cwd=repo, env=env, check=True, capture_output=True, timeout=120
    )
    assert "Example" in (repo / "public" / "index.html").read_text(encoding="utf-8")
