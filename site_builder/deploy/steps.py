"""`statusgen deploy`: from a configured repository to a running stack in one command.

Each step prints one line: validate the content; build the Lambda zip (or take the one given);
upload it, named by its digest, to an artifacts bucket; create or update the CloudFormation stack
through a change set (the SAM transform in `infra/template.yaml` runs inside CloudFormation, so
neither the SAM CLI nor Docker is needed); store the bundle in the data bucket; invoke the checker
once; build and publish the page; then say what a person needs next (the page's URL, the DNS
record, the heartbeat and subscribe URLs, the repository variables of the publish workflow).

A second deploy with nothing changed uploads nothing and changes nothing: the zip and the
template are stored under their digests, and an empty change set is dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from checker.errors import ContentError, DeployError, StatusgenError
from site_builder.content.site import check_site
from site_builder.deploy.artifacts import default_artifacts_bucket, digest, ensure_bucket, upload, with_code
from site_builder.deploy.first_run import first_run, next_steps
from site_builder.deploy.options import DeployOptions
from site_builder.deploy.stack import Stack, apply_change_set, aws_message, describe
from site_builder.paths import shown_path
from site_builder.shipped import shipped

if TYPE_CHECKING:
    import boto3


TEMPLATE = Path("infra") / "template.yaml"
"""Where the stack's template is, in the page's repository (`statusgen init` writes it)."""
LAMBDA_ZIP = Path("dist") / "lambda.zip"


def deploy_stack(
    options: DeployOptions,
    *,
    now: Callable[[], datetime],
    echo: Callable[[str], None],
    session: boto3.Session | None = None,
) -> Stack:
    """Deploy the repository at `options.root` to its stack; raises DeployError with one line."""
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError
    from botocore.parsers import ResponseParserError

    root = options.root
    site, problems = check_site(root, None)
    if site is None:
        raise ContentError(problems)
    echo(f"validated {len(site.bundle.components)} components, {len(site.bundle.incidents)} incidents and maintenance")
    template = _template(root, options.template)
    package = _lambda_zip(root, options.package, echo)

    session = session or boto3.Session(region_name=options.region)
    try:
        stack = _deploy_to_aws(session, options, template, package, now=now, echo=echo)
    except (BotoCoreError, ClientError, ResponseParserError) as error:
        raise DeployError(f"stack {options.stack_name}: AWS: {aws_message(error)}") from None
    for line in next_steps(stack):
        echo(line)
    return stack


def _deploy_to_aws(
    session: boto3.Session,
    options: DeployOptions,
    template: Path,
    package: Path,
    *,
    now: Callable[[], datetime],
    echo: Callable[[str], None],
) -> Stack:
    s3 = session.client("s3", region_name=options.region)
    bucket = options.artifacts_bucket or default_artifacts_bucket(session, options.region)
    ensure_bucket(s3, bucket, options.region, echo)
    code = package.read_bytes()
    code_key = f"lambda/{digest(code)}.zip"
    upload(s3, bucket, code_key, code, echo, shown=shown_path(package))
    body = with_code(template.read_text(encoding="utf-8"), f"s3://{bucket}/{code_key}", template)
    template_key = f"templates/{digest(body.encode())}.yaml"
    upload(s3, bucket, template_key, body.encode(), echo, shown=shown_path(template))
    template_url = f"https://{bucket}.s3.{options.region}.amazonaws.com/{template_key}"

    cloudformation = session.client("cloudformation", region_name=options.region)
    apply_change_set(cloudformation, options, template_url, now=now, echo=echo)
    stack = describe(cloudformation, options.stack_name, options.region)
    if options.first_run:
        first_run(session, stack, options.root, now=now, echo=echo)
    return stack


def _template(root: Path, given: Path | None) -> Path:
    """The template given, else the repository's, else the one this statusgen ships."""
    if given is not None and not given.is_file():
        raise DeployError(f"{shown_path(given)}: no such template")
    if given is not None:
        return given
    return root / TEMPLATE if (root / TEMPLATE).is_file() else shipped("infra", "template.yaml")


def _lambda_zip(root: Path, given: Path | None, echo: Callable[[str], None]) -> Path:
    if given is not None:
        if not given.is_file():
            raise DeployError(f"{shown_path(given)}: no such file; build it with `statusgen package`")
        echo(f"using {shown_path(given)} ({given.stat().st_size / 1e6:.1f} MB)")
        return given
    from site_builder.deploy.package import package_lambda

    out = root / LAMBDA_ZIP
    package_lambda(out, arch="arm64", python_version="3.12", progress=lambda step: echo(f"packaging: {step}…"))
    echo(f"packaged {shown_path(out)} ({out.stat().st_size / 1e6:.1f} MB)")
    return out


def parse_parameters(values: tuple[str, ...]) -> dict[str, str]:
    """`KEY=VALUE` pairs from the command line."""
    parameters: dict[str, str] = {}
    for value in values:
        key, sep, text = value.partition("=")
        if not sep or not key:
            raise StatusgenError(f"--parameter {value!r}: write KEY=VALUE, e.g. AlarmEmail=oncall@example.com")
        parameters[key] = text
    return parameters
