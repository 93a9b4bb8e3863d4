"""Signed links: `<payload>.<HMAC>` in base64url, for confirming and unsubscribing.

The payload holds the purpose, the subscriber's keyed id and the time of issue, nothing else: the
address cannot be read from a token, and a token for one purpose never works for another.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime

from checker.errors import TokenError

CONFIRM = "confirm"
UNSUBSCRIBE = "unsubscribe"
_MIN_SECRET = 32


def check_secret(secret: str) -> str:
    if len(secret) < _MIN_SECRET:
        raise TokenError(
            f"subscribers.token_secret must be at least {_MIN_SECRET} characters long"
        )
    return secret


def subscriber_id(secret: str, kind: str, address: str) -> str:
    """The store key of a subscriber: a keyed hash, so neither keys nor tokens reveal addresses."""
    message = f"{kind}:{normalise(address)}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()[:32]


def normalise(address: str) -> str:
    return address.strip().lower() if "@" in address and "://" not in address else address.strip()


def make_token(secret: str, purpose: str, subscriber: str, issued: datetime) -> str:
    payload = f"{purpose}:{subscriber}:{int(issued.timestamp())}".encode()
    return f"{_b64(payload)}.{_b64(_mac(secret, payload))}"


def read_token(
    secret: str, token: str, purpose: str, *, now: datetime, max_age: float | None = None
) -> str:
    """The subscriber id in `token`; TokenError when forged, damaged, for another purpose or old."""
    try:
        encoded, signature = token.split(".")
        payload = _unb64(encoded)
        valid = hmac.compare_digest(_unb64(signature), _mac(secret, payload))
        token_purpose, subscriber, issued = payload.decode().split(":")
        issued_at = datetime.fromtimestamp(int(issued), UTC)
    except (ValueError, UnicodeDecodeError):
        raise TokenError("this link is damaged; copy the whole link from the email") from None
    if not valid or token_purpose != purpose:
        raise TokenError("this link is not valid")
    if max_age is not None and (now - issued_at).total_seconds() > max_age:
        raise TokenError("this link has expired; subscribe again to get a new one")
    return subscriber


def _mac(secret: str, payload: bytes) -> bytes:
    return hmac.new(secret.encode(), payload, hashlib.sha256).digest()[:20]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
