"""Helpers of the deployment tests: the template as `sam deploy` hands it to CloudFormation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
from samtranslator.parser.parser import Parser
from samtranslator.translator.translator import Translator
from samtranslator.yaml_helper import yaml_parse

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "infra" / "template.yaml"
ARTIFACT_BUCKET = "artifacts"
REGION = "eu-west-1"


def translated(parameters: dict[str, str] | None = None) -> dict[str, Any]:
    """The template after the SAM transform, its code already uploaded (as `sam deploy` does)."""
    template = yaml_parse(TEMPLATE.read_text())
    template["Globals"]["Function"]["CodeUri"] = f"s3://{ARTIFACT_BUCKET}/lambda.zip"
    # The translator only reads the session's region (for ARNs); nothing is sent anywhere.
    translator = Translator(None, Parser(), boto_session=boto3.session.Session(region_name=REGION))
    result: dict[str, Any] = translator.translate(
        template, parameter_values=dict(parameters or {}), get_managed_policy_map=dict
    )
    return result
