"""Files statusgen ships beside its code: the repository's top-level `templates/` and `infra/`
folders, which a wheel carries inside the `site_builder` package (pyproject maps them there)."""

from __future__ import annotations

from pathlib import Path

from checker.errors import StatusgenError


def shipped(folder: str, name: str) -> Path:
    """`folder/name` as installed: inside the package in a wheel, beside it in a checkout."""
    package = Path(__file__).resolve().parent
    for candidate in (package / folder / name, package.parent / folder / name):
        if candidate.is_file():
            return candidate
    raise StatusgenError(f"statusgen's {folder}/{name} is missing (looked in {package / folder})")
