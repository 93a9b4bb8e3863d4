"""The subscribe endpoint: /subscribe, /confirm and /unsubscribe, for Lambda and `statusgen serve`."""

from site_builder.serving.http_types import Request, Response
from site_builder.subscribe.endpoint import handle_subscribe_request, local_handler

__all__ = ["Request", "Response", "handle_subscribe_request", "local_handler"]
