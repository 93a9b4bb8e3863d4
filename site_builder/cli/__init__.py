"""`statusgen`: the one command line for both halves. Each command parses its options and calls one
public function; user mistakes (StatusgenError) print a message and exit 1, never a traceback.

One module per part of the flow: `content` (validate, compile, init), `authoring` (incident and
maintenance files), `importing` (from other tools), `measuring` (check, rollup, report), `site`
(build, serve, run, demo), `deployment` (deploy, package, gate) and `internal` (the internal site's
credentials); `common` holds what they share.
"""

from __future__ import annotations

import click

from site_builder.cli import authoring, content, deployment, importing, internal, measuring, site


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="statusgen")
def main() -> None:
    """A static status page that cannot go down with the thing it reports on."""


for command in (
    content.validate,
    content.compile_command,
    content.init,
    authoring.incident,
    authoring.maintenance,
    importing.import_group,
    measuring.check,
    measuring.rollup,
    measuring.report,
    site.build,
    site.serve,
    site.run,
    site.demo,
    deployment.deploy,
    deployment.package,
    deployment.gate,
    internal.internal_group,
):
    main.add_command(command)
