"""`statusgen init`: a new status-page repository from the files in `site_builder/scaffold/`."""

from __future__ import annotations

import importlib.resources
import shutil
from importlib.resources.abc import Traversable
from pathlib import Path

from checker.errors import StatusgenError

# Packaged without the leading dot (package data skips hidden folders); restored on copy.
_RENAMES = {"github": ".github", "gitignore": ".gitignore"}


def init_site(target: Path) -> list[Path]:
    """Write the scaffold into `target` (created if needed); refuses to overwrite a site."""
    if (target / "statuspage.yaml").exists():
        raise StatusgenError(f"{target / 'statuspage.yaml'} already exists; not overwriting it")
    written: list[Path] = []
    _copy(importlib.resources.files("site_builder") / "scaffold", target, written, top=True)
    return written


def _copy(source: Traversable, target: Path, written: list[Path], *, top: bool = False) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for entry in sorted(source.iterdir(), key=lambda e: e.name):
        if entry.name == "__pycache__":
            continue
        name = _RENAMES.get(entry.name, entry.name) if top else entry.name
        if entry.is_dir():
            _copy(entry, target / name, written)
        elif not (target / name).exists():
            with entry.open("rb") as src, (target / name).open("wb") as dst:
                shutil.copyfileobj(src, dst)
            written.append(target / name)
