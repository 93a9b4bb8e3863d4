"""HTTP Basic credentials for the internal site, checked the same way here (`statusgen serve` and
`statusgen run`) as by the CloudFront Function in front of the published one (infra/template.yaml).

On AWS the function compares against *records* kept in a CloudFront KeyValueStore, one per user:
`sha256:<salt>:<SHA-256 of salt + password, hex>`, never the password itself. A salted SHA-256 is
only as strong as the password behind it (the function has no budget for a slow hash), so
`statusgen internal credential` insists on long passwords and makes a random one by default.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from collections.abc import Mapping

from checker.errors import StatusgenError
from site_builder.serving.http_types import Response

SCHEME = "sha256"
MIN_PASSWORD_LENGTH = 16
REALM = "statusgen internal"


def credential_record(password: str, *, salt: str | None = None) -> str:
    """The key-value store's value for `password`: `sha256:<salt>:<digest>`."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise StatusgenError(
            f"the password has {len(password)} characters; use at least {MIN_PASSWORD_LENGTH} "
            "(leave it out and one is made for you)"
        )
    salt = salt or secrets.token_hex(16)
    return f"{SCHEME}:{salt}:{_digest(salt, password)}"


def new_password() -> str:
    """A random password of 32 URL-safe characters (about 190 bits)."""
    return secrets.token_urlsafe(24)


def record_matches(record: str, password: str) -> bool:
    """True when `password` is the one `record` was made from; in time independent of where the
    two differ."""
    scheme, _, rest = record.partition(":")
    salt, _, expected = rest.partition(":")
    return hmac.compare_digest(_digest(salt, password), expected) and scheme == SCHEME


def _digest(salt: str, password: str) -> str:
    return hashlib.sha256((salt + password).encode()).hexdigest()


def basic_credentials(header: str | None) -> tuple[str, str] | None:
    """(user, password) of an `Authorization: Basic …` header, or None when it is not one."""
    scheme, _, encoded = (header or "").strip().partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        user, colon, password = base64.b64decode(encoded.strip(), validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return (user, password) if colon else None


class BasicAuth:
    """Lets a request through with the right user and password, and answers every other one
    with 401 and the challenge that makes a browser ask. The comparison takes the same time
    whatever part of the credentials is wrong."""

    def __init__(self, user: str, password: str) -> None:
        # Kept as a salted digest, as on AWS: what is compared has the same length whatever was sent.
        self._salt = secrets.token_hex(16)
        self._password = _digest(self._salt, password)
        self._user = _digest(self._salt, user)

    def refusal(self, headers: Mapping[str, str]) -> Response | None:
        """None when `headers` carry the credentials, otherwise the 401 to send."""
        given = basic_credentials(headers.get("authorization"))
        user, password = given or ("", "")
        # Both compared every time (`&`, not `and`): a wrong user costs what a wrong password does.
        right = hmac.compare_digest(_digest(self._salt, password), self._password) & hmac.compare_digest(
            _digest(self._salt, user), self._user
        )
        if given is not None and right:
            return None
        return Response(
            401,
            b"This page is for staff: sign in with the internal site's user and password.\n",
            {
                "WWW-Authenticate": f'Basic realm="{REALM}", charset="UTF-8"',
                "Content-Type": "text/plain; charset=utf-8",
                "Cache-Control": "no-store",
            },
        )


def internal_password(variable: str, env: Mapping[str, str]) -> str:
    """The password of the internal site from the environment; a one-line error when unset."""
    password = env.get(variable, "")
    if not password:
        raise StatusgenError(
            f"internal.password_env: {variable} is not set, so the internal site is not "
            f"served; set {variable} to its password, or remove `internal:`"
        )
    return password
