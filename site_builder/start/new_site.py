"""`statusgen init`: a new status-page repository from the files in `site_builder/scaffold/`."""

from __future__ import annotations

import importlib.metadata
import importlib.resources
import shutil
from importlib.resources.abc import Traversable
from pathlib import Path

from checker.errors import StatusgenError
from site_builder.shipped import shipped

# Packaged without the leading dot (package data skips hidden folders); restored on copy.
_RENAMES = {"github": ".github", "gitignore": ".gitignore"}

VERSION_PLACEHOLDER = "@STATUSGEN_VERSION@"
"""Replaced by the running statusgen's version: the workflows install the version that wrote them."""


def statusgen_version() -> str:
    return importlib.metadata.version("statusgen")


def init_site(target: Path) -> list[Path]:
    """Write the scaffold into `target` (created if needed); refuses to overwrite a site. Files that
    exist already are kept, except `.gitignore`, which gains the scaffold's lines it lacks (data/
    and outbox/ hold subscriber addresses and must never be committed)."""
    if (target / "statuspage.yaml").exists():
        raise StatusgenError(f"{target / 'statuspage.yaml'} already exists; not overwriting it")
    written: list[Path] = []
    _copy(importlib.resources.files("site_builder") / "scaffold", target, written, top=True)
    # The stack `statusgen deploy` creates, as this statusgen version knows it.
    stack = target / "infra" / "template.yaml"
    if not stack.exists():
        stack.parent.mkdir(exist_ok=True)
        shutil.copyfile(shipped("infra", "template.yaml"), stack)
        written.append(stack)
    return written


def _copy(source: Traversable, target: Path, written: list[Path], *, top: bool = False) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for entry in sorted(source.iterdir(), key=lambda e: e.name):
        if entry.name == "__pycache__":
            continue
        name = _RENAMES.get(entry.name, entry.name) if top else entry.name
        if entry.is_dir():
            _copy(entry, target / name, written)
        elif name == ".gitignore" and (target / name).exists():
            if _merge_ignores(target / name, entry.read_text(encoding="utf-8")):
                written.append(target / name)
        elif not (target / name).exists():
            text = entry.read_text(encoding="utf-8").replace(VERSION_PLACEHOLDER, statusgen_version())
            (target / name).write_text(text, encoding="utf-8")
            written.append(target / name)


def _merge_ignores(path: Path, wanted: str) -> bool:
    """Append the lines of `wanted` that `path` lacks; True when it changed."""
    current = path.read_text(encoding="utf-8")
    present = {line.strip() for line in current.splitlines()}
    missing = [line for line in wanted.splitlines() if line.strip() and line.strip() not in present]
    if not missing:
        return False
    separator = "" if not current or current.endswith("\n") else "\n"
    path.write_text(current + separator + "# statusgen\n" + "\n".join(missing) + "\n", encoding="utf-8")
    return True
