"""`python -m site_builder.cli`: the same as the `statusgen` command."""

from site_builder.cli import run

run()
