"""`${NAME}` references: secrets stay out of git and out of the bundle, and are resolved only
where they are used (the environment locally; in Lambda the environment, filled from SSM)."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping

from checker.errors import MissingVariable

# httpx logs every request line at INFO, path and query included: a key in a check's URL or a
# Slack webhook address would reach the logs of whoever turns INFO on (Lambda's JSON logs do).
for _chatty in ("httpx", "httpcore"):
    logging.getLogger(_chatty).setLevel(logging.WARNING)

RUNTIME_CREDENTIALS = frozenset(
    {
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_SECURITY_TOKEN",
        "AWS_CONTAINER_AUTHORIZATION_TOKEN",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_LAMBDA_RUNTIME_API",
    }
)
"""The function's own credentials, in every Lambda environment: never resolved, as if unset, so a
merged check such as `headers: {X: ${AWS_SESSION_TOKEN}}` cannot send them to another host."""

# ${NAME} or ${NAME:-default} (the default also when NAME is empty); `$${` escapes a literal `${`.
REFERENCE = re.compile(r"\$(\$?)\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


class KeepReferences(Mapping[str, str]):
    """An environment under which every reference stays as written (default included): used when
    compiling the bundle, which must carry references, never the secrets behind them."""

    def __getitem__(self, name: str) -> str:
        return "${" + name + "}"

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(())

    def __len__(self) -> int:
        return 0

    def __contains__(self, name: object) -> bool:
        return True


def expand_text(text: str, env: Mapping[str, str], key: str = "") -> str:
    """`text` with every reference replaced from `env`; MissingVariable names the first unset one."""

    def replace(match: re.Match[str]) -> str:
        escaped, name, default = match.groups()
        if escaped:
            return match[0][1:]
        if isinstance(env, KeepReferences):
            return match[0]
        value = env[name] if name in env and name not in RUNTIME_CREDENTIALS else None
        # As in the shell, `:-` also replaces an empty value: a workflow's `${{ vars.NAME }}` for
        # a variable nobody set is the empty string, and must fall back to the local default.
        if value is not None and (value or default is None):
            return value
        if default is not None:
            return default
        raise MissingVariable(name, key)

    return REFERENCE.sub(replace, text) if "${" in text else text
