"""`statuspage.yaml`: the one file that configures a status page, as a typed model.

Unknown keys are errors. `${NAME}` references in any string are resolved from the environment at
load time (a missing variable is an error naming the key); the bundle keeps the references.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from pydantic import Field, ValidationError, field_validator

from checker.bundle import CheckerSettings, Component, SiteSettings, StrictModel
from checker.errors import Problem
from checker.secrets import MissingVariable, expand_references
from site_builder.problems import problems_from_error
from site_builder.yaml_source import LocatedYaml, load_yaml

CONFIG_FILE = "statuspage.yaml"


class SiteConfig(StrictModel):
    """The whole of `statuspage.yaml`."""

    site: SiteSettings
    """Name, address, time zone and look of the page."""
    store: str = "./data"
    """Where measurements live: a folder (relative to this file) or `s3://bucket/prefix`."""
    publish: str = "./public"
    """Where the built site goes: a folder (relative to this file) or `s3://bucket/prefix`."""
    cloudfront_distribution: str | None = None
    """CloudFront distribution id to invalidate after publishing to S3."""
    checker: CheckerSettings = CheckerSettings()
    """How often and how the checker runs."""
    components: list[Component] = Field(min_length=1)
    """What the page reports on, in display order."""

    @field_validator("store", "publish")
    @classmethod
    def _folder_or_s3(cls, value: str) -> str:
        if "://" in value and not value.startswith("s3://"):
            raise ValueError(f"must be a folder or s3://bucket/prefix (got {value!r})")
        return value


def load_config(
    root: Path, env: Mapping[str, str]
) -> tuple[SiteConfig | None, LocatedYaml | None, list[Problem]]:
    """Read and validate `root/statuspage.yaml`; every problem found is returned, not only the first."""
    path = root / CONFIG_FILE
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        return None, None, [Problem(CONFIG_FILE, 0, "", f"not found in {root} (create one with `statusgen init`)")]
    except UnicodeDecodeError as error:
        line = path.read_bytes()[: error.start].count(b"\n") + 1
        return None, None, [Problem(CONFIG_FILE, line, "", "is not valid UTF-8; save it as UTF-8")]
    located, problems = load_yaml(text, CONFIG_FILE)
    if located is None:
        return None, None, problems
    if not isinstance(located.data, dict):
        problems.append(Problem(CONFIG_FILE, 1, "", "must be a mapping of keys such as site: and components:"))
        return None, located, problems
    data = located.data
    try:
        data = expand_references(data, env)
    except MissingVariable as missing:
        path_parts = _parse_key(missing.key)
        problems.append(
            Problem(CONFIG_FILE, located.line_of(path_parts), missing.key,
                    f"environment variable {missing.name} is not set")
        )
        return None, located, problems
    problems.extend(_duplicate_ids(data, located))
    try:
        config = SiteConfig.model_validate(data)
    except ValidationError as error:
        problems.extend(problems_from_error(error, SiteConfig, located, CONFIG_FILE))
        return None, located, problems
    return (None if problems else config), located, problems


def _duplicate_ids(data: dict[str, object], located: LocatedYaml) -> list[Problem]:
    """Checked on the raw data, so a duplicate is reported alongside every other problem."""
    components = data.get("components")
    if not isinstance(components, list):
        return []
    problems = []
    seen: dict[str, int] = {}
    for index, component in enumerate(components):
        component_id = component.get("id") if isinstance(component, dict) else None
        if not isinstance(component_id, str):
            continue
        if component_id in seen:
            problems.append(
                Problem(CONFIG_FILE, located.line_of(("components", index, "id")),
                        f"components[{index}].id",
                        f"duplicate component id '{component_id}' (first used by components[{seen[component_id]}])")
            )
        seen.setdefault(component_id, index)
    return problems


def _parse_key(key: str) -> tuple[str | int, ...]:
    """`components[2].check.url` -> ("components", 2, "check", "url")."""
    parts: list[str | int] = []
    for piece in key.replace("]", "").split("."):
        name, *indexes = piece.split("[")
        if name:
            parts.append(name)
        parts.extend(int(i) for i in indexes)
    return tuple(parts)
