"""Lambda entry point for the subscribe endpoint behind a Function URL (payload format 2.0).

Reads the bundle (its public part, see site_builder.content.audience) from the store named by
`STATUSGEN_STORE`, then hands the request to
`handle_subscribe_request`; this module only translates the event and the answer.
"""

from __future__ import annotations

import base64
import os
from typing import Any

from checker.bundle import BUNDLE_KEY, Bundle, utc_now
from checker.errors import StatusgenError
from checker.store import open_store
from site_builder.content.audience import fetch_audience
from site_builder.serving.http_types import Request, Response
from site_builder.subscribe.endpoint import handle_subscribe_request


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    store = open_store(os.environ.get("STATUSGEN_STORE", "./data"))
    data = store.get_json(BUNDLE_KEY)
    if data is None:
        return {
            "statusCode": 503,
            "headers": {"Content-Type": "text/plain"},
            "body": "The status page has not been published yet.",
            "isBase64Encoded": False,
        }
    try:
        request = request_from_event(event)
    except ValueError:  # a body that says it is base64 and is not: the client's mistake
        return _function_url_answer(
            Response(400, b"Bad request: the body is not valid base64.", {"Content-Type": "text/plain"})
        )
    try:
        # Subscriptions are the public's: an internal component is as unknown here as on the page.
        bundle = fetch_audience(store).public_bundle(Bundle.model_validate(data))
    except StatusgenError:
        return {
            "statusCode": 503,
            "headers": {"Content-Type": "text/plain"},
            "body": "Subscriptions are unavailable for a moment.",
            "isBase64Encoded": False,
        }
    return _function_url_answer(handle_subscribe_request(request, bundle=bundle, store=store, now=utc_now()))


def _function_url_answer(response: Response) -> dict[str, Any]:
    return {
        "statusCode": response.status,
        "headers": response.headers,
        "body": response.body.decode(),
        "isBase64Encoded": False,
    }


def request_from_event(event: dict[str, Any]) -> Request:
    """The request in a Function URL event; ValueError when its base64 body does not decode."""
    http = event.get("requestContext", {}).get("http", {})
    body = event.get("body") or ""
    raw = base64.b64decode(body, validate=True) if event.get("isBase64Encoded") else body.encode()
    return Request(
        method=http.get("method", "GET").upper(),
        path=event.get("rawPath") or http.get("path", "/"),
        query=event.get("rawQueryString", ""),
        body=raw,
        headers={k.lower(): v for k, v in (event.get("headers") or {}).items()},
        source_ip=http.get("sourceIp", ""),
    )
