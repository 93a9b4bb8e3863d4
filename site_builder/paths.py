"""How a path is shown to a person: the one rule every command's output follows (light to import:
`statusgen build` uses it before anything else is loaded)."""

from __future__ import annotations

from pathlib import Path


def shown_path(path: Path | str) -> str:
    """A local folder as a person finds it: from the current directory (`./public`), absolute
    when it is elsewhere; an `s3://` target as it is."""
    if str(path).startswith("s3://"):
        return str(path)
    folder = Path(path).absolute()
    try:
        return f"./{folder.relative_to(Path.cwd()).as_posix()}".removesuffix("/.")
    except ValueError:
        return str(folder)
