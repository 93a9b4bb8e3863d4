"""Rate limits for the subscribe endpoint: recent request times per key, in the store."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

from checker.store import Store

PREFIX = "private/ratelimit/"


def allow(store: Store, key: str, *, limit: int, window: float, now: datetime) -> bool:
    """Count one request for `key` and say whether it is within `limit` per `window` seconds.

    Refused requests are not counted, so a client that stops retrying gets through once the window
    has moved on. The key is hashed: addresses and IPs never appear in store keys.
    """
    name = PREFIX + hashlib.sha256(key.encode()).hexdigest()[:32] + ".json"
    since = now - timedelta(seconds=window)
    verdict: dict[str, bool] = {}

    def count(current: Any) -> dict[str, list[str]]:
        hits = [h for h in (current or {}).get("hits", []) if datetime.fromisoformat(h) > since]
        verdict["ok"] = len(hits) < limit
        if verdict["ok"]:
            hits.append(now.isoformat())
        return {"hits": hits}

    store.update_json(name, count)
    return verdict["ok"]
