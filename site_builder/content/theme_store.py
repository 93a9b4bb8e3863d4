"""The site's own theme files (its `templates/`, logo and custom CSS) copied into the store.

CI builds from a git checkout; the checker's function (`rebuild: inline`) has no checkout, only the
store. So that both build the same page, CI stores the theme files next to the bundle, and the
function fetches them before it builds.
"""

from __future__ import annotations

import shutil
from pathlib import Path, PurePosixPath

from checker.bundle import SiteSettings
from checker.store import Store
from site_builder.outputs.theme import TEMPLATES_DIR

THEME_PREFIX = "theme/"
"""Store prefix of the theme files, under their path relative to the site's root."""


def theme_files(root: Path, settings: SiteSettings) -> list[str]:
    """Paths (relative to `root`, with forward slashes) of the files that style the page."""
    names: set[str] = set()
    templates = root / TEMPLATES_DIR
    if templates.is_dir():
        names.update(
            p.relative_to(root).as_posix() for p in templates.rglob("*") if p.is_file() and "__pycache__" not in p.parts
        )
    for configured in (settings.logo, settings.custom_css):
        if configured and (root / configured).is_file():
            names.add(PurePosixPath(configured).as_posix().removeprefix("./"))
    return sorted(names)


def store_theme(root: Path, settings: SiteSettings, store: Store) -> list[str]:
    """Copy the theme files into the store (and remove stored ones the site no longer has)."""
    names = theme_files(root, settings)
    for name in names:
        data = (root / name).read_bytes()
        stored = store.get(THEME_PREFIX + name)
        if stored is None or stored.data != data:
            store.put(THEME_PREFIX + name, data)
    keep = {THEME_PREFIX + name for name in names}
    for key in list(store.list(THEME_PREFIX)):
        if key not in keep:
            store.delete(key)
    return names


def fetch_theme(store: Store, folder: Path) -> Path | None:
    """Write the stored theme files into `folder` (emptied first); None when none are stored."""
    keys = list(store.list(THEME_PREFIX))
    if not keys:
        return None
    shutil.rmtree(folder, ignore_errors=True)
    for key in keys:
        relative = PurePosixPath(key.removeprefix(THEME_PREFIX))
        if relative.is_absolute() or ".." in relative.parts:
            continue  # never write outside the folder, whatever the store holds
        stored = store.get(key)
        if stored is None:
            continue  # deleted since it was listed
        target = folder.joinpath(*relative.parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(stored.data)
    return folder
