"""The endpoints a local server answers besides the static files (`statusgen serve` and `run`), as
the Function URLs do on AWS: subscriptions and heartbeats."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from urllib.parse import parse_qsl

from checker.errors import StoreError
from checker.store import Store, open_store
from site_builder.content.site import Site
from site_builder.serving.http_types import Request, Response

Handler = Callable[[Request], Response]


class SiteEndpoints:
    """The endpoints a local server answers besides the static files, as the Function URLs do on
    AWS: /subscribe, /confirm and /unsubscribe (when `subscribers:` is configured) and
    /heartbeat/<component>. `update` applies a changed configuration to the running server."""

    SUBSCRIBE_PATHS = ("/subscribe", "/confirm", "/unsubscribe")

    def __init__(self, site: Site, *, env: Mapping[str, str] | None = None) -> None:
        self._env = os.environ if env is None else env
        self._subscribe: Handler | None = None
        self._store: Store = open_store(site.config.store, base=site.root)
        self.update(site)

    def update(self, site: Site) -> None:
        subscribe = None
        if site.bundle.subscribers is not None:
            from site_builder.subscribe import local_handler

            subscribe = local_handler(site.public_bundle, open_store(site.config.store, base=site.root))
        self._subscribe, self._store = subscribe, open_store(site.config.store, base=site.root)

    def handlers(self) -> dict[str, Handler]:
        mounted: dict[str, Handler] = dict.fromkeys(self.SUBSCRIBE_PATHS, self._answer_subscribe)
        mounted["/heartbeat"] = self._answer_heartbeat
        return mounted

    def _answer_subscribe(self, request: Request) -> Response:
        handle = self._subscribe
        if handle is None:
            return Response(
                404, b"Subscriptions are not enabled on this page.\n", {"Content-Type": "text/plain; charset=utf-8"}
            )
        return handle(request)

    def _answer_heartbeat(self, request: Request) -> Response:
        """`POST /heartbeat/<component>` with the job's token, answered by the checker's own
        heartbeat handler (the one behind the Function URL) from the bundle in the store."""
        from checker.handler import handle

        if request.method != "POST":
            return Response(
                405, b"Send heartbeats with POST.\n", {"Allow": "POST", "Content-Type": "text/plain; charset=utf-8"}
            )
        event = {
            "rawPath": request.path,
            "headers": dict(request.headers),
            "requestContext": {"http": {"method": request.method, "sourceIp": request.source_ip}},
            "queryStringParameters": dict(parse_qsl(request.query)),
        }
        try:
            answer = handle(event, None, store=self._store, env=self._env)
        except StoreError as error:
            return Response(503, f"{error}\n".encode(), {"Content-Type": "text/plain; charset=utf-8"})
        body = str(answer.get("body", "")).encode()
        return Response(int(answer["statusCode"]), body, {"Content-Type": "text/plain; charset=utf-8"})
