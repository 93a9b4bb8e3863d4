"""The function's code and the stack's template in the artifacts bucket, each stored under its digest,
so deploying the same code twice uploads nothing."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from checker.errors import DeployError
from site_builder.deploy.stack import aws_message
from site_builder.paths import shown_path

if TYPE_CHECKING:
    import boto3


_CODE_URI = re.compile(r"^(?P<indent>[ \t]+CodeUri:[ \t]*)\S.*$", re.MULTILINE)


def default_artifacts_bucket(session: boto3.Session, region: str) -> str:
    account = session.client("sts", region_name=region).get_caller_identity()["Account"]
    return f"statusgen-artifacts-{account}-{region}"


def ensure_bucket(s3: Any, bucket: str, region: str, echo: Callable[[str], None]) -> None:
    from botocore.exceptions import ClientError

    try:
        s3.head_bucket(Bucket=bucket)
        return
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") not in ("404", "NoSuchBucket"):
            raise DeployError(f"s3://{bucket}: {aws_message(error)}") from None
    location = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
    s3.create_bucket(Bucket=bucket, **location)
    s3.put_public_access_block(
        Bucket=bucket,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )
    echo(f"created the artifacts bucket s3://{bucket}")


def upload(s3: Any, bucket: str, key: str, data: bytes, echo: Callable[[str], None], *, shown: str) -> None:
    from botocore.exceptions import ClientError

    try:
        s3.head_object(Bucket=bucket, Key=key)
        echo(f"{shown}: already in s3://{bucket}/{key}")
        return
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") not in ("404", "NoSuchKey"):
            raise DeployError(f"s3://{bucket}/{key}: {aws_message(error)}") from None
    s3.put_object(Bucket=bucket, Key=key, Body=data)
    echo(f"{shown}: uploaded to s3://{bucket}/{key}")


def with_code(template: str, code_uri: str, path: Path) -> str:
    """The template with its functions' `CodeUri` pointing at the uploaded zip."""
    found = _CODE_URI.findall(template)
    if len(found) != 1:
        raise DeployError(
            f"{shown_path(path)}: expected one `CodeUri:` line (under Globals: Function:), found {len(found)}"
        )
    return _CODE_URI.sub(lambda match: f"{match['indent']}{code_uri}", template)


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:32]
