"""What every command shares: the `--root` option, how user mistakes are printed (a message and
exit 1, never a traceback), the clock, and how command-line paths are read."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import UTC, datetime
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from checker.errors import ContentError, StatusgenError

F = TypeVar("F", bound=Callable[..., Any])

root_option = click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path(),
    show_default=True,
    help="The status-page repository (holds statuspage.yaml and incidents/).",
)


def friendly_errors(command: F) -> F:
    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except StatusgenError as error:
            click.echo(f"error: {error}" if not isinstance(error, ContentError) else str(error), err=True)
            sys.exit(1)

    return wrapper  # type: ignore[return-value]


def now() -> datetime:
    return datetime.now(UTC)


def from_cwd(target: str | None) -> str | None:
    """A folder given on the command line, made absolute: command-line paths are relative to the
    current directory, while the pipeline resolves relative targets against the site's folder."""
    if target is None or target.startswith("s3://"):
        return target
    return str(Path(target).absolute())
