"""Packaging, deploying and gating deploys on AWS."""

from __future__ import annotations

from pathlib import Path

import click

from site_builder.cli.common import friendly_errors, now, root_option


@click.command()
@click.option("--arch", type=click.Choice(["arm64", "x86_64"]), default="arm64", show_default=True)
@click.option("--python-version", default="3.12", show_default=True, help="Python of the Lambda runtime.")
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), default=Path("dist/lambda.zip"), show_default=True
)
@click.option("--without-boto3", is_flag=True, help="Rely on the runtime's boto3 (smaller zip).")
@friendly_errors
def package(arch: str, python_version: str, out: Path, without_boto3: bool) -> None:
    """Build the Lambda zip (no Docker needed): the project and its dependencies for Lambda."""
    from site_builder.deploy.package import package_lambda

    path = package_lambda(
        out,
        arch=arch,
        python_version=python_version,
        include_boto3=not without_boto3,
        progress=lambda step: click.echo(f"{step}…", err=True),
    )
    click.echo(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB)")


@click.command()
@root_option
@click.option("--stack-name", default="statusgen", show_default=True, help="The CloudFormation stack.")
@click.option("--region", required=True, envvar="AWS_REGION", show_envvar=True, help="The stack's AWS region.")
@click.option(
    "--parameter",
    "parameters",
    multiple=True,
    metavar="KEY=VALUE",
    help="A template parameter, e.g. AlarmEmail=oncall@example.com (repeatable); the others keep the stack's values.",
)
@click.option(
    "--package",
    "package_zip",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A Lambda zip built before with `statusgen package` (default: build dist/lambda.zip).",
)
@click.option(
    "--template",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The stack's template (default: infra/template.yaml in --root).",
)
@click.option(
    "--artifacts-bucket",
    help="Bucket for the zip and template (default: statusgen-artifacts-ACCOUNT-REGION, created when missing).",
)
@click.option("--no-first-run", is_flag=True, help="Only create or update the stack.")
@friendly_errors
def deploy(
    root: Path,
    stack_name: str,
    region: str,
    parameters: tuple[str, ...],
    package_zip: Path | None,
    template: Path | None,
    artifacts_bucket: str | None,
    no_first_run: bool,
) -> None:
    """Create or update the AWS stack, store the bundle, run the checker once and publish the page."""
    from site_builder.deploy.options import DeployOptions
    from site_builder.deploy.steps import deploy_stack, parse_parameters

    options = DeployOptions(
        root=root,
        stack_name=stack_name,
        region=region,
        parameters=parse_parameters(parameters),
        package=None if package_zip is None else package_zip.absolute(),
        template=None if template is None else template.absolute(),
        artifacts_bucket=artifacts_bucket,
        first_run=not no_first_run,
    )
    deploy_stack(options, now=now, echo=click.echo)


@click.command()
@click.option("--component", "component_id", required=True, help="The component whose check to run.")
@click.option("--for", "duration", default="5m", show_default=True, help="How long to keep checking.")
@click.option("--every", default="10s", show_default=True, help="Time between probes.")
@click.option("--max-failures", default=0, show_default=True, help="Failed probes tolerated.")
@root_option
@friendly_errors
def gate(component_id: str, duration: str, every: str, max_failures: int, root: Path) -> None:
    """After a deploy: probe a component repeatedly; exit 1 when it fails (for CI/CD pipelines)."""
    from site_builder.pipeline import gate_component

    result = gate_component(
        root,
        component_id,
        duration=duration,
        every=every,
        max_failures=max_failures,
        on_probe=lambda probe: click.echo(probe.describe()),
    )
    click.echo(result.summary())
