"""Signed links: `<payload>.<HMAC>` in base64url, for confirming and unsubscribing.

The payload holds the purpose, the subscriber's keyed id and the time of issue, nothing else: the
address cannot be read from a token, and a token for one purpose never works for another.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from datetime import UTC, datetime

from checker.errors import TokenError

CONFIRM = "confirm"
UNSUBSCRIBE = "unsubscribe"
_MIN_SECRET = 32
_PAYLOAD = re.compile(rb"([a-z]{1,20}):([0-9a-f]{1,64}):([0-9]{1,11})")
"""purpose:subscriber:issued, with the time in seconds (11 digits reach the year 5138)."""
_DAMAGED = "this link is damaged; copy the whole link from the email"


def check_secret(secret: str) -> str:
    if len(secret) < _MIN_SECRET:
        raise TokenError(f"subscribers.token_secret must be at least {_MIN_SECRET} characters long")
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


def read_token(secret: str, token: str, purpose: str, *, now: datetime, max_age: float | None = None) -> str:
    """The subscriber id in `token`; TokenError when forged, damaged, for another purpose or old.

    Nothing in the payload is parsed or length-checked until its signature has been checked (in
    constant time): a forged payload, however odd (a huge time, a missing field, 200 kB), is
    refused as not valid before anything reads it, so it can neither crash the endpoint nor
    probe how the fields are checked.
    """
    encoded, dot, signature = token.partition(".")
    try:
        payload, mac = _unb64(encoded), _unb64(signature)
    except ValueError:
        raise TokenError(_DAMAGED) from None
    if not dot or not hmac.compare_digest(mac, _mac(secret, payload)):
        raise TokenError("this link is not valid")
    token_purpose, subscriber, issued_at = _fields(payload)
    if token_purpose != purpose:
        raise TokenError("this link is not valid")
    if max_age is not None and (now - issued_at).total_seconds() > max_age:
        raise TokenError("this link has expired; subscribe again to get a new one")
    return subscriber


def _fields(payload: bytes) -> tuple[str, str, datetime]:
    """Purpose, subscriber id and time of issue of a payload this module signed."""
    match = _PAYLOAD.fullmatch(payload)
    if match is None:  # signed by us but not in today's form: a link from an older version
        raise TokenError(_DAMAGED)
    purpose, subscriber, issued = (part.decode("ascii") for part in match.groups())
    return purpose, subscriber, datetime.fromtimestamp(int(issued), UTC)


def _mac(secret: str, payload: bytes) -> bytes:
    return hmac.new(secret.encode(), payload, hashlib.sha256).digest()[:20]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    """Strict base64url: any other character is a ValueError rather than silently skipped."""
    return base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)
