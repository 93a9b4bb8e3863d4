"""Lambda entry points of the deployed functions (see infra/template.yaml).

Each one loads the secrets from SSM Parameter Store into the environment (where `${NAME}`
references are resolved), then calls one function:

- `handler`: the scheduled checker. One run through `checker.handler` (which also answers heartbeat
  requests arriving through a Function URL), then, as the bundle's `checker.rebuild` says, rebuild
  and publish the site in the same invocation (`inline`: the page is fresh within a minute) or ask
  GitHub to rebuild it (`dispatch`: a `repository_dispatch` of type `check-completed`).
- `heartbeat`: the heartbeat Function URL (`POST /heartbeat/<component>`, answered by
  `checker.handler`).
- `subscribe`: the subscribe Function URL (`site_builder.subscribe.handler`).

This lives on the `site_builder` side because it builds the site; the checker never imports it.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Callable, Mapping, MutableMapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from checker.bundle import Bundle
from checker.errors import StatusgenError
from checker.handler import RunOutcome, handle, outcome_of, store_from_env
from checker.store import Store
from checker.summary import load_summary

SSM_PREFIX_VARIABLE = "STATUSGEN_SSM_PREFIX"
"""SSM path whose parameters become environment variables (`/statusgen/SLACK_URL` -> SLACK_URL)."""
SITE_VARIABLE = "STATUSGEN_SITE"
"""Where `rebuild: inline` publishes the site: `s3://bucket/prefix` (or a folder, locally)."""
DISTRIBUTION_VARIABLE = "STATUSGEN_DISTRIBUTION_ID"
"""CloudFront distribution invalidated after an inline publish."""
REBUILD_VARIABLE = "STATUSGEN_REBUILD"
"""`none` stops this function from rebuilding whatever the bundle says (checkers in extra regions:
only the primary region's checker rebuilds)."""
REBUILD_ON_VARIABLE = "STATUSGEN_REBUILD_ON"
"""`change` (default): rebuild only after a run that changed a status; `every-run`: always."""
GITHUB_REPOSITORY_VARIABLE = "STATUSGEN_GITHUB_REPOSITORY"
"""`owner/name` of the status page's repository, for `rebuild: dispatch`."""
GITHUB_TOKEN_VARIABLE = "STATUSGEN_GITHUB_TOKEN"
"""Token allowed to send repository_dispatch (keep it in SSM, never in the template)."""
GITHUB_API_VARIABLE = "STATUSGEN_GITHUB_API"
"""GitHub's API address; GitHub Enterprise Server users set theirs."""

DISPATCH_EVENT = "check-completed"
SECRETS_TTL_SECONDS = 300.0
"""A warm function re-reads SSM after this long, so a rotated secret is picked up."""


def handler(event: Mapping[str, Any], context: Any) -> dict[str, Any]:
    """AWS Lambda entry of the checker function."""
    _SECRETS.load_into(os.environ)
    return check_and_rebuild(event, context, env=os.environ)


def heartbeat(event: Mapping[str, Any], context: Any) -> dict[str, Any]:
    """AWS Lambda entry of the heartbeat function (a Function URL)."""
    if "requestContext" not in event or "rawPath" not in event:
        return {"statusCode": 400, "body": "expected a Function URL request"}
    _SECRETS.load_into(os.environ)
    return handle(event, context)


def subscribe(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """AWS Lambda entry of the subscribe function (a Function URL)."""
    _SECRETS.load_into(os.environ)
    from site_builder.subscribe.handler import handler as subscribe_handler

    return subscribe_handler(event, context)


def check_and_rebuild(
    event: Mapping[str, Any],
    context: Any,
    *,
    env: Mapping[str, str],
    store: Store | None = None,
    now: datetime | None = None,
    github_transport: httpx.BaseTransport | None = None,
    log: Callable[[str], None] = print,
    **run_options: Any,
) -> dict[str, Any]:
    """One checker invocation, then the rebuild the bundle asks for; returns the run's log line
    (with `rebuild`: what the rebuild did, when there was one).

    `run_options` go to `checker.run.run_checks` (e.g. `resolve=` and `ssl_context=` for tests and benchmarks).
    """
    store = store or store_from_env(env)
    now = now or datetime.now(UTC)
    outcome = outcome_of(event, context, store=store, env=env, now=now, log=log, **run_options)
    result = outcome.response()
    if not isinstance(outcome, RunOutcome):
        return result  # a heartbeat, or the dispatcher of a sharded run
    mode = "none" if env.get(REBUILD_VARIABLE) == "none" else outcome.bundle.checker.rebuild
    # A retried invocation reports no transition again, but the failed attempt may have died
    # before publishing: rebuild (a no-op publish when the page is already up to date).
    changed = bool(outcome.transitions) or outcome.duplicate
    if mode == "none" or not (changed or env.get(REBUILD_ON_VARIABLE) == "every-run"):
        return result
    started = time.perf_counter()
    if mode == "inline":
        # The whole site, even after a shard's worker that validated only its part of the bundle.
        result["rebuild"] = rebuild_site(outcome.stored.whole(), store, env=env, now=now)
    else:
        result["rebuild"] = request_rebuild(env, transport=github_transport)
    log(
        json.dumps(
            {
                "event": "rebuild",
                "mode": mode,
                "run_id": outcome.run_id,
                "duration_ms": round((time.perf_counter() - started) * 1000),
            }
        )
    )
    return result


def rebuild_site(bundle: Bundle, store: Store, *, env: Mapping[str, str], now: datetime) -> str:
    """Build the public site from the bundle and the store's summary and publish what changed.
    What is internal (the audiences CI stored beside the bundle) is left out; the internal site
    is built by CI (`statusgen build`), which has the checkout it needs."""
    from site_builder.builder.site import build_site
    from site_builder.content.audience import fetch_audience
    from site_builder.content.languages_store import fetch_languages
    from site_builder.content.theme_store import fetch_theme
    from site_builder.publish.publisher import publish

    target = env.get(SITE_VARIABLE)
    if not target:
        raise StatusgenError(f"rebuild: inline needs {SITE_VARIABLE} (deploy the stack with RebuildMode inline)")
    # Lambda may write only under /tmp. The folder and the build cache survive while the function
    # stays warm, so the next build renders only the pages whose inputs changed.
    scratch = Path(tempfile.gettempdir())
    # The site's own templates, logo and CSS, stored by CI (`theme_store`): the same page as CI's.
    theme = fetch_theme(store, scratch / "statusgen-theme")
    audience = fetch_audience(store)
    languages = fetch_languages(store)
    built = build_site(
        audience.public_bundle(bundle),
        audience.public_summary(load_summary(store)),
        scratch / "statusgen-site",
        now=now,
        theme=theme,
        cache=scratch / "statusgen-build-cache.json",
        languages=None if languages is None else audience.public_languages(languages),
    )
    published = publish(
        scratch / "statusgen-site",
        target,
        base=scratch,
        cloudfront_distribution=env.get(DISTRIBUTION_VARIABLE) or None,
        now=now,
    )
    return f"{built}; {published}"


def request_rebuild(env: Mapping[str, str], *, transport: httpx.BaseTransport | None = None) -> str:
    """Ask GitHub to run the repository's publish workflow (`repository_dispatch`)."""
    repository = env.get(GITHUB_REPOSITORY_VARIABLE, "")
    token = env.get(GITHUB_TOKEN_VARIABLE, "")
    if not repository or not token:
        raise StatusgenError(f"rebuild: dispatch needs {GITHUB_REPOSITORY_VARIABLE} and {GITHUB_TOKEN_VARIABLE}")
    api = env.get(GITHUB_API_VARIABLE, "https://api.github.com").rstrip("/")
    with httpx.Client(transport=transport, timeout=10.0) as client:
        response = client.post(
            f"{api}/repos/{repository}/dispatches",
            headers={
                "Authorization": f"Bearer {token}",
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": "2022-11-28",
            },
            json={"event_type": DISPATCH_EVENT},
        )
    if response.status_code != 204:
        # The token is never part of the message; GitHub's answer says what to fix.
        raise StatusgenError(
            f"GitHub refused the rebuild request for {repository}: {response.status_code} {response.text[:200]}"
        )
    return f"asked {repository} to rebuild ({DISPATCH_EVENT})"


class SsmSecrets:
    """Copies the parameters under `$STATUSGEN_SSM_PREFIX` into the environment.

    Variables set by the function's own configuration win over SSM; a warm function reads SSM
    again only after `ttl` seconds, so a rotated secret is picked up without a redeploy.
    """

    def __init__(
        self,
        *,
        ssm_client: Any = None,
        clock: Callable[[], float] = time.monotonic,
        ttl: float = SECRETS_TTL_SECONDS,
    ) -> None:
        self._client = ssm_client
        self._clock = clock
        self._ttl = ttl
        self._loaded_at: float | None = None
        self._names: set[str] = set()
        """Variables this loader set, and so may refresh."""

    def load_into(self, env: MutableMapping[str, str]) -> int:
        """Set (or refresh) the variables; returns how many were read from SSM."""
        prefix = env.get(SSM_PREFIX_VARIABLE, "").rstrip("/")
        if not prefix:
            return 0
        if self._loaded_at is not None and self._clock() - self._loaded_at < self._ttl:
            return 0
        if self._client is None:
            import boto3  # slow to import: only paid for where SSM is configured

            self._client = boto3.client("ssm")
        loaded = 0
        pages = self._client.get_paginator("get_parameters_by_path").paginate(
            Path=prefix, Recursive=True, WithDecryption=True
        )
        for page in pages:
            for parameter in page["Parameters"]:
                name = parameter["Name"].rsplit("/", 1)[-1]
                if name in env and name not in self._names:
                    continue
                env[name] = parameter["Value"]
                self._names.add(name)
                loaded += 1
        self._loaded_at = self._clock()
        return loaded


_SECRETS = SsmSecrets()
