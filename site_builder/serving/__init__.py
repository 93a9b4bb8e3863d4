"""The site served from one machine: the preview server on loopback, the endpoints it answers as
the Function URLs do on AWS, and the `statusgen run` loop.

    serve.py       the HTTP server on loopback: static files as a CDN serves them, plus handlers
    http_types.py  the request and response an endpoint takes and gives
    endpoints.py   the endpoints a local server answers (subscriptions, heartbeats)
    preview.py     `statusgen serve`: a site built, published to a folder and served
    run_loop.py    `statusgen run`: check, rebuild, publish and serve, on one machine
"""
