"""`statuspage.yaml`: the one file that configures a status page, as a typed model.

Unknown keys are errors. `${NAME}` references are resolved from the environment at load time, and a
missing variable is an error naming the key. Secrets live in the checks, alerts and subscribers
sections: those keep their references until the moment of use (a probe, a message), so building the
page never needs them, and the bundle stored for the checker never holds them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, ValidationError, field_validator

from checker.alerting.config import AlertsSettings
from checker.bundle import CheckerSettings, Component, dependency_problems
from checker.bundle import SiteSettings as BundleSiteSettings
from checker.errors import MissingVariable, Problem
from checker.header_text import HeaderText
from checker.secrets import expand_text
from checker.strict_model import StrictModel
from checker.subscriber_settings import SubscribersSettings
from site_builder.content.problems import problems_from_error
from site_builder.content.yaml_source import LocatedYaml, format_path, load_yaml

CONFIG_FILE = "statuspage.yaml"


def _supported_language(code: str) -> str:
    from site_builder.i18n.codes import SUPPORTED, unknown_language

    if code not in SUPPORTED:
        raise ValueError(unknown_language(code))
    return code


LanguageCode = Annotated[str, AfterValidator(_supported_language)]
"""A language the page can be built in: one with a message catalog."""


class SiteSettings(BundleSiteSettings):
    """`site:` as statuspage.yaml has it: what the bundle keeps, and the languages the page is
    built in, which only the builder reads (the checker's bundle does not carry them)."""

    language: LanguageCode = "en"
    """The page's main language: its interface text, and the language incident files are written in."""
    languages: list[LanguageCode] = Field(default_factory=list)
    """Languages to build besides the main one, each under its own prefix (`/de/`)."""

    @field_validator("languages")
    @classmethod
    def _no_repeats(cls, value: list[str]) -> list[str]:
        repeated = sorted({code for code in value if value.count(code) > 1})
        if repeated:
            raise ValueError(f"lists {', '.join(repeated)} more than once")
        return value

    def bundle_settings(self) -> BundleSiteSettings:
        """These settings without the builder's own keys, as the bundle holds them."""
        return BundleSiteSettings.model_validate(self.model_dump(exclude={"languages"}))


Audience = Literal["public", "internal"]
"""Who may see a component or an incident: everyone, or staff only (docs/configuration.md)."""


class SiteComponent(Component):
    """A component as statuspage.yaml has it: what the bundle keeps, and who may see it, which
    only the builder reads. The bundle's model does not carry `audience` (the checker measures
    every component alike), so CI stores the audiences beside the bundle
    (site_builder.content.audience)."""

    audience: Audience = "public"
    """`internal`: shown on the internal site only, never on the public one."""


class InternalSettings(StrictModel):
    """`internal:`: a second site for staff, with every component and incident and an operations
    view, published to its own target behind a password (docs/deploy.md)."""

    publish: str = "./internal"
    """Where the internal site goes: a folder (relative to this file) or `s3://bucket/prefix`."""
    url: HeaderText | None = None
    """Address of the internal site, for its feeds and links; default the public `site.url`."""
    cloudfront_distribution: str | None = None
    """CloudFront distribution of the internal site, invalidated after publishing to S3."""
    user: str = "staff"
    """The user name `statusgen serve` and `statusgen run` ask for."""
    password_env: str = "STATUSGEN_INTERNAL_PASSWORD"
    """Environment variable holding the password `statusgen serve` and `statusgen run` ask for."""

    @field_validator("user")
    @classmethod
    def _plain_user(cls, value: str) -> str:
        if not re.fullmatch(r"[A-Za-z0-9._-]{1,64}", value):
            raise ValueError(f"may use only letters, digits, '.', '_' and '-' (got {value!r})")
        return value

    @field_validator("password_env")
    @classmethod
    def _variable_name(cls, value: str) -> str:
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", value):
            raise ValueError(
                f"must be the name of an environment variable, such as STATUSGEN_INTERNAL_PASSWORD (got {value!r})"
            )
        return value

    @field_validator("publish")
    @classmethod
    def _folder_or_s3(cls, value: str) -> str:
        return _folder_or_s3(value)

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^https?://[^/\s]+", value):
            raise ValueError(f"must be an http(s) address such as https://status-internal.example.com (got {value!r})")
        return None if value is None else value.rstrip("/")


def _folder_or_s3(value: str) -> str:
    if "://" in value and not value.startswith("s3://"):
        raise ValueError(f"must be a folder or s3://bucket/prefix (got {value!r})")
    return value


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
    components: list[SiteComponent] = Field(min_length=1)
    """What the page reports on, in display order."""
    alerts: AlertsSettings | None = None
    """Team alerts on status changes: channels and routes (docs/notifications.md)."""
    subscribers: SubscribersSettings | None = None
    """Public subscriptions by email and webhook (docs/notifications.md)."""
    internal: InternalSettings | None = None
    """A site for staff beside the public one (docs/configuration.md); none by default."""

    @field_validator("store", "publish")
    @classmethod
    def _folder_or_s3(cls, value: str) -> str:
        return _folder_or_s3(value)


# Key paths whose references are resolved where they are used, not at load time.
DEFERRED_SECTIONS: tuple[tuple[str, ...], ...] = (("components", "*", "check"), ("alerts",), ("subscribers",))


def load_config(
    root: Path, env: Mapping[str, str], *, require: tuple[tuple[str, ...], ...] = ()
) -> tuple[SiteConfig | None, LocatedYaml | None, list[Problem]]:
    """Read and validate `root/statuspage.yaml`; every problem found is returned, not only the first.

    References outside DEFERRED_SECTIONS are resolved from `env`; those inside the sections listed
    in `require` must be resolvable too (for commands about to use them), but stay as written.
    """
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
    data = _resolve(located.data, env, (), problems, located, require)
    if problems:
        return None, located, problems
    problems.extend(_duplicate_ids(data, located))
    try:
        config = SiteConfig.model_validate(data)
    except ValidationError as error:
        problems.extend(problems_from_error(error, SiteConfig, located, CONFIG_FILE))
        return None, located, problems
    problems.extend(
        Problem(
            CONFIG_FILE,
            located.line_of(("components", index, "depends_on")),
            f"components[{index}].depends_on",
            message,
        )
        for index, message in dependency_problems(list[Component](config.components))
    )
    problems.extend(
        Problem(CONFIG_FILE, located.line_of(("internal", "publish")), "internal.publish", message)
        for message in _internal_target_problems(config, root)
    )
    return (None if problems else config), located, problems


def _resolve(
    data: Any,
    env: Mapping[str, str],
    path: tuple[str | int, ...],
    problems: list[Problem],
    located: LocatedYaml,
    require: tuple[tuple[str, ...], ...],
) -> Any:
    """`data` with references resolved outside the deferred sections; each missing one a Problem."""
    if isinstance(data, str):
        if "${" not in data:
            return data  # most values: nothing to resolve, and no path worth formatting
        deferred = _under(path, DEFERRED_SECTIONS)
        try:
            resolved = expand_text(data, env, format_path(path))
        except MissingVariable as missing:
            if not deferred or _under(path, require):
                problems.append(
                    Problem(
                        CONFIG_FILE,
                        located.line_of(path),
                        missing.key,
                        f"environment variable {missing.name} is not set",
                    )
                )
            return data
        return data if deferred else resolved
    if isinstance(data, dict):
        return {k: _resolve(v, env, (*path, k), problems, located, require) for k, v in data.items()}
    if isinstance(data, list):
        return [_resolve(v, env, (*path, i), problems, located, require) for i, v in enumerate(data)]
    return data


def _under(path: tuple[str | int, ...], sections: tuple[tuple[str, ...], ...]) -> bool:
    return any(len(path) >= len(s) and all(p == "*" or p == q for p, q in zip(s, path, strict=False)) for s in sections)


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
                Problem(
                    CONFIG_FILE,
                    located.line_of(("components", index, "id")),
                    f"components[{index}].id",
                    f"duplicate component id '{component_id}' (first used by components[{seen[component_id]}])",
                )
            )
        seen.setdefault(component_id, index)
    return problems


def _internal_target_problems(config: SiteConfig, root: Path) -> list[str]:
    """The internal site may not be published into the public one, nor the public one into it:
    a public publish would serve the staff pages, or delete them as files it does not know."""
    if config.internal is None:
        return []
    inside, public = config.internal.publish, config.publish
    if inside.startswith("s3://") != public.startswith("s3://"):
        return []
    if inside.startswith("s3://"):
        a, b = inside.rstrip("/") + "/", public.rstrip("/") + "/"
        overlap = a.startswith(b) or b.startswith(a)
    else:
        a_path, b_path = (root / inside).resolve(), (root / public).resolve()
        overlap = a_path.is_relative_to(b_path) or b_path.is_relative_to(a_path)
    if not overlap:
        return []
    return [f"{inside} overlaps publish ({public}): publish the internal site to a target of its own"]
