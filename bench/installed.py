"""The benchmarks time statusgen as a user's install runs it: from byte-compiled modules.

`pip install` writes each module's bytecode; a checkout run with PYTHONDONTWRITEBYTECODE set (as
some machines do) would compile statusgen's source in every timed process instead."""

from __future__ import annotations

import compileall
import os
from pathlib import Path

import checker
import site_builder

ENVIRONMENT = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
"""The environment of every timed command."""


def byte_compile() -> None:
    """Compile statusgen's modules as `pip install` does, before anything is timed."""
    for package in (checker, site_builder):
        compileall.compile_dir(str(Path(package.__file__ or "").parent), quiet=1)
