"""The internal site's credentials."""

from __future__ import annotations

import os

import click

from site_builder.cli.common import friendly_errors


@click.group("internal")
def internal_group() -> None:
    """The internal site for staff (`internal:` in statuspage.yaml)."""


@internal_group.command("credential")
@click.option("--user", default="staff", show_default=True, help="The user name to sign in with.")
@click.option(
    "--password-env",
    default="STATUSGEN_INTERNAL_PASSWORD",
    show_default=True,
    help="Read the password from this environment variable; when it is unset, a random one is made.",
)
@click.option(
    "--kvs-arn",
    default="<InternalCredentialsArn>",
    show_default=True,
    help="The stack's InternalCredentialsArn output, to print the aws command with it.",
)
@friendly_errors
def credential(user: str, password_env: str, kvs_arn: str) -> None:
    """Print the record to put in the CloudFront KeyValueStore for USER: a salted hash of the
    password, never the password itself."""
    from site_builder.internal.access import credential_record, new_password

    password = os.environ.get(password_env, "")
    if not password:
        password = new_password()
        click.echo(f"password: {password}  (new: {password_env} is not set; keep it in your password manager)")
    record = credential_record(password)
    click.echo(f"key: {user}")
    click.echo(f"value: {record}")
    click.echo("store it with:")
    click.echo(
        f"  aws cloudfront-keyvaluestore put-key --kvs-arn {kvs_arn} --key {user} --value '{record}' "
        f'--if-match "$(aws cloudfront-keyvaluestore describe-key-value-store --kvs-arn {kvs_arn} '
        '--query ETag --output text)"'
    )
