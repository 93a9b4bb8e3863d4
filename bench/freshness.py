"""Benchmark: time from an outage to the public page showing it, with `rebuild: inline`.

Everything AWS is moto's threaded server over real HTTP on 127.0.0.1 (S3 for the data and site
buckets, CloudFront for the invalidation); the service is a loopback HTTP server that starts
answering 503 at a known moment. The checker's Lambda entry point (`site_builder.lambda_entry`)
is driven on a 60 s schedule with an injected clock: an invocation that starts at simulated time
t finishes at t + its real duration, and that is when its uploads are visible. After each
invocation the site bucket is read: the freshness is the first finish time at which
`api/v2/status.json` (and, separately, `index.html`) shows the outage, minus the outage time.

Each trial starts the outage at a different offset into the schedule's minute; the figures printed
are per trial and the median. Not simulated: CloudFront's own invalidation time and a cold start.

    python bench/freshness.py [--threshold 1] [--offsets 5,15,30,45,55] [--components 20]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

INTERVAL = 60.0
START = datetime(2026, 11, 22, 15, 0, tzinfo=UTC)
REGION = "us-east-1"


class Service:
    """A loopback HTTP service that can be switched to answering 503."""

    def __init__(self) -> None:
        self.down = False
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(503 if service.down else 200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/health"


def bundle(components: int, threshold: int) -> dict[str, Any]:
    entries = [
        {"id": "api", "name": "API", "check": {"type": "http", "url": "${SERVICE_URL}", "timeout": 2}},
    ]
    entries += [
        {
            "id": f"service-{i}",
            "name": f"Service {i}",
            "group": "Platform",
            "check": {"type": "http", "url": "${HEALTHY_URL}", "timeout": 2},
        }
        for i in range(1, components)
    ]
    return {
        "format": 1,
        "site": {"name": "Example", "url": "https://status.example.com"},
        "checker": {"interval": INTERVAL, "failure_threshold": threshold, "rebuild": "inline"},
        "components": entries,
        "incidents": [],
    }


def shows_outage(s3: Any, bucket: str, prefix: str) -> tuple[bool, bool]:
    """(status.json shows it, index.html shows it), read from the site bucket."""

    def read(key: str) -> str:
        try:
            body = s3.get_object(Bucket=bucket, Key=f"{prefix}/{key}")["Body"].read()
        except s3.exceptions.NoSuchKey:
            return ""
        return str(body.decode())

    status = read("api/v2/status.json")
    indicator = json.loads(status)["status"]["indicator"] if status else "none"
    return indicator != "none", "Major Outage" in read("index.html")


def trial(
    s3: Any,
    distribution: str,
    service: Service,
    healthy: Service,
    *,
    name: str,
    offset: float,
    components: int,
    threshold: int,
) -> tuple[float, float, float]:
    """(seconds to status.json, seconds to index.html, duration of the invocation that published
    the outage) for one outage starting `offset` seconds after a scheduled run."""
    from checker.bundle import BUNDLE_KEY
    from checker.store import open_store
    from site_builder.lambda_entry import check_and_rebuild

    store = open_store(f"s3://statusgen-data/{name}")
    store.put_json(BUNDLE_KEY, bundle(components, threshold))
    env = {
        "SERVICE_URL": service.url,
        "HEALTHY_URL": healthy.url,
        "AWS_REGION": REGION,
        "STATUSGEN_SITE": f"s3://statusgen-site/{name}",
        "STATUSGEN_DISTRIBUTION_ID": distribution,
    }
    service.down = False
    # Three healthy minutes; the first run publishes the page (as CI would on a merge).
    for minute in (-3, -2, -1):
        env["STATUSGEN_REBUILD_ON"] = "every-run" if minute == -3 else "change"
        at = START + timedelta(minutes=minute)
        check_and_rebuild({"id": f"{name}-warm-up{minute}"}, None, env=env, store=store, now=at, log=lambda line: None)
    if any(shows_outage(s3, "statusgen-site", name)):
        raise SystemExit("the page shows an outage before it started")
    outage_at = offset
    found: dict[str, float] = {}
    publishing = 0.0
    minute = 0
    while len(found) < 2 and minute < 10:
        scheduled = minute * INTERVAL
        service.down = scheduled >= outage_at
        started = time.perf_counter()
        check_and_rebuild(
            {"id": f"{name}-{minute}"},
            None,
            env=env,
            store=store,
            now=START + timedelta(seconds=scheduled),
            log=lambda line: None,
        )
        elapsed = time.perf_counter() - started
        json_shows, page_shows = shows_outage(s3, "statusgen-site", name)
        if json_shows and "json" not in found:
            publishing = elapsed
        if json_shows:
            found.setdefault("json", scheduled + elapsed - outage_at)
        if page_shows:
            found.setdefault("page", scheduled + elapsed - outage_at)
        minute += 1
    if len(found) < 2:
        raise SystemExit(f"trial {name}: the outage never reached the page")
    return found["json"], found["page"], publishing


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threshold", type=int, default=1, help="failure_threshold")
    parser.add_argument(
        "--offsets", default="5,15,30,45,55", help="seconds into the schedule's minute when the outage starts"
    )
    parser.add_argument("--components", type=int, default=20)
    args = parser.parse_args()

    from moto.server import ThreadedMotoServer

    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    moto.start()
    host, port = moto.get_host_and_port()
    os.environ.update(
        {
            "AWS_ENDPOINT_URL": f"http://{host}:{port}",
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": REGION,
        }
    )
    os.environ.pop("AWS_PROFILE", None)
    import boto3

    s3 = boto3.client("s3")
    for bucket in ("statusgen-data", "statusgen-site"):
        s3.create_bucket(Bucket=bucket)
    distribution = boto3.client("cloudfront").create_distribution(
        DistributionConfig={
            "CallerReference": "freshness",
            "Comment": "",
            "Enabled": True,
            "Origins": {
                "Quantity": 1,
                "Items": [
                    {
                        "Id": "site",
                        "DomainName": "statusgen-site.s3.amazonaws.com",
                        "S3OriginConfig": {"OriginAccessIdentity": ""},
                    }
                ],
            },
            "DefaultCacheBehavior": {"TargetOriginId": "site", "ViewerProtocolPolicy": "allow-all"},
        }
    )["Distribution"]["Id"]
    service, healthy = Service(), Service()

    print(f"failure_threshold {args.threshold}, {args.components} components, schedule every {INTERVAL:.0f} s")
    json_times, page_times, durations = [], [], []
    try:
        for index, offset in enumerate(float(o) for o in args.offsets.split(",")):
            to_json, to_page, publishing = trial(
                s3,
                distribution,
                service,
                healthy,
                name=f"trial-{index}",
                offset=offset,
                components=args.components,
                threshold=args.threshold,
            )
            json_times.append(to_json)
            page_times.append(to_page)
            durations.append(publishing)
            print(f"outage at +{offset:4.0f} s: status.json after {to_json:5.1f} s, index.html after {to_page:5.1f} s")
    finally:
        moto.stop()
    print(
        f"median: status.json {statistics.median(json_times):.1f} s, "
        f"index.html {statistics.median(page_times):.1f} s; "
        f"worst {max(page_times):.1f} s; the publishing invocation took a median "
        f"{statistics.median(durations):.2f} s (check, build, upload, invalidation)"
    )


if __name__ == "__main__":
    main()
